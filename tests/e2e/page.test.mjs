// End-to-end test of the built page (dist/, from `trunk build --release`) in headless
// Chromium, served on 127.0.0.1, on node's test runner. Three scenarios: `webgpu`
// (?backend=webgpu: WebGPU even on SwiftShader, the software adapter of a machine without a
// GPU), `auto` (the page as a visitor opens it: WebGPU on a GPU, the CPU backend with a note
// saying why elsewhere) and `cpu` (?backend=cpu on one worker, ?workers=1, and on two,
// ?workers=2: the first grid, a split Generate and a score against the CLI; a bad ?workers
// value, bad URL parameters, a refused attribute file, a refused weight file). Run by
// scripts/test.sh:
//
//   node --test tests/e2e/page.test.mjs                  # REALNVP_BIN=target/debug/realnvp by default
//   E2E_BACKENDS=auto node --test tests/e2e/page.test.mjs    # one scenario only
//
// Checks: the page reports a backend; Generate draws a grid that is neither blank nor
// uniform while the main thread stays responsive; an uploaded face photo shows #bpd equal
// to `realnvp score` on the same file (within 0.01); bad files (corrupt JPEG, not an image, a
// header claiming 30000x30000 pixels, a 300 MB file) fill #error and the error line beside
// the file input, clear the previous photo's results, and Generate still works afterwards;
// no request fails (no favicon 404) and the console stays clean. On the CPU page besides: the
// crop box by keyboard, visible focus, the intro's backend, a corner's error naming the
// corner, score warnings (an 8x8 PNG with transparency), a blank image's negative bits/dim
// not called a code length; the face panel (bits map, edits, strip) against the CLI; notices
// for bad URL parameters, their numbers read from the page's limits (wasm limits()); a
// weight file too large for the page refused with the reason; every module the page
// imports is shipped in dist/. Screenshots go to $E2E_OUT (runs/e2e).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertBackendNote, assertFaceMapIsCli, assertFaces, assertGridIsCli, assertNoProblems, assertSamePixels, assertScoreIsCli,
  assertWorkersMeasured, expectRejected, tilesOf, upload,
} from './checks.mjs';
import { OUT, WEIGHTS, cliEdit } from './cli.mjs';
import {
  canvasHash, canvasPixels, canvasStats, launch, mainThreadBlockedMs, metrics, openPage, outline, pageLimits, pngPixels,
  runGrid, shown, startServer, tabTo, text, waitForBackend, waitReady,
} from './harness.mjs';
import { INPUTS, writeInputs } from './inputs.mjs';

// How long a wait may take before the check fails. Software WebGPU (SwiftShader) takes ~17 s
// a face, so its waits are long; on the CPU backend a small grid, a score or an edit takes
// seconds (BENCHMARKS.md), so a minute or two means something is stuck.
const SLOW = 15 * 60_000;
const START = 5 * 60_000; // a CPU page from navigation to its first grid (wasm compile, weights, faces)
const CPU = 2 * 60_000; // one CPU job: a small grid, a score, an edit, a strip
const QUICK = 60_000; // something the page does without the model
// A test gives up a little after the waits inside it, so that a missed wait fails with its own message.
const within = (ms) => ({ timeout: ms + 30_000 });
// Which scenarios to run: `webgpu` (forced), `auto` (WebGPU, or whatever the page falls back to) and `cpu`.
const BACKENDS = (process.env.E2E_BACKENDS || 'webgpu,auto,cpu').split(',');

let context;
let base; // the server's URL
// Every request the server answered with an error, whichever page made it: the browser's own
// /favicon.ico request is not among a page's network events, only its console line is.
const serverErrors = [];
let server;

before(async () => {
  ({ server, url: base } = await startServer('dist'));
  server.on('request', (req, res) => res.on('finish', () => {
    if (res.statusCode >= 400) serverErrors.push(`${res.statusCode} ${req.url}`);
  }));
  context = await launch();
  await writeInputs(context);
});

