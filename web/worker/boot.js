// @ts-check
// A worker's start-up (REQUEST.INIT). The first worker picks the backend
// (web/worker/backend-choice.js), downloads the weights and the wasm module for that backend at
// once (from its Cache API copy on a second visit: web/worker/asset-cache.js), compiling the
// wasm as it arrives, says the limits as soon as the wasm runs, starts the backend, on the CPU
// rehearses the model's code while the weights still download (web/worker/rehearsal.js), and
// shares the compiled module and the weight bytes so that the helpers start without
// downloading anything (the pool starts as many as it plans, maybe none). A helper
// instantiates that module and loads its own copy of the model.

import { REPLY } from '../messages.js';
import { browserGpu, chooseBackend } from './backend-choice.js';
import { post, status } from './channel.js';
import { openAssetCache } from './asset-cache.js';
import { Progress, compileWasm, download, fetchSideFile } from './download.js';
import { rehearse } from './rehearsal.js';
import { state } from './state.js';
import { describe, instantiate } from './wasm.js';
import { explainWebgpuFailure } from './webgpu-failure.js';

// Colours in the page's colour bar (the same viridis as the overlay and the CLI's figure).
const HEATMAP_STOPS = 64;

/** @param {import('../messages.js').InitFirstRequest | import('../messages.js').InitHelperRequest} msg */
export function init(msg) {
  return 'module' in msg ? initHelper(msg) : initFirst(msg);
}

/** @param {import('../messages.js').InitFirstRequest} msg */
async function initFirst(msg) {
  const start = performance.now();
  /** @type {Record<string, number>} workerStartMs: from the worker's creation, its own scripts' download and start */
  const timings = { workerStartMs: start };
  const cache = await openAssetCache();
  const progress = new Progress();
  status('Downloading the wasm module and the weights…');
  // Every download at once: the weights and side files arrive while the wasm compiles and the
  // backend starts. (A failure is reported where it is awaited, not as an unhandled rejection.)
  const weightsAsked = download(msg.weights, 'weights', cache, progress);
  let weightsArrived = false;
  weightsAsked.then(
    () => {
      timings.weightsFetchMs = performance.now() - start;
      weightsArrived = true;
    },
    () => (weightsArrived = true),
  );
  const sideFilesAsked = Promise.all([
    fetchSideFile(msg.attributes, 'the attribute file', 'no attribute file for this weight file (add ?attributes=URL)', cache),
    fetchSideFile(msg.likeness, 'the face-likeness file', 'no face-likeness file for this weight file (make one with `realnvp likeness --write`, then add ?likeness=URL)', cache),
  ]);
  sideFilesAsked.then(() => (timings.sideFilesMs = performance.now() - start), () => {});
  // The backend first (JavaScript alone can tell): on the CPU the module without WebGPU, a
  // quarter of the download; where WebGPU is to be tried, the full one (which still falls back
  // to its CPU backend if WebGPU fails to start).
  let t = performance.now();
  let { reason, detail, adapter } = await chooseBackend(msg.backend, msg.fallbackReason, browserGpu());
  timings.backendChoiceMs = performance.now() - t;
  const glue = reason === null ? msg.glue : msg.cpuGlue;
  // Compiled here, once, while it downloads: helpers instantiate this same module (a Module can be posted).
  const { module, bytes: wasmBytes, kept: wasmKept } = await compileWasm(reason === null ? msg.wasm : msg.cpuWasm, cache, progress);
  timings.wasmCompileMs = performance.now() - start;
  t = performance.now();
  const { wasm, memory } = await instantiate(glue, module);
  Object.assign(state, { wasm, memory });
  timings.wasmInitMs = performance.now() - t;
  const limits = wasm.limits();
  post({ type: REPLY.LIMITS, limits });

  t = performance.now();
  status(reason ? 'Starting the CPU backend…' : 'Starting WebGPU…');
  const backend = await wasm.Backend.init(reason !== null);
  state.backend = backend;
  // wgpu's own words ("No adapter available for WgpuDevice ..."): a sentence, the words as its detail.
  if (backend.fallbackReason) ({ reason, detail } = explainWebgpuFailure(backend.fallbackReason));
  const kind = backend.kind;
  if (kind !== 'webgpu') adapter = { name: 'burn flex, wasm', software: false };
  timings.backendMs = performance.now() - t;
  post({ type: REPLY.BACKEND, kind, adapter: adapter.name, software: adapter.software, reason, detail });

  status('Downloading the weights…');
  if (kind === 'cpu') {
    const rehearsal = await rehearse(wasm, backend, () => weightsArrived);
    timings.rehearsalMs = rehearsal.ms;
    timings.rehearsalSteps = rehearsal.steps;
  }
  t = performance.now();
  const { bytes: weights, kept: weightsKept } = await weightsAsked;
  const [attributeFile, likenessFile] = await sideFilesAsked;
  timings.weightsWaitMs = performance.now() - t;
  // Before this worker's own load, so that the helpers can load theirs at the same time (the
  // pool starts them then if the machine has a core to spare for them, else after this
  // worker's first face). The weights are copied (posting clones them); the module is shared,
  // not recompiled.
  if (kind === 'cpu') post({ type: REPLY.SHARE, glue, module, weights, attributes: attributeFile.bytes, likeness: likenessFile.bytes });
  t = performance.now();
  status('Loading the model…');
  const model = wasm.Model.load(backend, weights);
  const info = model.info();
  state.loaded = { wasm, model, info, limits };
  timings.modelLoadMs = performance.now() - t;
  const attributes = loadDirections(wasm, model, attributeFile);
  const likenessNote = loadLikeness(model, likenessFile);
  post({
    type: REPLY.READY,
    info,
    attributes: attributes.names ? attributes : null,
    attributesNote: attributes.note ?? null,
    likenessNote,
    heatmapStops: Array.from(wasm.heatmapStops(HEATMAP_STOPS)),
    weightsBytes: weights.byteLength,
    wasmBytes,
    kept: { wasm: wasmKept, weights: weightsKept },
    timings,
  });
}

