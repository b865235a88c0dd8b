// @ts-check
// What one model worker holds, in one object: the wasm, its model, and what the tasks keep
// between them. Only web/worker/boot.js sets the wasm part (once, at start-up); the tasks
// (web/worker/tasks.js) keep their photo, corners and face here.

/** @typedef {import('./wasm.js').Wasm} Wasm */
/** @typedef {import('./wasm.js').Backend} Backend */
/** @typedef {import('./wasm.js').Model} Model */
/** @typedef {import('./wasm.js').Directions} Directions */
/** @typedef {import('./wasm.js').Photo} Photo */
/** @typedef {import('./wasm.js').Latents} Latents */
/** @typedef {import('../messages.js').Limits} Limits */
/** @typedef {import('../messages.js').ModelInfo} ModelInfo */

/**
 * A started worker: the wasm and a loaded model.
 * @typedef {object} Loaded
 * @property {Wasm} wasm
 * @property {Model} model
 * @property {ModelInfo} info
 * @property {Limits} limits
 */

/**
 * @typedef {object} WorkerState
 * @property {Wasm | null} wasm the wasm-bindgen module
 * @property {WebAssembly.Memory | null} memory the wasm instance's memory, whose size the pool reports
 * @property {Backend | null} backend
 * @property {Loaded | null} loaded set once the model is loaded: tasks may run
 * @property {Directions | null} directions the attribute directions, when the file loaded
 * @property {{ version: number, photo: Photo } | null} scorePhoto the photo being scored: the pool
 *   numbers each uploaded photo and sends its bytes with a score when this worker lacks that version
 * @property {{ job: number, latents: Latents[] } | null} corners the corner latents of the
 *   interpolation this worker draws: the pool sends the corners with its first task of a grid only
 * @property {{ key: string, latents: Latents } | null} focus the face panel's face: every edit of
 *   it starts from these latents, so only its first edit on this worker encodes it
 * @property {Set<number>} cancelled ids of tasks the pool no longer wants
 */

/** @type {WorkerState} */
export const state = {
  wasm: null,
  memory: null,
  backend: null,
  loaded: null,
  directions: null,
  scorePhoto: null,
  corners: null,
  focus: null,
  cancelled: new Set(),
};

/** The started worker, for a task; a task that comes before the model is refused. */
export function loaded() {
  if (!state.loaded) throw new Error('the model is still loading; try again in a moment');
  return state.loaded;
}
