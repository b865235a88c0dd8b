// @ts-check
// The page's main thread: wires the modules together. All model work happens in workers
// (web/worker.js, run by web/pool.js, driven through web/client.js); this file starts them,
// keeps modelInfo up to date from what they report, hands each reply to the module that
// shows it, and starts over after a crash (on the CPU when the GPU was the cause).
//
// The modules, one concern each:
//   messages.js    the one table of job and message names, and every message's shape
//   pool.js        the workers: one on WebGPU, one per core on the CPU; tasks to free workers
//   worker-plan.js how many CPU workers (cores, the core test, memory, ?workers, the Rust limit)
//   core-probe.js  the core test: how many threads really run at once
//   client.js      the page's requests and the replies of the live ones
//   params.js      URL parameters, checked, with a notice for each one not used
//   notices.js     #status, the download bar, errors (beside their control and in #error)
//   errors.js      what a caught error says
//   model-info.js  what the workers said about the model (limits, backend, shapes, stats)
//   stats.js       the validation statistics in the weight file (the only reader)
//   form.js        seed, temperature, faces and steps fields: defaults and bounds from the wasm
//   grid.js        where the faces of a grid lie (the Rust grid gap)
//   canvas.js      drawing faces onto canvases
//   generate.js    the Generate panel
//   interpolate.js the Interpolate panel and its corners
//   score.js       the Score panel: upload, drop, camera, crop, score
//   crop-box.js    the crop box: drawing, pointer and keyboard
//   camera.js      camera snapshots
//   results.js     bits/dim, warnings, reconstruction, per-scale table, validation
//   face-panel.js  one face looked at closer: the scored crop or a picked generated face
//   bits-map-view.js where its bits go: the bits map overlay, its colour scale, the JSON
//   edit-view.js   its edits along the attribute directions: sliders and the strip
//   edits.js       which edits a strip asks for, and how amounts are written
//   backend-view.js where the model runs: status bar, note, intro
//   metrics.js     numbers for the tests and benchmarks (window.realnvp)
//   dom.js, files.js: elements by id, reading a picked file within the Rust limit
// The workers' side: worker.js (the entry) and worker/ (start-up, tasks, state).

import { showBackend } from './backend-view.js';
import { ModelClient } from './client.js';
import { coreTest } from './core-probe.js';
import { $ } from './dom.js';
import { buildSliders, onEditError, onEdited } from './edit-view.js';
import { faceScored, wireFacePanel } from './face-panel.js';
import { applyDefaults, applyLimits } from './form.js';
import { generate, onGenerateDone, onGenerateError, onGenerateFaces, wireGenerate } from './generate.js';
import {
  onCornerPhoto, onInterpolateDone, onInterpolateError, onInterpolateFaces, preferSmallGrid, wireInterpolate,
} from './interpolate.js';
import { JOB, POOL, REPLY } from './messages.js';
import { metrics, setPageReady } from './metrics.js';
import { modelInfo } from './model-info.js';
import { hideProgress, setStatus, showError, showProgress, showUrlNotices } from './notices.js';
import { facesParam, readParams } from './params.js';
import { renderValidation } from './results.js';
import { onRecon, onScore, onScoreError, onScorePhoto, scoreQueuedPhoto, wireScore } from './score.js';
import { parseStats } from './stats.js';
import { cpuWorkerPlan, measuredCores, workerCount } from './worker-plan.js';

/** @typedef {import('./client.js').PageJob} PageJob */

const MAX_RESTARTS = 3;
/** @type {ModelClient} */
let client;
/** @type {import('./params.js').Params} */
let params;
let restarts = 0;
let limitsApplied = false; // the defaults, ?n and ?workers are applied once, not again after a restart
/** @type {number | null} threads the core test ran at full speed at once; null if it did not run */
let measured = null;

/** @param {{ glue: string, wasm: string }} full the full module's wasm-bindgen JS and wasm (Trunk.toml) */
export function main(full) {
  const shipped = shippedFiles();
  params = readParams(location.search, location.href, shipped);
  // Absolute: the worker's modules resolve names against their own folder.
  /** @type {import('./messages.js').ModuleUrls} */
  const urls = { ...full, cpuGlue: new URL(shipped.cpuGlue, location.href).href, cpuWasm: new URL(shipped.cpuWasm, location.href).href };
  showUrlNotices(params.notices);
  const { weights, attributes, likeness } = params;
  client = new ModelClient({ urls, weights, attributes, likeness, onWorkers, onJob, onBusy });
  wireGenerate(client, onFirstGrid);
  wireInterpolate(client);
  wireScore(client);
  wireFacePanel(client);
  setStatus('Starting…');
  // The core test first: the model's workers would compete with it for the cores. (Starting
  // the first worker beside it, even held from reading its downloads, made WebKitGTK's test
  // count three cores of two in fresh-clone test runs: BENCHMARKS.md, "First visit after the
  // changes".)
  measureCores().then(() => client.start(params.backend));
}