/** @param {import('../messages.js').InitHelperRequest} msg */
async function initHelper(msg) {
  const t = performance.now();
  const { wasm, memory } = await instantiate(msg.glue, msg.module);
  Object.assign(state, { wasm, memory });
  const backend = await wasm.Backend.init(true);
  state.backend = backend;
  const model = wasm.Model.load(backend, msg.weights);
  state.loaded = { wasm, model, info: model.info(), limits: wasm.limits() };
  loadDirections(wasm, model, { bytes: msg.attributes, note: null });
  loadLikeness(model, { bytes: msg.likeness, note: null });
  post({ type: REPLY.READY, helper: true, timings: { helperStartMs: performance.now() - t } });
}

/**
 * The directions' names and words, or a note saying why there are none.
 * @param {import('./wasm.js').Wasm} wasm
 * @param {import('./wasm.js').Model} model
 * @param {{ bytes: import('../messages.js').Bytes | null, note: string | null }} file
 * @returns {{ names: string[], how: Record<string, string>, note?: undefined } | { names?: undefined, note: string | null }}
 */
function loadDirections(wasm, model, { bytes, note }) {
  if (!bytes) return { note };
  let directions;
  try {
    directions = wasm.Directions.load(model, bytes);
  } catch (err) {
    return { note: `the attribute file was refused: ${describe(err).message}` };
  }
  state.directions = directions;
  const names = Array.from(directions.names);
  return { names, how: Object.fromEntries(names.map((n) => [n, directions.how(n) ?? ''])) };
}

/**
 * Gives the model its face-likeness file; the note says why there is none (no file, or one
 * the wasm refused: made for other weights, not such a file).
 * @param {import('./wasm.js').Model} model
 * @param {{ bytes: import('../messages.js').Bytes | null, note: string | null }} file
 * @returns {string | null}
 */
function loadLikeness(model, { bytes, note }) {
  if (!bytes) return note;
  try {
    model.setLikeness(bytes);
  } catch (err) {
    return `the face-likeness file was refused: ${describe(err).message}`;
  }
  return null;
}
