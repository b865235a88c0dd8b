// The face panel: one face at a time, the scored crop or a generated face the visitor picked,
// shown under the panel it came from, with where its bits go (web/bits-map-view.js) and its
// edits along the attribute directions (web/edit-view.js).
//
// A face is { key, title, rgba, bpd, maps }: `key` names it for the workers (they keep its
// latents for the edits), `rgba` is the model input itself (imageSize^2 RGBA), `maps` the
// bits maps from the worker (null while they are computed).

import { clearMaps, showMaps, wireBitsMap } from './bits-map-view.js';
import { drawImage } from './canvas.js';
import { $ } from './dom.js';
import { resetEdits, wireEdits } from './edit-view.js';
import { JOB } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { setStatus } from './notices.js';

let client = null;
let current = null;

export function wireFacePanel(modelClient) {
  client = modelClient;
  wireBitsMap(() => current);
  wireEdits(modelClient, () => current);
}

export const currentFace = () => current;

// Shows `face` in the panel, placed right after `anchor` (an element of the panel the face
// came from).
export function showFace(face, anchor) {
  const panel = $('face-panel');
  if (anchor.nextElementSibling !== panel) anchor.after(panel);
  const sameFace = current?.key === face.key;
  current = face;
  panel.hidden = false;
  $('face-title').textContent = face.title;
  const size = modelInfo.imageSize;
  drawImage($('face-canvas'), face.rgba, size, size);
  showBpd();
  if (face.maps) showMaps(face.maps);
  else clearMaps();
  if (!sameFace) resetEdits();
  metrics.face = { key: face.key, bpd: face.bpd ?? null };
}

// The bits/dim and maps of the current face, once its worker has scored it.
export function faceScored(key, { bpd, maps }) {
  if (current?.key !== key) return;
  current.bpd = bpd;
  current.maps = maps;
  showBpd();
  showMaps(maps);
  metrics.face = { key, bpd };
}

export function hideFace() {
  current = null;
  $('face-panel').hidden = true;
  clearMaps();
  resetEdits();
  metrics.face = null;
}

function showBpd() {
  const bpd = current.bpd;
  $('face-caption').textContent = typeof bpd === 'number' ? `${bpd.toFixed(3)} bits/dim` : 'scoring…';
}

// Generated face `index` of grid `job` (its seed and temperature name it), scored in a worker.
export function showGeneratedFace(rgba, { index, n, seed, temperature }, anchor) {
  const key = `sample:${seed}:${temperature}:${n}:${index}`;
  if (current?.key === key) return;
  showFace({ key, title: `Generated face ${index + 1} of ${n} (seed ${seed}, temperature ${temperature})`, rgba, bpd: null, maps: null }, anchor);
  setStatus(modelInfo.backend === 'cpu' ? 'Scoring the face on the CPU (a few seconds)…' : 'Scoring the face…');
  client.request(JOB.FACE, { key, rgba: rgba.slice().buffer }, { key });
}
