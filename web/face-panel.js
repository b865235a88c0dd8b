// @ts-check
// The face panel: one face at a time, the scored crop or a generated face the visitor picked,
// shown under the panel it came from, with where its bits go (web/bits-map-view.js) and its
// edits along the attribute directions (web/edit-view.js).

import { clearMaps, showMaps, wireBitsMap } from './bits-map-view.js';
import { drawImage } from './canvas.js';
import { $, canvas } from './dom.js';
import { resetEdits, wireEdits } from './edit-view.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { setStatus } from './notices.js';

/**
 * @typedef {object} Face
 * @property {string} key names it for the workers (they keep its latents for the edits)
 * @property {string} title
 * @property {import('./messages.js').Bytes} rgba the model input itself (imageSize^2 RGBA)
 * @property {number | null} bpd null while it is scored
 * @property {import('./messages.js').BitsMap[] | null} maps from the worker (null while they are computed)
 */

/** @type {import('./client.js').ModelClient} */
let client;
/** @type {Face | null} */
let current = null;

/** @param {import('./client.js').ModelClient} modelClient */
export function wireFacePanel(modelClient) {
  client = modelClient;
  wireBitsMap(() => current);
  wireEdits(modelClient, () => current);
}

export const currentFace = () => current;

/**
 * Shows `face` in the panel, placed right after `anchor` (an element of the panel the face
 * came from).
 * @param {Face} face
 * @param {HTMLElement} anchor
 */
export function showFace(face, anchor) {
  const panel = $('face-panel');
  if (anchor.nextElementSibling !== panel) anchor.after(panel);
  const sameFace = current?.key === face.key;
  current = face;
  panel.hidden = false;
  $('face-title').textContent = face.title;
  const size = modelInfo.imageSize;
  drawImage(canvas('face-canvas'), face.rgba, size, size);
  showBpd(face);
  if (face.maps) showMaps(face.maps);
  else clearMaps();
  if (!sameFace) resetEdits();
  metrics.face = { key: face.key, bpd: face.bpd };
}

/**
 * The score and maps of face `key`, once its worker has scored it.
 * @param {string} key
 * @param {import('./messages.js').FaceReply} msg
 */
export function faceScored(key, { score, maps }) {
  if (current?.key !== key) return;
  current.bpd = score.bitsPerDim;
  current.maps = maps;
  showBpd(current);
  showMaps(maps);
  metrics.face = { key, bpd: current.bpd };
}

export function hideFace() {
  current = null;
  $('face-panel').hidden = true;
  clearMaps();
  resetEdits();
  metrics.face = null;
}

/** @param {Face} face */
function showBpd({ bpd }) {
  $('face-caption').textContent = typeof bpd === 'number' ? `${bpd.toFixed(3)} bits/dim` : 'scoring…';
}

/**
 * Generated face `index` of a grid (its seed and temperature name it), scored in a worker.
 * @param {import('./messages.js').Bytes} rgba
 * @param {{ index: number, n: number, seed: string, temperature: number }} from
 * @param {HTMLElement} anchor
 */
export function showGeneratedFace(rgba, { index, n, seed, temperature }, anchor) {
  const key = `sample:${seed}:${temperature}:${n}:${index}`;
  if (current?.key === key) return;
  showFace({ key, title: `Generated face ${index + 1} of ${n} (seed ${seed}, temperature ${temperature})`, rgba, bpd: null, maps: null }, anchor);
  setStatus(modelInfo.backend === 'cpu' ? 'Scoring the face on the CPU (a few seconds)…' : 'Scoring the face…');
  client.request(JOB.FACE, { key, rgba: rgba.slice().buffer }, { key });
}
