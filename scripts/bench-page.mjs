#!/usr/bin/env node
// Measures the built page (dist/) in headless Chromium, served on 127.0.0.1:
// time to first faces from a cold load (fresh profile: weights fetch + wasm compile +
// shader compile + the first 16-face grid), ms per 16-face generation, ms per score (and
// per reconstruction), on WebGPU (?backend=webgpu, so even a software adapter is measured)
// and on the CPU backend (?backend=cpu), plus the transfer
// sizes of the wasm and the weights. Prints a JSON line per backend and a Markdown table.
//
//   node scripts/bench-page.mjs [--runs 5] [--cpu-runs 2] [--score-runs N] [--backends webgpu,cpu]
//     [--cpu-workers 1,2] [--photo face.jpg]
//                               [--ort [--ort-runs 3] [--ort-threads 1,all] [--ort-ep wasm,webgpu]
//                                      [--ort-no-grid]]
//
// --runs / --cpu-runs: 16-face generations and scores measured after the first grid.
// The photo defaults to the one the end-to-end test writes (runs/e2e/face.jpg), else the
// first LFW face in ../shared/data/faces.
// --ort: then ONNX Runtime Web (wasm, 1 thread and all threads) on the exported model in the
// same Chromium (scripts/bench-ort-web.mjs; needs runs/onnx from python/export_onnx.py --check).
// --ort-ep: its execution providers, of wasm, webgpu, webgpu-nchw and webgpu-jsep (default wasm;
// the WebGPU ones run once each, on the adapter ORT gets; scripts/bench-ort-web.mjs says which is
// which); --ort-no-grid: only its score is timed (a 16-face grid takes minutes on SwiftShader).
// --backends none: ONNX Runtime Web only.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import {
  launch, metrics, openPage, runGrid, startServer, text, waitForBackend, waitReady,
} from '../tests/e2e/harness.mjs';
import { measureOrtWeb, printOrtTable } from './bench-ort-web.mjs';
import { INPUTS } from '../tests/e2e/inputs.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 5));
const CPU_RUNS = Number(opt('cpu-runs', 2));
const SCORE_RUNS = opt('score-runs', null); // default: as many as the generations
const BACKENDS = opt('backends', 'webgpu,cpu').split(',');
const CPU_WORKERS = opt('cpu-workers', '').split(',').filter(Boolean).map(Number);
if (!CPU_WORKERS.length) CPU_WORKERS.push(0);
// Without --photo: the end-to-end test's face.jpg, else the first LFW face in ../shared.
const PHOTO = resolve(opt('photo', null) ?? [INPUTS.jpeg, INPUTS.shared].find((p) => p && existsSync(p)) ?? 'runs/e2e/face.jpg');
if (!existsSync(PHOTO)) {
  console.error(`no photo to score at ${PHOTO}: pass --photo FILE, or run tests/e2e/page.test.mjs once (it writes runs/e2e/face.jpg)`);
  process.exit(2);
}
const ORT = args.includes('--ort');
const ORT_RUNS = Number(opt('ort-runs', 3));
const ORT_THREADS = opt('ort-threads', '1,all').split(',');
const ORT_EPS = opt('ort-ep', 'wasm').split(',');
const ORT_GRID = !args.includes('--ort-no-grid');
const TIMEOUT = 30 * 60_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

function distSizes() {
  const out = {};
  for (const name of readdirSync('dist')) {
    const path = join('dist', name);
    if (!statSync(path).isFile()) continue;
    const kind = name.endsWith('.wasm') ? 'wasm' : name.endsWith('.safetensors') ? 'weights' : name.endsWith('.js') ? 'js' : null;
    if (!kind) continue;
    const bytes = readFileSync(path);
    const entry = out[kind] || { files: [], bytes: 0, gzip: 0 };
    entry.files.push(name);
    entry.bytes += bytes.length;
    entry.gzip += gzipSync(bytes, { level: 9 }).length;
    out[kind] = entry;
  }
  return out;
}

