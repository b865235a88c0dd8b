#!/usr/bin/env node
// ONNX Runtime Web on the exported model, in headless Chromium: a 16-face grid (sample graph,
// the page's first-grid latents: batch 16, and 16 x batch 1 unless --no-batch1; neither with
// --no-grid) and one photo's score (score graph, batch 1), median of --runs after --warmup.
// Execution providers (--ep, default wasm; scripts/bench-ort-web/worker.mjs has the bundles):
// wasm (CPU) on 1 thread and on all threads (navigator.hardwareConcurrency, --threads), and
// webgpu (ORT's C++ WebGPU EP, the `onnxruntime-web/webgpu` bundle; its NHWC default gave wrong
// results on SwiftShader), webgpu-nchw (the same EP with preferredLayout 'NCHW') and webgpu-jsep
// (the JSEP WebGPU EP of the default `onnxruntime-web` bundle), one configuration each, on 1 wasm thread,
// on the adapter ORT requests (headless Chromium gets --enable-unsafe-webgpu from
// tests/e2e/harness.mjs; without a GPU that is SwiftShader, where a 16-face grid takes minutes:
// --no-grid). Prints a JSON line and a Markdown table row per configuration; also checks ORT
// Web's pixels and bits/dim against the Rust CLI when python/check_onnx.py has written
// runs/onnx/check/reference.json (a 4-face sample and one score more; --no-check skips it).
//
//   .venv/bin/python python/export_onnx.py --check      # runs/onnx/*.onnx + the reference
//   node scripts/bench-ort-web.mjs [--runs 3] [--warmup 1] [--threads 1,all] [--no-batch1]
//     [--ep wasm,webgpu,webgpu-nchw,webgpu-jsep] [--no-grid] [--no-check]  (--ort-ep: = --ep)
//   node scripts/bench-ort-web.mjs --serve [--port 8090]  # serve it for another browser
//   node scripts/bench-page.mjs --ort ...                 # after the page's own backends
//
// Threads need cross-origin isolation (SharedArrayBuffer): the page is served by
// scripts/serve.mjs with COOP/COEP headers, scripts/bench-ort-web/ at /, ORT's files from
// node_modules/onnxruntime-web/dist at /ort/ and runs/onnx at /onnx/ (nothing copied).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from './serve.mjs';
import { launch, openPage } from '../tests/e2e/harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
const ONNX_DIR = join(ROOT, 'runs', 'onnx');

