// End-to-end test of what a first and a second visit download (issue 26), in headless Chromium
// on the built page (dist/). Run by scripts/test.sh beside page.test.mjs:
//
//   node --test tests/e2e/first-visit.test.mjs
//
// - The large files are named by their content (trunk: the wasm and its glue;
//   scripts/hash-assets.mjs: the weights and side files), and scripts/serve.mjs sends those
//   `immutable`, every other file `no-cache` with an ETag.
// - A second visit asks the server for none of them, even from a host that sends no caching
//   headers at all (serve.mjs `plainHost`): the worker kept them in the Cache API.
// - Where there is no Cache API (an insecure http origin: Chromium opens the page at
//   http://realnvp.test, mapped to 127.0.0.1), the page downloads them every visit and works.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isContentHashed } from '../../web/asset-names.js';
import { serve } from '../../scripts/serve.mjs';
import { assertNoProblems } from './checks.mjs';
import { canvasStats, launch, metrics, openPage, waitReady } from './harness.mjs';

const START = 5 * 60_000; // navigation to a ready page with its first grid (BENCHMARKS.md: seconds)
const within = (ms) => ({ timeout: ms + 30_000 });
// One CPU worker and a one-face grid: the test is about downloads, not speed.
const QUERY = '?backend=cpu&workers=1&n=1';
const LARGE = /\.(wasm|safetensors)$|face_likeness/;

/** A server of dist/ that remembers the path of every request it answered. */
async function recordingServer(options = {}) {
  const requests = [];
  const { server, url } = await serve('dist', 0, '127.0.0.1', {
    ...options,
    onSent: (path, status) => requests.push({ path: path.split('?')[0], status }),
  });
  return { server, url, requests };
}

/** One visit in `context`: waits for the ready page with its first grid drawn. */
async function visit(context, url) {
  const { page, problems } = await openPage(context, url);
  await waitReady(page, START);
  await page.waitForFunction(() => window.realnvp.metrics.firstFacesMs !== null, null, { timeout: START, polling: 100 });
  const stats = await canvasStats(page, 'samples');
  const m = await metrics(page);
  const secure = await page.evaluate(() => ({ secure: window.isSecureContext, caches: typeof caches !== 'undefined' }));
  await page.close();
  return { problems, stats, kept: m.kept, secure };
}

const largeRequests = (requests) => requests.filter((r) => LARGE.test(r.path)).map((r) => `${r.status} ${r.path}`);

describe('a second visit downloads no large file', () => {
  let context;
  let served;
  before(async () => {
    served = await recordingServer({ plainHost: true });
    context = await launch();
  });
  after(async () => {
    await context?.close();
    served?.server.close();
  });

  test('the large files have content-hashed names, and serve.mjs sends them immutable', within(10_000), async () => {
    const { server, url } = await serve('dist', 0);
    try {
      const html = await (await fetch(url)).text();
      const shipped = JSON.parse(/<script type="application\/json" id="shipped-files">([\s\S]*?)<\/script>/.exec(html)[1]);
      const wasm = /wasm: '([^']+)'/.exec(html)?.[1];
      assert.ok(wasm, 'index.html names the wasm');
      for (const name of [wasm, ...Object.values(shipped)]) {
        assert.ok(isContentHashed(name), `${name} is named by its content`);
        const response = await fetch(new URL(name, url));
        assert.equal(response.status, 200, name);
        assert.match(response.headers.get('cache-control'), /immutable/, `${name} is sent immutable`);
      }
      assert.equal((await fetch(url)).headers.get('cache-control'), 'no-cache', 'index.html is revalidated');
    } finally {
      server.close();
    }
  });

  test('first visit: the wasm, the weights and the side files come from the server', within(START), async () => {
    const first = await visit(context, `${served.url}${QUERY}`);
    assertNoProblems(first.problems);
    assert.ok(first.secure.caches, 'localhost is a secure context with the Cache API');
    assert.deepEqual(first.kept, { wasm: false, weights: false });
    const large = largeRequests(served.requests);
    for (const kind of [/\.wasm$/, /faces64-[0-9a-f]+\.safetensors$/, /attributes-[0-9a-f]+\.safetensors$/, /face_likeness-[0-9a-f]+\.json$/]) {
      assert.ok(large.some((r) => kind.test(r)), `a request matching ${kind} in ${JSON.stringify(large)}`);
    }
    assert.ok(first.stats.std > 1, 'the first grid holds a face');
  });

  test('second visit, from a host with no caching headers: no request for the wasm, the weights or the side files', within(START), async () => {
    served.requests.length = 0;
    const second = await visit(context, `${served.url}${QUERY}`);
    assertNoProblems(second.problems);
    assert.deepEqual(largeRequests(served.requests), [], 'nothing large asked for');
    assert.deepEqual(second.kept, { wasm: true, weights: true }, 'the worker says it used its kept copies');
    assert.ok(second.stats.std > 1, 'the first grid holds a face');
  });
});

describe('without the Cache API (an insecure origin)', () => {
  let context;
  let served;
  before(async () => {
    served = await recordingServer();
    // realnvp.test is not localhost: plain http there is not a secure context, so the page has
    // neither the Cache API nor WebGPU.
    context = await launch(['--host-resolver-rules=MAP realnvp.test 127.0.0.1']);
  });
  after(async () => {
    await context?.close();
    served?.server.close();
  });

  test('the page downloads its files, works, and says nothing is wrong', within(2 * START), async () => {
    const url = `${served.url.replace('127.0.0.1', 'realnvp.test')}${QUERY}`;
    const first = await visit(context, url);
    assert.deepEqual(first.secure, { secure: false, caches: false }, 'no Cache API here');
    assertNoProblems(first.problems);
    assert.deepEqual(first.kept, { wasm: false, weights: false });
    assert.ok(first.stats.std > 1, 'the first grid holds a face');
    // The second visit still works; what it downloads is up to the HTTP cache (serve.mjs's headers).
    const second = await visit(context, url);
    assertNoProblems(second.problems);
    assert.deepEqual(second.kept, { wasm: false, weights: false });
    assert.ok(second.stats.std > 1, 'the second visit draws too');
  });
});
