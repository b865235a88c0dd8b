// @ts-check
// The wasm build of the Rust crate (src/web/) as this worker sees it: the shapes of its API
// (the plain objects it returns are typed in web/messages.js), instantiating it, and what its
// errors mean.

import { messageOf } from '../errors.js';

/** @typedef {import('../messages.js').Limits} Limits */
/** @typedef {import('../messages.js').ModelInfo} ModelInfo */
/** @typedef {import('../messages.js').Score} Score */
/** @typedef {import('../messages.js').Reconstruction} Reconstruction */
/** @typedef {import('../messages.js').Edit} Edit */
/** @typedef {import('../messages.js').PhotoView} PhotoView */
/** @typedef {import('../messages.js').BackendKind} BackendKind */
/** @typedef {import('../messages.js').Bytes} Bytes */
/** @typedef {import('../messages.js').Floats} Floats */

/** @typedef {{ free(): void }} Owned a wasm-bindgen object: its Rust memory goes with free() */
/** @typedef {Owned & { readonly kind: BackendKind, readonly fallbackReason: string | undefined }} Backend */
/** @typedef {Owned} Latents */
/** @typedef {Owned & { step(): Promise<void> }} Rehearsal a smaller model that warms up the code (src/web/rehearsal.rs) */
/** @typedef {Owned & { next(k: number): Promise<Bytes> }} Faces the RGBA of the next k faces */
/** @typedef {Owned & { readonly names: string[], how(name: string): string | undefined }} Directions */
/**
 * @typedef {Owned & {
 *   centreSquare(): Uint32Array | number[],
 *   crop(x: number, y: number, side: number, size: number): Bytes,
 *   view(maxSide: number): PhotoView,
 * }} Photo
 */
/**
 * @typedef {Owned & {
 *   info(): ModelInfo,
 *   sampleRange(n: number, temperature: number, seed: bigint, start: number, count: number): Faces,
 *   interpolateRange(a: Latents, b: Latents, c: Latents, d: Latents, steps: number, start: number, count: number): Faces,
 *   sampleLatents(temperature: number, seed: bigint): Latents,
 *   encode(photo: Photo, x: number, y: number, side: number): Latents,
 *   score(photo: Photo, x: number, y: number, side: number): Promise<Score>,
 *   reconstruct(photo: Photo, x: number, y: number, side: number): Promise<Reconstruction>,
 *   edit(latents: Latents, directions: Directions, amounts: Float32Array): Promise<Edit>,
 *   setLikeness(json: Uint8Array): void,
 * }} Model
 */
/**
 * The wasm-bindgen module (`--target web`).
 * @typedef {object} Wasm
 * @property {(init: { module_or_path: WebAssembly.Module | string }) => Promise<{ memory: WebAssembly.Memory }>} default
 * @property {() => Limits} limits
 * @property {{ init(preferCpu: boolean): Promise<Backend> }} Backend
 * @property {{ load(backend: Backend, bytes: Uint8Array): Model }} Model
 * @property {new (backend: Backend) => Rehearsal} Rehearsal
 * @property {{ decode(bytes: Uint8Array): Photo, fromRgb(width: number, height: number, rgb: Uint8Array): Photo }} Photo
 * @property {{ load(model: Model, bytes: Uint8Array): Directions }} Directions
 * @property {(values: Floats) => Floats | number[]} heatmapRange [lo, hi] of the values
 * @property {(values: Floats, lo: number, hi: number, alpha: number) => Bytes} heatmapRgba
 * @property {(stops: number) => Bytes} heatmapStops RGB of the colour scale
 */

/**
 * The glue at `glue`, running `module` (compiled once by the first worker, shared by the helpers).
 * @param {string} glue
 * @param {WebAssembly.Module} module
 * @returns {Promise<{ wasm: Wasm, memory: WebAssembly.Memory }>}
 */
export async function instantiate(glue, module) {
  const wasm = /** @type {Wasm} */ (await import(glue));
  const { memory } = await wasm.default({ module_or_path: module });
  return { wasm, memory };
}

// Errors from Rust arrive as JsError (an Error whose message is the Rust error's Display).
// A panic shows up as a RuntimeError: the wasm instance is then unusable.
/** @param {unknown} err */
export function describe(err) {
  if (err instanceof WebAssembly.RuntimeError) return { fatal: true, message: `the wasm module crashed: ${err.message}` };
  return { fatal: false, message: messageOf(err) };
}
