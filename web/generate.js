// @ts-check
// Generate: a grid of faces sampled from the seed at the temperature, drawn face by face as
// the workers finish them. A face clicked (or picked with the keyboard) opens in the face
// panel below the grid.

import { drawTiles, gridCanvas, readTile, tileAt } from './canvas.js';
import { $, canvas, input } from './dom.js';
import { messageOf } from './errors.js';
import { showGeneratedFace } from './face-panel.js';
import { parseSeed, readTemperature, showTemperature } from './form.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { limits, modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';
import { workerCount } from './worker-plan.js';

/** @typedef {Extract<import('./client.js').PageJob, { kind: 'generate' }>} GenerateJob */

const ERROR_LINE = 'generate-error';
/** @type {import('./client.js').ModelClient} */
let client;
/** @type {(job: GenerateJob) => void} */
let onFirstGrid;
/** @type {import('./client.js').ShownGrid | null} the grid on screen */
let shown = null;
let picked = 0; // the face the keyboard is on

/**
 * @param {import('./client.js').ModelClient} modelClient
 * @param {(job: GenerateJob) => void} onFirst the page's first grid is drawn (its run compiled the shaders on WebGPU)
 */
export function wireGenerate(modelClient, onFirst) {
  client = modelClient;
  onFirstGrid = onFirst;
  input('temperature').addEventListener('input', showTemperature);
  $('generate').addEventListener('click', () => generate());
  $('random-seed').addEventListener('click', () => {
    input('seed').value = String(Math.floor(Math.random() * 1e9));
    generate();
  });
  $('seed').addEventListener('keydown', (e) => e.key === 'Enter' && generate());
  const samples = canvas('samples');
  samples.addEventListener('click', (e) => {
    if (!shown) return;
    const rect = samples.getBoundingClientRect();
    const n = tileAt(samples, e.clientX - rect.left, e.clientY - rect.top, shown.n, shown.cols, modelInfo.imageSize);
    if (n >= 0) pickFace(shown, n);
  });
  samples.addEventListener('keydown', (e) => {
    if (!shown) return;
    /** @type {Record<string, number>} */
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -shown.cols, ArrowDown: shown.cols };
    if (e.key === 'Enter' || e.key === ' ') pickFace(shown, picked);
    else if (e.key in steps) pickFace(shown, Math.min(Math.max(picked + steps[e.key], 0), shown.n - 1));
    else return;
    e.preventDefault();
  });
}

/** @param {import('./client.js').ShownGrid} grid @param {number} n */
function pickFace(grid, n) {
  if (!grid.drawn.has(n)) return setStatus('That face is not drawn yet; pick it once it shows.');
  picked = n;
  const rgba = readTile(canvas('samples'), n, grid.cols, modelInfo.imageSize);
  showGeneratedFace(rgba, { index: n, n: grid.n, seed: grid.seed, temperature: grid.temperature }, $('gen-time'));
}

export function generate({ first = false } = {}) {
  if (!modelInfo.ready) {
    setStatus('The model is still loading; the first faces appear as soon as it is ready.');
    return;
  }
  let seed, temperature;
  try {
    seed = parseSeed(input('seed').value);
    temperature = readTemperature(limits());
  } catch (err) {
    return showError(`Generate: ${messageOf(err)}`, ERROR_LINE);
  }
  if (!first) clearError(ERROR_LINE);
  const n = Number($('count', HTMLSelectElement).value);
  const cols = Math.ceil(Math.sqrt(n));
  gridCanvas(canvas('samples'), n, cols, modelInfo.imageSize);
  $('gen-time').textContent = '';
  shown = { n, cols, seed, temperature, drawn: new Set() };
  picked = 0;
  client.request(JOB.GENERATE, { n, temperature, seed }, { first, grid: shown });
  const workers = workerCount(modelInfo.workers);
  if (first) {
    setStatus(modelInfo.backend === 'webgpu' ? 'Compiling shaders and drawing the first faces…' : `Drawing the first faces (CPU, ${workers})…`);
  } else {
    setStatus(modelInfo.backend === 'cpu' ? `Generating ${n} faces on the CPU (${workers})…` : `Generating ${n} faces…`);
  }
}

/**
 * @param {import('./messages.js').FacesNotice} msg
 * @param {GenerateJob} job
 */
export function onGenerateFaces(msg, job) {
  const size = modelInfo.imageSize;
  drawTiles(canvas('samples'), msg.rgba, msg.start, msg.count, job.grid.cols, size);
  for (let i = 0; i < msg.count; i++) job.grid.drawn.add(msg.start + i);
  if (msg.total > msg.count) setStatus(`Generating: ${msg.drawn} / ${msg.total} faces…`);
  if (msg.start === 0) job.firstTile = msg.rgba.slice(0, size * size * 4); // for the WebGPU warm-up
}

/**
 * Who drew a grid, for its timing line.
 * @param {import('./messages.js').DoneNotice} msg
 */
export const drawnBy = (msg) => (modelInfo.backend === 'cpu' ? `cpu, ${workerCount(msg.workers)}` : modelInfo.backend);

/**
 * @param {import('./messages.js').DoneNotice} msg
 * @param {GenerateJob} job
 */
export function onGenerateDone(msg, job) {
  const samples = canvas('samples');
  samples.dataset.generation = String(Number(samples.dataset.generation || 0) + 1);
  samples.dataset.seed = job.grid.seed;
  const ms = Math.round(msg.ms);
  const { n } = job.grid;
  if (job.first) {
    metrics.firstFacesMs = Math.round(performance.now());
    metrics.firstGrid = { n, ms: msg.ms, workers: msg.workers, facesPerWorker: msg.facesPerWorker };
    // On the CPU the helpers join the first grid as they finish starting.
    const compile = modelInfo.backend === 'webgpu' ? ', shaders compiled on this first run' : ` (${drawnBy(msg)})`;
    $('gen-time').textContent = `first ${n} faces in ${ms} ms${compile}; ${metrics.firstFacesMs} ms after the page started loading`;
    onFirstGrid(job);
  } else {
    metrics.generations.push({ n, ms: msg.ms, backend: modelInfo.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
    $('gen-time').textContent = `${n} faces in ${ms} ms (${drawnBy(msg)})`;
  }
}

/** @param {string} message */
export function onGenerateError(message) {
  showError(`Generate failed: ${message}`, ERROR_LINE);
}
