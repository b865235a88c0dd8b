#!/usr/bin/env node
// Where one visit's time goes, seen from the page (issue 26): the built page (dist/) opened
// three times in one fresh Chromium profile (cold, warm, warm again). For each visit it prints
// the first face on screen (ms from navigation), every message the page's workers send with
// its time (a worker's `new`, then `limits`, `ready`, `faces:MS` where MS is the worker's own
// time for that face, ...), and the first worker's start-up timings (metrics.load).
//
//   node scripts/trace-visit.mjs [--query '?workers=1'] [--flag --js-flags=--no-liftoff] [--link 20:40]
//
// --link MBIT:MS: every response over one link of that speed after that latency (serve.mjs's
// `link`, as in bench-first-visit.mjs).
//
// The first-face test is the harness's (waitFirstFace), as in scripts/bench-first-visit.mjs, which gives the medians.

import { launch, metrics, waitFirstFace, waitReady } from '../tests/e2e/harness.mjs';
import { parseLink, serve } from './serve.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : null;
};
const QUERY = opt('query') ?? '';
const FLAG = opt('flag');
const LINK = opt('link');
const TIMEOUT = 10 * 60_000;

const link = parseLink(LINK ?? 'none', '--link');
const { server, url } = await serve('dist', 0, '127.0.0.1', { link });
const context = await launch(FLAG ? [FLAG] : []);
try {
  for (const visit of ['cold', 'warm', 'warm again']) {
    const page = await context.newPage();
    // Every worker the page starts, and each message it sends, with the page's clock.
    await page.addInitScript(() => {
      const log = [];
      Object.assign(window, { workerLog: log });
      const PageWorker = window.Worker;
      window.Worker = class extends PageWorker {
        constructor(...a) {
          super(...a);
          const id = log.filter((e) => e[1] === 'new').length;
          log.push([Math.round(performance.now()), 'new', id]);
          this.addEventListener('message', (e) => {
            const type = e.data?.type ?? 'core-test';
            log.push([Math.round(performance.now()), typeof e.data?.ms === 'number' ? `${type}:${Math.round(e.data.ms)}` : type, id]);
          });
        }
      };
    });
    await page.goto(`${url}${QUERY}`);
    const firstFaceMs = await waitFirstFace(page, TIMEOUT, 20);
    await waitReady(page, TIMEOUT);
    const log = await page.evaluate(() => /** @type {any} */ (window).workerLog);
    const m = await metrics(page);
    const load = m.load && Object.fromEntries(Object.entries(m.load).filter(([k]) => k.endsWith('Ms')).map(([k, v]) => [k, Math.round(v)]));
    console.log(`${visit}: first face ${Math.round(firstFaceMs)} ms, ${m.adapter ?? m.backend}`);
    console.log(`  workers: ${log.filter(([, type]) => type !== 'progress' && type !== 'status').map(([t, type, id]) => `${t} w${id} ${type}`).join(', ')}`);
    console.log(`  first worker: ${JSON.stringify(load)}`);
    await page.close();
  }
} finally {
  await context.close();
  server.close();
}
