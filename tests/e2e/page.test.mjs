// End-to-end test of the built page (dist/, from `trunk build --release`) in headless
// Chromium, served on 127.0.0.1. Three scenarios: `webgpu` (?backend=webgpu: WebGPU even on
// SwiftShader, the software adapter of a machine without a GPU), `auto` (the page as a
// visitor opens it: WebGPU on a GPU, the CPU backend with a note saying why elsewhere) and
// `cpu` (?backend=cpu on one worker, ?workers=1, and on two, ?workers=2: the first grid, a
// split Generate and a score against the CLI; and a bad ?workers value). Run by
// scripts/test.sh:
//
//   node tests/e2e/page.test.mjs            # REALNVP_BIN=target/debug/realnvp by default
//   E2E_BACKENDS=auto node tests/e2e/page.test.mjs    # one scenario only
//
// Checks: the page reports a backend; Generate draws a grid that is neither blank nor
// uniform while the main thread stays responsive; an uploaded face photo shows #bpd equal
// to `realnvp score` on the same file (within 0.01); bad files (corrupt JPEG, not an image, a header claiming 30000x30000
// pixels, a 300 MB file) fill #error and the error line beside the file input, clear the
// previous photo's results, and Generate still works afterwards; no request fails (no
// favicon 404) and the console stays clean. On the CPU page besides: the crop box by
// keyboard, visible focus, the intro's backend, a corner's error naming the corner, score
// warnings (an 8x8 PNG with transparency), a blank image's negative bits/dim not called a
// code length; notices for bad URL parameters; a weight file too large for the page refused
// with the reason; every module the page imports is shipped in dist/. Screenshots go
// to $E2E_OUT (runs/e2e).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  canvasHash, canvasStats, launch, mainThreadBlockedMs, metrics, openPage, outline, runGrid, startServer, tabTo, text,
  waitForBackend, waitReady,
} from './harness.mjs';

const OUT = resolve(process.env.E2E_OUT || 'runs/e2e');
const BIN = resolve(process.env.REALNVP_BIN || 'target/debug/realnvp');
const WEIGHTS = resolve('model-weights/faces64.safetensors');
const SLOW = 15 * 60_000; // SwiftShader and the wasm CPU backend are slow: generous waits
// Which scenarios to run: `auto` (WebGPU, or whatever the page falls back to) and `cpu`.
const BACKENDS = (process.env.E2E_BACKENDS || 'webgpu,auto,cpu').split(',');

mkdirSync(OUT, { recursive: true });
let passed = 0;
let failed = 0;

