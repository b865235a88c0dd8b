// A model worker: runs the wasm build of the Rust crate (src/web/) so that the page's main
// thread never blocks. The page's pool (web/pool.js) starts one (WebGPU: the GPU is one
// device) or several (the CPU backend: one per core); the messages are in web/messages.js.
//
// The first worker downloads the wasm and the weights, picks the backend (burn's wgpu
// backend on WebGPU, else the wasm CPU backend) and, on the CPU, shares the compiled module
// and the weight bytes so that the helpers start without downloading anything. After that
// every worker takes tasks one at a time: a few faces of a grid, a photo to decode, a crop
// to score. A task the page no longer wants is skipped if it has not started, and a score
// stops before its reconstruction.

import { JOB, PHOTO_KEY, REQUEST, REPLY } from './messages.js';

let wasm = null; // the wasm-bindgen module
let memory = null; // the wasm instance's memory, whose size the pool reports
let backend = null;
let model = null;
let directions = null; // the attribute directions (wasm Directions), when the file loaded
// The photo being scored, as { version, photo }: the pool numbers each uploaded photo and
// sends its bytes along with a score when this worker does not hold that version yet.
let scorePhoto = null;
// The corner latents of the interpolation this worker is drawing, as { job, latents }: the
// pool sends the corners with a worker's first task of a grid only.
let corners = null;
// The latents of the face panel's face, as { key, latents }: every edit of that face starts
// from them, so only its first edit on this worker encodes it.
let focus = null;
const cancelled = new Set(); // ids of tasks the pool no longer wants

// Colours in the page's colour bar (the same viridis as the overlay and the CLI's figure).
const HEATMAP_STOPS = 64;
// The overlay's opacity over the face (0-255): the face shows through.
const OVERLAY_ALPHA = 190;

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
const status = (text) => post({ type: REPLY.STATUS, text });

// A macrotask boundary: lets a CANCEL that arrived meanwhile in.
function yieldNow() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

// Errors from Rust arrive as JsError (an Error whose message is the Rust error's Display).
// A panic shows up as a RuntimeError: the wasm instance is then unusable.
function describe(err) {
  if (err instanceof WebAssembly.RuntimeError) return { fatal: true, message: `the wasm module crashed: ${err.message}` };
  if (err && typeof err.message === 'string') return { fatal: false, message: err.message };
  return { fatal: false, message: String(err) };
}

async function fetchWithProgress(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`could not download the ${what} (${url}): ${err.message}`);
  }
  if (!response.ok) throw new Error(`could not download the ${what} (${url}): HTTP ${response.status}`);
  // Content-Length is the transfer size; with Content-Encoding it is not the body size.
  const encoded = response.headers.get('Content-Encoding');
  const total = encoded ? 0 : Number(response.headers.get('Content-Length')) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      post({ type: REPLY.PROGRESS, what, loaded, total });
    }
  }
  post({ type: REPLY.PROGRESS, what, loaded, total: loaded });
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

// What the browser says about its WebGPU adapter (wgpu only passes on `description`,
// which Chromium leaves empty).
async function adapterName() {
  try {
    if (!self.navigator.gpu) return { name: '', software: false };
    const adapter = await self.navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { name: '', software: false };
    const info = adapter.info || (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    return { name, software: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter) };
  } catch {
    return { name: '', software: false };
  }
}

// The Rust limits (src/limits.rs) as a plain object that can be posted.
function readLimits() {
  const limits = wasm.limits();
  try {
    const { maxFaces, maxSteps, maxTemperature, maxFileBytes, maxImageSize, maxEditAmount } = limits;
    return { maxFaces, maxSteps, maxTemperature, maxFileBytes, maxImageSize, maxEditAmount };
  } finally {
    limits.free();
  }
}

// The attribute file is optional: without it the page works and says editing is off.
async function fetchAttributes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    return { bytes: null, note: `the attribute file could not be downloaded (${err.message})` };
  }
  if (!response.ok) return { bytes: null, note: `the attribute file could not be downloaded (HTTP ${response.status})` };
  return { bytes: new Uint8Array(await response.arrayBuffer()), note: null };
}