// The weights and side files as the build named them (index.html's list, content-hashed).
/** @returns {import('./params.js').ShippedFiles} */
function shippedFiles() {
  return JSON.parse($('shipped-files').textContent ?? '');
}

// How many threads run at once, measured (web/core-probe.js), when the page chooses the
// number of CPU workers: not with ?workers=N, nor on forced WebGPU, nor with one core reported.
async function measureCores() {
  const reported = navigator.hardwareConcurrency || 1;
  if (params.workers !== null || params.backend === 'webgpu' || reported < 2) return;
  setStatus('Testing how many cores run at once…');
  const probe = await coreTest(reported);
  if (!probe) return;
  measured = measuredCores(probe);
  metrics.coreProbe = { ...probe, reported, measured };
}

/** @param {boolean} busy */
function onBusy(busy) {
  document.body.classList.toggle('busy', busy);
  if (!busy && modelInfo.ready) setStatus('Ready.');
}

/** @param {import('./messages.js').WorkerNotice} msg */
function onWorkers(msg) {
  switch (msg.type) {
    case REPLY.STATUS:
      return setStatus(msg.text);
    case REPLY.PROGRESS:
      return showProgress(msg.loaded, msg.total, msg.what);
    case REPLY.LIMITS:
      return onLimits(msg.limits);
    case REPLY.BACKEND:
      return onBackend(msg);
    case REPLY.READY:
      return onReady(msg);
    case REPLY.FATAL:
      return onFatal(msg.message, msg.gpuBroken);
  }
}

/**
 * @param {import('./messages.js').JobNotice} msg
 * @param {PageJob} job
 */
function onJob(msg, job) {
  switch (msg.type) {
    case REPLY.FACES:
      if (job.kind === JOB.GENERATE) return onGenerateFaces(msg, job);
      if (job.kind === JOB.INTERPOLATE) return onInterpolateFaces(msg, job);
      break;
    case POOL.DONE:
      metrics.wasmMemoryBytes = msg.memoryBytes;
      if (job.kind === JOB.GENERATE) return onGenerateDone(msg, job);
      if (job.kind === JOB.INTERPOLATE) return onInterpolateDone(msg, job);
      break;
    case REPLY.PHOTO:
      if (job.kind !== JOB.PHOTO) break;
      return job.corner ? onCornerPhoto(msg, job.name, job.corner) : onScorePhoto(msg, job.name);
    case REPLY.SCORE:
      if (job.kind === JOB.SCORE) return onScore(msg, job);
      break;
    case REPLY.RECON:
      if (job.kind === JOB.SCORE) return onRecon(msg, job);
      break;
    case REPLY.FACE:
      if (job.kind === JOB.FACE) return faceScored(job.key, msg);
      break;
    case REPLY.EDITED:
      if (job.kind === JOB.EDIT || job.kind === JOB.STRIP) return onEdited(msg, job);
      break;
    case REPLY.WARM:
      metrics.warmUpMs = msg.ms;
      return becomeReady();
    case REPLY.ERROR:
      return onError(msg, job);
  }
  console.warn(`a ${msg.type} reply to a ${job.kind} job`, msg);
}

/**
 * @param {import('./messages.js').ErrorNotice} msg
 * @param {PageJob} job
 */
function onError(msg, job) {
  switch (job.kind) {
    case JOB.GENERATE:
      return onGenerateError(msg.message);
    case JOB.INTERPOLATE:
      return onInterpolateError(msg.message, msg.corner ?? null);
    case JOB.PHOTO:
      if (job.corner) return onInterpolateError(msg.message, job.corner.index);
      return onScoreError(msg.message, job);
    case JOB.SCORE:
      return onScoreError(msg.message, job);
    case JOB.EDIT:
    case JOB.STRIP:
      return onEditError(msg.message, job);
    case JOB.FACE:
      return showError(`Scoring the face failed: ${msg.message}`, 'edit-error');
    default:
      return showError(`${job.kind} failed: ${msg.message}`);
  }
}