async function measure(url, label, query, runs) {
  const context = await launch(); // fresh profile: a cold load
  const transfers = [];
  context.on('requestfinished', async (request) => {
    try {
      const sizes = await request.sizes();
      transfers.push({ url: request.url(), bytes: sizes.responseBodySize + sizes.responseHeadersSize });
    } catch {
      // a request that never finished
    }
  });
  try {
    const { page } = await openPage(context, `${url}${query}`);
    const backend = await waitForBackend(page, 120_000);
    await waitReady(page, TIMEOUT);
    const start = await metrics(page);
    for (let i = 0; i < runs; i++) {
      await page.fill('#seed', String(100 + i));
      await runGrid(page, 'generate', 'samples', TIMEOUT);
    }
    const scoreRuns = SCORE_RUNS === null ? runs : Number(SCORE_RUNS);
    for (let i = 0; i < scoreRuns; i++) {
      await page.setInputFiles('#upload', PHOTO);
      await page.waitForFunction((n) => window.realnvp.metrics.scores.length > n || document.getElementById('error').textContent !== '', i, { timeout: TIMEOUT, polling: 50 });
      const error = await text(page, 'error');
      if (error) throw new Error(error);
    }
    const m = await metrics(page);
    const gens = m.generations.filter((g) => g.n === 16).map((g) => g.ms);
    const result = {
      label,
      backend,
      firstFacesMs: start.firstFacesMs,
      warmUpMs: start.warmUpMs,
      load: start.load,
      generate16Ms: { median: median(gens), all: gens.map(Math.round) },
      scoreMs: { median: median(m.scores.map((s) => s.ms)), all: m.scores.map((s) => Math.round(s.ms)) },
      reconstructMs: { median: median(m.scores.map((s) => s.reconMs)), all: m.scores.map((s) => Math.round(s.reconMs)) },
      transfers: {
        wasm: transfers.filter((t) => t.url.endsWith('.wasm')).reduce((a, t) => a + t.bytes, 0),
        weights: transfers.filter((t) => t.url.endsWith('.safetensors')).reduce((a, t) => a + t.bytes, 0),
        total: transfers.reduce((a, t) => a + t.bytes, 0),
      },
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await context.close();
  }
}

const { server, url } = await startServer('dist');
const results = [];
try {
  if (BACKENDS.includes('webgpu')) results.push(await measure(url, 'webgpu (forced)', '?backend=webgpu', RUNS));
  if (BACKENDS.includes('cpu')) {
    // --cpu-workers 1,2: one run per worker count (default: the page's own choice).
    for (const workers of CPU_WORKERS) {
      const query = workers ? `?backend=cpu&workers=${workers}` : '?backend=cpu';
      results.push(await measure(url, `cpu (forced${workers ? `, ${workers} workers` : ''})`, query, CPU_RUNS));
    }
  }
} finally {
  server.close();
}
const ortResults = ORT ? await measureOrtWeb({ eps: ORT_EPS, threads: ORT_THREADS, runs: ORT_RUNS, grid: ORT_GRID }) : [];
const sizes = existsSync('dist') ? distSizes() : {};
console.log(JSON.stringify({ dist: sizes }));

const mb = (b) => (b / 1e6).toFixed(2);
const ms = (v) => (v == null ? '–' : `${Math.round(v)}`);
console.log('\n| backend (#backend) | first faces, cold (ms) | 16-face generation (ms, median) | score (ms, median) | reconstruction (ms, median) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.backend} | ${ms(r.firstFacesMs)} | ${ms(r.generate16Ms.median)} | ${ms(r.scoreMs.median)} | ${ms(r.reconstructMs.median)} |`);
}
console.log('\n| file | size (MB) | gzip -9 (MB) | transferred by scripts/serve.mjs (MB) |');
console.log('| --- | ---: | ---: | ---: |');
for (const kind of ['wasm', 'weights', 'js']) {
  const s = sizes[kind];
  if (!s) continue;
  const sent = kind === 'js' || !results.length ? null : results[0].transfers[kind];
  console.log(`| ${kind} (${s.files.join(', ')}) | ${mb(s.bytes)} | ${mb(s.gzip)} | ${sent == null ? '–' : mb(sent)} |`);
}
if (ortResults.length) printOrtTable(ortResults);
