// The page's main thread: DOM, canvases and the crop box. All model work happens in
// workers (web/worker.js, run by web/pool.js), which run the wasm build of the Rust crate.
//
// URL parameters: ?backend=cpu forces the wasm CPU backend, ?backend=webgpu WebGPU even on
// a software adapter (by default such an adapter gives way to the CPU); ?workers=N sets the
// number of CPU workers (default: one per core); ?weights=URL loads another weight file;
// ?n=K sets the initial number of faces.

import { POOL, REPLY } from './messages.js';
import { WorkerPool, cpuWorkerPlan, plural } from './pool.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// Numbers for the tests and the benchmark script (scripts/bench-page.mjs).
const metrics = {
  firstFacesMs: null, // page navigation -> first grid drawn (weights + shader compile + generation)
  firstGrid: null, // { n, ms, workers, facesPerWorker } of the first grid
  warmUpMs: null,
  generations: [], // { n, ms, backend, workers (that drew faces), facesPerWorker }
  scores: [], // { ms, reconMs, bpd, backend }
  interpolations: [], // { steps, ms, backend, workers, facesPerWorker }
  backend: null,
  adapter: null,
  workers: null, // model workers: 1 on WebGPU, one per core (or ?workers=N) on the CPU
  wasmMemoryBytes: null, // each worker's wasm heap after the last grid
  fallbackReason: null,
  load: null,
};
window.realnvp = { metrics, ready: false };

const state = {
  pool: null,
  workerPlan: null, // { count, notice }: CPU workers, and why ?workers=N was not used
  urls: null,
  backend: null,
  workers: 1, // model workers in the pool (see metrics.workers)
  imageSize: 0,
  stats: null,
  maxFileBytes: 64 * 1024 * 1024,
  nextId: 1,
  pending: new Map(), // id -> { kind, ... }
  photo: null, // { width, height, pw, ph, preview ImageData, crop {x,y,side}, name }
  // photo: the file's name; bytes: its contents, sent to every worker that draws the grid
  corners: [0, 1, 2, 3].map((i) => ({ index: i, seed: String(i + 1), photo: null, bytes: null })),
  restarts: 0,
  modelReady: false, // the (first) worker has loaded the weights
  firstDone: false, // the first grid is drawn (its run compiled the shaders)
};

// ---- status and errors ------------------------------------------------------------------

