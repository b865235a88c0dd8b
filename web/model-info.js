// @ts-check
// What the workers have told the page about the model and where it runs. Only app.js writes
// it (from REPLY.LIMITS, REPLY.BACKEND and REPLY.READY, and when it restarts the workers); the
// other modules read it.

/**
 * @typedef {object} PageModelInfo
 * @property {import('./messages.js').Limits | null} limits the wasm limits(); null until the wasm runs
 * @property {import('./messages.js').BackendKind | null} backend once the first worker has started one
 * @property {number} workers model workers: 1 on WebGPU, one per core (or ?workers=N) on the CPU
 * @property {number} plannedWorkers the CPU workers web/worker-plan.js chose (fewer run if some fail to start)
 * @property {string} workerRule why that many, for the backend note (web/worker-plan.js)
 * @property {boolean} ready the model is loaded: jobs may be sent
 * @property {number} imageSize the model's input side, from the weight file
 * @property {[number, number, number][]} latentShapes [C, H, W] of each scale's latent, finest first
 * @property {import('./stats.js').Stats | null} stats the weight file's validation statistics
 * @property {import('./messages.js').AttributeInfo | null} attributes the attribute directions, or null
 * @property {string | null} attributesNote why there are no directions (no file, a refused file)
 * @property {string | null} likenessNote why scores come without a face-likeness verdict
 * @property {number[]} heatmapStops the bits maps' colour scale, RGB, low to high
 */

/** @type {PageModelInfo} */
export const modelInfo = {
  limits: null,
  backend: null,
  workers: 1,
  plannedWorkers: 1,
  workerRule: '',
  ready: false,
  imageSize: 0,
  latentShapes: [],
  stats: null,
  attributes: null,
  attributesNote: null,
  likenessNote: null,
  heatmapStops: [],
};

/** The wasm limits, for code that runs once they have come (every panel's, after REPLY.LIMITS). */
export function limits() {
  if (!modelInfo.limits) throw new Error('the wasm has not said its limits yet');
  return modelInfo.limits;
}
