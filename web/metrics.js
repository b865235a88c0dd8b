// Numbers for the end-to-end test and the benchmark script (scripts/bench-page.mjs), read as
// window.realnvp.metrics; `window.realnvp.ready` turns true once the page is usable.
export const metrics = {
  firstFacesMs: null, // page navigation -> first grid drawn (weights + shader compile + generation)
  firstGrid: null, // { n, ms, workers, facesPerWorker } of the first grid
  warmUpMs: null,
  generations: [], // { n, ms, backend, workers (that drew faces), facesPerWorker }
  scores: [], // { ms, reconMs, bpd, backend, crop: { x, y, side } }
  interpolations: [], // { steps, ms, backend, workers, facesPerWorker }
  backend: null,
  adapter: null,
  workers: null, // model workers: 1 on WebGPU, one per core (or ?workers=N) on the CPU
  wasmMemoryBytes: null, // each worker's wasm heap after the last grid
  fallbackReason: null,
  load: null,
};
window.realnvp = { metrics, ready: false };

export function setPageReady(ready) {
  window.realnvp.ready = ready;
  if (ready) document.body.dataset.ready = 'true';
  else delete document.body.dataset.ready;
}