function setStatus(text) {
  $('status').textContent = text;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function clearError() {
  showError('');
}

function progress(loaded, total, what) {
  const bar = $('progress');
  bar.hidden = false;
  const mb = (v) => (v / 1e6).toFixed(1);
  if (total > 0) {
    bar.max = total;
    bar.value = loaded;
    setStatus(`Downloading the ${what}: ${mb(loaded)} / ${mb(total)} MB`);
  } else {
    bar.removeAttribute('value');
    setStatus(`Downloading the ${what}: ${mb(loaded)} MB`);
  }
}

// ---- workers ----------------------------------------------------------------------------

function startPool(backendChoice, fallbackReason) {
  if (state.pool) state.pool.terminate();
  state.pending.clear();
  const weights = new URL(params.get('weights') || 'faces64.safetensors', location.href).href;
  const pool = new WorkerPool({
    urls: state.urls,
    weights,
    backend: backendChoice,
    fallbackReason,
    cpuWorkers: state.workerPlan.count,
    onMessage: (msg) => onWorkerMessage(pool, msg),
  });
  state.pool = pool;
  state.backendChoice = backendChoice;
}

// One live job per slot (the kind, or the photo's key): a newer request replaces the older
// one, whose late messages are then ignored (the pool cancels it on every worker).
function request(type, body, extra = {}) {
  const slot = type === 'photo' ? `photo:${body.key}` : type;
  for (const [id, job] of state.pending) if (job.slot === slot) state.pending.delete(id);
  const id = state.nextId++;
  state.pending.set(id, { kind: type, slot, started: performance.now(), ...extra });
  state.pool.submit(type, id, body);
  refreshBusy();
  return id;
}

function settle(id) {
  state.pending.delete(id);
  refreshBusy();
}

function refreshBusy() {
  const busy = state.pending.size > 0;
  document.body.classList.toggle('busy', busy);
  if (!busy && state.modelReady) setStatus('Ready.');
}

// A crash of the wasm module (a panic) or a broken GPU: start over, on the CPU if WebGPU
// was the cause, so the page keeps working.
function onFatal(message, gpuBroken) {
  window.realnvp.ready = false;
  delete document.body.dataset.ready;
  state.pending.clear();
  refreshBusy();
  const wasReady = state.modelReady;
  state.modelReady = false;
  state.firstDone = false;
  if (state.restarts >= 3 || (!gpuBroken && !wasReady)) {
    state.pool.terminate();
    showError(`The model could not start: ${message}`);
    setStatus('Stopped. Reload the page to try again.');
    return;
  }
  state.restarts++;
  if (gpuBroken) {
    setStatus('WebGPU failed; restarting on the CPU backend…');
    state.backend = null;
    startPool('cpu', `WebGPU failed: ${message}`);
  } else {
    showError(`The model crashed (${message}); it is restarting.`);
    startPool(state.backendChoice, null);
  }
}

function onWorkerMessage(pool, msg) {
  if (pool !== state.pool) return;
  switch (msg.type) {
    case REPLY.STATUS:
      return setStatus(msg.text);
    case REPLY.PROGRESS:
      return progress(msg.loaded, msg.total, msg.what);
    case REPLY.LIMITS:
      state.maxFileBytes = msg.maxFileBytes;
      return;
    case REPLY.BACKEND:
      return onBackend(msg);
    case REPLY.READY:
      return onReady(msg);
    case REPLY.FACES:
      return onFaces(msg);
    case POOL.DONE:
      return onDone(msg);
    case REPLY.WARM:
      return onWarm(msg);
    case REPLY.PHOTO:
      return onPhoto(msg);
    case REPLY.SCORE:
      return onScore(msg);
    case REPLY.RECON:
      return onRecon(msg);
    case REPLY.ERROR:
      return onError(msg);
    case REPLY.FATAL:
      return onFatal(msg.message, msg.gpuBroken);
    default:
      console.warn('unknown worker message', msg);
  }
}

// Sent again by the pool when a CPU helper fails to start (one worker fewer).
function onBackend(msg) {
  state.backend = msg.kind;
  state.workers = msg.workers;
  metrics.backend = msg.kind;
  metrics.workers = msg.workers;
  metrics.fallbackReason = msg.reason;
  const software = msg.software ? ' (software adapter)' : '';
  // The CPU backend is single-threaded in wasm: each worker is one thread.
  const adapter = msg.kind === 'webgpu' ? msg.adapter : `${msg.adapter}, ${plural(msg.workers, 'worker')}`;
  metrics.adapter = adapter;
  $('backend').textContent = msg.kind === 'webgpu' ? `webgpu · ${adapter || 'adapter name not given'}${software}` : `cpu · ${adapter}`;
  $('backend').dataset.kind = msg.kind;
  let text = '';
  if (msg.kind === 'webgpu' && msg.software) {
    text =
      'This WebGPU adapter is a software renderer (no GPU is in use), which is slow for this model: a 16-face grid ' +
      'can take minutes. Without ?backend=webgpu in the address the page uses its CPU backend here, which is faster.';
  } else if (msg.kind === 'cpu') {
    text = `Running on the CPU backend: ${msg.reason || 'no reason given'}. A CPU is much slower than a GPU; ` +
      `the page draws on ${plural(msg.workers, 'worker')} at once (?workers=N in the address to change that).`;
  }
  showNote(text);
  // Interpolation grids cost steps^2 faces: keep the CPU default small.
  if (msg.kind === 'cpu' && !$('steps').dataset.touched) $('steps').value = '4';
}

// #backend-note: why the page runs where it runs, and a ?workers=N value it did not use.
function showNote(text) {
  const note = $('backend-note');
  note.textContent = [text, state.workerPlan.notice].filter(Boolean).join(' ');
  note.hidden = !note.textContent;
}

function onReady(msg) {
  state.modelReady = true;
  state.imageSize = msg.imageSize;
  state.numScales = msg.numScales;
  try {
    state.stats = msg.stats ? JSON.parse(msg.stats) : null;
  } catch {
    state.stats = null;
  }
  metrics.load = { ...msg.timings, weightsBytes: msg.weightsBytes, wasmBytes: msg.wasmBytes };
  $('progress').hidden = true;
  const size = msg.imageSize;
  $('model-info').textContent =
    `${size}×${size} faces · ${(msg.parameters / 1e6).toFixed(1)} M parameters · ${msg.numScales} scales` +
    (state.stats?.val_bpd ? ` · validation ${state.stats.val_bpd.toFixed(3)} bits/dim` : '');
  renderValidation();
  setStatus(state.backend === 'webgpu' ? 'Compiling shaders and drawing the first faces…' : `Drawing the first faces (CPU, ${plural(state.workers, 'worker')})…`);
  generate({ first: true });
  // A photo picked while the model was loading.
  if (state.queuedFile) {
    const file = state.queuedFile;
    state.queuedFile = null;
    loadScorePhoto(file);
  }
}

function onError(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return; // a replaced request
  settle(msg.id);
  const what = { generate: 'Generate', interpolate: 'Interpolate', photo: 'Reading the photo', score: 'Scoring' }[msg.kind] || msg.kind;
  showError(`${what} failed: ${msg.message}`);
  if (job.slot === 'photo:score') {
    // The worker has dropped the previous photo: hide it with its stale results.
    state.photo = null;
    $('photo-panel').hidden = true;
  }
  if (job.kind === 'photo' || job.kind === 'score') $('score-time').textContent = '';
}

// ---- drawing ----------------------------------------------------------------------------

const PAD = 2;

function gridCanvas(canvas, count, cols) {
  const size = state.imageSize;
  const rows = Math.ceil(count / cols);
  canvas.width = cols * size + (cols + 1) * PAD;
  canvas.height = rows * size + (rows + 1) * PAD;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // Show it at a whole multiple of the model resolution, as wide as the panel allows.
  const room = Math.min(canvas.parentElement.clientWidth || 600, 600);
  const scale = Math.max(1, Math.min(3, Math.floor(room / canvas.width)));
  canvas.style.width = `${canvas.width * scale}px`;
}

function drawTiles(canvas, rgba, start, count, cols) {
  const size = state.imageSize;
  const ctx = canvas.getContext('2d');
  const tile = size * size * 4;
  for (let i = 0; i < count; i++) {
    const n = start + i;
    const image = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * tile, tile), size, size);
    const r = Math.floor(n / cols);
    const c = n % cols;
    ctx.putImageData(image, PAD + c * (size + PAD), PAD + r * (size + PAD));
  }
}