async function check(name, body) {
  const t = Date.now();
  try {
    await body();
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.stack || err}`);
  }
}

function cliScore(file) {
  const out = execFileSync(BIN, ['score', '--json', '--weights', WEIGHTS, file], { encoding: 'utf8' });
  const line = JSON.parse(out.trim().split('\n')[0]);
  assert.ok(typeof line.bits_per_dim === 'number', `realnvp score gave no bits/dim: ${out}`);
  return line.bits_per_dim;
}

// Test inputs. The face photo: a real one from ../shared/data/faces when that folder is
// there, and always a sampled face (from the CLI) that Chromium re-encodes as a non-square
// JPEG, so the crop and resize path is exercised.
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

async function makeInputs(context) {
  const sampled = join(OUT, 'sampled-face.png');
  execFileSync(BIN, ['sample', '--weights', WEIGHTS, '--n', '1', '--seed', '11', '--temperature', '0.6', '--out', sampled]);
  const page = await context.newPage();
  const png = readFileSync(sampled).toString('base64');
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
  }, png);
  await page.close();
  const jpeg = join(OUT, 'face.jpg');
  writeFileSync(jpeg, Buffer.from(jpegUrl.split(',')[1], 'base64'));
  const bytes = readFileSync(jpeg);
  const corrupt = join(OUT, 'corrupt.jpg');
  writeFileSync(corrupt, bytes.subarray(0, Math.floor(bytes.length / 3)));
  const notImage = join(OUT, 'not-an-image.png');
  writeFileSync(notImage, 'this is not an image, only text with a .png name\n');
  const huge = join(OUT, 'huge-header.png');
  writeFileSync(huge, hugeHeaderPng());
  const big = join(OUT, 'big.jpg'); // sparse: takes no disk space
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 300 * 1024 * 1024);
  closeSync(fd);
  const empty = join(OUT, 'empty.jpg');
  writeFileSync(empty, '');
  // An 8x8 PNG, its left half transparent: scored enlarged, with its transparency flattened.
  const tiny = join(OUT, 'tiny-8x8.png');
  writeFileSync(tiny, await canvasPng(context, 8, 8, (ctx) => {
    for (let y = 0; y < 8; y++) {
      for (let x = 4; x < 8; x++) {
        ctx.fillStyle = `rgb(${(x * 53 + y * 31) % 256}, ${(x * 17 + y * 71) % 256}, ${(x * 97 + y * 13) % 256})`;
        ctx.fillRect(x, y, 1, 1);
      }
    }
  }));
  // A blank white image, whose density puts bits/dim below zero.
  const white = join(OUT, 'white-96.png');
  writeFileSync(white, await canvasPng(context, 96, 96, (ctx) => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 96, 96);
  }));
  return { jpeg, shared: findSharedFace(), corrupt, notImage, huge, big, empty, tiny, white };
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

// The page's first grid (seed 1, temperature 0.7) against `realnvp sample` with the same
// settings: same latents, same layout (2-pixel white gaps), so the same picture up to float
// rounding between backends.
async function compareWithCli(page, n, seed = 1) {
  const out = join(OUT, `cli-sample-${n}-seed${seed}.png`);
  execFileSync(BIN, ['sample', '--weights', WEIGHTS, '--n', String(n), '--seed', String(seed), '--temperature', '0.7', '--out', out]);
  const b64 = readFileSync(out).toString('base64');
  return page.evaluate(async (data) => {
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    const cli = document.createElement('canvas');
    cli.width = img.width;
    cli.height = img.height;
    cli.getContext('2d').drawImage(img, 0, 0);
    const samples = document.getElementById('samples');
    if (samples.width !== cli.width || samples.height !== cli.height) {
      return { error: `page grid ${samples.width}x${samples.height}, CLI grid ${cli.width}x${cli.height}` };
    }
    const a = cli.getContext('2d').getImageData(0, 0, cli.width, cli.height).data;
    const b = samples.getContext('2d').getImageData(0, 0, cli.width, cli.height).data;
    let off = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d > 2) off++;
      max = Math.max(max, d);
    }
    return { off: off / a.length, max };
  }, b64);
}

function assertFaces(stats, what) {
  assert.ok(stats.width > 0 && stats.height > 0, `${what}: empty canvas`);
  assert.ok(stats.white < 0.5, `${what}: mostly blank (${(stats.white * 100).toFixed(0)}% white)`);
  assert.ok(stats.std > 15, `${what}: nearly uniform (std ${stats.std.toFixed(1)})`);
  assert.ok(stats.colours > 500, `${what}: only ${stats.colours} colours`);
}

async function upload(page, file, timeout) {
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(
    () => document.getElementById('bpd').textContent.trim() !== '' || document.getElementById('error').textContent.trim() !== '',
    null,
    { timeout, polling: 100 },
  );
  const error = await text(page, 'error');
  assert.equal(error, '', `uploading ${file} failed: ${error}`);
  return Number(await text(page, 'bpd'));
}

// A file the page refuses: the message shows in #error and beside the file input, and
// nothing of the previous photo's results stays on screen.
async function expectRejected(page, file, pattern) {
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(() => document.getElementById('error').textContent.trim() !== '', null, { timeout: 60_000, polling: 100 });
  const error = await text(page, 'error');
  assert.match(error, pattern, `unexpected message for ${file}`);
  assert.equal(await text(page, 'score-error'), error, 'the error must also show beside the file input');
  const beside = await page.$eval('#score-error', (el) => ({
    visible: !el.hidden && el.getBoundingClientRect().height > 0,
    alert: el.getAttribute('role'),
    nearUpload: Boolean(el.closest('#drop')?.contains(document.getElementById('upload'))),
  }));
  assert.deepEqual(beside, { visible: true, alert: 'alert', nearUpload: true }, 'the error line beside the file input');
  await assertResultsCleared(page);
  return error;
}

async function assertResultsCleared(page) {
  const left = await page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const blank = (canvas) => canvas.width === 0 || canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.every((v) => v === 0);
    return {
      bpd: $('bpd').textContent.trim(),
      photoPanelHidden: $('photo-panel').hidden,
      photoBlank: blank($('photo')),
      reconBlank: blank($('recon')),
      cropBlank: blank($('crop')),
      perScale: $('per-scale').rows.length,
      warningsHidden: $('score-warnings').hidden,
      reconInfo: $('recon-info').textContent.trim(),
      validationMarker: Boolean(document.querySelector('#validation-strip .marker')),
    };
  });
  assert.deepEqual(left, {
    bpd: '', photoPanelHidden: true, photoBlank: true, reconBlank: true, cropBlank: true, perScale: 0, warningsHidden: true,
    reconInfo: '', validationMarker: false,
  }, 'a failed upload must clear the previous photo and its results');
}

// No failed request (a /favicon.ico 404 included), no page error, no console error.
function assertNoProblems(problems) {
  assert.deepEqual(problems, [], `browser problems:\n  ${problems.join('\n  ')}`);
}

async function scenario(context, base, label, query, inputs) {
  const { page, problems } = await openPage(context, `${base}${query}`);
  let backend = '';
  await check(`${label}: the page loads and reports a backend`, async () => {
    backend = await waitForBackend(page, 120_000);
    assert.match(backend, label === 'webgpu' ? /^webgpu/ : /^(webgpu|cpu)/);
    console.log(`     #backend: ${backend}`);
    if (backend.startsWith('cpu')) {
      // A visitor is told why the page is not on the GPU.
      const note = await text(page, 'backend-note');
      assert.match(note, /software renderer|does not offer WebGPU|WebGPU failed|no WebGPU/i, `CPU fallback without a reason: "${note}"`);
      console.log(`     note: ${note}`);
    }
    await waitReady(page, SLOW);
    assert.equal(await text(page, 'error'), '');
    assertFaces(await canvasStats(page, 'samples'), 'first grid');
  });

  await check(`${label}: the first grid shows the faces of realnvp sample with the same seed`, async () => {
    const n = await page.$eval('#count', (el) => Number(el.value));
    await sameAsCli(page, n, 1);
  });

  await check(`${label}: Generate draws a grid that is neither blank nor uniform`, async () => {
    const first = await canvasHash(page, 'samples');
    await page.fill('#seed', '2');
    // The model runs in a worker: the page stays responsive while it works.
    const blocked = await mainThreadBlockedMs(page, () => runGrid(page, 'generate', 'samples', SLOW));
    const stats = await canvasStats(page, 'samples');
    assertFaces(stats, 'generated grid');
    assert.notEqual(await canvasHash(page, 'samples'), first, 'a new seed must give new faces');
    console.log(`     ${await text(page, 'gen-time')}; pixel std ${stats.std.toFixed(1)}, ${stats.colours} colours; main thread blocked at most ${blocked} ms`);
    assert.ok(blocked < 1500, `the main thread was blocked for ${blocked} ms during Generate`);
  });

  // A real face photo too when ../shared/data is there (not on forced software WebGPU: slow).
  const thorough = label !== 'webgpu';
  const photos = thorough && inputs.shared ? [inputs.jpeg, inputs.shared] : [inputs.jpeg];
  for (const photo of photos) {
    await check(`${label}: #bpd of ${photo.split('/').pop()} equals realnvp score within 0.01`, async () => {
      const want = cliScore(photo);
      const got = await upload(page, photo, SLOW);
      console.log(`     page ${got}, CLI ${want}`);
      assert.ok(Math.abs(got - want) <= 0.01, `page ${got} vs CLI ${want}`);
      await page.waitForFunction(() => /input|rounding/.test(document.getElementById('recon-info').textContent), null, { timeout: SLOW });
      const recon = await canvasStats(page, 'recon');
      assert.ok(recon.std > 5, 'the reconstruction is blank');
    });
  }
  await page.screenshot({ path: join(OUT, `page-${label}.png`), fullPage: true });

  await check(`${label}: bad files fill #error and the line beside the file input, clear the old results, and Generate still works afterwards`, async () => {
    const messages = [
      await expectRejected(page, inputs.corrupt, /decod|corrupt|truncat|end of|invalid/i),
      await expectRejected(page, inputs.notImage, /not an image/i),
      await expectRejected(page, inputs.huge, /30000x30000/),
      await expectRejected(page, inputs.big, /limit/i),
    ];
    messages.forEach((m) => console.log(`     #error: ${m}`));
    await page.fill('#seed', '3');
    await runGrid(page, 'generate', 'samples', SLOW);
    assert.equal(await text(page, 'error'), '', '#error is cleared by a successful Generate');
    assertFaces(await canvasStats(page, 'samples'), 'grid after the bad files');
  });

  // A 9-face grid: 20 s on the CPU backend here; SwiftShader takes ~17 s a face.
  if (thorough) {
    await check(`${label}: Interpolate draws the grid between four corners`, async () => {
      await page.selectOption('#steps', '3');
      await runGrid(page, 'interpolate', 'interpolation', SLOW);
      assertFaces(await canvasStats(page, 'interpolation'), 'interpolation');
      console.log(`     ${await text(page, 'interp-time')}`);
    });
  }
  await page.screenshot({ path: join(OUT, `page-${label}-end.png`), fullPage: true });
  const m = await metrics(page);
  console.log(`     metrics: first faces ${m.firstFacesMs} ms, generations ${m.generations.map((g) => Math.round(g.ms)).join(', ')} ms, scores ${m.scores.map((s) => Math.round(s.ms)).join(', ')} ms`);
  await check(`${label}: no request failed (no favicon 404) and the console shows no error`, () => assertNoProblems(problems));
  await page.close();
  return backend;
}

