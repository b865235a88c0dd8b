// @ts-check
// The score panel's results: bits/dim with the warnings that qualify it, the face-likeness
// verdict (which bits/dim is not), the model input and its reconstruction, the PNG
// comparison, the per-scale table and where the score falls among the validation faces.

import { showScaleMap } from './bits-map-view.js';
import { clearCanvas, drawImage } from './canvas.js';
import { $, canvas } from './dom.js';
import { modelInfo } from './model-info.js';
import { bpdAtQuantile, percentile } from './stats.js';

const pct = (/** @type {number} */ q) => `${Math.round(q * 100)}%`;

// Empty, as before any photo: a failed upload leaves nothing of the previous photo's results.
export function clearResults() {
  for (const id of ['bpd', 'crop-info', 'recon-info', 'png-bpd', 'score-time']) $(id).textContent = '';
  clearCanvas(canvas('crop'));
  clearCanvas(canvas('recon'));
  showWarnings([]);
  $('bpd-negative').hidden = true;
  $('per-scale').textContent = '';
  showLikeness(null);
  renderValidation();
  $('score-results').classList.add('stale');
}

// A new crop is being scored: the old numbers go, the panel is greyed until they come.
export function showScoring() {
  $('bpd').textContent = '';
  showLikeness(null);
  $('recon-info').textContent = '';
  showWarnings([]);
  $('bpd-negative').hidden = true;
  $('score-results').classList.add('stale');
}

/** @param {import('./crop-box.js').Crop} crop */
export function showCrop({ x, y, side }) {
  $('crop-info').textContent = `crop x ${x}, y ${y}, side ${side} px → ${modelInfo.imageSize}×${modelInfo.imageSize}`;
}

/** @param {import('./messages.js').ScoreReply} msg */
export function showScore({ score, ms }) {
  const size = modelInfo.imageSize;
  drawImage(canvas('crop'), score.crop, size, size);
  const bpd = score.bitsPerDim;
  $('bpd').textContent = bpd.toFixed(3);
  // Below zero the density exceeds one per pixel bin: no code is that short.
  $('bpd-negative').hidden = !(bpd < 0);
  showWarnings(score.warnings);
  showLikeness(score.faceLikeness);
  $('score-results').classList.remove('stale');
  $('png-bpd').textContent = score.pngBitsPerDim.toFixed(3);
  $('score-time').textContent = `scored in ${Math.round(ms)} ms (${modelInfo.backend})`;
  renderPerScale(score.perScale);
  renderValidation(bpd);
  clearCanvas(canvas('recon'));
  $('recon-info').textContent = 'reconstructing…';
}

/** @param {import('./messages.js').ReconReply} msg */
export function showRecon({ recon, ms }) {
  const size = modelInfo.imageSize;
  drawImage(canvas('recon'), recon.rgba, size, size);
  $('recon-info').textContent =
    recon.maxError === 0 ? 'identical to the input' : `differs from the input by at most ${recon.maxError}/255 (float rounding)`;
  $('score-time').textContent += `, reconstructed in ${Math.round(ms)} ms`;
}

/**
 * The verdict and where the crop stands among validation faces (Rust's Judgement, the same
 * object `realnvp score --json` prints as "face_likeness"); hidden when the weights came
 * without a face-likeness file (modelInfo.likenessNote says why).
 * @param {import('./messages.js').FaceLikeness | null | undefined} likeness
 */
function showLikeness(likeness) {
  const box = $('likeness');
  box.hidden = !likeness && !modelInfo.likenessNote;
  $('likeness-verdict').textContent = likeness ? `${likeness.says.charAt(0).toUpperCase()}${likeness.says.slice(1)}` : '';
  box.dataset.verdict = likeness?.verdict ?? '';
  $('likeness-detail').textContent = likeness
    ? `: more typical than ${pct(likeness.percentile)} of validation faces (distance ${likeness.distance.toFixed(1)} from their pattern)`
    : modelInfo.likenessNote ? `No face-likeness: ${modelInfo.likenessNote}.` : '';
}