function drawImage(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, width * height * 4), width, height), 0, 0);
}

// ---- generate ---------------------------------------------------------------------------

function parseSeed(text) {
  const s = String(text).trim();
  if (!/^\d{1,20}$/.test(s) || BigInt(s) > 18446744073709551615n) {
    throw new Error('the seed must be a whole number from 0 to 18446744073709551615');
  }
  return s;
}

function readTemperature() {
  const t = Number($('temperature').value);
  if (!Number.isFinite(t) || t < 0 || t > 4) throw new Error('the temperature must be a number from 0 to 4');
  return t;
}

function generate({ first = false } = {}) {
  if (!state.modelReady) {
    setStatus('The model is still loading; the first faces appear as soon as it is ready.');
    return;
  }
  let seed, temperature;
  try {
    seed = parseSeed($('seed').value);
    temperature = readTemperature();
  } catch (err) {
    return showError(err.message);
  }
  if (!first) clearError();
  const n = Number($('count').value);
  const cols = Math.ceil(Math.sqrt(n));
  const canvas = $('samples');
  gridCanvas(canvas, n, cols);
  $('gen-time').textContent = '';
  request('generate', { n, temperature, seed }, { n, cols, seed, temperature });
  if (!first) setStatus(state.backend === 'cpu' ? `Generating ${n} faces on the CPU (${plural(state.workers, 'worker')})…` : `Generating ${n} faces…`);
}