after(async () => {
  await context?.close();
  server?.close();
});

// Every module the page imports (and the worker it starts, and the worker's own modules) is
// copied into dist/ by trunk: index.html lists each file with a copy-file link, or the folder
// it is in with a copy-dir link, and dist/ mirrors web/.
test('every module the page imports is shipped in dist/', () => {
  const listed = readFileSync('index.html', 'utf8');
  const links = [...listed.matchAll(/rel="(copy-file|copy-dir)" href="web\/([\w/.-]+)"/g)].map((m) => ({ kind: m[1], path: m[2] }));
  const sources = readdirSync('web', { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => f.split('\\').join('/'));
  const missing = [];
  for (const file of sources) {
    const source = readFileSync(join('web', file), 'utf8');
    const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[\w/.-]+\.js)'|new URL\('([\w/.-]+\.js)'/g)]
      .map((m) => m[1] || `./${m[2]}`)
      .map((spec) => relative('web', join('web', dirname(file), spec)).split('\\').join('/'));
    for (const path of [file, ...imports]) {
      const linked = links.some((l) => (l.kind === 'copy-file' ? l.path === path : path.startsWith(`${l.path}/`)));
      if (!linked) missing.push(`${path} (no copy-file or copy-dir link in index.html)`);
      else if (!existsSync(join('dist', path))) missing.push(`${path} (not in dist/: rebuild)`);
    }
  }
  assert.ok(sources.includes('worker/boot.js'), 'the worker\'s modules are found');
  assert.deepEqual([...new Set(missing)], []);
});

