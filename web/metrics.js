// @ts-check
// Numbers for the end-to-end test and the benchmark script (scripts/bench-page.mjs), read as
// window.realnvp.metrics; `window.realnvp.ready` turns true once the page is usable.

/** @typedef {{ n: number, ms: number, workers: number, facesPerWorker: number[] }} GridMetric */

/**
 * @typedef {object} Metrics
 * @property {import('./messages.js').Limits | null} limits the wasm limits(), as the page uses them
 * @property {number | null} firstFacesMs page navigation -> first grid drawn (weights + shader compile + generation)
 * @property {GridMetric | null} firstGrid
 * @property {number | null} warmUpMs
 * @property {(GridMetric & { backend: string | null })[]} generations
 * @property {{ ms: number, reconMs: number, bpd: number, backend: string | null, crop: { x: number, y: number, side: number } }[]} scores
 * @property {{ steps: number, ms: number, backend: string | null, workers: number, facesPerWorker: number[] }[]} interpolations
 * @property {string | null} backend
 * @property {string | null} adapter
 * @property {number | null} workers model workers: 1 on WebGPU, one per core (or ?workers=N) on the CPU
 * @property {number[] | null} wasmMemoryBytes each worker's wasm heap after the last grid
 * @property {string | null} fallbackReason why the CPU backend, as the note says it
 * @property {string | null} fallbackDetail the raw text behind it (wgpu's, the browser's)
 * @property {(import('./core-probe.js').CoreTest & { reported: number, measured: number }) | null} coreProbe
 *   the core test (web/core-probe.js), when it ran
 * @property {string | null} workerRule why that many CPU workers (web/worker-plan.js)
 * @property {Record<string, number> | null} load start-up timings and download sizes
 * @property {{ wasm: boolean, weights: boolean } | null} kept which large files came from the Cache API, not the network
 * @property {{ key: string, bpd: number | null } | null} face the face panel's face
 * @property {{ key: string | undefined, values: number[] } | null} bitsMap its whole bits map
 * @property {{ key: string, amounts: number[], bpd: number, rgba: number[] } | null} edit the last slider edit
 * @property {{ key: string, names: string[], amounts: number[], rgba: number[] } | null} strip the last strip
 */

/** @type {Metrics} */
export const metrics = {
  limits: null,
  firstFacesMs: null,
  firstGrid: null,
  warmUpMs: null,
  generations: [],
  scores: [],
  interpolations: [],
  backend: null,
  adapter: null,
  workers: null,
  wasmMemoryBytes: null,
  fallbackReason: null,
  fallbackDetail: null,
  coreProbe: null,
  workerRule: null,
  load: null,
  kept: null,
  face: null,
  bitsMap: null,
  edit: null,
  strip: null,
};

/** @type {{ metrics: Metrics, ready: boolean }} */
const realnvp = { metrics, ready: false };
Object.assign(window, { realnvp });

/** @param {boolean} ready */
export function setPageReady(ready) {
  realnvp.ready = ready;
  if (ready) document.body.dataset.ready = 'true';
  else delete document.body.dataset.ready;
}