function onFaces(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return;
  if (msg.kind === 'generate') {
    drawTiles($('samples'), msg.rgba, msg.start, msg.count, job.cols);
    if (msg.total > msg.count) setStatus(`Generating: ${msg.drawn} / ${msg.total} faces…`);
    if (msg.start === 0) job.firstTile = msg.rgba.slice(0, state.imageSize * state.imageSize * 4);
  } else if (msg.kind === 'interpolate') {
    drawTiles($('interpolation'), msg.rgba, msg.start, msg.count, job.steps);
    if (msg.total > msg.count) setStatus(`Interpolating: ${msg.drawn} / ${msg.total} faces…`);
    const size = state.imageSize;
    const tile = size * size * 4;
    const cornerTiles = [0, job.steps - 1, job.steps * (job.steps - 1), job.steps * job.steps - 1];
    cornerTiles.forEach((n, i) => {
      if (n >= msg.start && n < msg.start + msg.count && !state.corners[i].photo) {
        drawImage($(`corner-thumb-${i}`), msg.rgba.slice((n - msg.start) * tile, (n - msg.start + 1) * tile), size, size);
      }
    });
  }
}

function onDone(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return;
  settle(msg.id);
  const ms = Math.round(msg.ms);
  metrics.wasmMemoryBytes = msg.memoryBytes;
  if (msg.kind === 'generate') {
    const canvas = $('samples');
    canvas.dataset.generation = String(Number(canvas.dataset.generation || 0) + 1);
    canvas.dataset.seed = job.seed;
    if (!state.firstDone) {
      state.firstDone = true;
      metrics.firstFacesMs = Math.round(performance.now());
      metrics.firstGrid = { n: job.n, ms: msg.ms, workers: msg.workers, facesPerWorker: msg.facesPerWorker };
      // On the CPU the helpers join the first grid as they finish starting.
      const compile = state.backend === 'webgpu' ? ', shaders compiled on this first run' : ` (${drawnBy(msg)})`;
      $('gen-time').textContent = `first ${job.n} faces in ${ms} ms${compile}; ${metrics.firstFacesMs} ms after the page started loading`;
      if (state.backend === 'webgpu') {
        setStatus('Warming up the scoring kernels…');
        request('warmUp', { face: job.firstTile.buffer }, {});
        return;
      }
      becomeReady();
    } else {
      metrics.generations.push({ n: job.n, ms: msg.ms, backend: state.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
      $('gen-time').textContent = `${job.n} faces in ${ms} ms (${drawnBy(msg)})`;
    }
  } else if (msg.kind === 'interpolate') {
    metrics.interpolations.push({ steps: job.steps, ms: msg.ms, backend: state.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
    $('interp-time').textContent = `${job.steps}×${job.steps} grid in ${ms} ms (${drawnBy(msg)})`;
    const canvas = $('interpolation');
    canvas.dataset.generation = String(Number(canvas.dataset.generation || 0) + 1);
  }
}

const drawnBy = (msg) => (state.backend === 'cpu' ? `cpu, ${plural(msg.workers, 'worker')}` : state.backend);

function onWarm(msg) {
  if (!state.pending.has(msg.id)) return;
  settle(msg.id);
  metrics.warmUpMs = msg.ms;
  becomeReady();
}

function becomeReady() {
  window.realnvp.ready = true;
  document.body.dataset.ready = 'true';
  refreshBusy();
}

// ---- interpolate ------------------------------------------------------------------------

function interpolate() {
  if (!state.modelReady) return setStatus('The model is still loading.');
  clearError();
  let temperature;
  const corners = [];
  try {
    temperature = readTemperature();
    for (const c of state.corners) {
      if (c.photo) corners.push({ index: c.index, bytes: c.bytes });
      else {
        c.seed = parseSeed($(`corner-seed-${c.index}`).value);
        corners.push({ index: c.index, seed: c.seed });
      }
    }
  } catch (err) {
    return showError(`Interpolate: ${err.message}`);
  }
  const steps = Number($('steps').value);
  gridCanvas($('interpolation'), steps * steps, steps);
  $('interp-time').textContent = '';
  setStatus(`Interpolating ${steps}×${steps} faces…`);
  request('interpolate', { corners, steps, temperature }, { steps });
}

// ---- photos (score and corners) ---------------------------------------------------------

async function readFile(file) {
  if (file.size > state.maxFileBytes) {
    const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    throw new Error(`${file.name} is ${mib(file.size)}; the limit is ${mib(state.maxFileBytes)}`);
  }
  if (file.size === 0) throw new Error(`${file.name} is empty`);
  return file.arrayBuffer();
}

async function loadScorePhoto(file) {
  clearError();
  $('bpd').textContent = '';
  $('recon-info').textContent = '';
  $('score-time').textContent = '';
  $('score-results').classList.add('stale');
  if (!state.modelReady) {
    state.queuedFile = file;
    setStatus('The photo will be scored as soon as the model is ready…');
    return;
  }
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return showError(`Reading the photo failed: ${err.message}`);
  }
  if (!state.modelReady) {
    state.queuedFile = file;
    return;
  }
  setStatus(`Decoding ${file.name}…`);
  request('photo', { key: 'score', bytes, previewSide: 512 }, { name: file.name });
}

async function loadCornerPhoto(index, file) {
  clearError();
  if (!state.modelReady) return showError('The model is still loading; pick the photo again in a moment.');
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return showError(`Corner ${index + 1}: ${err.message}`);
  }
  request('photo', { key: `corner${index}`, bytes, previewSide: 64, cropFor: true }, { name: file.name, corner: index, bytes });
}

function onPhoto(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return;
  settle(msg.id);
  if (msg.key === 'score') {
    state.photo = {
      name: job.name,
      width: msg.width,
      height: msg.height,
      pw: msg.pw,
      ph: msg.ph,
      preview: new ImageData(new Uint8ClampedArray(msg.preview.buffer), msg.pw, msg.ph),
      crop: { x: msg.square[0], y: msg.square[1], side: msg.square[2] },
    };
    $('photo-panel').hidden = false;
    $('photo-name').textContent = `${job.name} · ${msg.width}×${msg.height}`;
    drawPhoto();
    scoreCrop();
  } else {
    const i = job.corner;
    state.corners[i].photo = job.name;
    state.corners[i].bytes = job.bytes;
    drawImage($(`corner-thumb-${i}`), msg.crop, state.imageSize, state.imageSize);
    $(`corner-label-${i}`).textContent = `photo: ${job.name}`;
    $(`corner-reset-${i}`).hidden = false;
  }
}

function scoreCrop() {
  const p = state.photo;
  if (!p) return;
  const { x, y, side } = p.crop;
  $('bpd').textContent = '';
  $('recon-info').textContent = '';
  $('score-results').classList.add('stale');
  $('crop-info').textContent = `crop x ${x}, y ${y}, side ${side} px → ${state.imageSize}×${state.imageSize}`;
  setStatus(state.backend === 'cpu' ? 'Scoring on the CPU (a few seconds)…' : 'Scoring…');
  request('score', { x, y, side }, { crop: { x, y, side } });
}

function onScore(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return;
  job.score = msg;
  const size = state.imageSize;
  drawImage($('crop'), msg.crop, size, size);
  $('bpd').textContent = msg.bpd.toFixed(3);
  $('score-results').classList.remove('stale');
  $('png-bpd').textContent = `${msg.pngBpd.toFixed(3)}`;
  $('score-time').textContent = `scored in ${Math.round(msg.ms)} ms (${state.backend})`;
  renderPerScale(msg.perScale);
  renderValidation(msg.bpd);
  $('recon').getContext('2d').clearRect(0, 0, $('recon').width, $('recon').height);
  $('recon-info').textContent = 'reconstructing…';
  setStatus('Reconstructing the crop (encode, then decode)…');
}

function onRecon(msg) {
  const job = state.pending.get(msg.id);
  if (!job) return;
  settle(msg.id);
  const size = state.imageSize;
  drawImage($('recon'), msg.rgba, size, size);
  $('recon-info').textContent =
    msg.maxError === 0 ? 'identical to the input' : `differs from the input by at most ${msg.maxError}/255 (float rounding)`;
  metrics.scores.push({ ms: job.score.ms, reconMs: msg.ms, bpd: job.score.bpd, backend: state.backend });
  $('score-time').textContent += `, reconstructed in ${Math.round(msg.ms)} ms`;
}

function renderPerScale(parts) {
  const table = $('per-scale');
  table.textContent = '';
  const val = state.stats?.val_per_scale || [];
  const head = table.insertRow();
  for (const h of ['scale', 'latent', 'this crop', 'validation mean']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  let c = 3;
  let s = state.imageSize;
  parts.forEach((v, i) => {
    const last = i === parts.length - 1;
    if (!last) {
      c *= 2;
      s /= 2;
    }
    const row = table.insertRow();
    row.insertCell().textContent = String(i + 1);
    row.insertCell().textContent = `${c}×${s}×${s}`;
    row.insertCell().textContent = v.toFixed(3);
    row.insertCell().textContent = val[i] !== undefined ? val[i].toFixed(3) : '–';
  });
}

// Where a bits/dim value falls among the validation faces, from the quantiles shipped with
// the weights (piecewise linear between them).
function percentile(bpd) {
  const q = state.stats?.val_bpd_quantiles;
  if (!q) return null;
  const points = Object.entries(q)
    .map(([p, v]) => [Number(p), Number(v)])
    .filter(([p, v]) => Number.isFinite(p) && Number.isFinite(v))
    .sort((a, b) => a[0] - b[0]);
  if (points.length < 2) return null;
  if (bpd <= points[0][1]) return { below: points[0][0] };
  if (bpd >= points[points.length - 1][1]) return { above: points[points.length - 1][0] };
  for (let i = 1; i < points.length; i++) {
    const [p0, v0] = points[i - 1];
    const [p1, v1] = points[i];
    if (bpd <= v1) return { at: p0 + ((p1 - p0) * (bpd - v0)) / Math.max(v1 - v0, 1e-9) };
  }
  return null;
}

function renderValidation(bpd) {
  const q = state.stats?.val_bpd_quantiles;
  const box = $('validation');
  if (!q) {
    box.textContent = 'The weight file carries no validation statistics.';
    return;
  }
  const n = state.stats.val_images;
  const median = q['0.5'];
  const lo = q['0.01'];
  const hi = q['0.99'];
  const scale = (v) => `${(100 * (v - lo)) / (hi - lo)}%`;
  const strip = $('validation-strip');
  strip.textContent = '';
  for (const [v, label] of [[lo, `1%: ${lo.toFixed(2)}`], [median, `median ${median.toFixed(2)}`], [hi, `99%: ${hi.toFixed(2)}`]]) {
    const tag = document.createElement('span');
    tag.className = 'label';
    tag.style.left = scale(v);
    tag.textContent = label;
    strip.appendChild(tag);
  }
  for (const [p, v] of Object.entries(q)) {
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.style.left = scale(v);
    tick.title = `${Math.round(Number(p) * 100)}% of validation faces score below ${Number(v).toFixed(3)}`;
    strip.appendChild(tick);
  }
  if (bpd === undefined) {
    box.textContent = `Validation faces (${n ?? '?'} photos of people the model never saw): median ${median?.toFixed(3)} bits/dim, 98% between ${lo?.toFixed(3)} and ${hi?.toFixed(3)}.`;
    return;
  }
  const marker = document.createElement('span');
  marker.className = 'marker';
  marker.style.left = scale(Math.min(Math.max(bpd, lo), hi));
  strip.appendChild(marker);
  const where = percentile(bpd);
  let text;
  if (!where) text = '';
  else if (where.below !== undefined) text = `Lower than ${Math.round(100 - 100 * where.below)}% of validation faces: the model finds this crop unusually likely.`;
  else if (where.above !== undefined) text = `Higher than ${Math.round(100 * where.above)}% of validation faces: unusual for this model (not a face, or not framed like its training faces?).`;
  else text = `Higher than ${Math.round(100 * where.at)}% of the ${n ?? ''} validation faces (median ${median.toFixed(3)}).`;
  box.textContent = text;
}

// ---- the crop box -----------------------------------------------------------------------

const MIN_SIDE = 8;

function drawPhoto() {
  const p = state.photo;
  const canvas = $('photo');
  if (canvas.width !== p.pw || canvas.height !== p.ph) {
    canvas.width = p.pw;
    canvas.height = p.ph;
    // Small photos are shown larger, so that the crop box is easy to grab.
    canvas.style.width = `${Math.round(p.pw * Math.max(1, Math.min(3, 360 / Math.max(p.pw, p.ph))))}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.putImageData(p.preview, 0, 0);
  const s = p.pw / p.width;
  const { x, y, side } = p.crop;
  ctx.save();
  ctx.fillStyle = 'rgba(0, 0, 0, 0.45)';
  ctx.beginPath();
  ctx.rect(0, 0, p.pw, p.ph);
  ctx.rect(x * s, y * s, side * s, side * s);
  ctx.fill('evenodd');
  ctx.strokeStyle = '#ffd400';
  ctx.lineWidth = 2;
  ctx.strokeRect(x * s, y * s, side * s, side * s);
  ctx.fillStyle = '#ffd400';
  const h = handleSize(canvas);
  for (const [cx, cy] of corners(p.crop)) ctx.fillRect(cx * s - h / 2, cy * s - h / 2, h, h);
  ctx.restore();
  $('crop-info').textContent = `crop x ${x}, y ${y}, side ${side} px → ${state.imageSize}×${state.imageSize}`;
}

function handleSize(canvas) {
  const cssScale = canvas.width / (canvas.clientWidth || canvas.width);
  return Math.max(8, 12 * cssScale);
}

const corners = ({ x, y, side }) => [[x, y], [x + side, y], [x, y + side], [x + side, y + side]];

function toImage(event) {
  const canvas = $('photo');
  const rect = canvas.getBoundingClientRect();
  const p = state.photo;
  return [((event.clientX - rect.left) / rect.width) * p.width, ((event.clientY - rect.top) / rect.height) * p.height];
}

function clampCrop({ x, y, side }) {
  const p = state.photo;
  side = Math.round(Math.min(Math.max(side, Math.min(MIN_SIDE, p.width, p.height)), p.width, p.height));
  x = Math.round(Math.min(Math.max(x, 0), p.width - side));
  y = Math.round(Math.min(Math.max(y, 0), p.height - side));
  return { x, y, side };
}

let drag = null;

function onPointerDown(event) {
  if (!state.photo) return;
  const [px, py] = toImage(event);
  const p = state.photo;
  const canvas = $('photo');
  const grab = (handleSize(canvas) * p.width) / canvas.width;
  const box = p.crop;
  const hit = corners(box).findIndex(([cx, cy]) => Math.abs(px - cx) <= grab && Math.abs(py - cy) <= grab);
  if (hit >= 0) {
    const [ax, ay] = corners(box)[3 - hit]; // the opposite corner stays put
    drag = { mode: 'resize', ax, ay };
  } else if (px >= box.x && px <= box.x + box.side && py >= box.y && py <= box.y + box.side) {
    drag = { mode: 'move', dx: px - box.x, dy: py - box.y };
  } else {
    return;
  }
  canvas.setPointerCapture(event.pointerId);
  event.preventDefault();
}

function onPointerMove(event) {
  if (!drag || !state.photo) return;
  const [px, py] = toImage(event);
  const p = state.photo;
  if (drag.mode === 'move') {
    p.crop = clampCrop({ x: px - drag.dx, y: py - drag.dy, side: p.crop.side });
  } else {
    const { ax, ay } = drag;
    const sx = px >= ax ? 1 : -1;
    const sy = py >= ay ? 1 : -1;
    const room = Math.min(sx > 0 ? p.width - ax : ax, sy > 0 ? p.height - ay : ay);
    const side = Math.max(Math.min(Math.max(Math.abs(px - ax), Math.abs(py - ay)), room), Math.min(MIN_SIDE, room));
    p.crop = clampCrop({ x: sx > 0 ? ax : ax - side, y: sy > 0 ? ay : ay - side, side });
  }
  drawPhoto();
}

function onPointerUp() {
  if (!drag) return;
  drag = null;
  scoreCrop();
}

// ---- camera -----------------------------------------------------------------------------

async function openCamera() {
  clearError();
  const video = $('camera-video');
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser offers no camera access');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    video.srcObject = stream;
    await video.play();
    $('camera-panel').hidden = false;
  } catch (err) {
    showError(`Camera: ${err.message}`);
  }
}

function closeCamera() {
  const video = $('camera-video');
  video.srcObject?.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
  $('camera-panel').hidden = true;
}

function snap() {
  const video = $('camera-video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  closeCamera();
  canvas.toBlob((blob) => {
    if (blob) loadScorePhoto(new File([blob], 'camera.png', { type: 'image/png' }));
    else showError('Camera: could not capture a frame');
  }, 'image/png');
}

// ---- wiring -----------------------------------------------------------------------------

function wire() {
  const temperature = $('temperature');
  const showT = () => ($('temperature-value').textContent = Number(temperature.value).toFixed(2));
  temperature.addEventListener('input', showT);
  showT();
  $('generate').addEventListener('click', () => generate());
  $('random-seed').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 1e9));
    generate();
  });
  $('seed').addEventListener('keydown', (e) => e.key === 'Enter' && generate());
  $('interpolate').addEventListener('click', interpolate);
  $('steps').addEventListener('change', () => ($('steps').dataset.touched = '1'));
  for (const c of state.corners) {
    const i = c.index;
    $(`corner-seed-${i}`).value = c.seed;
    $(`corner-file-${i}`).addEventListener('change', (e) => {
      const file = e.target.files[0];
      e.target.value = '';
      if (file) loadCornerPhoto(i, file);
    });
    $(`corner-reset-${i}`).addEventListener('click', () => {
      c.photo = null;
      c.bytes = null;
      $(`corner-label-${i}`).textContent = 'seed';
      $(`corner-reset-${i}`).hidden = true;
      const thumb = $(`corner-thumb-${i}`);
      thumb.getContext('2d').clearRect(0, 0, thumb.width, thumb.height);
    });
  }
  $('upload').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) loadScorePhoto(file);
    e.target.value = '';
  });
  const drop = $('drop');
  for (const name of ['dragenter', 'dragover']) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const name of ['dragleave', 'drop']) drop.addEventListener(name, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files?.[0];
    if (file) loadScorePhoto(file);
    else showError('Drop an image file (JPEG, PNG or WebP).');
  });
  // A file dropped anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('centre-crop').addEventListener('click', () => {
    if (!state.photo) return;
    const p = state.photo;
    const side = Math.min(p.width, p.height);
    p.crop = { x: Math.floor((p.width - side) / 2), y: Math.floor((p.height - side) / 2), side };
    drawPhoto();
    scoreCrop();
  });
  const photo = $('photo');
  photo.addEventListener('pointerdown', onPointerDown);
  photo.addEventListener('pointermove', onPointerMove);
  photo.addEventListener('pointerup', onPointerUp);
  photo.addEventListener('pointercancel', onPointerUp);
  $('camera').addEventListener('click', openCamera);
  $('camera-snap').addEventListener('click', snap);
  $('camera-close').addEventListener('click', closeCamera);
  const n = Number(params.get('n'));
  if (n > 0) {
    const option = [...$('count').options].find((o) => Number(o.value) === n);
    if (option) $('count').value = option.value;
  }
}

export function main(urls) {
  state.urls = urls;
  wire();
  showError('');
  setStatus('Starting…');
  state.workerPlan = cpuWorkerPlan(params.get('workers'));
  showNote(''); // a bad ?workers value is said at once
  const choice = ['cpu', 'webgpu'].includes(params.get('backend')) ? params.get('backend') : 'auto';
  startPool(choice, null);
}
