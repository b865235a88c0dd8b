// @ts-check
// Where the faces of a grid lie, in canvas pixels: `cols` columns of `size`-pixel faces, each
// with `gap` white pixels around it (limits().gridGap, the layout of `realnvp sample`'s grid,
// which the end-to-end test compares with the page's). Row-major: face n is in row n / cols.

/** @typedef {{ cols: number, size: number, gap: number }} GridShape */

/**
 * The canvas size of a grid of `count` faces.
 * @param {number} count
 * @param {GridShape} shape
 */
export function gridPixels(count, { cols, size, gap }) {
  const rows = Math.ceil(count / cols);
  return { width: cols * size + (cols + 1) * gap, height: rows * size + (rows + 1) * gap };
}

/**
 * The top left pixel of face `n`.
 * @param {number} n
 * @param {GridShape} shape
 * @returns {[number, number]}
 */
export function tileOrigin(n, { cols, size, gap }) {
  return [gap + (n % cols) * (size + gap), gap + Math.floor(n / cols) * (size + gap)];
}

/**
 * The face under canvas pixel (x, y) of a grid of `count` faces, or -1 off the faces (a gap,
 * past the last face).
 * @param {number} x
 * @param {number} y
 * @param {number} count
 * @param {GridShape} shape
 */
export function tileIndexAt(x, y, count, { cols, size, gap }) {
  const px = x - gap;
  const py = y - gap;
  const col = Math.floor(px / (size + gap));
  const row = Math.floor(py / (size + gap));
  const inside = px - col * (size + gap) < size && py - row * (size + gap) < size;
  const n = row * cols + col;
  return px >= 0 && py >= 0 && col < cols && inside && n < count ? n : -1;
}
