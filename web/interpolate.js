// @ts-check
// Interpolate: four corners, each a seed or an uploaded photo, and the grid of latent
// interpolations between them. A corner's error is said beside that corner, by its name.

import { clearCanvas, drawImage, drawTiles, gridCanvas } from './canvas.js';
import { $, canvas, input } from './dom.js';
import { messageOf } from './errors.js';
import { readPhotoFile } from './files.js';
import { parseSeed, readTemperature } from './form.js';
import { drawnBy } from './generate.js';
import { JOB, PHOTO_KEY } from './messages.js';
import { metrics } from './metrics.js';
import { limits, modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';

/** @typedef {Extract<import('./client.js').PageJob, { kind: 'interpolate' }>} InterpolateJob */

const ERROR_LINE = 'interpolate-error';
const CORNERS = [0, 1, 2, 3]; // row-major: top left, top right, bottom left, bottom right
/** photo: the file's name; bytes: its contents, sent to every worker that draws the grid
 * @type {{ index: number, photo: string | null, bytes: ArrayBuffer | null }[]} */
const corners = CORNERS.map((index) => ({ index, photo: null, bytes: null }));
/** @type {import('./client.js').ModelClient} */
let client;

/**
 * "Top right corner", from the corner's label in index.html.
 * @param {number} index
 */
function cornerTitle(index) {
  const label = $(`corner-${index}`).querySelector('.corner-name');
  if (!label) throw new Error(`index.html has no .corner-name in #corner-${index}`);
  const name = (label.textContent ?? '').trim();
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} corner`;
}

/** @param {number} index @param {string} message */
function cornerError(index, message) {
  showError(`${cornerTitle(index)}: ${message}`, `corner-error-${index}`);
}

/** @param {number} index */
function clearCornerError(index) {
  clearError(`corner-error-${index}`);
}

/** @param {import('./client.js').ModelClient} modelClient */
export function wireInterpolate(modelClient) {
  client = modelClient;
  $('interpolate').addEventListener('click', interpolate);
  $('steps').addEventListener('change', () => ($('steps').dataset.touched = '1'));
  for (const i of CORNERS) {
    input(`corner-seed-${i}`).value = String(i + 1);
    const file = input(`corner-file-${i}`);
    file.addEventListener('change', () => {
      const picked = file.files?.[0];
      file.value = '';
      if (picked) loadCornerPhoto(i, picked);
    });
    $(`corner-reset-${i}`).addEventListener('click', () => useSeed(i));
  }
}

/** @param {number} i */
function useSeed(i) {
  corners[i].photo = null;
  corners[i].bytes = null;
  $(`corner-label-${i}`).textContent = 'seed';
  $(`corner-reset-${i}`).hidden = true;
  clearCanvas(canvas(`corner-thumb-${i}`));
  clearCornerError(i);
}

// Interpolation grids cost steps^2 faces: the CPU gets a smaller default.
export function preferSmallGrid() {
  const steps = $('steps', HTMLSelectElement);
  if (!steps.dataset.touched) steps.value = '4';
}

function interpolate() {
  if (!modelInfo.ready) return setStatus('The model is still loading.');
  clearError(ERROR_LINE);
  CORNERS.forEach(clearCornerError);
  let temperature;
  try {
    temperature = readTemperature(limits());
  } catch (err) {
    return showError(`Interpolate: ${messageOf(err)}`, ERROR_LINE);
  }
  /** @type {import('./messages.js').Corner[]} */
  const chosen = [];
  for (const c of corners) {
    if (c.bytes) {
      chosen.push({ index: c.index, bytes: c.bytes });
      continue;
    }
    try {
      chosen.push({ index: c.index, seed: parseSeed(input(`corner-seed-${c.index}`).value) });
    } catch (err) {
      return cornerError(c.index, messageOf(err));
    }
  }
  const steps = Number($('steps', HTMLSelectElement).value);
  gridCanvas(canvas('interpolation'), steps * steps, steps, modelInfo.imageSize);
  $('interp-time').textContent = '';
  setStatus(`Interpolating ${steps}×${steps} faces…`);
  client.request(JOB.INTERPOLATE, { corners: chosen, steps, temperature }, { steps });
}

/** @param {number} index @param {File} file */
async function loadCornerPhoto(index, file) {
  clearCornerError(index);
  if (!modelInfo.ready) return cornerError(index, 'the model is still loading; pick the photo again in a moment');
  let bytes;
  try {
    bytes = await readPhotoFile(file, limits().maxFileBytes);
  } catch (err) {
    return cornerError(index, messageOf(err));
  }
  client.request(JOB.PHOTO, { key: PHOTO_KEY.corner(index), bytes }, { name: file.name, corner: { index, bytes } });
}

/**
 * A corner's photo decoded: its thumbnail is the crop the model encodes.
 * @param {import('./messages.js').PhotoReply} msg
 * @param {string} name the file's
 * @param {{ index: number, bytes: ArrayBuffer }} corner
 */
export function onCornerPhoto(msg, name, { index, bytes }) {
  if (!msg.crop) throw new Error('a corner photo came back without its crop');
  corners[index].photo = name;
  corners[index].bytes = bytes;
  drawImage(canvas(`corner-thumb-${index}`), msg.crop, modelInfo.imageSize, modelInfo.imageSize);
  $(`corner-label-${index}`).textContent = `photo: ${name}`;
  $(`corner-reset-${index}`).hidden = false;
}

/**
 * @param {import('./messages.js').FacesNotice} msg
 * @param {InterpolateJob} job
 */
export function onInterpolateFaces(msg, job) {
  const size = modelInfo.imageSize;
  drawTiles(canvas('interpolation'), msg.rgba, msg.start, msg.count, job.steps, size);
  if (msg.total > msg.count) setStatus(`Interpolating: ${msg.drawn} / ${msg.total} faces…`);
  // A seed corner's thumbnail is the grid's corner face.
  const tile = size * size * 4;
  const cornerFaces = [0, job.steps - 1, job.steps * (job.steps - 1), job.steps * job.steps - 1];
  cornerFaces.forEach((n, i) => {
    if (n >= msg.start && n < msg.start + msg.count && !corners[i].photo) {
      drawImage(canvas(`corner-thumb-${i}`), msg.rgba.slice((n - msg.start) * tile, (n - msg.start + 1) * tile), size, size);
    }
  });
}

/**
 * @param {import('./messages.js').DoneNotice} msg
 * @param {InterpolateJob} job
 */
export function onInterpolateDone(msg, job) {
  metrics.interpolations.push({ steps: job.steps, ms: msg.ms, backend: modelInfo.backend, workers: msg.workers, facesPerWorker: msg.facesPerWorker });
  $('interp-time').textContent = `${job.steps}×${job.steps} grid in ${Math.round(msg.ms)} ms (${drawnBy(msg)})`;
  const grid = canvas('interpolation');
  grid.dataset.generation = String(Number(grid.dataset.generation || 0) + 1);
}

/**
 * A corner photo that would not decode, or a grid that failed (because of a corner, if the
 * worker says which).
 * @param {string} message
 * @param {number | null} corner
 */
export function onInterpolateError(message, corner) {
  if (corner !== null) cornerError(corner, message);
  else showError(`Interpolate failed: ${message}`, ERROR_LINE);
}