// { names, how: { name: words } } of the directions, or { note } saying why there are none.
function loadDirections({ bytes, note }) {
  if (!bytes) return { note };
  try {
    directions = wasm.Directions.load(model, bytes);
  } catch (err) {
    return { note: `the attribute file was refused: ${describe(err).message}` };
  }
  const names = Array.from(directions.names);
  return { names, how: Object.fromEntries(names.map((n) => [n, directions.how(n) ?? ''])) };
}

function init(msg) {
  return msg.module ? initHelper(msg) : initFirst(msg);
}

async function initFirst(msg) {
  const timings = {};
  let t = performance.now();
  status('Downloading the wasm module…');
  const wasmBytes = await fetchWithProgress(msg.wasm, 'wasm');
  timings.wasmFetchMs = performance.now() - t;
  t = performance.now();
  // Compiled here, once: helpers instantiate this same module (a Module can be posted).
  const module = await WebAssembly.compile(wasmBytes);
  wasm = await import(msg.glue);
  memory = (await wasm.default({ module_or_path: module })).memory;
  timings.wasmInitMs = performance.now() - t;
  post({ type: REPLY.LIMITS, limits: readLimits() });

  t = performance.now();
  // msg.backend: 'auto' (WebGPU on a GPU, else the CPU), 'webgpu' (even on a software
  // adapter) or 'cpu'. msg.fallbackReason: why an earlier WebGPU start was given up.
  const wantCpu = msg.backend === 'cpu';
  let reason = msg.fallbackReason || (wantCpu ? 'requested with ?backend=cpu' : null);
  if (!reason && !self.navigator.gpu) {
    reason = 'this browser does not offer WebGPU (navigator.gpu is missing)';
  }
  let adapter = { name: '', software: false };
  if (!reason) {
    adapter = await adapterName();
    // A software adapter (SwiftShader where there is no usable GPU) runs this model about
    // 7x slower than the wasm CPU backend on the same cores (BENCHMARKS.md).
    if (adapter.software && msg.backend === 'auto') {
      reason = `the only WebGPU adapter here, ${adapter.name || 'unnamed'}, is a software renderer and slower than the CPU backend; add ?backend=webgpu to use it anyway`;
    }
  }
  status(reason ? 'Starting the CPU backend…' : 'Starting WebGPU…');
  backend = await wasm.Backend.init(reason !== null);
  if (backend.fallbackReason) reason = backend.fallbackReason;
  const kind = backend.kind;
  if (kind !== 'webgpu') adapter = { name: 'burn flex, wasm', software: false };
  timings.backendMs = performance.now() - t;
  post({ type: REPLY.BACKEND, kind, adapter: adapter.name, software: adapter.software, reason });

  t = performance.now();
  status('Downloading the weights…');
  const weights = await fetchWithProgress(msg.weights, 'weights');
  timings.weightsFetchMs = performance.now() - t;
  // Before this worker's own load, so that the helpers load theirs at the same time. The
  // weights are copied (posting clones them); the module is shared, not recompiled.
  const attributeBytes = msg.attributes ? await fetchAttributes(msg.attributes) : { bytes: null, note: 'no attribute file for this weight file (add ?attributes=URL)' };
  if (kind === 'cpu' && msg.share) post({ type: REPLY.SHARE, module, weights, attributes: attributeBytes.bytes });
  t = performance.now();
  status('Loading the model…');
  model = wasm.Model.load(backend, weights);
  timings.modelLoadMs = performance.now() - t;
  const attributes = loadDirections(attributeBytes);
  post({
    type: REPLY.READY,
    imageSize: model.imageSize,
    numScales: model.numScales,
    latentShapes: Array.from(model.latentShapes), // [C, H, W] of each scale, flattened
    parameters: model.parameters,
    stats: model.stats ?? null,
    attributes: attributes.names ? attributes : null,
    attributesNote: attributes.note ?? null,
    heatmapStops: Array.from(wasm.heatmapStops(HEATMAP_STOPS)),
    weightsBytes: weights.byteLength,
    wasmBytes: wasmBytes.byteLength,
    timings,
  });
}