// The page as a visitor opens it (auto) or forced onto WebGPU.
function scenario(label, query) {
  const onWebgpu = label === 'webgpu';
  const wait = onWebgpu ? SLOW : CPU;
  describe(label, () => {
    let page;
    let problems;
    before(async () => {
      ({ page, problems } = await openPage(context, `${base}${query}`));
    });
    after(async () => {
      await page.screenshot({ path: join(OUT, `page-${label}-end.png`), fullPage: true });
      const m = await metrics(page);
      console.log(`     metrics: first faces ${m.firstFacesMs} ms, generations ${m.generations.map((g) => Math.round(g.ms)).join(', ')} ms, scores ${m.scores.map((s) => Math.round(s.ms)).join(', ')} ms`);
      await page.close();
    });

    test(`${label}: the page loads and reports a backend`, within(2 * QUICK + (onWebgpu ? SLOW : START)), async () => {
      const backend = await waitForBackend(page, QUICK * 2);
      assert.match(backend, onWebgpu ? /^webgpu/ : /^(webgpu|cpu)/);
      console.log(`     #backend: ${backend}`);
      // A visitor is told why the page is not on the GPU, in a plain sentence.
      if (backend.startsWith('cpu')) await assertBackendNote(page, /software renderer|does not offer WebGPU|no graphics adapter|WebGPU failed/i);
      await waitReady(page, onWebgpu ? SLOW : START);
      assert.equal(await text(page, 'error'), '');
      assert.equal(await shown(page, '#progress'), false, 'the download bar is gone once the page is ready');
      assertFaces(await canvasStats(page, 'samples'), 'first grid');
      if (backend.startsWith('cpu')) await assertWorkersMeasured(page);
    });

    test(`${label}: the first grid shows the faces of realnvp sample with the same seed`, within(QUICK), async () => {
      const n = await page.$eval('#count', (el) => Number(el.value));
      const { defaultTemperature } = await pageLimits(page, QUICK);
      await assertGridIsCli(page, n, 1, defaultTemperature);
    });

    test(`${label}: Generate draws a grid that is neither blank nor uniform`, within(wait), async () => {
      const first = await canvasHash(page, 'samples');
      await page.fill('#seed', '2');
      // The model runs in a worker: the page stays responsive while it works.
      const blocked = await mainThreadBlockedMs(page, () => runGrid(page, 'generate', 'samples', wait));
      const stats = await canvasStats(page, 'samples');
      assertFaces(stats, 'generated grid');
      assert.notEqual(await canvasHash(page, 'samples'), first, 'a new seed must give new faces');
      console.log(`     ${await text(page, 'gen-time')}; pixel std ${stats.std.toFixed(1)}, ${stats.colours} colours; main thread blocked at most ${blocked} ms`);
      assert.ok(blocked < 1500, `the main thread was blocked for ${blocked} ms during Generate`);
    });

    // A real face photo too when ../shared/data is there (not on forced software WebGPU: slow).
    const photos = !onWebgpu && INPUTS.shared ? [INPUTS.jpeg, INPUTS.shared] : [INPUTS.jpeg];
    for (const photo of photos) {
      test(`${label}: #bpd of ${photo.split('/').pop()} equals realnvp score within 0.01`, within(2 * wait), () => assertScoreIsCli(page, photo, wait));
    }

    test(`${label}: bad files fill #error and the line beside the file input, clear the old results, and Generate still works afterwards`, within(4 * QUICK + wait), async () => {
      await page.screenshot({ path: join(OUT, `page-${label}.png`), fullPage: true }); // the scored photo
      const messages = [
        await expectRejected(page, INPUTS.corrupt, /decod|corrupt|truncat|end of|invalid/i, QUICK),
        await expectRejected(page, INPUTS.notImage, /not an image/i, QUICK),
        await expectRejected(page, INPUTS.heic, /HEIC image.*as JPEG/, QUICK),
        await expectRejected(page, INPUTS.huge, /30000x30000/, QUICK),
        await expectRejected(page, INPUTS.big, /limit/i, QUICK),
      ];
      messages.forEach((m) => console.log(`     #error: ${m}`));
      await page.fill('#seed', '3');
      await runGrid(page, 'generate', 'samples', wait);
      assert.equal(await text(page, 'error'), '', '#error is cleared by a successful Generate');
      assertFaces(await canvasStats(page, 'samples'), 'grid after the bad files');
    });

    // A 9-face grid: 20 s on the CPU backend here; SwiftShader takes ~17 s a face.
    if (!onWebgpu) {
      test(`${label}: Interpolate draws the grid between four corners`, within(wait), async () => {
        await page.selectOption('#steps', '3');
        await runGrid(page, 'interpolate', 'interpolation', wait);
        assertFaces(await canvasStats(page, 'interpolation'), 'interpolation');
        console.log(`     ${await text(page, 'interp-time')}`);
      });
    }

    test(`${label}: no request failed (no favicon 404) and the console shows no error`, () => assertNoProblems(problems));
  });
}

