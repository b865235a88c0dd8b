// The files the end-to-end test uploads, written into OUT: a sampled face re-encoded by
// Chromium as a non-square JPEG (so the crop and resize path is exercised), a real photo from
// ../shared/data/faces when that folder is there, and the bad and odd files.

import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OUT, cliSample } from './cli.mjs';

// A real face photo, if ../shared/data/faces/lfw is there.
function findSharedFace() {
  const dir = resolve('../shared/data/faces/lfw');
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true }).slice(0, 50)) {
    const path = join(dir, entry.name);
    if (entry.isFile() && /\.jpe?g$/i.test(entry.name)) return path;
    if (entry.isDirectory()) {
      const jpg = readdirSync(path).find((f) => /\.jpe?g$/i.test(f));
      if (jpg) return join(path, jpg);
    }
  }
  return null;
}

// Where each input lies; known before they are written, so tests can be named after them.
export const INPUTS = {
  jpeg: join(OUT, 'face.jpg'),
  shared: findSharedFace(),
  corrupt: join(OUT, 'corrupt.jpg'),
  notImage: join(OUT, 'not-an-image.png'),
  heic: join(OUT, 'phone.heic'),
  huge: join(OUT, 'huge-header.png'),
  big: join(OUT, 'big.jpg'),
  empty: join(OUT, 'empty.jpg'),
  tiny: join(OUT, 'tiny-8x8.png'),
  white: join(OUT, 'white-96.png'),
};

export async function writeInputs(context) {
  mkdirSync(OUT, { recursive: true });
  const sampled = cliSample(1, 11, 0.6, 'sampled-face.png');
  const page = await context.newPage();
  const jpegUrl = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 180;
    canvas.height = 130;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#6d7a88';
    ctx.fillRect(0, 0, 180, 130);
    ctx.drawImage(img, 25, 0, 130, 130);
    return canvas.toDataURL('image/jpeg', 0.92);
  }, readFileSync(sampled).toString('base64'));
  await page.close();
  writeFileSync(INPUTS.jpeg, Buffer.from(jpegUrl.split(',')[1], 'base64'));
  const bytes = readFileSync(INPUTS.jpeg);
  writeFileSync(INPUTS.corrupt, bytes.subarray(0, Math.floor(bytes.length / 3)));
  writeFileSync(INPUTS.notImage, 'this is not an image, only text with a .png name\n');
  // A HEIC file's first box (ftyp, brands heic and mif1), as a phone writes it.
  writeFileSync(INPUTS.heic, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]));
  writeFileSync(INPUTS.huge, hugeHeaderPng());
  const fd = openSync(INPUTS.big, 'w'); // sparse: takes no disk space
  ftruncateSync(fd, 300 * 1024 * 1024);
  closeSync(fd);
  writeFileSync(INPUTS.empty, '');
  // An 8x8 PNG, its left half transparent: scored enlarged, with its transparency flattened.
  writeFileSync(INPUTS.tiny, await canvasPng(context, 8, 8, (ctx) => {
    for (let y = 0; y < 8; y++) {
      for (let x = 4; x < 8; x++) {
        ctx.fillStyle = `rgb(${(x * 53 + y * 31) % 256}, ${(x * 17 + y * 71) % 256}, ${(x * 97 + y * 13) % 256})`;
        ctx.fillRect(x, y, 1, 1);
      }
    }
  }));
  // A blank white image, whose density puts bits/dim below zero.
  writeFileSync(INPUTS.white, await canvasPng(context, 96, 96, (ctx) => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 96, 96);
  }));
}

// A PNG drawn by Chromium: `paint(ctx)` runs in the page, on a transparent canvas.
async function canvasPng(context, width, height, paint) {
  const page = await context.newPage();
  const url = await page.evaluate(([w, h, body]) => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    new Function('ctx', body)(canvas.getContext('2d')); // eslint-disable-line no-new-func
    return canvas.toDataURL('image/png');
  }, [width, height, `(${paint.toString()})(ctx);`]);
  await page.close();
  return Buffer.from(url.split(',')[1], 'base64');
}

// A valid PNG signature and IHDR claiming 30000x30000 pixels, no image data.
function hugeHeaderPng() {
  const ihdr = Buffer.alloc(17);
  ihdr.write('IHDR', 0, 'latin1');
  ihdr.writeUInt32BE(30000, 4);
  ihdr.writeUInt32BE(30000, 8);
  ihdr.set([8, 2, 0, 0, 0], 12);
  let crc = 0xffffffff;
  for (const byte of ihdr) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const out = Buffer.alloc(8 + 4 + 17 + 4);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  out.writeUInt32BE(13, 8);
  ihdr.copy(out, 12);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 29);
  return out;
}