/**
 * The Rust sentences (Score.warnings), e.g. "enlarged: the crop is 8x8 pixels, ...".
 * @param {string[]} warnings
 */
function showWarnings(warnings) {
  const list = $('score-warnings');
  list.textContent = '';
  for (const w of warnings) {
    const item = document.createElement('li');
    item.textContent = `${w.charAt(0).toUpperCase()}${w.slice(1)}`;
    list.appendChild(item);
  }
  list.hidden = warnings.length === 0;
}

/** @param {number[]} parts bits/dim of each scale */
function renderPerScale(parts) {
  const table = $('per-scale', HTMLTableElement);
  table.textContent = '';
  const validation = modelInfo.stats?.valPerScale || [];
  const head = table.insertRow();
  for (const h of ['scale', 'latent', 'this crop', 'validation mean']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  parts.forEach((v, i) => {
    const shape = modelInfo.latentShapes[i];
    const row = table.insertRow();
    // Each scale links to its part of the bits map, over the crop in the face panel.
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'link';
    link.textContent = String(i + 1);
    link.title = `show where scale ${i + 1}'s bits go, over the crop below`;
    link.addEventListener('click', () => showScaleMap(i + 1));
    row.insertCell().appendChild(link);
    row.insertCell().textContent = shape ? shape.join('×') : '–';
    row.insertCell().textContent = v.toFixed(3);
    const mean = validation[i];
    row.insertCell().textContent = typeof mean === 'number' ? mean.toFixed(3) : '–';
  });
}

/**
 * The validation faces' spread as a strip (quantiles shipped with the weights), with this
 * crop's score on it when there is one.
 * @param {number} [bpd]
 */
export function renderValidation(bpd) {
  const stats = modelInfo.stats;
  const box = $('validation');
  const strip = $('validation-strip');
  strip.textContent = '';
  if (!stats?.quantiles.length) {
    box.textContent = modelInfo.ready ? 'The weight file carries no validation statistics.' : '';
    return;
  }
  const points = stats.quantiles;
  const [qLo, lo] = points[0];
  const [qHi, hi] = points[points.length - 1];
  const median = bpdAtQuantile(stats, 0.5) ?? lo; // never null: there are quantiles
  const n = stats.valImages ?? '?';
  const at = (/** @type {number} */ v) => `${(100 * (v - lo)) / Math.max(hi - lo, 1e-9)}%`;
  /** @type {[number, string][]} */
  const tags = [[lo, `${pct(qLo)}: ${lo.toFixed(2)}`], [median, `median ${median.toFixed(2)}`], [hi, `${pct(qHi)}: ${hi.toFixed(2)}`]];
  for (const [v, label] of tags) {
    const tag = document.createElement('span');
    tag.className = 'label';
    tag.style.left = at(v);
    tag.textContent = label;
    strip.appendChild(tag);
  }
  for (const [q, v] of points) {
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.style.left = at(v);
    tick.title = `${pct(q)} of validation faces score below ${v.toFixed(3)}`;
    strip.appendChild(tick);
  }
  if (bpd === undefined) {
    box.textContent = `Validation faces (${n} photos of people the model never saw): median ${median.toFixed(3)} bits/dim, ` +
      `${pct(qHi - qLo)} between ${lo.toFixed(3)} and ${hi.toFixed(3)}.`;
    return;
  }
  const marker = document.createElement('span');
  marker.className = 'marker';
  marker.style.left = at(Math.min(Math.max(bpd, lo), hi));
  strip.appendChild(marker);
  const where = percentile(stats, bpd);
  if (!where) box.textContent = '';
  else if ('below' in where) box.textContent = `Lower than ${pct(1 - where.below)} of validation faces: the model finds this crop unusually likely.`;
  else if ('above' in where) box.textContent = `Higher than ${pct(where.above)} of validation faces: unusually costly for this model (not how likely it is to be a face: see face-likeness above).`;
  else box.textContent = `Higher than ${pct(where.at)} of the ${n} validation faces (median ${median.toFixed(3)}).`;
}