// ?backend=cpu&workers=N: the page starts N CPU workers and says it was asked to; the grid
// is the CLI's however the workers split it, and scores still match `realnvp score`.
function forcedCpu(workers) {
  const label = `cpu, ${workers} worker${workers === 1 ? '' : 's'}`;
  describe(label, () => {
    const shared = { page: null, problems: null };
    before(async () => {
      Object.assign(shared, await openPage(context, `${base}?backend=cpu&workers=${workers}&n=4`));
    });
    after(() => shared.page.close());

    test(`${label}: ?backend=cpu&workers=${workers} starts ${workers} CPU worker(s) and draws the first grid`, within(2 * QUICK + START), async () => {
      const { page } = shared;
      const backend = await waitForBackend(page, QUICK * 2);
      console.log(`     #backend: ${backend}`);
      assert.match(backend, new RegExp(`^cpu · .*\\b${workers} workers?$`));
      assert.match(await text(page, 'backend-reason'), /^Requested with \?backend=cpu, so the page runs on its CPU backend\b.* It draws on \d+ workers? at once, set with \?workers=\d/);
      await waitReady(page, START);
      assert.equal(await text(page, 'error'), '');
      assertFaces(await canvasStats(page, 'samples'), 'first grid');
      const m = await metrics(page);
      assert.equal(m.workers, workers);
      console.log(`     ${await text(page, 'gen-time')}; faces per worker ${JSON.stringify(m.firstGrid.facesPerWorker)}`);
    });

    test(`${label}: the first grid shows the faces of realnvp sample with the same seed`, within(QUICK), async () => {
      const { defaultTemperature } = await pageLimits(shared.page, QUICK);
      await assertGridIsCli(shared.page, 4, 1, defaultTemperature);
    });

    test(`${label}: Generate is drawn by ${workers} worker(s) and is the grid of realnvp sample`, within(CPU), async () => {
      const { page } = shared;
      await page.fill('#seed', '2');
      await runGrid(page, 'generate', 'samples', CPU);
      const last = (await metrics(page)).generations.at(-1);
      console.log(`     ${await text(page, 'gen-time')}; faces per worker ${JSON.stringify(last.facesPerWorker)}`);
      assert.equal(last.workers, workers, `faces per worker ${JSON.stringify(last.facesPerWorker)}`);
      assert.equal(last.n, 4);
      await assertGridIsCli(page, 4, 2, (await pageLimits(page, QUICK)).defaultTemperature);
    });

    test(`${label}: #bpd of ${INPUTS.jpeg.split('/').pop()} equals realnvp score within 0.01`, within(2 * CPU), () => assertScoreIsCli(shared.page, INPUTS.jpeg, CPU));

    if (workers === 1) pageBehaviour(shared);
    else facePanel(shared);

    test(`${label}: no request failed (no favicon 404) and the console shows no error`, () => assertNoProblems(shared.problems));
  });
}

