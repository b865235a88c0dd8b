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
// pixels, a 300 MB file) fill #error and Generate still works afterwards. Screenshots go
// to $E2E_OUT (runs/e2e).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  canvasHash, canvasStats, launch, mainThreadBlockedMs, metrics, openPage, runGrid, startServer, text, waitForBackend,
  waitReady,
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
  return { jpeg, shared: findSharedFace(), corrupt, notImage, huge, big };
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

async function expectRejected(page, file, pattern) {
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(() => document.getElementById('error').textContent.trim() !== '', null, { timeout: 60_000, polling: 100 });
  const error = await text(page, 'error');
  assert.match(error, pattern, `unexpected message for ${file}`);
  assert.equal(await text(page, 'bpd'), '', '#bpd must be empty after a failed upload');
  return error;
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

  await check(`${label}: bad files fill #error, and Generate still works afterwards`, async () => {
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
  const serious = problems.filter((p) => !/Failed to load resource|favicon/.test(p));
  if (serious.length) console.log(`     browser console:\n       ${serious.join('\n       ')}`);
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
  const serious = problems.filter((p) => !/Failed to load resource|favicon/.test(p));
  if (serious.length) console.log(`     browser console:\n       ${serious.join('\n       ')}`);
  await page.close();
}

// A ?workers value the page cannot use is said so, and the default is used instead.
async function badWorkers(context, base) {
  const { page } = await openPage(context, `${base}?backend=cpu&workers=lots&n=1`);
  await check('cpu: ?workers=lots shows a notice and starts the default number of workers', async () => {
    const backend = await waitForBackend(page, 120_000);
    const note = await text(page, 'backend-note');
    console.log(`     #backend: ${backend}\n     note: ${note}`);
    assert.match(note, /\?workers=lots is not a whole number/);
    const { workers } = await metrics(page);
    assert.ok(workers >= 1, `metrics.workers ${workers}`);
    assert.match(backend, new RegExp(`\\b${workers} workers?$`));
  });
  await page.close();
}

const { server, url } = await startServer('dist');
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
  }
} finally {
  await context.close();
  server.close();
}
console.log(`\ne2e: ${passed} passed, ${failed} failed (screenshots in ${OUT})`);
process.exit(failed ? 1 : 0);