// A CPU helper: the first worker's compiled module and a copy of its weight bytes.
async function initHelper(msg) {
  const t = performance.now();
  wasm = await import(msg.glue);
  memory = (await wasm.default({ module_or_path: msg.module })).memory;
  backend = await wasm.Backend.init(true);
  model = wasm.Model.load(backend, msg.weights);
  loadDirections({ bytes: msg.attributes });
  post({ type: REPLY.READY, helper: true, timings: { helperStartMs: performance.now() - t } });
}

// The first generation also compiles the shaders (WebGPU); then scoring one of its faces
// compiles the scoring kernels and checks that the GPU computes correctly (a broken driver
// gets the CPU fallback instead of garbage).
async function warmUp(msg) {
  if (backend.kind !== 'webgpu') return post({ type: REPLY.WARM, id: msg.id, ms: 0, skipped: true });
  const t = performance.now();
  const size = model.imageSize;
  const photo = photoOfFace(msg.face);
  const score = await model.score(photo, 0, 0, size);
  const bpd = score.bitsPerDim;
  score.free();
  photo.free();
  // A face the model just drew scores well below 8 bits/dim (validation faces: about 3).
  if (!(bpd > 0 && bpd < 8)) {
    const why = `WebGPU gave wrong results in the self-check (a generated face scored ${bpd} bits/dim)`;
    return post({ type: REPLY.FATAL, message: why, gpuBroken: true });
  }
  post({ type: REPLY.WARM, id: msg.id, ms: performance.now() - t, bpd });
}

// A face as canvas RGBA pixels (imageSize^2) -> a Photo of it: the RGB bytes Photo.fromRgb
// takes (the image format, not the model's). Scored or encoded whole, it is the model input.
function photoOfFace(rgbaBuffer) {
  const size = model.imageSize;
  const face = new Uint8Array(rgbaBuffer);
  if (face.length !== size * size * 4) throw new Error(`a face of ${face.length} bytes; the model takes ${size}x${size} RGBA`);
  const rgb = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    rgb[3 * p] = face[4 * p];
    rgb[3 * p + 1] = face[4 * p + 1];
    rgb[3 * p + 2] = face[4 * p + 2];
  }
  return wasm.Photo.fromRgb(size, size, rgb);
}

// Where the bits go: the bits map of all scales, then each scale's, with the colours they
// are drawn in. values: bits per pixel position (Float32Array, imageSize^2); overlay: RGBA.
function bitsMaps(score, scales) {
  const maps = [score.bitsMap];
  for (let i = 0; i < scales; i++) maps.push(score.scaleBitsMap(i));
  return maps.map((values) => {
    const [lo, hi] = wasm.heatmapRange(values);
    return { values, lo, hi, overlay: wasm.heatmapRgba(values, lo, hi, OVERLAY_ALPHA) };
  });
}

const mapBuffers = (maps) => maps.flatMap((m) => [m.values.buffer, m.overlay.buffer]);

function forgetCorners() {
  if (corners) corners.latents.forEach((z) => z.free());
  corners = null;
}

// The four corner latents of interpolation `grid.job`: computed from `grid.corners` (seeds,
// or photo bytes whose centred square is encoded) on this worker's first task of the grid.
async function cornerLatents(id, grid) {
  if (grid.corners) {
    forgetCorners();
    const latents = [];
    try {
      for (const corner of grid.corners) {
        latents.push(corner.bytes ? encodeCorner(corner) : model.sampleLatents(grid.temperature, BigInt(corner.seed)));
        await yieldNow();
        if (cancelled.has(id)) throw new Error('cancelled');
      }
    } catch (err) {
      latents.forEach((z) => z.free());
      throw err;
    }
    corners = { job: grid.job, latents };
  }
  if (!corners || corners.job !== grid.job) throw new Error('the corners of this interpolation never reached this worker');
  return corners.latents;
}