export function startOrtServer(port = 0) {
  for (const [path, hint] of [
    [ORT_DIST, 'npm ci (onnxruntime-web is a dev dependency)'],
    [join(ONNX_DIR, 'score.onnx'), '.venv/bin/python python/export_onnx.py'],
    [join(ONNX_DIR, 'sample.onnx'), '.venv/bin/python python/export_onnx.py'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  }
  return serve(join(ROOT, 'scripts', 'bench-ort-web'), port, '127.0.0.1', {
    isolated: true,
    mounts: { '/ort/': ORT_DIST, '/onnx/': ONNX_DIR },
  });
}

export const ORT_EPS = ['wasm', 'webgpu', 'webgpu-nchw', 'webgpu-jsep'];
const EP_NAMES = { webgpu: 'webgpu', 'webgpu-nchw': 'webgpu, NCHW layout', 'webgpu-jsep': 'webgpu (JSEP)' };

function label(ep, t, adapter) {
  if (ep === 'wasm') return `onnxruntime-web wasm, ${t === 'all' ? 'all threads' : `${t} thread${t === '1' ? '' : 's'}`}`;
  const on = adapter
    ? [adapter.vendor, adapter.architecture || adapter.device || adapter.description].filter(Boolean).join(' ')
      + (adapter.isFallbackAdapter ? ', fallback adapter' : '')
    : 'adapter unknown';
  return `onnxruntime-web ${EP_NAMES[ep]} (${on})`;
}

// eps: execution providers (ORT_EPS); threads: list of counts or 'all', for wasm only (the
// WebGPU ones run once, on 1 wasm thread). grid false: no grid timed; check false: no check
// against the reference. One fresh Chromium profile per configuration.
export async function measureOrtWeb({
  eps = ['wasm'], threads = ['1', 'all'], runs = 3, warmup = 1, batch1 = true, grid = true, check = true,
} = {}) {
  for (const ep of eps) {
    if (!ORT_EPS.includes(ep)) throw new Error(`unknown ONNX Runtime Web execution provider ${ep} (${ORT_EPS.join(', ')})`);
  }
  const configs = eps.flatMap((ep) => (ep === 'wasm' ? threads.map((t) => [ep, t]) : [[ep, '1']]));
  const { server, url } = await startOrtServer();
  const results = [];
  try {
    for (const [ep, t] of configs) {
      const context = await launch();
      try {
        const { page, problems } = await openPage(context, url);
        const warnings = [];
        page.on('console', (msg) => {
          if (msg.type() === 'warning') warnings.push(msg.text());
        });
        await page.waitForFunction(() => window.ortBench !== undefined);
        const config = { ep, threads: t === 'all' ? 'all' : Number(t), runs, warmup, batch1, grid, check };
        const result = await page.evaluate((c) => window.ortBench.run(c), config);
        result.label = label(ep, t, result.adapter);
        if (!check) result.checkSkipped = true;
        if (problems.length) result.consoleErrors = problems;
        if (warnings.length) result.consoleWarnings = warnings;
        console.log(JSON.stringify(result));
        results.push(result);
      } finally {
        await context.close();
      }
    }
  } finally {
    server.close();
  }
  return results;
}

const ms = (v) => (v == null ? '–' : `${Math.round(v)}`);

function checkCell(c, skipped) {
  if (skipped) return 'not checked (--no-check)';
  if (!c) return 'no reference (run python/check_onnx.py)';
  const verdict = c.pass ? 'PASS' : 'FAIL';
  return `${verdict}: bpd diff ${c.bitsPerDimDiff.toExponential(1)}, pixels max ${c.grid.maxDiff}, `
    + `${c.grid.offByOne} off by 1 of ${c.grid.subpixels}`;
}

export function printOrtTable(results) {
  const version = results[0]?.version ?? '';
  console.log(`\n| ONNX Runtime Web ${version} | threads (isolated) | 16-face grid, batch 16 (ms, median) | 16 faces, 16 x batch 1 (ms, median) | score, batch 1 (ms, median) | session create score/sample (ms) | check vs realnvp |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    console.log(`| ${r.label} | ${r.threads} (${r.crossOriginIsolated ? 'yes' : 'no'}) | ${ms(r.grid16Ms?.median)} | ${ms(r.grid1x16Ms?.median)} | ${ms(r.scoreMs.median)} | ${r.sessionMs.score} / ${r.sessionMs.sample} | ${checkCell(r.check, r.checkSkipped)} |`);
  }
}

export function ortWebVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  if (args.includes('--serve')) {
    const { url } = await startOrtServer(Number(opt('port', 8090)));
    console.log(`ONNX Runtime Web ${ortWebVersion()} benchmark page at ${url} (Ctrl-C to stop);`
      + ' in the console: await ortBench.run({ ep: "wasm", threads: "all", runs: 3, warmup: 1, batch1: true })'
      + ' (ep: wasm, webgpu, webgpu-nchw or webgpu-jsep; grid: false skips the grids, check: false the check)');
  } else {
    const results = await measureOrtWeb({
      eps: opt('ep', opt('ort-ep', 'wasm')).split(','),
      threads: opt('threads', '1,all').split(','),
      runs: Number(opt('runs', 3)),
      warmup: Number(opt('warmup', 1)),
      batch1: !args.includes('--no-batch1'),
      grid: !args.includes('--no-grid'),
      check: !args.includes('--no-check'),
    });
    printOrtTable(results);
    process.exitCode = results.every((r) => r.check?.pass !== false) ? 0 : 1;
  }
}
