// What the workers have told the page about the model and where it runs. Only app.js writes
// it (from REPLY.LIMITS, REPLY.BACKEND and REPLY.READY, and when it restarts the workers); the
// other modules read it.
export const modelInfo = {
  // The Rust limits (wasm limits(), src/limits.rs): { maxFaces, maxSteps, maxTemperature,
  // maxFileBytes, maxImageSize, maxEditAmount }; null until the wasm runs.
  limits: null,
  backend: null, // 'webgpu' | 'cpu', once the first worker has started one
  workers: 1, // model workers: 1 on WebGPU, one per core (or ?workers=N) on the CPU
  ready: false, // the model is loaded: jobs may be sent
  imageSize: 0, // the model's input side, from the weight file
  latentShapes: [], // [C, H, W] of each scale's latent, finest first (Model.latentShapes)
  stats: null, // the weight file's validation statistics (web/stats.js parseStats)
  attributes: null, // { names, how } of the attribute directions, or null
  attributesNote: null, // why there are no directions (no file, a refused file)
  heatmapStops: [], // the bits maps' colour scale, RGB, low to high
};
