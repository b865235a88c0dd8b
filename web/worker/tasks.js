// @ts-check
// The tasks a started worker runs, one at a time (web/messages.js REQUEST): a few faces of a
// grid, a photo to decode, a crop to score (then its reconstruction), a face to score, a
// face's edits. A task the page no longer wants (state.cancelled) stops at its next step.

import { JOB, PHOTO_KEY, REPLY } from '../messages.js';
import { post, yieldNow } from './channel.js';
import { photoOfFace } from './pixels.js';
import { loaded, state } from './state.js';
import { describe } from './wasm.js';

/** @typedef {import('../messages.js').BitsMap} BitsMap */
/** @typedef {import('./wasm.js').Latents} Latents */
/** @typedef {import('./wasm.js').Photo} Photo */

// The overlay's opacity over the face (0-255): the face shows through.
const OVERLAY_ALPHA = 190;

/** A task failed because of an interpolation corner's photo: the page names the corner. */
export class CornerError extends Error {
  /** @param {string} message @param {number} corner */
  constructor(message, corner) {
    super(message);
    this.corner = corner;
  }
}

// ---- grids ---------------------------------------------------------------------------

function forgetCorners() {
  state.corners?.latents.forEach((z) => z.free());
  state.corners = null;
}

/**
 * The four corner latents of interpolation `grid.job`: computed from `grid.corners` (seeds,
 * or photo bytes whose centred square is encoded) on this worker's first task of the grid.
 * @param {number} id the task
 * @param {Extract<import('../messages.js').GridSpec, { kind: 'interpolate' }>} grid
 */
async function cornerLatents(id, grid) {
  if (grid.corners) {
    const { model } = loaded();
    forgetCorners();
    /** @type {Latents[]} */
    const latents = [];
    try {
      for (const corner of grid.corners) {
        latents.push('bytes' in corner ? encodeCorner(corner) : model.sampleLatents(grid.temperature, BigInt(corner.seed)));
        await yieldNow();
        if (state.cancelled.has(id)) throw new Error('cancelled');
      }
    } catch (err) {
      latents.forEach((z) => z.free());
      throw err;
    }
    state.corners = { job: grid.job, latents };
  }
  if (!state.corners || state.corners.job !== grid.job) throw new Error('the corners of this interpolation never reached this worker');
  return state.corners.latents;
}

/** @param {{ index: number, bytes: ArrayBuffer }} corner */
function encodeCorner(corner) {
  const { wasm, model } = loaded();
  let photo;
  try {
    photo = wasm.Photo.decode(new Uint8Array(corner.bytes));
  } catch (err) {
    throw new CornerError(describe(err).message, corner.index);
  }
  try {
    const [x, y, side] = photo.centreSquare();
    return model.encode(photo, x, y, side);
  } finally {
    photo.free();
  }
}

/**
 * Faces msg.start .. msg.start + msg.count of a grid: the same latents as the whole grid
 * (and as `realnvp sample`), however the pool splits it.
 * @param {import('../messages.js').DrawTask & { id: number }} msg
 */
export async function draw(msg) {
  await yieldNow(); // a CANCEL sent right after this task gets in first
  if (state.cancelled.has(msg.id)) return;
  const { model } = loaded();
  const { grid, start, count } = msg;
  const t = performance.now();
  let faces;
  if (grid.kind === JOB.GENERATE) {
    faces = model.sampleRange(grid.n, grid.temperature, BigInt(grid.seed), start, count);
  } else {
    let latents;
    try {
      latents = await cornerLatents(msg.id, grid);
    } catch (err) {
      if (state.cancelled.has(msg.id)) return;
      throw err;
    }
    const [a, b, c, d] = latents;
    faces = model.interpolateRange(a, b, c, d, grid.steps, start, count);
  }
  try {
    const rgba = await faces.next(count);
    post({ type: REPLY.FACES, id: msg.id, start, count, rgba, ms: performance.now() - t }, [rgba.buffer]);
  } finally {
    faces.free();
  }
}

// ---- photos and scores -----------------------------------------------------------------

/** @param {number | null} version @param {Photo | null} photo */
function replaceScorePhoto(version, photo) {
  state.scorePhoto?.photo.free();
  state.scorePhoto = photo && version !== null ? { version, photo } : null;
}

/**
 * Decodes an uploaded file in Rust (the CLI's decoder and limits). The scoring photo is kept
 * here for the scores that follow and goes back as its view (the preview under the crop box);
 * a corner's goes back as the crop of its centred square, its thumbnail (each worker that
 * draws the grid gets the corner's bytes with its first task).
 * @param {import('../messages.js').PhotoTask & { id: number }} msg
 */
