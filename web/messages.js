// The messages between the page's worker pool (web/pool.js) and its model workers
// (web/worker.js). Both import this one table, so a renamed message fails loudly (an
// undefined type) instead of going silently unanswered.

// Page -> worker. Every request but INIT and CANCEL is a task: the pool sends a worker one
// task at a time and the worker answers it with its results, then IDLE.
export const REQUEST = Object.freeze({
  INIT: 'init', // start: the first worker downloads the wasm and the weights; helpers get them
  DRAW: 'draw', // faces start..start+count of a generated or interpolated grid
  PHOTO: 'photo', // decode an uploaded file, send back a preview (and keep it, for scoring)
  SCORE: 'score', // bits/dim of a crop of the scoring photo, then its reconstruction
  WARM_UP: 'warmUp', // WebGPU only: compile the scoring kernels and check the GPU's results
  CANCEL: 'cancel', // the page no longer wants task `id`: skip what is not started
});

// Worker -> page.
export const REPLY = Object.freeze({
  STATUS: 'status', // start-up text for #status (first worker only)
  PROGRESS: 'progress', // download progress (first worker only)
  LIMITS: 'limits', // the largest file the Rust decoder accepts
  BACKEND: 'backend', // which backend the first worker started, and why
  SHARE: 'share', // CPU backend: the compiled wasm module and the weights, for the helpers
  READY: 'ready', // the model is loaded: tasks may come
  FACES: 'faces', // RGBA of some faces of a DRAW task
  PHOTO: 'photo', // a decoded photo's size and preview
  SCORE: 'score', // a crop's bits/dim
  RECON: 'recon', // the same crop encoded and decoded again
  WARM: 'warm', // the WebGPU self-check passed
  ERROR: 'error', // a task failed; the worker goes on
  FATAL: 'fatal', // the worker cannot go on (a wasm crash, a broken GPU, a failed start)
  IDLE: 'idle', // task `id` is finished (whatever its outcome), memoryBytes: the wasm heap's size
});

// The pool -> the page, besides the replies above that it passes on.
export const POOL = Object.freeze({
  DONE: 'done', // every face of a grid is drawn
});
