// The page's compute worker: loads the wasm build of the Rust crate (src/web/), picks a
// backend (burn's wgpu backend on WebGPU, else the wasm CPU backend), fetches the weights
// and runs every generation, interpolation and score, so the page's main thread never
// blocks. Messages in: init, generate, interpolate, photo, score. Messages out: see post().
//
// Jobs interleave: a long job yields to the event loop between chunks, so a score can run
// between two faces of a slow CPU generation; a newer job of the same kind cancels the
// older one at its next chunk.

let wasm = null; // the wasm-bindgen module
let backend = null;
let model = null;
let chunkSize = 1;
// 'score' | 'corner0'..'corner3' -> { photo, users, stale }. A photo replaced while a score
// still reads it (across an await) is freed when that score is done, not under its feet.
const photos = new Map();
const latest = new Map(); // job kind -> id of the newest request

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function dropPhoto(key) {
  const entry = photos.get(key);
  if (!entry) return;
  photos.delete(key);
  entry.stale = true;
  if (entry.users === 0) entry.photo.free();
}

function borrowPhoto(key, missing) {
  const entry = photos.get(key);
  if (!entry) throw new Error(missing);
  entry.users++;
  return entry;
}

function returnPhoto(entry) {
  entry.users--;
  if (entry.stale && entry.users === 0) entry.photo.free();
}
const status = (text) => post({ type: 'status', text });

// A macrotask boundary: lets queued messages (new requests) in between chunks.
function yieldNow() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

const cancelled = (kind, id) => latest.get(kind) !== id;

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
      post({ type: 'progress', what, loaded, total });
    }
  }
  post({ type: 'progress', what, loaded, total: loaded });
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

async function init(msg) {
  const timings = {};
  let t = performance.now();
  status('Downloading the wasm module…');
  const wasmBytes = await fetchWithProgress(msg.wasm, 'wasm');
  timings.wasmFetchMs = performance.now() - t;
  t = performance.now();
  wasm = await import(msg.glue);
  await wasm.default({ module_or_path: wasmBytes });
  timings.wasmInitMs = performance.now() - t;
  post({ type: 'limits', maxFileBytes: wasm.maxFileBytes() });

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
  if (kind !== 'webgpu') adapter = { name: 'burn flex, wasm, single thread', software: false };
  chunkSize = kind === 'webgpu' ? 16 : 1;
  timings.backendMs = performance.now() - t;
  post({ type: 'backend', kind, adapter: adapter.name, software: adapter.software, reason });

  t = performance.now();
  status('Downloading the weights…');
  const weights = await fetchWithProgress(msg.weights, 'weights');
  timings.weightsFetchMs = performance.now() - t;
  t = performance.now();
  status('Loading the model…');
  model = wasm.Model.load(backend, weights);
  timings.modelLoadMs = performance.now() - t;
  post({
    type: 'ready',
    imageSize: model.imageSize,
    numScales: model.numScales,
    parameters: model.parameters,
    stats: model.stats ?? null,
    weightsBytes: weights.byteLength,
    wasmBytes: wasmBytes.byteLength,
    timings,
  });
}

// The first generation also compiles the shaders (WebGPU); then scoring one of its faces
// compiles the scoring kernels and checks that the GPU computes correctly (a broken driver
// gets the CPU fallback instead of garbage).
async function warmUp(msg) {
  if (backend.kind !== 'webgpu') return post({ type: 'warm', id: msg.id, ms: 0, skipped: true });
  const t = performance.now();
  const size = model.imageSize;
  const face = new Uint8Array(msg.face);
  const rgb = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    rgb[3 * p] = face[4 * p];
    rgb[3 * p + 1] = face[4 * p + 1];
    rgb[3 * p + 2] = face[4 * p + 2];
  }
  const photo = wasm.Photo.fromRgb(size, size, rgb);
  const score = await model.score(photo, 0, 0, size);
  const bpd = score.bitsPerDim;
  score.free();
  photo.free();
  // A face the model just drew scores well below 8 bits/dim (validation faces: about 3).
  if (!(bpd > 0 && bpd < 8)) {
    const why = `WebGPU gave wrong results in the self-check (a generated face scored ${bpd} bits/dim)`;
    return post({ type: 'fatal', message: why, gpuBroken: true });
  }
  post({ type: 'warm', id: msg.id, ms: performance.now() - t, bpd });
}

async function decodeFaces(kind, id, faces) {
  const total = faces.total;
  const size = model.imageSize;
  while (faces.done < total) {
    if (cancelled(kind, id)) return false;
    const start = faces.done;
    const rgba = await faces.next(chunkSize);
    const count = rgba.byteLength / (size * size * 4);
    post({ type: 'faces', kind, id, start, count, total, rgba }, [rgba.buffer]);
    if (faces.done < total) await yieldNow();
  }
  return true;
}