async function sameAsCli(page, n, seed) {
  const diff = await compareWithCli(page, n, seed);
  assert.ok(!diff.error, diff.error);
  console.log(`     ${(diff.off * 100).toFixed(3)}% of sub-pixels differ by more than 2 (largest difference ${diff.max})`);
  assert.ok(diff.off < 0.01, `${(diff.off * 100).toFixed(2)}% of sub-pixels differ from the CLI's grid`);
}

// ?backend=cpu&workers=N: the page starts N CPU workers and says it was asked to; the grid
// is the CLI's however the workers split it, and scores still match `realnvp score`.
async function forcedCpu(context, base, workers, inputs) {
  const label = `cpu, ${workers} worker${workers === 1 ? '' : 's'}`;
  const { page, problems } = await openPage(context, `${base}?backend=cpu&workers=${workers}&n=4`);
  await check(`${label}: ?backend=cpu&workers=${workers} starts ${workers} CPU worker(s) and draws the first grid`, async () => {
    const backend = await waitForBackend(page, 120_000);
    console.log(`     #backend: ${backend}`);
    assert.match(backend, new RegExp(`^cpu · .*\\b${workers} workers?$`));
    assert.match(await text(page, 'backend-note'), /requested with \?backend=cpu/);
    await waitReady(page, SLOW);
    assert.equal(await text(page, 'error'), '');
    assertFaces(await canvasStats(page, 'samples'), 'first grid');
    const m = await metrics(page);
    assert.equal(m.workers, workers);
    console.log(`     ${await text(page, 'gen-time')}; faces per worker ${JSON.stringify(m.firstGrid.facesPerWorker)}`);
  });

  await check(`${label}: the first grid shows the faces of realnvp sample with the same seed`, () => sameAsCli(page, 4, 1));

  await check(`${label}: Generate is drawn by ${workers} worker(s) and is the grid of realnvp sample`, async () => {
    await page.fill('#seed', '2');
    await runGrid(page, 'generate', 'samples', SLOW);
    const last = (await metrics(page)).generations.at(-1);
    console.log(`     ${await text(page, 'gen-time')}; faces per worker ${JSON.stringify(last.facesPerWorker)}`);
    assert.equal(last.workers, workers, `faces per worker ${JSON.stringify(last.facesPerWorker)}`);
    await sameAsCli(page, 4, 2);
  });

  await check(`${label}: #bpd of ${inputs.jpeg.split('/').pop()} equals realnvp score within 0.01`, async () => {
    const want = cliScore(inputs.jpeg);
    const got = await upload(page, inputs.jpeg, SLOW);
    console.log(`     page ${got}, CLI ${want}; ${await text(page, 'score-time')}`);
    assert.ok(Math.abs(got - want) <= 0.01, `page ${got} vs CLI ${want}`);
    await page.waitForFunction(() => /input|rounding/.test(document.getElementById('recon-info').textContent), null, { timeout: SLOW });
    assert.ok((await canvasStats(page, 'recon')).std > 5, 'the reconstruction is blank');
  });
  if (workers === 1) await pageBehaviour(page, inputs);
  else await facePanel(page, inputs);
  await check(`${label}: no request failed (no favicon 404) and the console shows no error`, () => assertNoProblems(problems));
  await page.close();
}

