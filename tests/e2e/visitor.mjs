// The page as a visitor on another engine opens it (Firefox: firefox.test.mjs, WebKit:
// webkit.test.mjs), where it lands on the CPU backend: node:test tests on whatever page
// `open` gives, made of the shared checks (checks.mjs), so that each check has one source.
// Checked: the page loads and says in a plain sentence why it runs on the CPU (the raw text
// folded in a details toggle), how many workers it chose and why (never more than this
// machine's cores); the first grid is `realnvp sample`'s; and with `full`: a photo's #bpd is
// `realnvp score`'s, the face panel's bits map is `realnvp score --bits-map`'s with its
// overlay shown and hidden by the toggle, bad uploads are refused beside the file input; no
// page error, console error or failed request.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertBackendNote, assertFaceMapIsCli, assertFaces, assertGridIsCli, assertNoProblems, assertScoreIsCli,
  assertWorkersMeasured, expectRejected,
} from './checks.mjs';
import { OUT } from './cli.mjs';
import { canvasStats, metrics, pageLimits, shown, text, waitForBackend, waitReady } from './harness.mjs';
import { INPUTS } from './inputs.mjs';

// The same limits as page.test.mjs: a CPU page's start, one CPU job, something without the model.
export const START = 5 * 60_000;
const CPU = 2 * 60_000;
const QUICK = 60_000;
const within = (ms) => ({ timeout: ms + 30_000 });

/**
 * @param {string} label names the tests and the screenshot (runs/e2e/page-<label>-end.png)
 * @param {() => Promise<{ page: any, problems: string[] | (() => Promise<string[]>) }>} open the page with
 *   ?n=4, as a visitor opens it; problems: what went wrong so far, or how to read it
 * @param {{ reason: RegExp, detail?: RegExp, full?: boolean }} expect reason: the backend note's
 *   sentence; detail: the raw text its details toggle must hold; full: the uploads and the face panel too
 */
export function visitorSuite(label, open, { reason, detail, full = true }) {
  describe(label, () => {
    const shared = { page: null, problems: [] };
    before(async () => Object.assign(shared, await open()));
    after(async () => {
      if (!shared.page) return;
      await shared.page.screenshot({ path: join(OUT, `page-${label}-end.png`), fullPage: true });
      const m = await metrics(shared.page);
      console.log(`     metrics: first faces ${m.firstFacesMs} ms, scores ${m.scores.map((s) => Math.round(s.ms)).join(', ')} ms`);
      await shared.page.close();
    });

    test(`${label}: the page loads on the CPU, says why in a plain sentence and how many workers it chose`, within(2 * QUICK + START), async () => {
      const { page } = shared;
      const backend = await waitForBackend(page, 2 * QUICK);
      console.log(`     #backend: ${backend}`);
      assert.match(backend, /^cpu · /);
      const { raw } = await assertBackendNote(page, reason);
      if (detail) assert.match(raw, detail, 'the details toggle holds the raw text');
      await waitReady(page, START);
      assert.equal(await text(page, 'error'), '');
      assert.equal(await shown(page, '#progress'), false, 'the download bar is gone once the page is ready');
      assertFaces(await canvasStats(page, 'samples'), 'first grid');
      await assertWorkersMeasured(page);
    });

    test(`${label}: the first grid shows the faces of realnvp sample with the same seed`, within(QUICK), async () => {
      const n = await shared.page.$eval('#count', (el) => Number(el.value));
      await assertGridIsCli(shared.page, n, 1, (await pageLimits(shared.page, QUICK)).defaultTemperature);
    });

    if (full) {
      // The real photo first, so that face.jpg is the one in the face panel afterwards.
      for (const photo of [INPUTS.shared, INPUTS.jpeg].filter(Boolean)) {
        test(`${label}: #bpd of ${photo.split('/').pop()} equals realnvp score within 0.01`, within(2 * CPU), () => assertScoreIsCli(shared.page, photo, CPU));
      }

      test(`${label}: the face panel shows face.jpg's bits map, realnvp score --bits-map's, and its overlay only when asked`, within(CPU),
        () => assertFaceMapIsCli(shared.page, INPUTS.jpeg, CPU));

      test(`${label}: a corrupt JPEG and a text file are refused beside the file input and in #error`, within(2 * QUICK), async () => {
        const messages = [
          await expectRejected(shared.page, INPUTS.corrupt, /decod|corrupt|truncat|end of|invalid/i, QUICK),
          await expectRejected(shared.page, INPUTS.notImage, /not an image/i, QUICK),
        ];
        messages.forEach((m) => console.log(`     #error: ${m}`));
      });
    }

    test(`${label}: no page error, console error or failed request`, async () => assertNoProblems(await problemsOf(shared)));
  });
}

// The problems seen so far: a list the driver fills (Firefox), or a function that reads them
// from the page (WebKit).
async function problemsOf({ problems }) {
  return typeof problems === 'function' ? problems() : problems;
}
