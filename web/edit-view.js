// Edits of the face panel's face along the attribute directions (age, gender; the file
// model-weights/attributes.safetensors, fitted by `realnvp attributes-fit`): one slider each,
// in typical shifts, the edited face beside the original with its bits/dim, and a strip to
// download. The worker decodes z + amount x shift x direction with the CLI's code, so a
// slider at an amount draws what `realnvp edit` writes. Sliders send their edit a moment
// after they stop moving; a newer position cancels an older one's work.

import { drawImage, drawTiles, gridCanvas } from './canvas.js';
import { $ } from './dom.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';

const ERROR_LINE = 'edit-error';
const DEBOUNCE_MS = 150;
const STRIP_AMOUNTS = [-2, -1, 0, 1, 2];
let client = null;
let faceOf = () => null;
let timer = null;
let strip = null; // the strip being drawn: { key, names, rgba, drawn }

// Words for the slider ends: the labels are the data set's (UTKFace), not the person's.
const ENDS = {
  age: ['younger', 'older'],
  gender: ['towards label 0 (male)', 'towards label 1 (female)'],
};

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

const sliders = () => Array.from($('edit-sliders').querySelectorAll('input[type=range]'));
const amounts = () => sliders().map((s) => Number(s.value));

// The model is ready: one slider per direction, or a note saying why there are none.
export function buildSliders() {
  const box = $('edit-sliders');
  box.textContent = '';
  const attributes = modelInfo.attributes;
  const max = modelInfo.limits?.maxEditAmount ?? 3;
  for (const name of attributes?.names || []) {
    const [low, high] = ENDS[name] || ['−', '+'];
    const label = document.createElement('label');
    label.className = 'edit-slider';
    label.title = attributes.how[name] || '';
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: String(-max), max: String(max), step: '0.25', value: '0', id: `edit-${name}` });
    input.setAttribute('aria-label', `${name}: ${low} to the left, ${high} to the right, in typical shifts`);
    const output = document.createElement('output');
    output.id = `edit-${name}-value`;
    input.addEventListener('input', sliderMoved);
    label.append(`${name} `, Object.assign(document.createElement('span'), { className: 'end', textContent: low }), input,
      Object.assign(document.createElement('span'), { className: 'end', textContent: high }), output);
    box.appendChild(label);
  }
  showEditNote();
  resetEdits();
}

function showEditNote() {
  const attributes = modelInfo.attributes;
  const ok = Boolean(attributes?.names.length);
  $('edit-note').textContent = ok
    ? 'Amounts are in typical shifts: one is the distance between the two labelled groups\' mean latents (e.g. over-50s and under-25s). Both at 0 give the face back exactly. The directions come from UTKFace\'s labels, which describe the photo as the data set saw it, not the person.'
    : `Editing is off: ${modelInfo.attributesNote || 'the attribute directions are not loaded yet'}. Everything else works.`;
  for (const id of ['edit-reset', 'download-strip']) $(id).disabled = !ok;
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
  if (face && size) drawImage($('edited'), face.rgba, size, size);
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
  timer = setTimeout(requestEdit, DEBOUNCE_MS);
}

function requestEdit() {
  const face = faceOf();
  if (!face || !modelInfo.ready) return;
  const edit = amounts();
  $('edited-caption').textContent = 'editing…';
  client.request(JOB.EDIT, { key: face.key, rgba: face.rgba.slice().buffer, edits: [edit] }, { key: face.key });
}

// Each direction at each strip amount, the others at 0: one row per direction, as `realnvp
// edit --amounts -2,-1,0,1,2` writes one row.
function requestStrip() {
  const face = faceOf();
  const names = modelInfo.attributes?.names || [];
  if (!face || !names.length || !modelInfo.ready) return;
  clearError(ERROR_LINE);
  const edits = names.flatMap((_, row) => STRIP_AMOUNTS.map((a) => names.map((__, i) => (i === row ? a : 0))));
  const size = modelInfo.imageSize;
  strip = { key: face.key, names, rgba: new Uint8Array(edits.length * size * size * 4), drawn: 0 };
  $('download-strip').disabled = true;
  setStatus(`Drawing the strip: 0 / ${edits.length} faces…`);
  client.request(JOB.STRIP, { key: face.key, rgba: face.rgba.slice().buffer, edits }, { key: face.key });
}

export function onEdited(msg, job) {
  if (faceOf()?.key !== job.key) return;
  const size = modelInfo.imageSize;
  if (job.kind === JOB.STRIP) return onStripFace(msg, size);
  drawImage($('edited'), msg.rgba, size, size);
  const words = (modelInfo.attributes?.names || []).map((n, i) => `${n} ${msg.amounts[i] > 0 ? '+' : ''}${msg.amounts[i]}`);
  $('edited-caption').textContent = `${msg.bpd.toFixed(3)} bits/dim · ${words.join(', ')}`;
  $('edit-time').textContent = `edited in ${Math.round(msg.ms)} ms (${modelInfo.backend})`;
  metrics.edit = { key: job.key, amounts: msg.amounts, bpd: msg.bpd, rgba: Array.from(msg.rgba) };
}

function onStripFace(msg, size) {
  if (!strip) return;
  strip.rgba.set(msg.rgba, msg.index * size * size * 4);
  strip.drawn++;
  setStatus(`Drawing the strip: ${strip.drawn} / ${msg.count} faces…`);
  if (!msg.final) return;
  const canvas = document.createElement('canvas');
  // gridCanvas sizes its canvas for the page; this one is only saved.
  const holder = document.createElement('div');
  holder.appendChild(canvas);
  gridCanvas(canvas, msg.count, STRIP_AMOUNTS.length, size);
  drawTiles(canvas, strip.rgba, 0, msg.count, STRIP_AMOUNTS.length, size);
  metrics.strip = { key: strip.key, names: strip.names, amounts: STRIP_AMOUNTS, rgba: Array.from(strip.rgba) };
  strip = null;
  $('download-strip').disabled = false;
  setStatus('Strip ready: rows are the directions, columns the amounts −2 to +2.');
  canvas.toBlob((blob) => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `edits-${STRIP_AMOUNTS.join('_')}.png`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, 'image/png');
}

export function onEditError(msg, job) {
  if (job.kind === JOB.STRIP) {
    strip = null;
    $('download-strip').disabled = false;
  }
  showError(`Editing failed: ${msg.message}`, ERROR_LINE);
  $('edited-caption').textContent = 'the edit failed';
}
