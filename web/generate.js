// Generate: a grid of faces sampled from the seed at the temperature, drawn face by face as
// the workers finish them. A face clicked (or picked with the keyboard) opens in the face
// panel below the grid.

import { drawTiles, gridCanvas, readTile, tileAt } from './canvas.js';
import { $ } from './dom.js';
import { showGeneratedFace } from './face-panel.js';
import { parseSeed, readTemperature } from './form.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';
import { plural } from './pool.js';

const ERROR_LINE = 'generate-error';
let client = null;
let onFirstGrid = null;
// The grid on screen: { n, cols, seed, temperature, drawn (a Set of its faces drawn) }; and
// the face the keyboard is on.
let shown = null;
let picked = 0;

// onFirst(job, msg): the page's first grid is drawn (its run compiled the shaders on WebGPU).
export function wireGenerate(modelClient, onFirst) {
  client = modelClient;
  onFirstGrid = onFirst;
  const temperature = $('temperature');
  const showTemperature = () => ($('temperature-value').textContent = Number(temperature.value).toFixed(2));
  temperature.addEventListener('input', showTemperature);
  showTemperature();
  $('generate').addEventListener('click', () => generate());
  $('random-seed').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 1e9));
    generate();
  });
  $('seed').addEventListener('keydown', (e) => e.key === 'Enter' && generate());
  const samples = $('samples');
  samples.addEventListener('click', (e) => {
    if (!shown) return;
    const rect = samples.getBoundingClientRect();
    const n = tileAt(samples, e.clientX - rect.left, e.clientY - rect.top, shown.n, shown.cols, modelInfo.imageSize);
    if (n >= 0) pickFace(n);
  });
  samples.addEventListener('keydown', (e) => {
    if (!shown) return;
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -shown.cols, ArrowDown: shown.cols };
    if (e.key === 'Enter' || e.key === ' ') pickFace(picked);
    else if (e.key in steps) pickFace(Math.min(Math.max(picked + steps[e.key], 0), shown.n - 1));
    else return;
    e.preventDefault();
  });
}

function pickFace(n) {
  if (!shown.drawn.has(n)) return setStatus('That face is not drawn yet; pick it once it shows.');
  picked = n;
  const rgba = readTile($('samples'), n, shown.cols, modelInfo.imageSize);
  showGeneratedFace(rgba, { index: n, n: shown.n, seed: shown.seed, temperature: shown.temperature }, $('gen-time'));
}

export function generate({ first = false } = {}) {
  if (!modelInfo.ready) {
    setStatus('The model is still loading; the first faces appear as soon as it is ready.');
    return;
  }
  let seed, temperature;
  try {
    seed = parseSeed($('seed').value);
    temperature = readTemperature(modelInfo.limits);
  } catch (err) {
    return showError(`Generate: ${err.message}`, ERROR_LINE);
  }
  if (!first) clearError(ERROR_LINE);
  const n = Number($('count').value);
  const cols = Math.ceil(Math.sqrt(n));
  gridCanvas($('samples'), n, cols, modelInfo.imageSize);
  $('gen-time').textContent = '';
  shown = { n, cols, seed, temperature, drawn: new Set() };
  picked = 0;
  client.request(JOB.GENERATE, { n, temperature, seed }, { n, cols, seed, temperature, first, grid: shown });
  if (first) {
    setStatus(modelInfo.backend === 'webgpu' ? 'Compiling shaders and drawing the first faces…' : `Drawing the first faces (CPU, ${plural(modelInfo.workers, 'worker')})…`);
  } else {
    setStatus(modelInfo.backend === 'cpu' ? `Generating ${n} faces on the CPU (${plural(modelInfo.workers, 'worker')})…` : `Generating ${n} faces…`);
  }
}

export function onGenerateFaces(msg, job) {
  const size = modelInfo.imageSize;
  drawTiles($('samples'), msg.rgba, msg.start, msg.count, job.cols, size);
  for (let i = 0; i < msg.count; i++) job.grid.drawn.add(msg.start + i);
  if (msg.total > msg.count) setStatus(`Generating: ${msg.drawn} / ${msg.total} faces…`);
  if (msg.start === 0) job.firstTile = msg.rgba.slice(0, size * size * 4); // for the WebGPU warm-up
}

export const drawnBy = (msg) => (modelInfo.backend === 'cpu' ? `cpu, ${plural(msg.workers, 'worker')}` : modelInfo.backend);

export function onGenerateDone(msg, job) {
  const canvas = $('samples');
  canvas.dataset.generation = String(Number(canvas.dataset.generation || 0) + 1);
  canvas.dataset.seed = job.seed;
  const ms = Math.round(msg.ms);
  if (job.first) {
    metrics.firstFacesMs = Math.round(performance.now());
    metrics.firstGrid = { n: job.n, ms: msg.ms, workers: msg.workers, facesPerWorker: msg.facesPerWorker };
    // On the CPU the helpers join the first grid as they finish starting.
    const compile = modelInfo.backend === 'webgpu' ? ', shaders compiled on this first run' : ` (${drawnBy(msg)})`;
    $('gen-time').textContent = `first ${job.n} faces in ${ms} ms${compile}; ${metrics.firstFacesMs} ms after the page started loading`;
    onFirstGrid(job, msg);
  } else {
    metrics.generations.push({ n: job.n, ms: msg.ms, backend: modelInfo.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
    $('gen-time').textContent = `${job.n} faces in ${ms} ms (${drawnBy(msg)})`;
  }
}

export function onGenerateError(msg) {
  showError(`Generate failed: ${msg.message}`, ERROR_LINE);
}