function encodeCorner(corner) {
  let photo;
  try {
    photo = wasm.Photo.decode(new Uint8Array(corner.bytes));
  } catch (err) {
    // The page names the corner as its controls do.
    const failed = new Error(describe(err).message);
    failed.corner = corner.index;
    throw failed;
  }
  try {
    const [x, y, side] = photo.centreSquare();
    return model.encode(photo, x, y, side);
  } finally {
    photo.free();
  }
}

// Faces msg.start .. msg.start + msg.count of a grid: the same latents as the whole grid
// (and as `realnvp sample`), however the pool splits it.
async function draw(msg) {
  await yieldNow(); // a CANCEL sent right after this task gets in first
  if (cancelled.has(msg.id)) return;
  const { grid, start, count } = msg;
  const t = performance.now();
  let faces;
  if (grid.kind === JOB.GENERATE) {
    faces = model.sampleRange(grid.n, grid.temperature, BigInt(grid.seed), start, count);
  } else {
    let latents;
    try {
      latents = await cornerLatents(msg.id, grid);
    } catch (err) {
      if (cancelled.has(msg.id)) return;
      throw err;
    }
    const [a, b, c, d] = latents;
    faces = model.interpolateRange(a, b, c, d, grid.steps, start, count);
  }
  try {
    const rgba = await faces.next(count);
    post({ type: REPLY.FACES, id: msg.id, start, count, rgba, ms: performance.now() - t }, [rgba.buffer]);
  } finally {
    faces.free();
  }
}

function replaceScorePhoto(version, photo) {
  if (scorePhoto) scorePhoto.photo.free();
  scorePhoto = photo ? { version, photo } : null;
}

// Decodes an uploaded file in Rust (the CLI's decoder and limits) and sends back a preview.
// The scoring photo stays here for the scores that follow; a corner's is only previewed
// (each worker that draws the grid gets the corner's bytes with its first task).
async function photo(msg) {
  if (msg.key === PHOTO_KEY.SCORE) replaceScorePhoto(null, null); // a file that fails leaves none
  const t = performance.now();
  const p = wasm.Photo.decode(new Uint8Array(msg.bytes));
  try {
    const previewSide = msg.previewSide || 512;
    const [pw, ph] = p.previewSize(previewSide);
    const preview = p.preview(previewSide);
    const square = p.centreSquare();
    const reply = {
      type: REPLY.PHOTO, id: msg.id, key: msg.key, width: p.width, height: p.height, square: Array.from(square), preview, pw, ph,
      ms: performance.now() - t,
    };
    const transfer = [preview.buffer];
    if (msg.cropFor) {
      reply.crop = p.crop(square[0], square[1], square[2], model.imageSize);
      transfer.push(reply.crop.buffer);
    }
    post(reply, transfer);
  } catch (err) {
    p.free();
    throw err;
  }
  if (msg.key === PHOTO_KEY.SCORE) replaceScorePhoto(msg.version, p);
  else p.free();
}

async function score(msg) {
  if (msg.bytes) replaceScorePhoto(msg.version, wasm.Photo.decode(new Uint8Array(msg.bytes)));
  if (!scorePhoto || scorePhoto.version !== msg.version) throw new Error('no photo to score; upload one first');
  // The pool sends one task at a time, so nothing replaces the photo while this reads it.
  const p = scorePhoto.photo;
  const { x, y, side } = msg;
  let t = performance.now();
  const s = await model.score(p, x, y, side);
  const perScale = Array.from(s.perScale);
  const reply = {
    type: REPLY.SCORE, id: msg.id, bpd: s.bitsPerDim, perScale, pngBpd: s.pngBitsPerDim,
    crop: s.crop, warnings: Array.from(s.warnings), maps: bitsMaps(s, perScale.length), ms: performance.now() - t,
  };
  s.free();
  post(reply, [reply.crop.buffer, ...mapBuffers(reply.maps)]);
  await yieldNow(); // a newer crop cancels the reconstruction of this one
  if (cancelled.has(msg.id)) return;
  t = performance.now();
  const r = await model.reconstruct(p, x, y, side);
  const rgba = r.rgba;
  post({ type: REPLY.RECON, id: msg.id, rgba, maxError: r.maxError, ms: performance.now() - t }, [rgba.buffer]);
  r.free();
}

