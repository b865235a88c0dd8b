#!/usr/bin/env node
// What a visitor waits for: the built page (dist/) opened cold (a fresh Chromium profile) and
// then warm (the same profile, a second visit), unthrottled and over an emulated home link
// (20 Mbit/s, 40 ms: scripts/serve.mjs `link`, which slows the workers' downloads too), on
// the page as a visitor opens it (?backend=auto). Reports bytes the server sent, time from
// navigation to the first face on screen (a drawn tile of #samples), to the full first grid
// (metrics.firstFacesMs) and to a ready page (the score panel takes photos: realnvp.ready),
// with the bytes counted as the server wrote them (bodies and header lines, a 304's too),
// medians of --runs visits. Prints a JSON line per visit kind and a Markdown table.
//
//   node scripts/bench-first-visit.mjs [--runs 3] [--links none,20:40] [--query '?backend=cpu'] [--host plain]
//
// --host plain: the server sends no caching headers of its own (no ETag, every file no-cache),
// as many static hosts do; what a warm visit then downloads is what the page kept itself.

import { join } from 'node:path';
import { launch, metrics, waitFirstFace, waitReady } from '../tests/e2e/harness.mjs';
import { parseLink, serve } from './serve.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 3));
const LINKS = opt('links', 'none,20:40').split(',');
const QUERY = opt('query', '');
const HOST = opt('host', 'serve.mjs');
if (!['serve.mjs', 'plain'].includes(HOST)) throw new Error(`--host: "${HOST}" is not serve.mjs or plain`);
const TIMEOUT = 10 * 60_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// One visit in `context`: ms from navigation to the first face drawn, to the first grid, to
// ready, and the bytes the server sent meanwhile.
async function visit(context, url, sent) {
  const before = sent.bytes;
  const page = await context.newPage();
  await page.goto(url);
  const firstFaceMs = await waitFirstFace(page, TIMEOUT, 50);
  await waitReady(page, TIMEOUT);
  const readyMs = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => window.realnvp.metrics.firstFacesMs !== null, null, { timeout: TIMEOUT, polling: 100 });
  const m = await metrics(page);
  await page.close();
  return {
    firstFaceMs: Math.round(firstFaceMs),
    firstGridMs: m.firstFacesMs,
    readyMs: Math.round(readyMs),
    bytes: sent.bytes - before,
    backend: m.adapter ?? m.backend,
    // Where the start-up went (the first worker's timings, ms) and what came from the page's own copies.
    load: m.load && Object.fromEntries(Object.entries(m.load).filter(([k]) => k.endsWith('Ms')).map(([k, v]) => [k, Math.round(v)])),
    kept: m.kept,
    coreTest: m.coreProbe && { ms: Math.round(m.coreProbe.ms), remembered: m.coreProbe.remembered },
  };
}

const rows = [];
for (const spec of LINKS) {
  const link = parseLink(spec, '--links');
  const sent = { bytes: 0, requests: 0 };
  const { server, url } = await serve('dist', 0, '127.0.0.1', {
    link,
    plainHost: HOST === 'plain',
    onSent: (_url, _status, bytes) => {
      sent.bytes += bytes;
      sent.requests++;
    },
  });
  const visits = { cold: [], warm: [] };
  for (let run = 0; run < RUNS; run++) {
    const context = await launch(); // a fresh profile: nothing cached
    try {
      visits.cold.push(await visit(context, `${url}${QUERY}`, sent));
      visits.warm.push(await visit(context, `${url}${QUERY}`, sent));
    } finally {
      await context.close();
    }
    console.error(`${spec} run ${run + 1}: cold ${JSON.stringify(visits.cold.at(-1))}, warm ${JSON.stringify(visits.warm.at(-1))}`);
  }
  server.close();
  for (const kind of ['cold', 'warm']) {
    const v = visits[kind];
    const row = {
      host: HOST,
      link: link ? `${spec.split(':')[0]} Mbit/s, ${spec.split(':')[1]} ms` : 'unthrottled',
      visit: kind,
      runs: v.length,
      bytes: median(v.map((x) => x.bytes)),
      firstFaceMs: median(v.map((x) => x.firstFaceMs)),
      firstGridMs: median(v.map((x) => x.firstGridMs)),
      readyMs: median(v.map((x) => x.readyMs)),
      backend: v[0].backend,
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
}

const mb = (b) => (b >= 1e5 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);
console.log('\n| host | link | visit | bytes sent | first face | first grid | ready (score panel) | backend |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.host} | ${r.link} | ${r.visit} | ${mb(r.bytes)} | ${(r.firstFaceMs / 1000).toFixed(2)} s | ${(r.firstGridMs / 1000).toFixed(2)} s | ${(r.readyMs / 1000).toFixed(2)} s | ${r.backend} |`);
}
console.log(`\n(medians of ${RUNS} visits each; dist/ ${join(process.cwd(), 'dist')})`);
