// @ts-check
// Where the bits go, over the face panel's face: the bits map (all scales, or one scale's
// part) as a viridis overlay with its colour scale, and the map as JSON to download. The
// maps and their colours come from the worker (Rust: model/cost.rs and heatmap.rs, the
// numbers and colours of `realnvp score --bits-map` and `--heatmap`).

import { context2d } from './canvas.js';
import { $, canvas, input } from './dom.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';

/** @type {import('./messages.js').BitsMap[] | null} all scales, scale 1, scale 2, ... */
let maps = null;
let shown = 0; // which map the overlay shows: 0 all scales, i the i-th scale
/** @type {() => import('./face-panel.js').Face | null} */
let faceOf = () => null;

/** @param {() => import('./face-panel.js').Face | null} currentFace */
export function wireBitsMap(currentFace) {
  faceOf = currentFace;
  input('show-bits-map').addEventListener('change', draw);
  $('download-map').addEventListener('click', download);
  clearMaps();
}

export function clearMaps() {
  maps = null;
  $('map-scales').textContent = '';
  $('map-lo').textContent = '';
  $('map-hi').textContent = '';
  $('face-overlay').hidden = true;
  $('bits-map-controls', HTMLFieldSetElement).disabled = true;
  metrics.bitsMap = null;
}

/** @param {import('./messages.js').BitsMap[]} newMaps all scales, then each scale's */
export function showMaps(newMaps) {
  maps = newMaps;
  $('bits-map-controls', HTMLFieldSetElement).disabled = false;
  const group = $('map-scales');
  group.textContent = '';
  maps.forEach((_, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.scale = String(i);
    button.textContent = i === 0 ? 'all scales' : `scale ${i}`;
    button.addEventListener('click', () => showScaleMap(i));
    group.appendChild(button);
  });
  if (shown >= maps.length) shown = 0;
  drawColourBar();
  draw();
  metrics.bitsMap = { key: faceOf()?.key, values: Array.from(maps[0].values) };
}

/**
 * Map `i` (0: all scales, else that scale) over the face, the overlay turned on: the
 * per-scale table's scale links land here.
 * @param {number} i
 */
export function showScaleMap(i) {
  if (!maps) return;
  shown = i;
  input('show-bits-map').checked = true;
  draw();
  $('face-panel').scrollIntoView({ block: 'nearest' });
}

function drawColourBar() {
  const stops = modelInfo.heatmapStops;
  const bar = canvas('colour-bar');
  const n = Math.floor(stops.length / 3);
  bar.width = n;
  bar.height = 1;
  const pixels = new ImageData(n, 1);
  for (let i = 0; i < n; i++) {
    pixels.data.set([stops[3 * i], stops[3 * i + 1], stops[3 * i + 2], 255], 4 * i);
  }
  context2d(bar).putImageData(pixels, 0, 0);
}

function draw() {
  const overlay = canvas('face-overlay');
  const on = Boolean(maps) && input('show-bits-map').checked;
  overlay.hidden = !on;
  for (const button of $('map-scales').querySelectorAll('button')) button.setAttribute('aria-pressed', String(Number(button.dataset.scale) === shown));
  if (!maps) return;
  const map = maps[shown];
  $('map-lo').textContent = map.lo.toFixed(2);
  $('map-hi').textContent = map.hi.toFixed(2);
  const size = modelInfo.imageSize;
  overlay.width = size;
  overlay.height = size;
  const pixels = new Uint8ClampedArray(map.overlay.buffer, map.overlay.byteOffset, size * size * 4);
  context2d(overlay).putImageData(new ImageData(pixels, size, size), 0, 0);
  const what = shown === 0 ? 'all scales' : `scale ${shown}`;
  overlay.setAttribute('aria-label', `bits map (${what}) from ${map.lo.toFixed(2)} to ${map.hi.toFixed(2)} bits per pixel`);
}

// The maps as `realnvp score --json --bits-map` writes its map: rows of bits per pixel.
function download() {
  const face = faceOf();
  if (!maps || !face) return;
  const size = modelInfo.imageSize;
  const rows = (/** @type {Float32Array} */ values) => Array.from({ length: size }, (_, y) => Array.from(values.slice(y * size, (y + 1) * size)));
  const json = {
    face: face.title,
    bits_per_dim: face.bpd,
    bits_map: rows(maps[0].values),
    scale_bits_maps: maps.slice(1).map((m) => rows(m.values)),
  };
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(json)], { type: 'application/json' }));
  link.download = 'bits-map.json';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