// The CLI's strip (`realnvp edit`, or any grid PNG) as RGBA tiles, decoded by the browser.
async function pngTiles(page, file, count, cols) {
  const b64 = readFileSync(file).toString('base64');
  return page.evaluate(async ({ data, count, cols }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const pad = 2;
    const size = (img.width - (cols + 1) * pad) / cols;
    return Array.from({ length: count }, (_, n) => {
      const x = pad + (n % cols) * (size + pad);
      const y = pad + Math.floor(n / cols) * (size + pad);
      return Array.from(ctx.getImageData(x, y, size, size).data);
    });
  }, { data: b64, count, cols });
}

// How two RGBA images differ: the share of sub-pixels that differ at all, and the largest
// difference (0 to 255).
function pixelDiff(a, b) {
  assert.equal(a.length, b.length, 'images of different sizes');
  let differ = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differ++;
    max = Math.max(max, d);
  }
  return { differ: differ / a.length, max };
}

// Rust on the CPU natively and in wasm rounds floats the same way step by step but may fuse
// or order sums differently, so a decoded sub-pixel can land one level apart. What counts as
// the same pixels: none further apart than that, and almost all identical.
function assertSamePixels(a, b, what) {
  const diff = pixelDiff(a, b);
  console.log(`     ${what}: ${(diff.differ * 100).toFixed(3)}% of sub-pixels differ, by at most ${diff.max}`);
  assert.ok(diff.max <= 1 && diff.differ < 0.001, `${what}: ${(diff.differ * 100).toFixed(3)}% differ, by up to ${diff.max}`);
}