// A face the page shows in its face panel (a generated one): its bits/dim and bits maps.
async function face(msg) {
  const t = performance.now();
  const p = photoOfFace(msg.rgba);
  let s;
  try {
    s = await model.score(p, 0, 0, model.imageSize);
  } finally {
    p.free();
  }
  const perScale = Array.from(s.perScale);
  const reply = {
    type: REPLY.FACE, id: msg.id, bpd: s.bitsPerDim, perScale, warnings: Array.from(s.warnings),
    maps: bitsMaps(s, perScale.length), ms: performance.now() - t,
  };
  s.free();
  post(reply, mapBuffers(reply.maps));
}

// The latents of face `key`, encoded from its pixels unless this worker holds them already.
function focusLatents(key, rgba) {
  if (focus?.key === key) return focus.latents;
  if (focus) focus.latents.free();
  focus = null;
  const p = photoOfFace(rgba);
  try {
    focus = { key, latents: model.encode(p, 0, 0, model.imageSize) };
  } finally {
    p.free();
  }
  return focus.latents;
}

// Each of msg.edits (one amount per direction, in Directions.names order) decoded, one
// reply each, so a strip shows its progress and a slider's single edit comes at once.
async function edit(msg) {
  if (!directions) throw new Error('no attribute directions are loaded, so faces cannot be edited');
  const t = performance.now();
  const latents = focusLatents(msg.key, msg.rgba);
  const count = msg.edits.length;
  for (let index = 0; index < count; index++) {
    await yieldNow(); // a newer slider position cancels the rest
    if (cancelled.has(msg.id)) return;
    const amounts = msg.edits[index];
    const e = await model.edit(latents, directions, new Float32Array(amounts));
    const rgba = e.rgba;
    const bpd = e.bitsPerDim;
    e.free();
    post({
      type: REPLY.EDITED, id: msg.id, index, count, amounts, rgba, bpd, final: index === count - 1, ms: performance.now() - t,
    }, [rgba.buffer]);
  }
}

const handlers = {
  [REQUEST.INIT]: init,
  [REQUEST.WARM_UP]: warmUp,
  [REQUEST.DRAW]: draw,
  [REQUEST.PHOTO]: photo,
  [REQUEST.SCORE]: score,
  [REQUEST.FACE]: face,
  [REQUEST.EDIT]: edit,
};

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === REQUEST.CANCEL) {
    cancelled.add(msg.id);
    return;
  }
  const isTask = msg.type !== REQUEST.INIT;
  try {
    const handler = handlers[msg.type];
    if (!handler) throw new Error(`unknown request ${msg.type}`);
    if (isTask && !model) throw new Error('the model is still loading; try again in a moment');
    await handler(msg);
  } catch (err) {
    const { fatal, message } = describe(err);
    const onGpu = backend?.kind === 'webgpu';
    if (fatal || msg.type === REQUEST.WARM_UP || msg.type === REQUEST.INIT) {
      // A crash, a failed start, or a failed GPU self-check: the page restarts (on the CPU
      // if the GPU was the cause) or, for a helper that fails to start, does without it.
      post({ type: REPLY.FATAL, id: msg.id, kind: msg.type, message, gpuBroken: onGpu && (fatal || msg.type === REQUEST.WARM_UP) });
    } else {
      post({ type: REPLY.ERROR, id: msg.id, kind: msg.type, message, corner: err?.corner });
    }
  } finally {
    if (isTask) {
      cancelled.delete(msg.id);
      post({ type: REPLY.IDLE, id: msg.id, memoryBytes: memory?.buffer.byteLength ?? 0 });
    }
  }
};

// A panic inside a callback (e.g. a WebGPU error handler) is not caught above.
const crashed = (message) => post({ type: REPLY.FATAL, message, gpuBroken: backend?.kind === 'webgpu' });
self.addEventListener('error', (event) => crashed(event.message || 'the worker crashed'));
self.addEventListener('unhandledrejection', (event) => crashed(describe(event.reason).message));