// The first worker's wasm has said its limits and the page's defaults: the fields get their
// bounds and, once, their starting values; ?n and ?workers are checked against them, and the
// pool learns how many CPU workers to run before it starts any helper.
/** @param {import('./messages.js').Limits} limits */
function onLimits(limits) {
  modelInfo.limits = limits;
  metrics.limits = limits;
  applyLimits(limits);
  if (limitsApplied) return;
  limitsApplied = true;
  const plan = cpuWorkerPlan(params.workers, limits.maxCpuWorkers, navigator, measured);
  client.setCpuWorkers(plan.count);
  modelInfo.plannedWorkers = plan.count;
  modelInfo.workerRule = plan.rule;
  metrics.workerRule = plan.rule;
  const faces = facesParam(params.faces, limits.maxFaces, limits.defaultFaces);
  applyDefaults(limits, faces.n);
  const notices = [plan.notice, faces.notice].filter((n) => n !== null);
  if (notices.length) showUrlNotices([...params.notices, ...notices]);
}

// Sent again by the pool when a CPU helper fails to start (one worker fewer).
/** @param {import('./messages.js').BackendNotice} msg */
function onBackend(msg) {
  modelInfo.backend = msg.kind;
  modelInfo.workers = msg.workers;
  metrics.backend = msg.kind;
  metrics.workers = msg.workers;
  metrics.fallbackReason = msg.reason;
  metrics.fallbackDetail = msg.detail;
  metrics.adapter = msg.kind === 'webgpu' ? msg.adapter : `${msg.adapter}, ${workerCount(msg.workers)}`;
  showBackend(msg);
  if (msg.kind === 'cpu') preferSmallGrid();
}

/** @param {import('./messages.js').FirstReadyReply} msg */
function onReady(msg) {
  const { info } = msg;
  modelInfo.ready = true;
  modelInfo.imageSize = info.imageSize;
  modelInfo.latentShapes = info.latentShapes;
  modelInfo.stats = parseStats(info.stats);
  modelInfo.attributes = msg.attributes;
  modelInfo.attributesNote = msg.attributesNote;
  modelInfo.likenessNote = msg.likenessNote;
  modelInfo.heatmapStops = msg.heatmapStops;
  buildSliders();
  metrics.load = { ...msg.timings, weightsBytes: msg.weightsBytes, wasmBytes: msg.wasmBytes };
  metrics.kept = msg.kept;
  hideProgress();
  const size = info.imageSize;
  const validation = modelInfo.stats?.valBpd;
  $('model-info').textContent =
    `${size}×${size} faces · ${(info.parameters / 1e6).toFixed(1)} M parameters · ${info.numScales} scales` +
    (validation !== null && validation !== undefined ? ` · validation ${validation.toFixed(3)} bits/dim` : '');
  renderValidation();
  generate({ first: true });
  scoreQueuedPhoto();
}

// The first grid compiled the shaders; on WebGPU scoring one of its faces then compiles the
// scoring kernels and checks the GPU's results before the page calls itself ready.
/** @param {Extract<PageJob, { kind: 'generate' }>} job */
function onFirstGrid(job) {
  if (modelInfo.backend === 'webgpu') {
    if (!job.firstTile) throw new Error('the first grid has no first face to check the GPU with');
    setStatus('Warming up the scoring kernels…');
    client.request(JOB.WARM_UP, { face: job.firstTile.buffer }, {});
    return;
  }
  becomeReady();
}

function becomeReady() {
  setPageReady(true);
  if (!document.body.classList.contains('busy')) setStatus('Ready.');
}

/**
 * A crash of the wasm module (a panic) or a broken GPU: start over, on the CPU if WebGPU was
 * the cause, so the page keeps working. A start that fails for another reason (a weight file
 * the page refuses, say) stops with the reason.
 * @param {string} message
 * @param {boolean} gpuBroken
 */
function onFatal(message, gpuBroken) {
  setPageReady(false);
  const wasReady = modelInfo.ready;
  modelInfo.ready = false;
  if (restarts >= MAX_RESTARTS || (!gpuBroken && !wasReady)) {
    client.stop();
    hideProgress();
    showError(`The model could not start: ${message}`);
    setStatus('Stopped: the model could not start (the reason is above). Reload the page to try again.');
    return;
  }
  restarts++;
  if (gpuBroken) {
    setStatus('WebGPU failed; restarting on the CPU backend…');
    modelInfo.backend = null;
    client.start('cpu', `WebGPU failed: ${message}`);
  } else {
    showError(`The model crashed (${message}); it is restarting.`);
    client.start(client.backendChoice);
  }
}
