// The end-to-end test's assertions about the page, each written once: faces that are faces,
// pixels that match the CLI's, a score that matches `realnvp score`, a rejected file, a
// clean console.

import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { cliSample, cliScore } from './cli.mjs';
import { canvasPixels, canvasStats, metrics, pngPixels, shown, text } from './harness.mjs';

// A canvas of faces: neither blank nor uniform.
export function assertFaces(stats, what) {
  assert.ok(stats.width > 0 && stats.height > 0, `${what}: empty canvas`);
  assert.ok(stats.white < 0.5, `${what}: mostly blank (${(stats.white * 100).toFixed(0)}% white)`);
  assert.ok(stats.std > 15, `${what}: nearly uniform (std ${stats.std.toFixed(1)})`);
  assert.ok(stats.colours > 500, `${what}: only ${stats.colours} colours`);
}

// How two RGBA images differ: the share of sub-pixels further apart than `over`, and the
// largest difference (0 to 255).
function pixelDiff(a, b, over = 0) {
  assert.equal(a.length, b.length, 'images of different sizes');
  let differ = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > over) differ++;
    max = Math.max(max, d);
  }
  return { differ: differ / a.length, max };
}

// Rust on the CPU natively and in wasm rounds floats the same way step by step but may fuse
// or order sums differently, so a decoded sub-pixel can land one level apart. What counts as
// the same pixels: none further apart than that, and almost all identical.
export function assertSamePixels(a, b, what) {
  const diff = pixelDiff(a, b);
  console.log(`     ${what}: ${(diff.differ * 100).toFixed(3)}% of sub-pixels differ, by at most ${diff.max}`);
  assert.ok(diff.max <= 1 && diff.differ < 0.001, `${what}: ${(diff.differ * 100).toFixed(3)}% differ, by up to ${diff.max}`);
}

// The faces of a grid image (`realnvp sample`'s, `realnvp edit`'s, the page's download) as
// RGBA arrays: `cols` columns with `gap` pixels around each face (limits().gridGap).
export function tilesOf({ width, data }, count, cols, gap) {
  const size = (width - (cols + 1) * gap) / cols;
  return Array.from({ length: count }, (_, n) => {
    const x0 = gap + (n % cols) * (size + gap);
    const y0 = gap + Math.floor(n / cols) * (size + gap);
    const tile = [];
    for (let y = y0; y < y0 + size; y++) tile.push(...data.slice(4 * (y * width + x0), 4 * (y * width + x0 + size)));
    return tile;
  });
}

// The page's #samples grid against `realnvp sample` with the same n, seed and temperature:
// same latents, same layout, so the same picture up to float rounding between backends
// (under 1% of sub-pixels more than 2/255 apart).
export async function assertGridIsCli(page, n, seed, temperature) {
  const cli = await pngPixels(page, cliSample(n, seed, temperature));
  const grid = await canvasPixels(page, 'samples');
  assert.deepEqual([grid.width, grid.height], [cli.width, cli.height], 'the page\'s grid and the CLI\'s have the same size');
  const diff = pixelDiff(cli.data, grid.data, 2);
  console.log(`     ${(diff.differ * 100).toFixed(3)}% of sub-pixels differ by more than 2 (largest difference ${diff.max})`);
  assert.ok(diff.differ < 0.01, `${(diff.differ * 100).toFixed(2)}% of sub-pixels differ from the CLI's grid`);
}