// The face panel on a CPU page with face.jpg scored: its bits map against `realnvp score
// --bits-map`, its edits against `realnvp edit`, the strip download, and a generated face
// picked with the mouse and with the keyboard.
async function facePanel(page, inputs) {
  const size = await page.evaluate(() => document.getElementById('crop').width);
  await check('cpu: the scored crop\'s bits map is realnvp score --bits-map\'s (within 1e-3) and shows over the crop with its scale', async () => {
    const out = execFileSync(BIN, ['score', '--json', '--bits-map', '--weights', WEIGHTS, inputs.jpeg], { encoding: 'utf8' });
    const cli = JSON.parse(out.trim().split('\n')[0]);
    await page.waitForFunction(() => window.realnvp.metrics.bitsMap?.key?.startsWith('crop:'), null, { timeout: SLOW, polling: 100 });
    const m = await metrics(page);
    const want = cli.bits_map.flat();
    const got = m.bitsMap.values;
    assert.equal(got.length, want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    const sum = got.reduce((a, b) => a + b, 0);
    const total = m.face.bpd * 3 * size * size;
    console.log(`     largest difference from the CLI's map ${worst.toExponential(2)}; the map sums to ${sum.toFixed(2)}, bits/dim x 3 x ${size}^2 = ${total.toFixed(2)}`);
    assert.ok(worst <= 1e-3, `the page's map differs from the CLI's by ${worst}`);
    assert.ok(Math.abs(sum - total) <= 1e-4 * Math.abs(total), 'the map sums to the total');
    assert.equal(await page.$eval('#face-panel', (el) => !el.hidden && el.previousElementSibling?.id), 'photo-panel', 'the panel sits under the scored photo');
    assert.equal(await page.$eval('#face-overlay', (el) => el.hidden), true, 'the overlay starts off');
    await page.check('#show-bits-map');
    assert.equal(await page.$eval('#face-overlay', (el) => el.hidden), false, 'the toggle shows the overlay');
    assert.ok((await canvasStats(page, 'face-overlay')).colours > 50, 'the overlay is a map, not a flat colour');
    assert.match(await text(page, 'map-lo'), /^-?\d+\.\d\d$/);
    assert.match(await text(page, 'map-hi'), /^-?\d+\.\d\d$/);
    // The per-scale table links each scale to its map.
    await page.click('#per-scale tr:nth-child(3) button');
    assert.equal(await page.$eval('#map-scales button[aria-pressed="true"]', (el) => el.textContent), 'scale 2');
    await page.click('#map-scales button[data-scale="0"]');
  });

  await check('cpu: the age slider draws realnvp edit\'s face; amount 0 is the crop; the strip download is realnvp edit\'s strip', async () => {
    const names = await page.$$eval('#edit-sliders input', (els) => els.map((el) => el.id));
    assert.deepEqual(names, ['edit-age', 'edit-gender'], 'one slider per direction in the attribute file');
    const stripFile = join(OUT, 'cli-edit-age.png');
    execFileSync(BIN, ['edit', '--weights', WEIGHTS, inputs.jpeg, '--attribute', 'age', '--amounts=-2,-1,0,1,2', '--out', stripFile]);
    const cli = await pngTiles(page, stripFile, 5, 5);
    await page.$eval('#edit-age', (el) => {
      el.value = '1';
      el.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => window.realnvp.metrics.edit?.amounts?.[0] === 1, null, { timeout: SLOW, polling: 100 });
    const edit = (await metrics(page)).edit;
    assertSamePixels(edit.rgba, cli[3], 'age +1: page slider vs realnvp edit');
    assert.match(await text(page, 'edited-caption'), /^\d+\.\d{3} bits\/dim · age \+1, gender 0$/);
    const download = page.waitForEvent('download', { timeout: SLOW });
    await page.click('#download-strip');
    const file = await download;
    assert.match(file.suggestedFilename(), /\.png$/);
    const strip = (await metrics(page)).strip;
    assert.deepEqual(strip.names, ['age', 'gender']);
    const tile = size * size * 4;
    for (let i = 0; i < 5; i++) {
      assertSamePixels(strip.rgba.slice(i * tile, (i + 1) * tile), cli[i], `age ${strip.amounts[i]}: page strip vs realnvp edit`);
    }
    const crop = await page.evaluate((side) => Array.from(document.getElementById('crop').getContext('2d').getImageData(0, 0, side, side).data), size);
    assertSamePixels(strip.rgba.slice(2 * tile, 3 * tile), crop, 'amount 0 vs the crop');
    const saved = join(OUT, 'page-edit-strip.png');
    await file.saveAs(saved);
    const savedTiles = await pngTiles(page, saved, 10, 5);
    assert.deepEqual(savedTiles[3], Array.from(strip.rgba.slice(3 * tile, 4 * tile)), 'the downloaded PNG holds the strip');
  });

  await check('cpu: a generated face, clicked or picked with Enter and arrows, opens under the grid with its bits/dim and map', async () => {
    // The CSS size of a canvas pixel. page.click scrolls the grid into view first: the page
    // is scrolled down to the photo's panel here, and a click off screen lands nowhere.
    const scale = await page.$eval('#samples', (el) => el.getBoundingClientRect().width / el.width);
    // Face 2 of the 2x2 grid: top right.
    await page.click('#samples', { position: { x: (2 + size + 2 + size / 2) * scale, y: (2 + size / 2) * scale } });
    // Scoring one face on the CPU takes about a second: a minute means the click was lost.
    await page.waitForFunction(() => /^sample:.*:1$/.test(window.realnvp.metrics.face?.key) && window.realnvp.metrics.bitsMap?.key === window.realnvp.metrics.face.key, null, { timeout: 60_000, polling: 100 });
    const m = await metrics(page);
    assert.equal(await page.$eval('#face-panel', (el) => el.previousElementSibling?.id), 'gen-time', 'the panel sits under the grid');
    assert.match(await text(page, 'face-title'), /^Generated face 2 of 4/);
    const sum = m.bitsMap.values.reduce((a, b) => a + b, 0);
    assert.ok(m.face.bpd > 0 && m.face.bpd < 8, `a generated face scores ${m.face.bpd}`);
    assert.ok(Math.abs(sum - m.face.bpd * 3 * size * size) <= 1e-4 * sum);
    assert.equal(await page.$eval('#edit-age', (el) => el.value), '0', 'a new face starts unedited');
    await page.focus('#samples');
    await page.keyboard.press('ArrowDown'); // from face 2 to face 4
    await page.waitForFunction(() => /:3$/.test(window.realnvp.metrics.face?.key), null, { timeout: 10_000, polling: 100 });
    assert.match(await text(page, 'face-title'), /^Generated face 4 of 4/);
  });
}

// Without its attribute file the page works and says editing is off.
async function noAttributes(context, base) {
  await check('?attributes= a file that is not one: the page works and says why editing is off', async () => {
    const { page, problems } = await openPage(context, `${base}?backend=cpu&workers=1&n=1&attributes=${encodeURIComponent('data:,not an attribute file')}`);
    try {
      await waitReady(page, SLOW);
      assert.match(await text(page, 'edit-note'), /^Editing is off: the attribute file was refused: .+\. Everything else works\.$/);
      assert.equal(await page.$$eval('#edit-sliders input', (els) => els.length), 0);
      assert.equal(await page.$eval('#download-strip', (el) => el.disabled), true);
      assertFaces(await canvasStats(page, 'samples'), 'first grid');
      assertNoProblems(problems);
    } finally {
      await page.close();
    }
  });
}

// Uploads a photo the page accepts and waits for its score (and reconstruction).
async function scoreFile(page, file) {
  const before = (await metrics(page)).scores.length;
  const bpd = await upload(page, file, SLOW);
  await page.waitForFunction((n) => window.realnvp.metrics.scores.length > n, before, { timeout: SLOW, polling: 100 });
  return bpd;
}

// The page's behaviour beyond the numbers, on a CPU page with face.jpg (180x130) scored.
async function pageBehaviour(page, inputs) {
  await check('cpu: the crop box takes keyboard focus; arrows move it, Shift+arrows resize it, then it is scored', async () => {
    const crop = () => page.$eval('#photo', (el) => el.dataset.crop);
    assert.equal(await crop(), '25,0,130', 'face.jpg starts with its centred square');
    await page.focus('#centre-crop');
    await tabTo(page, 'photo', 3); // the next stop after "centre it"
    const ring = await outline(page, '#photo');
    assert.notEqual(ring.style, 'none', 'the focused crop box shows a focus ring');
    const label = await page.$eval('#photo', (el) => el.getAttribute('aria-label'));
    assert.match(label, /arrow keys move it/i);
    assert.match(label, /Shift/);
    const scores = (await metrics(page)).scores.length;
    await page.keyboard.press('ArrowRight'); // 4 px: the photo is shown at its own size
    assert.equal(await crop(), '29,0,130');
    await page.keyboard.press('Control+ArrowRight'); // 40 px, stopped by the photo's edge
    assert.equal(await crop(), '50,0,130');
    await page.keyboard.press('Shift+ArrowLeft'); // 8 px smaller about its centre
    assert.equal(await crop(), '54,4,122');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight'); // larger than the photo is high: stays square, inside
    assert.equal(await crop(), '50,0,130');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await crop(), '46,0,130');
    assert.match(await text(page, 'crop-info'), /crop x 46, y 0, side 130/);
    await page.waitForFunction((n) => window.realnvp.metrics.scores.length > n, scores, { timeout: SLOW, polling: 100 });
    await page.waitForTimeout(1000); // any later score would have been sent by now
    const m = await metrics(page);
    const made = m.scores.slice(scores);
    console.log(`     ${made.length} score(s) after 6 keys: ${made.map((s) => `${JSON.stringify(s.crop)} ${s.bpd.toFixed(3)}`).join('; ')}`);
    assert.deepEqual(made.at(-1).crop, { x: 46, y: 0, side: 130 }, 'the last score is of the last crop');
    assert.ok(made.length <= 2, `keys in a row are scored once they stop, not one score per key (${made.length})`);
    assert.equal(Number(await text(page, 'bpd')).toFixed(3), made.at(-1).bpd.toFixed(3));
  });

  await check('cpu: every control shows a focus ring when reached by keyboard', async () => {
    await page.focus('#seed');
    await tabTo(page, 'generate', 4);
    assert.notEqual((await outline(page, '#generate')).style, 'none', 'Generate button');
    await page.focus('#interpolate');
    await tabTo(page, 'upload', 3);
    // The file input is hidden inside its label, which shows the ring.
    assert.notEqual((await outline(page, 'label:has(#upload)')).style, 'none', 'the score file input (its label)');
    await page.focus('#corner-seed-0');
    await tabTo(page, 'corner-file-0', 3);
    assert.notEqual((await outline(page, 'label:has(#corner-file-0)')).style, 'none', 'a corner file input (its label)');
    await page.focus('#generate');
    await tabTo(page, 'random-seed', 2);
    assert.notEqual((await outline(page, '#random-seed')).style, 'none', 'Random seed button');
    await page.focus('.lede a');
    await tabTo(page, 'temperature', 2);
    assert.notEqual((await outline(page, '#temperature')).style, 'none', 'temperature slider');
  });

  await check('cpu: the intro says the page runs on the CPU, not the GPU', async () => {
    const intro = await page.$eval('.lede', (el) => el.textContent.replace(/\s+/g, ' '));
    console.log(`     ${intro}`);
    assert.match(intro, /on your CPU \(1 worker\)/);
    assert.doesNotMatch(intro, /on your (own )?GPU|GPU through WebGPU/);
  });

  await check('cpu: a corner\'s error names the corner, beside it and in #error', async () => {
    await page.fill('#corner-seed-1', 'abc');
    await page.click('#interpolate');
    const beside = await text(page, 'corner-error-1');
    assert.match(beside, /^Top right corner: the seed must be a whole number/);
    assert.equal(await text(page, 'error'), beside);
    await page.fill('#corner-seed-1', '2');
    await page.setInputFiles('#corner-file-2', inputs.empty);
    await page.waitForFunction(() => document.getElementById('corner-error-2').textContent !== '', null, { timeout: 10_000 });
    assert.match(await text(page, 'corner-error-2'), /^Bottom left corner: .*empty/);
  });

  await check('cpu: an 8x8 PNG with transparency is scored with its warnings beside the number', async () => {
    await scoreFile(page, inputs.tiny);
    const warnings = await page.$$eval('#score-warnings li', (items) => items.map((li) => li.textContent));
    console.log(`     #bpd ${await text(page, 'bpd')}; warnings:\n       ${warnings.join('\n       ')}`);
    assert.ok(warnings.some((w) => /enlarged/i.test(w)), 'an enlarged crop is said so');
    assert.ok(warnings.some((w) => /transparent/i.test(w)), 'flattened transparency is said so');
    assert.ok(await page.$eval('#score-warnings', (el) => !el.hidden && el.closest('#score-results') !== null));
  });

  await check('cpu: a blank white image scores below zero, and the page says that is not a code length', async () => {
    const bpd = await scoreFile(page, inputs.white);
    console.log(`     #bpd ${bpd}`);
    assert.ok(bpd < 0, `a blank image scored ${bpd} bits/dim`);
    const note = await page.$eval('#bpd-negative', (el) => (el.hidden ? '' : el.textContent));
    assert.match(note, /a negative value is not a code length/);
    // Wherever the page says "code length", it says what bits/dim is not.
    const claims = await page.evaluate(() => document.body.innerText.replace(/\s+/g, ' ').match(/.{0,20}code length/g) || []);
    for (const claim of claims) assert.match(claim, /(not a|no) code length$/, `"${claim}"`);
    assert.match(await text(page, 'bpd-explained'), /density/);
  });

  await check('cpu: a failed upload after a good one clears the photo and its results', async () => {
    assert.notEqual(await text(page, 'bpd'), '');
    const error = await expectRejected(page, inputs.empty, /empty/);
    console.log(`     #score-error: ${error}`);
  });
}

// Bad URL parameters: a notice says what was ignored and what the page uses instead.
async function urlNotices(context, base) {
  const cases = [
    ['?backend=nonsense&n=abc&colour=blue&workers=1', [/\?backend=nonsense is not one of/, /\?n=abc is not a whole number of faces from 1 to 256, so the first grid has 16/, /\?colour is not a parameter/]],
    ['?backend=cpu&workers=1&n=0', [/\?n=0 is not a whole number of faces from 1 to 256/]],
    ['?backend=cpu&workers=1&n=9999', [/\?n=9999 is not a whole number of faces from 1 to 256/]],
    ['?backend=cpu&workers=0&weights=', [/\?workers=0 is not a whole number from 1 to 8/, /\?weights= is not an address/]],
  ];
  for (const [query, patterns] of cases) {
    await check(`${query} shows a notice for each parameter it does not use`, async () => {
      const { page, problems } = await openPage(context, `${base}${query}`);
      try {
        await page.waitForFunction((n) => document.getElementById('url-notice').querySelectorAll('span').length >= n, patterns.length, { timeout: 120_000, polling: 100 });
        const notice = await text(page, 'url-notice');
        console.log(`     ${notice}`);
        for (const pattern of patterns) assert.match(notice, pattern);
        assert.ok(await page.$eval('#url-notice', (el) => !el.hidden));
        if (/n=/.test(query)) assert.equal(await page.$eval('#count', (el) => el.value), '16', 'the default number of faces');
        assertNoProblems(problems);
      } finally {
        await page.close();
      }
    });
  }
  await check('?n=2 (in range, not in the menu) draws a first grid of 2 faces without a notice', async () => {
    const { page } = await openPage(context, `${base}?backend=cpu&workers=1&n=2`);
    try {
      await waitReady(page, SLOW);
      assert.equal(await page.$eval('#count', (el) => el.value), '2');
      assert.equal((await metrics(page)).firstGrid.n, 2);
      assert.equal(await page.$eval('#url-notice', (el) => el.hidden), true);
    } finally {
      await page.close();
    }
  });
}

// A weight file describing 1024x1024 images (a header alone, as a data: URL) is refused by
// Model.load with the reason, which the page shows instead of stalling.
async function tooLargeWeights(context, base) {
  await check('a weight file too large for the page is refused with the reason', async () => {
    const config = JSON.parse(headerConfig(WEIGHTS));
    const json = JSON.stringify({
      __metadata__: { format: 'realnvp-web', format_version: '1', config: JSON.stringify({ ...config, image_size: 1024 }) },
    });
    const header = Buffer.from(json.padEnd(Math.ceil(json.length / 8) * 8, ' '));
    const file = Buffer.concat([Buffer.alloc(8), header]);
    file.writeBigUInt64LE(BigInt(header.length), 0);
    const weights = `data:application/octet-stream;base64,${file.toString('base64')}`;
    const { page } = await openPage(context, `${base}?backend=cpu&workers=1&weights=${encodeURIComponent(weights)}`);
    try {
      await page.waitForFunction(() => document.getElementById('error').textContent !== '', null, { timeout: 120_000, polling: 100 });
      const error = await text(page, 'error');
      console.log(`     #error: ${error}\n     #status: ${await text(page, 'status')}`);
      assert.match(error, /1024x1024 images; the page runs models of at most \d+x\d+/);
      assert.match(await text(page, 'status'), /Stopped/);
    } finally {
      await page.close();
    }
  });
}

function headerConfig(path) {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')).__metadata__.config;
}

// Every module the page imports (and the worker it starts) is copied into dist/ by trunk:
// index.html lists each with a copy-file link.
function shippedModules() {
  const missing = [];
  const listed = readFileSync('index.html', 'utf8');
  for (const name of readdirSync('web').filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(join('web', name), 'utf8');
    const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*'\.\/([\w-]+\.js)'|new URL\('([\w-]+\.js)'/g)].map((m) => m[1] || m[2]);
    for (const file of [name, ...imports]) {
      if (!listed.includes(`href="web/${file}"`)) missing.push(`${file} (no copy-file link in index.html)`);
      else if (!existsSync(join('dist', file))) missing.push(`${file} (not in dist/: rebuild)`);
    }
  }
  assert.deepEqual([...new Set(missing)], []);
}