// The face panel on a CPU page with face.jpg scored: its bits map against `realnvp score
// --bits-map`, its edits against `realnvp edit`, the strip download, and a generated face
// picked with the mouse and with the keyboard.
function facePanel(shared) {
  const side = (page) => page.evaluate(() => document.getElementById('crop').width);

  test('cpu: the scored crop\'s bits map is realnvp score --bits-map\'s (within 1e-3) and shows over the crop with its scale', within(CPU),
    () => assertFaceMapIsCli(shared.page, INPUTS.jpeg, CPU));

  test('cpu: the age slider draws realnvp edit\'s face; amount 0 is the crop; the strip download is realnvp edit\'s strip', within(2 * CPU), async () => {
    const { page } = shared;
    const size = await side(page);
    const { gridGap, stripAmounts } = await pageLimits(page, QUICK);
    const columns = stripAmounts.length;
    const at = (amount) => stripAmounts.indexOf(amount);
    assert.ok(at(0) >= 0 && at(1) >= 0, `the strip amounts ${stripAmounts} hold 0 and 1`);
    const names = await page.$$eval('#edit-sliders input', (els) => els.map((el) => el.id));
    assert.deepEqual(names, ['edit-age', 'edit-gender'], 'one slider per direction in the attribute file');
    const cli = tilesOf(await pngPixels(page, cliEdit(INPUTS.jpeg, 'age', stripAmounts)), columns, columns, gridGap);
    await page.$eval('#edit-age', (el) => {
      el.value = '1';
      el.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => window.realnvp.metrics.edit?.amounts?.[0] === 1, null, { timeout: CPU, polling: 100 });
    const edit = (await metrics(page)).edit;
    assertSamePixels(edit.rgba, cli[at(1)], 'age +1: page slider vs realnvp edit');
    assert.match(await text(page, 'edited-caption'), /^\d+\.\d{3} bits\/dim · age \+1, gender 0$/);
    const download = page.waitForEvent('download', { timeout: CPU });
    await page.click('#download-strip');
    const file = await download;
    assert.match(file.suggestedFilename(), /\.png$/);
    const strip = (await metrics(page)).strip;
    assert.deepEqual(strip.names, ['age', 'gender']);
    assert.deepEqual(strip.amounts, stripAmounts);
    const tile = size * size * 4;
    for (let i = 0; i < columns; i++) {
      assertSamePixels(strip.rgba.slice(i * tile, (i + 1) * tile), cli[i], `age ${strip.amounts[i]}: page strip vs realnvp edit`);
    }
    const crop = (await canvasPixels(page, 'crop')).data;
    assertSamePixels(strip.rgba.slice(at(0) * tile, (at(0) + 1) * tile), crop, 'amount 0 vs the crop');
    const saved = join(OUT, 'page-edit-strip.png');
    await file.saveAs(saved);
    const savedTiles = tilesOf(await pngPixels(page, saved), 2 * columns, columns, gridGap);
    assert.deepEqual(savedTiles[at(1)], strip.rgba.slice(at(1) * tile, (at(1) + 1) * tile), 'the downloaded PNG holds the strip');
  });

  test('cpu: a generated face, clicked or picked with Enter and arrows, opens under the grid with its bits/dim and map', within(2 * QUICK), async () => {
    const { page } = shared;
    const size = await side(page);
    const { gridGap } = await pageLimits(page, QUICK);
    // The CSS size of a canvas pixel. page.click scrolls the grid into view first: the page
    // is scrolled down to the photo's panel here, and a click off screen lands nowhere.
    const scale = await page.$eval('#samples', (el) => el.getBoundingClientRect().width / el.width);
    // Face 2 of the 2x2 grid: top right.
    await page.click('#samples', { position: { x: (2 * gridGap + size + size / 2) * scale, y: (gridGap + size / 2) * scale } });
    // Scoring one face on the CPU takes about a second: a minute means the click was lost.
    await page.waitForFunction(() => /^sample:.*:1$/.test(window.realnvp.metrics.face?.key) && window.realnvp.metrics.bitsMap?.key === window.realnvp.metrics.face.key, null, { timeout: QUICK, polling: 100 });
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

// Uploads a photo the page accepts and waits for its score (and reconstruction).
async function scoreFile(page, file) {
  const before = (await metrics(page)).scores.length;
  const bpd = await upload(page, file, CPU);
  await page.waitForFunction((n) => window.realnvp.metrics.scores.length > n, before, { timeout: CPU, polling: 100 });
  return bpd;
}

// The page's behaviour beyond the numbers, on a CPU page with face.jpg (180x130) scored.
function pageBehaviour(shared) {
  test('cpu: the crop box takes keyboard focus; arrows move it, Shift+arrows resize it, then it is scored', within(CPU), async () => {
    const { page } = shared;
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
    // The last crop's score comes last: a newer score replaces an older one still running.
    await page.waitForFunction((n) => {
      const made = window.realnvp.metrics.scores.slice(n);
      const last = made.at(-1)?.crop;
      return last?.x === 46 && last.y === 0 && last.side === 130;
    }, scores, { timeout: CPU, polling: 100 });
    const m = await metrics(page);
    const made = m.scores.slice(scores);
    console.log(`     ${made.length} score(s) after 6 keys: ${made.map((s) => `${JSON.stringify(s.crop)} ${s.bpd.toFixed(3)}`).join('; ')}`);
    assert.deepEqual(made.at(-1).crop, { x: 46, y: 0, side: 130 }, 'the last score is of the last crop');
    assert.ok(made.length <= 2, `keys in a row are scored once they stop, not one score per key (${made.length})`);
    assert.equal(Number(await text(page, 'bpd')).toFixed(3), made.at(-1).bpd.toFixed(3));
  });

  test('cpu: every control shows a focus ring when reached by keyboard', async () => {
    const { page } = shared;
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

  test('cpu: the intro says the page runs on the CPU, not the GPU', async () => {
    const intro = await shared.page.$eval('.lede', (el) => el.textContent.replace(/\s+/g, ' '));
    console.log(`     ${intro}`);
    assert.match(intro, /on your CPU \(1 worker\)/);
    assert.doesNotMatch(intro, /on your (own )?GPU|GPU through WebGPU/);
  });

  test('cpu: a corner\'s error names the corner, beside it and in #error', within(QUICK), async () => {
    const { page } = shared;
    await page.fill('#corner-seed-1', 'abc');
    await page.click('#interpolate');
    const beside = await text(page, 'corner-error-1');
    assert.match(beside, /^Top right corner: the seed must be a whole number/);
    assert.ok(await shown(page, '#corner-error-1'), 'the corner\'s error is on screen');
    assert.equal(await text(page, 'error'), beside);
    await page.fill('#corner-seed-1', '2');
    await page.setInputFiles('#corner-file-2', INPUTS.empty);
    await page.waitForFunction(() => document.getElementById('corner-error-2').textContent !== '', null, { timeout: 10_000 });
    assert.match(await text(page, 'corner-error-2'), /^Bottom left corner: .*empty/);
  });

  test('cpu: an 8x8 PNG with transparency is scored with its warnings beside the number', within(2 * CPU), async () => {
    const { page } = shared;
    await scoreFile(page, INPUTS.tiny);
    const warnings = await page.$$eval('#score-warnings li', (items) => items.map((li) => li.textContent));
    console.log(`     #bpd ${await text(page, 'bpd')}; warnings:\n       ${warnings.join('\n       ')}`);
    assert.ok(warnings.some((w) => /enlarged/i.test(w)), 'an enlarged crop is said so');
    assert.ok(warnings.some((w) => /transparent/i.test(w)), 'flattened transparency is said so');
    assert.ok(await shown(page, '#score-warnings'), 'the warnings are on screen');
    assert.ok(await page.$eval('#score-warnings', (el) => el.closest('#score-results') !== null));
  });

  test('cpu: a blank white image scores below zero, and the page says that is not a code length', within(2 * CPU), async () => {
    const { page } = shared;
    const bpd = await scoreFile(page, INPUTS.white);
    console.log(`     #bpd ${bpd}`);
    assert.ok(bpd < 0, `a blank image scored ${bpd} bits/dim`);
    const note = (await shown(page, '#bpd-negative')) ? await text(page, 'bpd-negative') : '';
    assert.match(note, /a negative value is not a code length/);
    // Wherever the page says "code length", it says what bits/dim is not.
    const claims = await page.evaluate(() => document.body.innerText.replace(/\s+/g, ' ').match(/.{0,20}code length/g) || []);
    for (const claim of claims) assert.match(claim, /(not a|no) code length$/, `"${claim}"`);
    assert.match(await text(page, 'bpd-explained'), /density/);
  });

  test('cpu: a failed upload after a good one clears the photo and its results', within(QUICK), async () => {
    const { page } = shared;
    assert.notEqual(await text(page, 'bpd'), '');
    const error = await expectRejected(page, INPUTS.empty, /empty/, QUICK);
    console.log(`     #score-error: ${error}`);
  });
}

// A ?workers value the page cannot use is said so, and the default is used instead.
function badWorkers() {
  test('cpu: ?workers=lots shows a notice and starts the default number of workers', within(2 * QUICK), async () => {
    const { page } = await openPage(context, `${base}?backend=cpu&workers=lots&n=1`);
    try {
      const backend = await waitForBackend(page, 2 * QUICK);
      const note = await text(page, 'url-notice');
      console.log(`     #backend: ${backend}\n     note: ${note}`);
      const { maxCpuWorkers } = await pageLimits(page, QUICK);
      assert.match(note, new RegExp(`\\?workers=lots is not a whole number from 1 to ${maxCpuWorkers}, so the page uses its default`));
      const { workers } = await metrics(page);
      assert.ok(workers >= 1 && workers <= maxCpuWorkers, `metrics.workers ${workers}`);
      assert.match(backend, new RegExp(`\\b${workers} workers?$`));
    } finally {
      await page.close();
    }
  });
}

// Bad URL parameters: a notice says what was ignored and what the page uses instead, with the
// page's own limits and defaults (wasm limits()).
function urlNotices() {
  const cases = [
    ['?backend=nonsense&n=abc&colour=blue&workers=1', (l) => [
      /\?backend=nonsense is not one of/,
      new RegExp(`\\?n=abc is not a whole number of faces from 1 to ${l.maxFaces}, so the first grid has ${l.defaultFaces}\\.`),
      /\?colour is not a parameter/,
    ]],
    ['?backend=cpu&workers=1&n=0', (l) => [new RegExp(`\\?n=0 is not a whole number of faces from 1 to ${l.maxFaces}\\b`)]],
    ['?backend=cpu&workers=1&n=9999', (l) => [new RegExp(`\\?n=9999 is not a whole number of faces from 1 to ${l.maxFaces}\\b`)]],
    ['?backend=cpu&workers=0&weights=', (l) => [
      new RegExp(`\\?workers=0 is not a whole number from 1 to ${l.maxCpuWorkers}\\b`),
      /\?weights= is not an address/,
    ]],
  ];
  for (const [query, expected] of cases) {
    test(`${query} shows a notice for each parameter it does not use`, within(2 * QUICK), async () => {
      const { page, problems } = await openPage(context, `${base}${query}`);
      try {
        const limits = await pageLimits(page, 2 * QUICK);
        const patterns = expected(limits);
        await page.waitForFunction((n) => document.getElementById('url-notice').querySelectorAll('span').length >= n, patterns.length, { timeout: QUICK, polling: 100 });
        const notice = await text(page, 'url-notice');
        console.log(`     ${notice}`);
        for (const pattern of patterns) assert.match(notice, pattern);
        assert.ok(await shown(page, '#url-notice'));
        if (/n=/.test(query)) assert.equal(await page.$eval('#count', (el) => el.value), String(limits.defaultFaces), 'the default number of faces');
        assertNoProblems(problems);
      } finally {
        await page.close();
      }
    });
  }
  test('?n=2 (in range, not in the menu) draws a first grid of 2 faces without a notice', within(START), async () => {
    const { page } = await openPage(context, `${base}?backend=cpu&workers=1&n=2`);
    try {
      await waitReady(page, START);
      assert.equal(await page.$eval('#count', (el) => el.value), '2');
      assert.equal((await metrics(page)).firstGrid.n, 2);
      assert.equal(await shown(page, '#url-notice'), false);
    } finally {
      await page.close();
    }
  });
}

// Without its attribute file the page works and says editing is off.
function noAttributes() {
  test('?attributes= a file that is not one: the page works and says why editing is off', within(START), async () => {
    const { page, problems } = await openPage(context, `${base}?backend=cpu&workers=1&n=1&attributes=${encodeURIComponent('data:,not an attribute file')}`);
    try {
      await waitReady(page, START);
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

function headerConfig(path) {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')).__metadata__.config;
}

// A weight file describing 1024x1024 images (a header alone, as a data: URL) is refused by
// Model.load with the reason, which the page shows instead of stalling.
function tooLargeWeights() {
  test('a weight file too large for the page is refused with the reason', within(2 * QUICK), async () => {
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
      await page.waitForFunction(() => document.getElementById('error').textContent !== '', null, { timeout: 2 * QUICK, polling: 100 });
      const error = await text(page, 'error');
      console.log(`     #error: ${error}\n     #status: ${await text(page, 'status')}`);
      assert.match(error, /1024x1024 images; the page runs models of at most \d+x\d+/);
      assert.match(await text(page, 'status'), /Stopped/);
    } finally {
      await page.close();
    }
  });
}

// One face a grid on forced WebGPU: SwiftShader needs ~17 s a face (BENCHMARKS.md).
if (BACKENDS.includes('webgpu')) scenario('webgpu', '?backend=webgpu&n=1');
if (BACKENDS.includes('auto')) scenario('auto', '?n=4');
if (BACKENDS.includes('cpu')) {
  describe('cpu', () => {
    forcedCpu(1);
    forcedCpu(2);
    badWorkers();
    urlNotices();
    noAttributes();
    tooLargeWeights();
  });
}

test('the server answered no request with an error (no /favicon.ico 404)', () => assert.deepEqual(serverErrors, []));
