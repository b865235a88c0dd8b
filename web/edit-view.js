// @ts-check
// Edits of the face panel's face along the attribute directions (age, gender; the file
// model-weights/attributes.safetensors, fitted by `realnvp attributes-fit`): one slider each,
// in typical shifts, the edited face beside the original with its bits/dim, and a strip to
// download. The worker decodes z + amount x shift x direction with the CLI's code, so a
// slider at an amount draws what `realnvp edit` writes. Sliders send their edit a moment
// after they stop moving; a newer position cancels an older one's work.

import { drawImage, drawTiles, gridCanvas } from './canvas.js';
import { $, canvas } from './dom.js';
import { signedAmount, stripEdits } from './edits.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { limits, modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';

/** @typedef {Extract<import('./client.js').PageJob, { kind: 'edit' | 'strip' }>} EditJob */
/** @typedef {import('./face-panel.js').Face} Face */

const ERROR_LINE = 'edit-error';
const DEBOUNCE_MS = 150;
/** @type {import('./client.js').ModelClient} */
let client;
/** @type {() => Face | null} */
let faceOf = () => null;
let timer = 0;
/** @type {{ key: string, names: string[], amounts: number[], rgba: import('./messages.js').Bytes, drawn: number } | null} the strip being drawn */
let strip = null;

// Words for the slider ends: the labels are the data set's (UTKFace), not the person's.
/** @type {Record<string, [string, string]>} */
const ENDS = {
  age: ['younger', 'older'],
  gender: ['towards label 0 (male)', 'towards label 1 (female)'],
};

/**
 * @param {import('./client.js').ModelClient} modelClient
 * @param {() => Face | null} currentFace
 */
export function wireEdits(modelClient, currentFace) {
  client = modelClient;
  faceOf = currentFace;
  $('edit-reset').addEventListener('click', () => {
    for (const slider of sliders()) slider.value = '0';
    sliderMoved();
  });
  $('download-strip').addEventListener('click', requestStrip);
  showEditNote();
}

const sliders = () => Array.from($('edit-sliders').querySelectorAll('input[type=range]')).filter((el) => el instanceof HTMLInputElement);
const amounts = () => sliders().map((s) => Number(s.value));

// The model is ready: one slider per direction, or a note saying why there are none.
export function buildSliders() {
  const box = $('edit-sliders');
  box.textContent = '';
  const attributes = modelInfo.attributes;
  const max = limits().maxEditAmount;
  for (const name of attributes?.names || []) {
    const [low, high] = ENDS[name] || ['−', '+'];
    const label = document.createElement('label');
    label.className = 'edit-slider';
    label.title = attributes?.how[name] || '';
    const slider = document.createElement('input');
    Object.assign(slider, { type: 'range', min: String(-max), max: String(max), step: '0.25', value: '0', id: `edit-${name}` });
    slider.setAttribute('aria-label', `${name}: ${low} to the left, ${high} to the right, in typical shifts`);
    const output = document.createElement('output');
    output.id = `edit-${name}-value`;
    slider.addEventListener('input', sliderMoved);
    label.append(`${name} `, Object.assign(document.createElement('span'), { className: 'end', textContent: low }), slider,
      Object.assign(document.createElement('span'), { className: 'end', textContent: high }), output);
    box.appendChild(label);
  }
  showEditNote();
  resetEdits();
}

function showEditNote() {
  const attributes = modelInfo.attributes;
  const ok = Boolean(attributes?.names.length);
  const buttons = ['edit-reset', 'download-strip'].map((id) => $(id, HTMLButtonElement));
  $('edit-note').textContent = ok
    ? 'Amounts are in typical shifts: one is the distance between the two labelled groups\' mean latents (e.g. over-50s and under-25s). Both at 0 give the face back exactly. The directions come from UTKFace\'s labels, which describe the photo as the data set saw it, not the person.'
    : `Editing is off: ${modelInfo.attributesNote || 'the attribute directions are not loaded yet'}. Everything else works.`;
  for (const button of buttons) button.disabled = !ok;
}

// A new face in the panel: sliders at 0, the edited face is the face itself.
export function resetEdits() {
  clearTimeout(timer);
  for (const slider of sliders()) slider.value = '0';
  showAmounts();
  clearError(ERROR_LINE);
  $('edit-time').textContent = '';
  const face = faceOf();
  const size = modelInfo.imageSize;
  if (face && size) drawImage(canvas('edited'), face.rgba, size, size);
  $('edited-caption').textContent = face ? 'edited: move a slider' : '';
  strip = null;
  metrics.edit = null;
}