// A ?workers value the page cannot use is said so, and the default is used instead.
async function badWorkers(context, base) {
  const { page } = await openPage(context, `${base}?backend=cpu&workers=lots&n=1`);
  await check('cpu: ?workers=lots shows a notice and starts the default number of workers', async () => {
    const backend = await waitForBackend(page, 120_000);
    const note = await text(page, 'url-notice');
    console.log(`     #backend: ${backend}\n     note: ${note}`);
    assert.match(note, /\?workers=lots is not a whole number/);
    const { workers } = await metrics(page);
    assert.ok(workers >= 1, `metrics.workers ${workers}`);
    assert.match(backend, new RegExp(`\\b${workers} workers?$`));
  });
  await page.close();
}

await check('every module the page imports is shipped in dist/', shippedModules);
const { server, url } = await startServer('dist');
// Every request the server answered with an error, whichever page made it: the browser's own
// /favicon.ico request is not among a page's network events, only its console line is.
const serverErrors = [];
server.on('request', (req, res) => res.on('finish', () => {
  if (res.statusCode >= 400) serverErrors.push(`${res.statusCode} ${req.url}`);
}));
const context = await launch();
try {
  const inputs = await makeInputs(context);
  // One face a grid on forced WebGPU: SwiftShader needs ~17 s a face (BENCHMARKS.md).
  if (BACKENDS.includes('webgpu')) await scenario(context, url, 'webgpu', '?backend=webgpu&n=1', inputs);
  if (BACKENDS.includes('auto')) await scenario(context, url, 'auto', '?n=4', inputs);
  if (BACKENDS.includes('cpu')) {
    await forcedCpu(context, url, 1, inputs);
    await forcedCpu(context, url, 2, inputs);
    await badWorkers(context, url);
    await urlNotices(context, url);
    await noAttributes(context, url);
    await tooLargeWeights(context, url);
  }
  await check('the server answered no request with an error (no /favicon.ico 404)', () => assert.deepEqual(serverErrors, []));
} finally {
  await context.close();
  server.close();
}
console.log(`\ne2e: ${passed} passed, ${failed} failed (screenshots in ${OUT})`);
process.exit(failed ? 1 : 0);
