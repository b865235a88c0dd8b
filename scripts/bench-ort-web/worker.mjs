// Runs the exported graphs (runs/onnx/{score,sample}.onnx, served under /onnx/) on ONNX
// Runtime Web in a Web Worker, as the page runs its model in web/worker.js: on its wasm backend
// (CPU) or on one of its two WebGPU execution providers. One worker per configuration: ORT
// reads env.wasm.numThreads once, when its wasm starts, and a bundle is imported once.
//
// Message in: { ep, threads, runs, warmup, batch1, grid, check }. Message out: { result } or
// { error }. ep picks the bundle from /ort/ (node_modules/onnxruntime-web/dist):
//   wasm         ort.wasm.min.mjs    (`onnxruntime-web/wasm`), ort-wasm-simd-threaded.wasm
//   webgpu       ort.webgpu.min.mjs  (`onnxruntime-web/webgpu`), ORT's C++ WebGPU EP on
//                                    ort-wasm-simd-threaded.asyncify.wasm, its default layout
//                                    (NHWC)
//   webgpu-nchw  the same with { name: 'webgpu', preferredLayout: 'NCHW' }
//   webgpu-jsep  ort.min.mjs         (`onnxruntime-web`, the default import), the JSEP WebGPU
//                                    EP (kernels in JavaScript) on ort-wasm-simd-threaded.jsep.wasm
// The WebGPU ones run on the adapter ORT requests itself (navigator.gpu.requestAdapter(), no
// options), which the result names (`adapter`). On SwiftShader (2026-12-07, ORT Web 1.30.0)
// plain `webgpu` scored a photo 24.59 bits/dim where realnvp says 3.0854 (graph optimisation
// 'all' or 'disabled'; its 4-face sample off by up to 104 levels); webgpu-nchw and webgpu-jsep
// gave 3.08538.

import { latentShapes, sampleLatents } from './latents.mjs';

const BUNDLES = {
  wasm: { file: 'ort.wasm.min.mjs', provider: 'wasm' },
  webgpu: { file: 'ort.webgpu.min.mjs', provider: 'webgpu' },
  'webgpu-nchw': { file: 'ort.webgpu.min.mjs', provider: { name: 'webgpu', preferredLayout: 'NCHW' } },
  'webgpu-jsep': { file: 'ort.min.mjs', provider: 'webgpu' },
};

/** @type {any} the bundle's module, imported by bench() */
let ort;

const IMAGE_SIZE = 64;
const GRID = { n: 16, temperature: 0.7, seed: 1 }; // the page's first grid
const LATENT_SHAPES = latentShapes(IMAGE_SIZE, 3, 4);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Milliseconds of `warmup` untimed then `runs` timed calls of `fn`: { median, all }.
async function timed(fn, warmup, runs) {
  for (let i = 0; i < warmup; i++) await fn();
  const all = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    all.push(performance.now() - t);
  }
  return { median: median(all), all: all.map((ms) => Math.round(ms)) };
}

function latentFeeds(latents, n, first = 0) {
  const feeds = {};
  latents.forEach((z, i) => {
    const [c, h, w] = LATENT_SHAPES[i];
    const size = c * h * w;
    feeds[`z${i}`] = new ort.Tensor('float32', z.subarray(first * size, (first + n) * size), [n, c, h, w]);
  });
  return feeds;
}

// RGBA pixels of a PNG (exact: no colour conversion, no premultiplication).
async function decodePng(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob(), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height);
}

// [1, 3, S, S] model input (0..255 floats) from a square RGBA image.
function planar(image) {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < 3; ch++) out[ch * plane + p] = image.data[4 * p + ch];
  }
  return out;
}

async function fetchJson(url) {
  const response = await fetch(url);
  return response.ok ? response.json() : null;
}

