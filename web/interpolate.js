// Interpolate: four corners, each a seed or an uploaded photo, and the grid of latent
// interpolations between them. A corner's error is said beside that corner, by its name.

import { clearCanvas, drawImage, drawTiles, gridCanvas } from './canvas.js';
import { $ } from './dom.js';
import { readPhotoFile } from './files.js';
import { parseSeed, readTemperature } from './form.js';
import { drawnBy } from './generate.js';
import { JOB, PHOTO_KEY } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';

const ERROR_LINE = 'interpolate-error';
const CORNERS = [0, 1, 2, 3]; // row-major: top left, top right, bottom left, bottom right
// photo: the file's name; bytes: its contents, sent to every worker that draws the grid.
const corners = CORNERS.map((index) => ({ index, photo: null, bytes: null }));
let client = null;

// "Top right corner", from the corner's label in index.html.
export function cornerTitle(index) {
  const name = $(`corner-${index}`).querySelector('.corner-name').textContent.trim();
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} corner`;
}

function cornerError(index, message) {
  showError(`${cornerTitle(index)}: ${message}`, `corner-error-${index}`);
}

function clearCornerError(index) {
  clearError(`corner-error-${index}`);
}

export function wireInterpolate(modelClient) {
  client = modelClient;
  $('interpolate').addEventListener('click', interpolate);
  $('steps').addEventListener('change', () => ($('steps').dataset.touched = '1'));
  for (const i of CORNERS) {
    $(`corner-seed-${i}`).value = String(i + 1);
    $(`corner-file-${i}`).addEventListener('change', (e) => {
      const file = e.target.files[0];
      e.target.value = '';
      if (file) loadCornerPhoto(i, file);
    });
    $(`corner-reset-${i}`).addEventListener('click', () => useSeed(i));
  }
}

function useSeed(i) {
  corners[i].photo = null;
  corners[i].bytes = null;
  $(`corner-label-${i}`).textContent = 'seed';
  $(`corner-reset-${i}`).hidden = true;
  clearCanvas($(`corner-thumb-${i}`));
  clearCornerError(i);
}

// Interpolation grids cost steps^2 faces: the CPU gets a smaller default.
export function preferSmallGrid() {
  if (!$('steps').dataset.touched) $('steps').value = '4';
}

function interpolate() {
  if (!modelInfo.ready) return setStatus('The model is still loading.');
  clearError(ERROR_LINE);
  CORNERS.forEach(clearCornerError);
  let temperature;
  try {
    temperature = readTemperature(modelInfo.limits);
  } catch (err) {
    return showError(`Interpolate: ${err.message}`, ERROR_LINE);
  }
  const chosen = [];
  for (const c of corners) {
    if (c.photo) {
      chosen.push({ index: c.index, bytes: c.bytes });
      continue;
    }
    try {
      chosen.push({ index: c.index, seed: parseSeed($(`corner-seed-${c.index}`).value) });
    } catch (err) {
      return cornerError(c.index, err.message);
    }
  }
  const steps = Number($('steps').value);
  gridCanvas($('interpolation'), steps * steps, steps, modelInfo.imageSize);
  $('interp-time').textContent = '';
  setStatus(`Interpolating ${steps}×${steps} faces…`);
  client.request(JOB.INTERPOLATE, { corners: chosen, steps, temperature }, { steps });
}

async function loadCornerPhoto(index, file) {
  clearCornerError(index);
  if (!modelInfo.ready) return cornerError(index, 'the model is still loading; pick the photo again in a moment');
  let bytes;
  try {
    bytes = await readPhotoFile(file, modelInfo.limits.maxFileBytes);
  } catch (err) {
    return cornerError(index, err.message);
  }
  client.request(JOB.PHOTO, { key: PHOTO_KEY.corner(index), bytes, previewSide: 64, cropFor: true }, { name: file.name, corner: index, bytes });
}

export function onCornerPhoto(msg, job) {
  const i = job.corner;
  corners[i].photo = job.name;
  corners[i].bytes = job.bytes;
  drawImage($(`corner-thumb-${i}`), msg.crop, modelInfo.imageSize, modelInfo.imageSize);
  $(`corner-label-${i}`).textContent = `photo: ${job.name}`;
  $(`corner-reset-${i}`).hidden = false;
}

export function onInterpolateFaces(msg, job) {
  const size = modelInfo.imageSize;
  drawTiles($('interpolation'), msg.rgba, msg.start, msg.count, job.steps, size);
  if (msg.total > msg.count) setStatus(`Interpolating: ${msg.drawn} / ${msg.total} faces…`);
  // A seed corner's thumbnail is the grid's corner face.
  const tile = size * size * 4;
  const cornerFaces = [0, job.steps - 1, job.steps * (job.steps - 1), job.steps * job.steps - 1];
  cornerFaces.forEach((n, i) => {
    if (n >= msg.start && n < msg.start + msg.count && !corners[i].photo) {
      drawImage($(`corner-thumb-${i}`), msg.rgba.slice((n - msg.start) * tile, (n - msg.start + 1) * tile), size, size);
    }
  });
}

export function onInterpolateDone(msg, job) {
  metrics.interpolations.push({ steps: job.steps, ms: msg.ms, backend: modelInfo.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
  $('interp-time').textContent = `${job.steps}×${job.steps} grid in ${Math.round(msg.ms)} ms (${drawnBy(msg)})`;
  const canvas = $('interpolation');
  canvas.dataset.generation = String(Number(canvas.dataset.generation || 0) + 1);
}

// A corner photo that would not decode, or a grid that failed (because of a corner, if
// the worker says which).
export function onInterpolateError(msg, job) {
  const corner = job.corner ?? msg.corner;
  if (corner !== undefined && corner !== null) cornerError(corner, msg.message);
  else showError(`Interpolate failed: ${msg.message}`, ERROR_LINE);
}
