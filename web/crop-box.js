// @ts-check
// The crop box over the photo being scored, drawn on its canvas (#photo). The crop is a
// square in the photo's own pixels, always inside the photo and at least MIN_SIDE wide (or
// the photo's shorter side, if that is smaller).
//
// Pointer: drag inside the box to move it, a corner to resize it (the opposite corner stays).
// Keyboard (the canvas takes focus): arrow keys move it by KEY_STEP displayed pixels, Shift +
// arrows resize it about its centre (right or up: larger, left or down: smaller), Ctrl (or ⌘)
// makes either step LARGE_STEP times larger. index.html's aria-label says the same.
//
// onChange(crop) follows every change (the read-out); onCommit(crop) asks for a score: when a
// drag ends, and KEY_SETTLE_MS after the last key, so that holding an arrow key does not send
// a score per step.

import { context2d } from './canvas.js';

/** @typedef {{ x: number, y: number, side: number }} Crop a square in the photo's own pixels */

const MIN_SIDE = 8;
const KEY_STEP = 4;
const LARGE_STEP = 10;
const KEY_SETTLE_MS = 350;
/** @type {Record<string, [number, number]>} */
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
/** @type {Record<string, number>} */
const GROWS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };

/**
 * @param {Crop} crop
 * @returns {[number, number][]}
 */
const cornersOf = ({ x, y, side }) => [[x, y], [x + side, y], [x, y + side], [x + side, y + side]];

/**
 * Square, inside the photo, whole pixels.
 * @param {{ width: number, height: number }} photo
 * @param {Crop} crop
 * @returns {Crop}
 */
function clamp({ width, height }, { x, y, side }) {
  side = Math.round(Math.min(Math.max(side, Math.min(MIN_SIDE, width, height)), width, height));
  x = Math.round(Math.min(Math.max(x, 0), width - side));
  y = Math.round(Math.min(Math.max(y, 0), height - side));
  return { x, y, side };
}