// Compares ORT Web with what `realnvp` computed for the same inputs (python/check_onnx.py
// writes runs/onnx/check/reference.json): the sample grid's pixels and one photo's bits/dim.
async function check(reference, score, sample, photoPixels, photoRef) {
  const { n, seed, temperature, grid, cols, pad } = reference.sample;
  const out = (await sample.run(latentFeeds(sampleLatents(LATENT_SHAPES, n, temperature, seed), n))).pixels.data;
  const image = await decodePng(`/onnx/check/${grid}`);
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  let maxDiff = 0;
  let offByOne = 0;
  let offByMore = 0;
  for (let k = 0; k < n; k++) {
    const x0 = pad + (k % cols) * (IMAGE_SIZE + pad);
    const y0 = pad + Math.floor(k / cols) * (IMAGE_SIZE + pad);
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < plane; p++) {
        const x = x0 + (p % IMAGE_SIZE);
        const y = y0 + Math.floor(p / IMAGE_SIZE);
        const d = Math.abs(out[(k * 3 + ch) * plane + p] - image.data[4 * (y * image.width + x) + ch]);
        maxDiff = Math.max(maxDiff, d);
        if (d === 1) offByOne++;
        else if (d > 1) offByMore++;
      }
    }
  }
  const bpd = (await score.run({ pixels: new ort.Tensor('float32', photoPixels, [1, 3, IMAGE_SIZE, IMAGE_SIZE]) })).bits_per_dim.data[0];
  const bpdDiff = Math.abs(bpd - photoRef.bits_per_dim);
  return {
    photo: photoRef.file,
    bitsPerDim: bpd,
    bitsPerDimRealnvp: photoRef.bits_per_dim,
    bitsPerDimDiff: bpdDiff,
    grid: { n, seed, temperature, subpixels: 3 * plane * n, maxDiff, offByOne, offByMore },
    pass: bpdDiff <= 1e-3 && offByMore === 0,
  };
}

// What the WebGPU EP runs on: the adapter of ORT's device (GPUDevice.adapterInfo, else the
// adapter ORT kept in env.webgpu.adapter), copied out of the GPUAdapterInfo (not cloneable).
async function webgpuAdapter() {
  const device = await ort.env.webgpu?.device;
  const info = device?.adapterInfo ?? (await ort.env.webgpu?.adapter)?.info;
  if (!info) return null;
  const out = {};
  for (const key of ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter']) {
    if (info[key] !== undefined) out[key] = info[key];
  }
  if (device) out.features = [...device.features].sort();
  return out;
}

async function bench({ ep = 'wasm', threads, runs, warmup, batch1, grid = true, check: checkOn = true }) {
  const bundle = BUNDLES[ep];
  if (!bundle) throw new Error(`unknown execution provider choice ${ep} (${Object.keys(BUNDLES).join(', ')})`);
  ort = await import(`/ort/${bundle.file}`);
  // Set before the first session: ORT starts its wasm (and its thread pool) once.
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = '/ort/';
  const options = { executionProviders: [bundle.provider], graphOptimizationLevel: 'all' };
  let t = performance.now();
  const score = await ort.InferenceSession.create('/onnx/score.onnx', options);
  const scoreSessionMs = performance.now() - t;
  t = performance.now();
  const sample = await ort.InferenceSession.create('/onnx/sample.onnx', options);
  const sampleSessionMs = performance.now() - t;
  const adapter = ep === 'wasm' ? null : await webgpuAdapter();

  t = performance.now();
  const latents = sampleLatents(LATENT_SHAPES, GRID.n, GRID.temperature, GRID.seed);
  const latentsMs = performance.now() - t;

  const reference = checkOn ? await fetchJson('/onnx/check/reference.json') : null;
  const photoRef = reference?.score.find((s) => s.file.startsWith('photo-')) ?? reference?.score[0];
  // The photo check_onnx.py cropped to 64x64, else the first face of a grid.
  const photoPixels = photoRef
    ? planar(await decodePng(`/onnx/check/${photoRef.file}`))
    : (await sample.run(latentFeeds(latents, 1))).pixels.data;

  // grid false: no grid timed (a 16-face grid takes minutes on a software WebGPU adapter).
  const grid16 = grid ? await timed(() => sample.run(latentFeeds(latents, GRID.n)), warmup, runs) : null;
  const grid1x16 = grid && batch1
    ? await timed(async () => {
      for (let k = 0; k < GRID.n; k++) await sample.run(latentFeeds(latents, 1, k));
    }, warmup, runs)
    : null;
  const photo = new ort.Tensor('float32', photoPixels, [1, 3, IMAGE_SIZE, IMAGE_SIZE]);
  const score1 = await timed(() => score.run({ pixels: photo }), warmup, runs);

  return {
    impl: 'onnxruntime-web',
    version: ort.env.versions?.web ?? ort.env.versions?.common ?? 'unknown',
    backend: ep,
    bundle: bundle.file,
    executionProvider: bundle.provider,
    adapter,
    threadsRequested: threads,
    threads: ort.env.wasm.numThreads, // ORT drops to 1 without cross-origin isolation
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    sessionMs: { score: Math.round(scoreSessionMs), sample: Math.round(sampleSessionMs) },
    latentsMs: Math.round(latentsMs),
    grid16Ms: grid16,
    grid1x16Ms: grid1x16,
    scoreMs: score1,
    check: reference ? await check(reference, score, sample, photoPixels, photoRef) : null,
  };
}

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ result: await bench(data) });
  } catch (err) {
    self.postMessage({ error: String(err?.stack || err) });
  }
};
