// The one table of message and job names between the page (web/client.js), its worker pool
// (web/pool.js) and the model workers (web/worker.js). Every module imports its names from
// here, so a renamed message fails loudly (an undefined type) instead of going silently
// unanswered.

// Page -> pool: the kinds of job (WorkerPool.submit). The pool cuts a job into REQUEST tasks.
export const JOB = Object.freeze({
  GENERATE: 'generate', // { n, temperature, seed }
  INTERPOLATE: 'interpolate', // { steps, temperature, corners: [{ index, seed } | { index, bytes }] }
  PHOTO: 'photo', // { key (PHOTO_KEY), bytes, previewSide, cropFor }
  SCORE: 'score', // { x, y, side } of the scoring photo
  WARM_UP: 'warmUp', // { face }: RGBA of a face the model drew
  // The face panel (web/face-panel.js). `key` names a face (a scored crop, a generated face);
  // `rgba` is its imageSize^2 RGBA pixels, the model input itself.
  FACE: 'face', // { key, rgba }: a generated face's bits/dim and bits maps
  EDIT: 'edit', // { key, rgba, edits: [[amount per direction]] }: the slider's edit
  STRIP: 'strip', // { key, rgba, edits }: the strip to download (its own slot: sliders go on)
});

// The `key` of a JOB.PHOTO: the photo being scored, which the workers keep for its scores,
// or an interpolation corner's, which is only previewed.
export const PHOTO_KEY = Object.freeze({
  SCORE: 'score',
  corner: (index) => `corner${index}`,
});

// Page -> worker. Every request but INIT and CANCEL is a task: the pool sends a worker one
// task at a time and the worker answers it with its results, then IDLE.
export const REQUEST = Object.freeze({
  INIT: 'init', // start: the first worker downloads the wasm and the weights; helpers get them
  DRAW: 'draw', // faces start..start+count of a generated or interpolated grid
  PHOTO: 'photo', // decode an uploaded file, send back a preview (and keep it, for scoring)
  SCORE: 'score', // bits/dim of a crop of the scoring photo, then its reconstruction
  WARM_UP: 'warmUp', // WebGPU only: compile the scoring kernels and check the GPU's results
  FACE: 'face', // score a face given as RGBA, with its bits maps
  EDIT: 'edit', // decode a face's latents moved along the attribute directions, one reply per edit
  CANCEL: 'cancel', // the page no longer wants task `id`: skip what is not started
});

// Worker -> page.
export const REPLY = Object.freeze({
  STATUS: 'status', // start-up text for #status (first worker only)
  PROGRESS: 'progress', // download progress (first worker only)
  // The limits the Rust code enforces (src/limits.rs through the wasm `limits()`): { maxFaces,
  // maxSteps, maxTemperature, maxFileBytes, maxImageSize, maxEditAmount }. Sent as soon as the
  // wasm runs.
  LIMITS: 'limits',
  BACKEND: 'backend', // which backend the first worker started, and why
  SHARE: 'share', // CPU backend: the compiled wasm module and the weights, for the helpers
  // The model is loaded: tasks may come. { imageSize, numScales, latentShapes ([C, H, W] per
  // scale), parameters, stats (the weight file's JSON string, read by web/stats.js),
  // attributes ({ names, how } of the attribute file, or null with attributesNote saying why),
  // heatmapStops (the colour scale, RGB), ... }
  READY: 'ready',
  FACES: 'faces', // RGBA of some faces of a DRAW task
  PHOTO: 'photo', // a decoded photo's size and preview
  SCORE: 'score', // a crop's bits/dim, per-scale parts, PNG bits/dim, warnings, bits maps
  FACE: 'face', // a face's bits/dim, per-scale parts and bits maps
  EDITED: 'edited', // one edited face { index, count, amounts, rgba, bpd }; `final` on the last
  RECON: 'recon', // the same crop encoded and decoded again
  WARM: 'warm', // the WebGPU self-check passed
  ERROR: 'error', // a task failed; the worker goes on. `corner`: the corner it concerns, if any
  FATAL: 'fatal', // the worker cannot go on (a wasm crash, a broken GPU, a failed start)
  IDLE: 'idle', // task `id` is finished (whatever its outcome), memoryBytes: the wasm heap's size
});

// The pool -> the page, besides the replies above that it passes on.
export const POOL = Object.freeze({
  DONE: 'done', // every face of a grid is drawn
});