export class CropBox {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange: (crop: Crop) => void, onCommit: (crop: Crop) => void }} handlers
   */
  constructor(canvas, { onChange, onCommit }) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.onCommit = onCommit;
    /** @type {import('./messages.js').PhotoView | null} the photo's size and preview */
    this.photo = null;
    /** @type {ImageData | null} its preview, as drawn */
    this.preview = null;
    /** @type {Crop | null} */
    this.crop = null;
    /** @type {{ mode: 'resize', ax: number, ay: number } | { mode: 'move', dx: number, dy: number } | null} */
    this.drag = null;
    this.settle = 0;
    canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerup', () => this.onPointerUp());
    canvas.addEventListener('pointercancel', () => this.onPointerUp());
    canvas.addEventListener('keydown', (e) => this.onKeyDown(e));
  }

  /**
   * A new photo (the worker's view of it), its crop box at `crop`.
   * @param {import('./messages.js').PhotoView} photo
   * @param {Crop} crop
   */
  show(photo, crop) {
    const { previewWidth: pw, previewHeight: ph, preview } = photo;
    this.photo = photo;
    this.preview = new ImageData(new Uint8ClampedArray(preview.buffer, preview.byteOffset, pw * ph * 4), pw, ph);
    this.crop = crop;
    this.drag = null;
    clearTimeout(this.settle);
    const canvas = this.canvas;
    canvas.width = pw;
    canvas.height = ph;
    // Small photos are shown larger, so that the box is easy to grab.
    canvas.style.width = `${Math.round(pw * Math.max(1, Math.min(3, 360 / Math.max(pw, ph))))}px`;
    this.changed();
  }

  clear() {
    this.photo = null;
    this.preview = null;
    this.crop = null;
    this.drag = null;
    clearTimeout(this.settle);
    this.canvas.width = 0;
    this.canvas.height = 0;
    delete this.canvas.dataset.crop;
  }

  centre() {
    if (!this.photo) return;
    const { width, height } = this.photo;
    const side = Math.min(width, height);
    this.crop = { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), side };
    this.changed();
    this.commit();
  }

  changed() {
    if (!this.crop) return;
    this.draw();
    const { x, y, side } = this.crop;
    this.canvas.dataset.crop = `${x},${y},${side}`;
    this.onChange(this.crop);
  }

  commit() {
    clearTimeout(this.settle);
    if (this.crop) this.onCommit({ ...this.crop });
  }

  draw() {
    const { canvas, photo, preview, crop } = this;
    if (!photo || !preview || !crop) return;
    const ctx = context2d(canvas);
    ctx.putImageData(preview, 0, 0);
    const s = photo.previewWidth / photo.width;
    const { x, y, side } = crop;
    ctx.save();
    ctx.fillStyle = 'rgba(0, 0, 0, 0.45)';
    ctx.beginPath();
    ctx.rect(0, 0, photo.previewWidth, photo.previewHeight);
    ctx.rect(x * s, y * s, side * s, side * s);
    ctx.fill('evenodd');
    ctx.strokeStyle = '#ffd400';
    ctx.lineWidth = 2;
    ctx.strokeRect(x * s, y * s, side * s, side * s);
    ctx.fillStyle = '#ffd400';
    const h = this.handleSize();
    for (const [cx, cy] of cornersOf(crop)) ctx.fillRect(cx * s - h / 2, cy * s - h / 2, h, h);
    ctx.restore();
  }

  // Corner handles keep about the same size on screen however the canvas is scaled.
  handleSize() {
    const cssScale = this.canvas.width / (this.canvas.clientWidth || this.canvas.width);
    return Math.max(8, 12 * cssScale);
  }

  /**
   * @param {import('./messages.js').PhotoView} photo
   * @param {PointerEvent} event
   * @returns {[number, number]}
   */
  toPhoto({ width, height }, event) {
    const rect = this.canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * width, ((event.clientY - rect.top) / rect.height) * height];
  }

  /** @param {PointerEvent} event */
  onPointerDown(event) {
    const { photo, crop: box } = this;
    if (!photo || !box) return;
    const [px, py] = this.toPhoto(photo, event);
    const grab = (this.handleSize() * photo.width) / this.canvas.width;
    const corners = cornersOf(box);
    const hit = corners.findIndex(([cx, cy]) => Math.abs(px - cx) <= grab && Math.abs(py - cy) <= grab);
    if (hit >= 0) {
      const [ax, ay] = corners[3 - hit];
      this.drag = { mode: 'resize', ax, ay };
    } else if (px >= box.x && px <= box.x + box.side && py >= box.y && py <= box.y + box.side) {
      this.drag = { mode: 'move', dx: px - box.x, dy: py - box.y };
    } else {
      return;
    }
    this.canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
    this.canvas.focus({ preventScroll: true }); // the keys then act on the box just grabbed
  }

  /** @param {PointerEvent} event */
  onPointerMove(event) {
    const { drag, photo, crop } = this;
    if (!drag || !photo || !crop) return;
    const [px, py] = this.toPhoto(photo, event);
    const { width, height } = photo;
    if (drag.mode === 'move') {
      this.crop = clamp(photo, { x: px - drag.dx, y: py - drag.dy, side: crop.side });
    } else {
      const { ax, ay } = drag;
      const sx = px >= ax ? 1 : -1;
      const sy = py >= ay ? 1 : -1;
      const room = Math.min(sx > 0 ? width - ax : ax, sy > 0 ? height - ay : ay);
      const side = Math.max(Math.min(Math.max(Math.abs(px - ax), Math.abs(py - ay)), room), Math.min(MIN_SIDE, room));
      this.crop = clamp(photo, { x: sx > 0 ? ax : ax - side, y: sy > 0 ? ay : ay - side, side });
    }
    this.changed();
  }

  onPointerUp() {
    if (!this.drag) return;
    this.drag = null;
    this.commit();
  }

  /** @param {KeyboardEvent} event */
  onKeyDown(event) {
    const { photo, crop } = this;
    if (!photo || !crop || !(event.key in MOVES) || event.altKey) return;
    event.preventDefault(); // arrows would scroll the page
    // A step of KEY_STEP pixels as the photo is displayed, in the photo's pixels.
    const step = Math.max(1, Math.round((KEY_STEP * photo.width) / photo.previewWidth)) * (event.ctrlKey || event.metaKey ? LARGE_STEP : 1);
    const { x, y, side } = crop;
    let next;
    if (event.shiftKey) {
      const grown = side + 2 * step * GROWS[event.key];
      const lo = Math.min(MIN_SIDE, photo.width, photo.height);
      const newSide = Math.min(Math.max(grown, lo), photo.width, photo.height);
      next = clamp(photo, { x: x - (newSide - side) / 2, y: y - (newSide - side) / 2, side: newSide });
    } else {
      const [dx, dy] = MOVES[event.key];
      next = clamp(photo, { x: x + dx * step, y: y + dy * step, side });
    }
    if (next.x === x && next.y === y && next.side === side) return; // at an edge, or at a limit
    this.crop = next;
    this.changed();
    clearTimeout(this.settle);
    this.settle = window.setTimeout(() => this.commit(), KEY_SETTLE_MS);
  }
}