export async function photo(msg) {
  const { wasm, info, limits } = loaded();
  const scoring = msg.key === PHOTO_KEY.SCORE;
  if (scoring) replaceScorePhoto(null, null); // a file that fails leaves none
  const t = performance.now();
  const p = wasm.Photo.decode(new Uint8Array(msg.bytes));
  try {
    const [x, y, side] = p.centreSquare();
    const pixels = scoring ? { view: p.view(limits.previewSide) } : { crop: p.crop(x, y, side, info.imageSize) };
    post(
      { type: REPLY.PHOTO, id: msg.id, key: msg.key, square: [x, y, side], ...pixels, ms: performance.now() - t },
      [pixels.view ? pixels.view.preview.buffer : pixels.crop.buffer],
    );
  } catch (err) {
    p.free();
    throw err;
  }
  if (scoring) replaceScorePhoto(msg.version, p);
  else p.free();
}

/**
 * Where the bits go: each bits map with the colours it is drawn in.
 * @param {import('../messages.js').Floats[]} bitsMaps
 * @returns {BitsMap[]}
 */
function bitsMapViews(bitsMaps) {
  const { wasm } = loaded();
  return bitsMaps.map((values) => {
    const [lo, hi] = wasm.heatmapRange(values);
    return { values, lo, hi, overlay: wasm.heatmapRgba(values, lo, hi, OVERLAY_ALPHA) };
  });
}

/**
 * A score as it is posted: its bits maps as views, and the buffers that travel with them.
 * @param {import('../messages.js').Score} scored
 */
function scoreReply({ bitsMaps, ...score }) {
  const maps = bitsMapViews(bitsMaps);
  return { score, maps, transfer: [score.crop.buffer, ...maps.flatMap((m) => [m.values.buffer, m.overlay.buffer])] };
}

/** @param {import('../messages.js').ScoreTask & { id: number }} msg */
export async function score(msg) {
  const { wasm, model } = loaded();
  if (msg.bytes) replaceScorePhoto(msg.version, wasm.Photo.decode(new Uint8Array(msg.bytes)));
  const held = state.scorePhoto;
  if (!held || held.version !== msg.version) throw new Error('no photo to score; upload one first');
  // The pool sends one task at a time, so nothing replaces the photo while this reads it.
  const p = held.photo;
  const { x, y, side } = msg;
  let t = performance.now();
  const { score, maps, transfer } = scoreReply(await model.score(p, x, y, side));
  post({ type: REPLY.SCORE, id: msg.id, score, maps, ms: performance.now() - t }, transfer);
  await yieldNow(); // a newer crop cancels the reconstruction of this one
  if (state.cancelled.has(msg.id)) return;
  t = performance.now();
  const recon = await model.reconstruct(p, x, y, side);
  post({ type: REPLY.RECON, id: msg.id, recon, ms: performance.now() - t }, [recon.rgba.buffer]);
}

/**
 * A face the page shows in its face panel (a generated one): its score and bits maps.
 * @param {import('../messages.js').FaceTask & { id: number }} msg
 */
export async function face(msg) {
  const { model, info } = loaded();
  const t = performance.now();
  const p = photoOfFace(msg.rgba);
  let scored;
  try {
    scored = await model.score(p, 0, 0, info.imageSize);
  } finally {
    p.free();
  }
  const { score, maps, transfer } = scoreReply(scored);
  post({ type: REPLY.FACE, id: msg.id, score, maps, ms: performance.now() - t }, transfer);
}

// ---- edits -------------------------------------------------------------------------------

/**
 * The latents of face `key`, encoded from its pixels unless this worker holds them already.
 * @param {string} key
 * @param {ArrayBuffer} rgba
 */
function focusLatents(key, rgba) {
  if (state.focus?.key === key) return state.focus.latents;
  state.focus?.latents.free();
  state.focus = null;
  const { model, info } = loaded();
  const p = photoOfFace(rgba);
  try {
    state.focus = { key, latents: model.encode(p, 0, 0, info.imageSize) };
  } finally {
    p.free();
  }
  return state.focus.latents;
}

/**
 * Each of msg.edits (one amount per direction, in Directions.names order) decoded, one reply
 * each, so a strip shows its progress and a slider's single edit comes at once.
 * @param {import('../messages.js').EditTask & { id: number }} msg
 */
export async function edit(msg) {
  const { model } = loaded();
  const directions = state.directions;
  if (!directions) throw new Error('no attribute directions are loaded, so faces cannot be edited');
  const t = performance.now();
  const latents = focusLatents(msg.key, msg.rgba);
  const count = msg.edits.length;
  for (let index = 0; index < count; index++) {
    await yieldNow(); // a newer slider position cancels the rest
    if (state.cancelled.has(msg.id)) return;
    const amounts = msg.edits[index];
    const edited = await model.edit(latents, directions, new Float32Array(amounts));
    post({
      type: REPLY.EDITED, id: msg.id, index, count, amounts, edit: edited, final: index === count - 1, ms: performance.now() - t,
    }, [edited.rgba.buffer]);
  }
}
