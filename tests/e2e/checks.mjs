// The end-to-end test's assertions about the page, each written once: faces that are faces,
// pixels that match the CLI's, a score that matches `realnvp score`, a rejected file, a
// clean console.

import assert from 'node:assert/strict';
import { cliSample, cliScore } from './cli.mjs';
import { canvasPixels, canvasStats, pngPixels, shown, text } from './harness.mjs';

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
  const want = cliScore(file).bits_per_dim;
  const got = await upload(page, file, timeout);
  console.log(`     page ${got}, CLI ${want}; ${await text(page, 'score-time')}`);
  assert.ok(Math.abs(got - want) <= 0.01, `page ${got} vs CLI ${want}`);
  await page.waitForFunction(() => /input|rounding/.test(document.getElementById('recon-info').textContent), null, { timeout });
  assert.ok((await canvasStats(page, 'recon')).std > 5, 'the reconstruction is blank');
}

// A file the page refuses: the message shows in #error and beside the file input, and
// nothing of the previous photo's results stays on screen. The message.
export async function expectRejected(page, file, pattern, timeout) {
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(() => document.getElementById('error').textContent.trim() !== '', null, { timeout, polling: 100 });
  const error = await text(page, 'error');
  assert.match(error, pattern, `unexpected message for ${file}`);
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