function showAmounts() {
  for (const slider of sliders()) {
    const v = Number(slider.value);
    $(`${slider.id}-value`).textContent = `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
  }
}

function sliderMoved() {
  showAmounts();
  clearTimeout(timer);
  timer = window.setTimeout(requestEdit, DEBOUNCE_MS);
}

function requestEdit() {
  const face = faceOf();
  if (!face || !modelInfo.ready) return;
  const edit = amounts();
  $('edited-caption').textContent = 'editing…';
  client.request(JOB.EDIT, { key: face.key, rgba: face.rgba.slice().buffer, edits: [edit] }, { key: face.key });
}

// The strip to download: every direction at each of the Rust strip amounts (web/edits.js).
function requestStrip() {
  const face = faceOf();
  const names = modelInfo.attributes?.names || [];
  if (!face || !names.length || !modelInfo.ready) return;
  clearError(ERROR_LINE);
  const amounts = limits().stripAmounts;
  const edits = stripEdits(names.length, amounts);
  const size = modelInfo.imageSize;
  strip = { key: face.key, names, amounts, rgba: new Uint8Array(edits.length * size * size * 4), drawn: 0 };
  $('download-strip', HTMLButtonElement).disabled = true;
  setStatus(`Drawing the strip: 0 / ${edits.length} faces…`);
  client.request(JOB.STRIP, { key: face.key, rgba: face.rgba.slice().buffer, edits }, { key: face.key });
}

/**
 * @param {import('./messages.js').EditedReply} msg
 * @param {EditJob} job
 */
export function onEdited(msg, job) {
  if (faceOf()?.key !== job.key) return;
  const size = modelInfo.imageSize;
  if (job.kind === JOB.STRIP) return onStripFace(msg, size);
  const { rgba, bitsPerDim } = msg.edit;
  drawImage(canvas('edited'), rgba, size, size);
  const words = (modelInfo.attributes?.names || []).map((n, i) => `${n} ${msg.amounts[i] > 0 ? '+' : ''}${msg.amounts[i]}`);
  $('edited-caption').textContent = `${bitsPerDim.toFixed(3)} bits/dim · ${words.join(', ')}`;
  $('edit-time').textContent = `edited in ${Math.round(msg.ms)} ms (${modelInfo.backend})`;
  metrics.edit = { key: job.key, amounts: msg.amounts, bpd: bitsPerDim, rgba: Array.from(rgba) };
}

/**
 * @param {import('./messages.js').EditedReply} msg
 * @param {number} size
 */
function onStripFace(msg, size) {
  if (!strip) return;
  strip.rgba.set(msg.edit.rgba, msg.index * size * size * 4);
  strip.drawn++;
  setStatus(`Drawing the strip: ${strip.drawn} / ${msg.count} faces…`);
  if (!msg.final) return;
  const { amounts } = strip;
  const image = document.createElement('canvas');
  // gridCanvas sizes its canvas for the page; this one is only saved.
  const holder = document.createElement('div');
  holder.appendChild(image);
  gridCanvas(image, msg.count, amounts.length, size);
  drawTiles(image, strip.rgba, 0, msg.count, amounts.length, size);
  metrics.strip = { key: strip.key, names: strip.names, amounts, rgba: Array.from(strip.rgba) };
  strip = null;
  $('download-strip', HTMLButtonElement).disabled = false;
  setStatus(`Strip ready: rows are the directions, columns the amounts ${signedAmount(amounts[0])} to ${signedAmount(amounts[amounts.length - 1])}.`);
  image.toBlob((blob) => {
    if (!blob) return showError('Editing failed: the strip could not be encoded as PNG', ERROR_LINE);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `edits-${amounts.join('_')}.png`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, 'image/png');
}

/**
 * @param {string} message
 * @param {EditJob} job
 */
export function onEditError(message, job) {
  if (job.kind === JOB.STRIP) {
    strip = null;
    $('download-strip', HTMLButtonElement).disabled = false;
  }
  showError(`Editing failed: ${message}`, ERROR_LINE);
  $('edited-caption').textContent = 'the edit failed';
}