// Uploads a photo the page accepts; its #bpd.
export async function upload(page, file, timeout) {
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

// An uploaded photo's #bpd is `realnvp score`'s for the same file (within 0.01), and its
// reconstruction is drawn.
export async function assertScoreIsCli(page, file, timeout) {
  const cli = cliScore(file);
  const want = cli.bits_per_dim;
  const got = await upload(page, file, timeout);
  console.log(`     page ${got}, CLI ${want}; ${await text(page, 'score-time')}`);
  assert.ok(Math.abs(got - want) <= 0.01, `page ${got} vs CLI ${want}`);
  await assertLikenessIsCli(page, cli.face_likeness);
  await page.waitForFunction(() => /input|rounding/.test(document.getElementById('recon-info').textContent), null, { timeout });
  assert.ok(await shown(page, '#photo-panel'), 'the photo and its score are on screen');
  assert.ok((await canvasStats(page, 'recon')).std > 5, 'the reconstruction is blank');
}

// The face-likeness verdict on screen is `realnvp score --json`'s "face_likeness" for the
// same crop: the same words, the same percentile, the same distance (to its rounding).
async function assertLikenessIsCli(page, cli) {
  assert.ok(cli, 'realnvp score gave no face_likeness (is model-weights/face_likeness.json there?)');
  assert.ok(await shown(page, '#likeness'), 'the face-likeness verdict is on screen');
  const verdict = await text(page, 'likeness-verdict');
  const detail = await text(page, 'likeness-detail');
  console.log(`     face-likeness: page "${verdict}${detail}", CLI ${JSON.stringify(cli)}`);
  assert.equal(verdict.toLowerCase(), cli.says.toLowerCase());
  const percent = Number(/than (\d+)%/.exec(detail)?.[1]);
  assert.ok(Math.abs(percent - 100 * cli.percentile) <= 1, `page ${percent}% vs CLI ${cli.percentile}`);
  const distance = Number(/distance ([\d.]+)/.exec(detail)?.[1]);
  assert.ok(Math.abs(distance - cli.distance) <= 0.1 + 1e-3 * cli.distance, `page distance ${distance} vs CLI ${cli.distance}`);
}

// An uploaded photo's crop has its bits map shown in the face panel: the map is `realnvp score
// --bits-map`'s for the same file (within 1e-3) and sums to the total; the overlay is off
// screen until its toggle is ticked, on screen while it is, drawn as a map, with its scale.
export async function assertFaceMapIsCli(page, file, timeout) {
  const size = await page.evaluate(() => document.getElementById('crop').width);
  const cli = cliScore(file, ['--bits-map']);
  await page.waitForFunction(() => window.realnvp.metrics.bitsMap?.key?.startsWith('crop:'), null, { timeout, polling: 100 });
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
  assert.ok(await shown(page, '#face-panel'), 'the face panel is on screen');
  assert.equal(await page.$eval('#face-panel', (el) => el.previousElementSibling?.id), 'photo-panel', 'the panel sits under the scored photo');
  assert.equal(await shown(page, '#face-overlay'), false, 'the overlay starts off: the plain face shows');
  await page.check('#show-bits-map');
  assert.equal(await shown(page, '#face-overlay'), true, 'the toggle shows the overlay');
  await page.uncheck('#show-bits-map');
  assert.equal(await shown(page, '#face-overlay'), false, 'unticking hides the overlay again');
  await page.check('#show-bits-map');
  assert.ok((await canvasStats(page, 'face-overlay')).colours > 50, 'the overlay is a map, not a flat colour');
  assert.match(await text(page, 'map-lo'), /^-?\d+\.\d\d$/);
  assert.match(await text(page, 'map-hi'), /^-?\d+\.\d\d$/);
  // The per-scale table links each scale to its map.
  await page.click('#per-scale tr:nth-child(3) button');
  assert.equal(await page.$eval('#map-scales button[aria-pressed="true"]', (el) => el.textContent), 'scale 2');
  await page.click('#map-scales button[data-scale="0"]');
}

// wgpu's and the browser's own words, which the note and the intro must not print as a reason
// (issue 25: "No adapter available for WgpuDevice { kind: DefaultDevice, backend: Auto }: ...").
const DEBUG_TEXT = /WgpuDevice|\{ ?kind|not requested|navigator\.gpu|Error:/;

// A page on the CPU says why in a plain sentence matching `reason`, in #backend-note and in the
// intro; the raw text behind it, if any, stays folded in the note's details toggle until it
// is opened. Returns the sentence and the raw text ('' if none).
export async function assertBackendNote(page, reason) {
  assert.ok(await shown(page, '#backend-note'), 'the backend note is on screen');
  const note = await text(page, 'backend-reason');
  const intro = await text(page, 'intro-backend');
  console.log(`     note: ${note}`);
  assert.match(note, reason, `CPU fallback without the reason: "${note}"`);
  assert.match(intro, reason, `the intro does not give the reason: "${intro}"`);
  assert.doesNotMatch(note, DEBUG_TEXT, 'the note reads as debug text');
  assert.doesNotMatch(intro, DEBUG_TEXT, 'the intro reads as debug text');
  if (!(await shown(page, '#backend-detail'))) return { note, raw: '' };
  assert.equal(await shown(page, '#backend-raw'), false, 'the raw text is folded away until asked for');
  await page.click('#backend-detail summary');
  assert.equal(await shown(page, '#backend-raw'), true, 'opening the details shows the raw text');
  const raw = await text(page, 'backend-raw');
  console.log(`     details: ${raw}`);
  await page.click('#backend-detail summary');
  assert.equal(await shown(page, '#backend-raw'), false, 'closing the details folds it again');
  return { note, raw };
}

// The page chose its CPU workers itself (no ?workers): never more than this machine's cores,
// whatever the browser reports (WebKitGTK says 4 on 2 cores), and the note says the rule.
export async function assertWorkersMeasured(page) {
  const m = await metrics(page);
  const cores = availableParallelism();
  console.log(`     ${m.workers} workers; core test ${JSON.stringify(m.coreProbe)}; this machine has ${cores} cores`);
  assert.ok(m.workers >= 1 && m.workers <= cores, `${m.workers} CPU workers on ${cores} cores`);
  const reported = await page.evaluate(() => navigator.hardwareConcurrency || 1);
  if (reported > 1) {
    assert.ok(m.coreProbe, 'the core test ran');
    assert.equal(m.coreProbe.threads, Math.min(reported, 16));
  }
  assert.match(await text(page, 'backend-reason'), /It draws on \d+ workers? at once, (one per core|as many as half|the page's limit)/);
}

// A file the page refuses: the message shows in #error and beside the file input, and
// nothing of the previous photo's results stays on screen. The message.
export async function expectRejected(page, file, pattern, timeout) {
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(() => document.getElementById('error').textContent.trim() !== '', null, { timeout, polling: 100 });
  const error = await text(page, 'error');
  assert.match(error, pattern, `unexpected message for ${file}`);
  assert.ok(await shown(page, '#error'), 'the header\'s #error is on screen');
  assert.equal(await text(page, 'score-error'), error, 'the error must also show beside the file input');
  const beside = await page.$eval('#score-error', (el) => ({
    alert: el.getAttribute('role'),
    nearUpload: Boolean(el.closest('#drop')?.contains(document.getElementById('upload'))),
  }));
  assert.ok(await shown(page, '#score-error'), 'the error line beside the file input is on screen');
  assert.deepEqual(beside, { alert: 'alert', nearUpload: true }, 'the error line beside the file input');
  await assertResultsCleared(page);
  return error;
}

async function assertResultsCleared(page) {
  const seen = { photoPanel: await shown(page, '#photo-panel'), warnings: await shown(page, '#score-warnings') };
  assert.deepEqual(seen, { photoPanel: false, warnings: false }, 'the photo panel and its warnings are off screen');
  const left = await page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const blank = (canvas) => canvas.width === 0 || canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.every((v) => v === 0);
    return {
      bpd: $('bpd').textContent.trim(),
      photoBlank: blank($('photo')),
      reconBlank: blank($('recon')),
      cropBlank: blank($('crop')),
      perScale: $('per-scale').rows.length,
      reconInfo: $('recon-info').textContent.trim(),
      validationMarker: Boolean(document.querySelector('#validation-strip .marker')),
    };
  });
  assert.deepEqual(left, {
    bpd: '', photoBlank: true, reconBlank: true, cropBlank: true, perScale: 0,
    reconInfo: '', validationMarker: false,
  }, 'a failed upload must clear the previous photo and its results');
}

// No failed request (a /favicon.ico 404 included), no page error, no console error.
export function assertNoProblems(problems) {
  assert.deepEqual(problems, [], `browser problems:\n  ${problems.join('\n  ')}`);
}
