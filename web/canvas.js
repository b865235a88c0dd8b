// @ts-check
// Drawing RGBA pixels from the workers onto canvases: grids of faces (laid out by web/grid.js
// with the Rust grid gap) and single images.

import { gridPixels, tileIndexAt, tileOrigin } from './grid.js';
import { limits } from './model-info.js';

/** @param {number} cols @param {number} size */
const shapeOf = (cols, size) => ({ cols, size, gap: limits().gridGap });

/**
 * A canvas's 2D context (every canvas of the page has one).
 * @param {HTMLCanvasElement} canvas
 */
export function context2d(canvas) {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error(`#${canvas.id || 'a canvas'} gives no 2D context`);
  return ctx;
}

/**
 * Sizes `canvas` for `count` faces of `size` pixels in `cols` columns, blank.
 * @param {HTMLCanvasElement} canvas
 * @param {number} count
 * @param {number} cols
 * @param {number} size
 */
export function gridCanvas(canvas, count, cols, size) {
  Object.assign(canvas, gridPixels(count, shapeOf(cols, size)));
  const ctx = context2d(canvas);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // A whole multiple of the model resolution keeps pixels square and sharp.
  const room = Math.min(canvas.parentElement?.clientWidth || 600, 600);
  const scale = Math.max(1, Math.min(3, Math.floor(room / canvas.width)));
  canvas.style.width = `${canvas.width * scale}px`;
}

/**
 * Faces start..start+count (row-major) of a grid from gridCanvas.
 * @param {HTMLCanvasElement} canvas
 * @param {import('./messages.js').Bytes} rgba
 * @param {number} start
 * @param {number} count
 * @param {number} cols
 * @param {number} size
 */
export function drawTiles(canvas, rgba, start, count, cols, size) {
  const ctx = context2d(canvas);
  const shape = shapeOf(cols, size);
  const tile = size * size * 4;
  for (let i = 0; i < count; i++) {
    const image = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * tile, tile), size, size);
    ctx.putImageData(image, ...tileOrigin(start + i, shape));
  }
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {import('./messages.js').Bytes} rgba width x height pixels
 * @param {number} width
 * @param {number} height
 */
export function drawImage(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, width * height * 4);
  context2d(canvas).putImageData(new ImageData(pixels, width, height), 0, 0);
}

/** @param {HTMLCanvasElement} canvas */
export function clearCanvas(canvas) {
  context2d(canvas).clearRect(0, 0, canvas.width, canvas.height);
}

/**
 * The face of a grid from gridCanvas under the point (x, y) in CSS pixels from the canvas's
 * top left corner, or -1 off the faces.
 * @param {HTMLCanvasElement} canvas
 * @param {number} x
 * @param {number} y
 * @param {number} count
 * @param {number} cols
 * @param {number} size
 */
export function tileAt(canvas, x, y, count, cols, size) {
  const rect = canvas.getBoundingClientRect();
  return tileIndexAt((x * canvas.width) / rect.width, (y * canvas.height) / rect.height, count, shapeOf(cols, size));
}

/**
 * Face `n` of a grid from gridCanvas, as RGBA (size^2 x 4): the pixels drawn, exactly.
 * @param {HTMLCanvasElement} canvas
 * @param {number} n
 * @param {number} cols
 * @param {number} size
 */
export function readTile(canvas, n, cols, size) {
  const [x, y] = tileOrigin(n, shapeOf(cols, size));
  return new Uint8Array(context2d(canvas).getImageData(x, y, size, size).data.buffer);
}