async function generate(msg) {
  latest.set('generate', msg.id);
  await yieldNow(); // a burst of clicks keeps only the last
  if (cancelled('generate', msg.id)) return;
  const t = performance.now();
  const faces = model.sample(msg.n, msg.temperature, BigInt(msg.seed));
  try {
    const finished = await decodeFaces('generate', msg.id, faces);
    if (finished) post({ type: 'done', kind: 'generate', id: msg.id, ms: performance.now() - t, n: msg.n });
  } finally {
    faces.free();
  }
}

function cornerLatents(corner, temperature) {
  if (corner.photo) {
    const entry = photos.get(`corner${corner.index}`);
    if (!entry) throw new Error(`corner ${corner.index + 1}: its photo is gone; upload it again`);
    const [x, y, side] = entry.photo.centreSquare();
    return model.encode(entry.photo, x, y, side);
  }
  return model.sampleLatents(temperature, BigInt(corner.seed));
}

async function interpolate(msg) {
  latest.set('interpolate', msg.id);
  await yieldNow();
  if (cancelled('interpolate', msg.id)) return;
  const t = performance.now();
  const corners = [];
  let faces = null;
  try {
    for (const corner of msg.corners) {
      corners.push(cornerLatents(corner, msg.temperature));
      await yieldNow();
      if (cancelled('interpolate', msg.id)) return;
    }
    faces = model.interpolate(corners[0], corners[1], corners[2], corners[3], msg.steps);
    const finished = await decodeFaces('interpolate', msg.id, faces);
    if (finished) post({ type: 'done', kind: 'interpolate', id: msg.id, ms: performance.now() - t, steps: msg.steps });
  } finally {
    corners.forEach((c) => c.free());
    if (faces) faces.free();
  }
}

// Decodes an uploaded file in Rust (the CLI's decoder and limits) and sends back a preview.
async function photo(msg) {
  const key = msg.key;
  dropPhoto(key);
  const t = performance.now();
  const p = wasm.Photo.decode(new Uint8Array(msg.bytes));
  photos.set(key, { photo: p, users: 0, stale: false });
  const previewSide = msg.previewSide || 512;
  const [pw, ph] = p.previewSize(previewSide);
  const preview = p.preview(previewSide);
  const square = p.centreSquare();
  const reply = { type: 'photo', id: msg.id, key, width: p.width, height: p.height, square: Array.from(square), preview, pw, ph, ms: performance.now() - t };
  const transfer = [preview.buffer];
  if (msg.cropFor) {
    reply.crop = p.crop(square[0], square[1], square[2], model.imageSize);
    transfer.push(reply.crop.buffer);
  }
  post(reply, transfer);
}

async function score(msg) {
  latest.set('score', msg.id);
  await yieldNow();
  if (cancelled('score', msg.id)) return;
  const entry = borrowPhoto('score', 'no photo to score; upload one first');
  try {
    const p = entry.photo;
    const { x, y, side } = msg;
    let t = performance.now();
    const s = await model.score(p, x, y, side);
    const reply = {
      type: 'score', id: msg.id, bpd: s.bitsPerDim, perScale: Array.from(s.perScale), pngBpd: s.pngBitsPerDim,
      crop: s.crop, ms: performance.now() - t,
    };
    s.free();
    post(reply, [reply.crop.buffer]);
    await yieldNow();
    if (cancelled('score', msg.id)) return;
    t = performance.now();
    const r = await model.reconstruct(p, x, y, side);
    const rgba = r.rgba;
    post({ type: 'recon', id: msg.id, rgba, maxError: r.maxError, ms: performance.now() - t }, [rgba.buffer]);
    r.free();
  } finally {
    returnPhoto(entry);
  }
}

const handlers = { init, warmUp, generate, interpolate, photo, score };

self.onmessage = async (event) => {
  const msg = event.data;
  const handler = handlers[msg.type];
  if (!handler) return post({ type: 'error', id: msg.id, kind: msg.type, message: `unknown request ${msg.type}` });
  if (msg.type !== 'init' && !model) {
    return post({ type: 'error', id: msg.id, kind: msg.type, message: 'the model is still loading; try again in a moment' });
  }
  try {
    await handler(msg);
  } catch (err) {
    const { fatal, message } = describe(err);
    const onGpu = backend?.kind === 'webgpu';
    if (fatal || msg.type === 'warmUp' || msg.type === 'init') {
      // A crash on WebGPU, or a failed GPU self-check: the page restarts on the CPU.
      post({ type: 'fatal', id: msg.id, kind: msg.type, message, gpuBroken: onGpu && (fatal || msg.type === 'warmUp') });
    } else {
      post({ type: 'error', id: msg.id, kind: msg.type, message });
    }
  }
};

// A panic inside a callback (e.g. a WebGPU error handler) is not caught above.
const crashed = (message) => post({ type: 'fatal', message, gpuBroken: backend?.kind === 'webgpu' });
self.addEventListener('error', (event) => crashed(event.message || 'the worker crashed'));
self.addEventListener('unhandledrejection', (event) => crashed(describe(event.reason).message));
