// The page's main thread: wires the modules together. All model work happens in workers
// (web/worker.js, run by web/pool.js, driven through web/client.js); this file starts them,
// keeps modelInfo up to date from what they report, hands each reply to the module that
// shows it, and starts over after a crash (on the CPU when the GPU was the cause).
//
// The modules, one concern each:
//   messages.js    the one table of job and message names
//   pool.js        the workers: one on WebGPU, one per core on the CPU; tasks to free workers
//   client.js      the page's requests and the replies of the live ones
//   params.js      URL parameters, checked, with a notice for each one not used
//   notices.js     #status, the download bar, errors (beside their control and in #error)
//   model-info.js  what the workers said about the model (limits, backend, shapes, stats)
//   stats.js       the validation statistics in the weight file (the only reader)
//   form.js        seed, temperature, faces and steps fields, within the Rust limits
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
//   backend-view.js where the model runs: status bar, note, intro
//   metrics.js     numbers for the tests and benchmarks (window.realnvp)

import { showBackend } from './backend-view.js';
import { ModelClient } from './client.js';
import { $ } from './dom.js';
import { onEditError, onEdited, buildSliders } from './edit-view.js';
import { faceScored, wireFacePanel } from './face-panel.js';
import { applyLimits, defaultFaces, selectFaces } from './form.js';
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

const MAX_RESTARTS = 3;
let client = null;
let params = null;
let restarts = 0;
let facesChosen = false; // ?n is applied once, not again after a restart

export function main(urls) {
  params = readParams();
  showUrlNotices(params.notices);
  client = new ModelClient({
    urls,
    weights: params.weights,
    attributes: params.attributes,
    cpuWorkers: params.workerPlan.count,
    onReply,
    onBusy,
  });
  wireGenerate(client, onFirstGrid);
  wireInterpolate(client);
  wireScore(client);
  wireFacePanel(client);
  setStatus('Starting…');
  client.start(params.backend);
}

function onBusy(busy) {
  document.body.classList.toggle('busy', busy);
  if (!busy && modelInfo.ready) setStatus('Ready.');
}

function onReply(msg, job) {
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
    case REPLY.FACES:
      return job.kind === JOB.GENERATE ? onGenerateFaces(msg, job) : onInterpolateFaces(msg, job);
    case POOL.DONE:
      metrics.wasmMemoryBytes = msg.memoryBytes;
      return job.kind === JOB.GENERATE ? onGenerateDone(msg, job) : onInterpolateDone(msg, job);
    case REPLY.PHOTO:
      return job.corner === undefined ? onScorePhoto(msg, job) : onCornerPhoto(msg, job);
    case REPLY.SCORE:
      return onScore(msg, job);
    case REPLY.RECON:
      return onRecon(msg, job);
    case REPLY.FACE:
      return faceScored(job.key, msg);
    case REPLY.EDITED:
      return onEdited(msg, job);
    case REPLY.WARM:
      metrics.warmUpMs = msg.ms;
      return becomeReady();
    case REPLY.ERROR:
      return onError(msg, job);
    default:
      console.warn('unknown worker message', msg);
  }
}

function onError(msg, job) {
  if (job.kind === JOB.GENERATE) return onGenerateError(msg);
  if (job.kind === JOB.INTERPOLATE || job.corner !== undefined) return onInterpolateError(msg, job);
  if (job.kind === JOB.PHOTO || job.kind === JOB.SCORE) return onScoreError(msg, job);
  if (job.kind === JOB.EDIT || job.kind === JOB.STRIP) return onEditError(msg, job);
  if (job.kind === JOB.FACE) return showError(`Scoring the face failed: ${msg.message}`, 'edit-error');
  showError(`${job.kind} failed: ${msg.message}`);
}

function onLimits(limits) {
  modelInfo.limits = limits;
  applyLimits(limits);
  if (facesChosen) return;
  facesChosen = true;
  const { n, notice } = facesParam(params.faces, limits.maxFaces, defaultFaces());
  selectFaces(n);
  if (notice) showUrlNotices([...params.notices, notice]);
}

// Sent again by the pool when a CPU helper fails to start (one worker fewer).
function onBackend(msg) {
  modelInfo.backend = msg.kind;
  modelInfo.workers = msg.workers;
  metrics.backend = msg.kind;
  metrics.workers = msg.workers;
  metrics.fallbackReason = msg.reason;
  metrics.adapter = msg.kind === 'webgpu' ? msg.adapter : `${msg.adapter}, ${msg.workers} worker${msg.workers === 1 ? '' : 's'}`;
  showBackend(msg);
  if (msg.kind === 'cpu') preferSmallGrid();
}

// [C, H, W] of each scale from Model.latentShapes' flat list.
const triples = (flat) => Array.from({ length: Math.floor((flat?.length || 0) / 3) }, (_, i) => flat.slice(3 * i, 3 * i + 3));

function onReady(msg) {
  modelInfo.ready = true;
  modelInfo.imageSize = msg.imageSize;
  modelInfo.latentShapes = triples(msg.latentShapes);
  modelInfo.stats = parseStats(msg.stats);
  modelInfo.attributes = msg.attributes;
  modelInfo.attributesNote = msg.attributesNote;
  modelInfo.heatmapStops = msg.heatmapStops;
  buildSliders();
  metrics.load = { ...msg.timings, weightsBytes: msg.weightsBytes, wasmBytes: msg.wasmBytes };
  hideProgress();
  const size = msg.imageSize;
  const validation = modelInfo.stats?.valBpd;
  $('model-info').textContent =
    `${size}×${size} faces · ${(msg.parameters / 1e6).toFixed(1)} M parameters · ${msg.numScales} scales` +
    (validation !== null && validation !== undefined ? ` · validation ${validation.toFixed(3)} bits/dim` : '');
  renderValidation();
  generate({ first: true });
  scoreQueuedPhoto();
}

// The first grid compiled the shaders; on WebGPU scoring one of its faces then compiles the
// scoring kernels and checks the GPU's results before the page calls itself ready.
function onFirstGrid(job) {
  if (modelInfo.backend === 'webgpu') {
    setStatus('Warming up the scoring kernels…');
    client.request(JOB.WARM_UP, { face: job.firstTile.buffer });
    return;
  }
  becomeReady();
}

function becomeReady() {
  setPageReady(true);
  if (!document.body.classList.contains('busy')) setStatus('Ready.');
}

// A crash of the wasm module (a panic) or a broken GPU: start over, on the CPU if WebGPU was
// the cause, so the page keeps working. A start that fails for another reason (a weight
// file the page refuses, say) stops with the reason.
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
