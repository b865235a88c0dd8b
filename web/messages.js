// @ts-check
// The one table of message and job names between the page (web/client.js), its worker pool
// (web/pool.js) and the model workers (web/worker.js, web/worker/), and the shape of every
// message (the typedefs below, checked by `tsc --noEmit -p .`). Every module imports its
// names from here, so a renamed message fails loudly (an undefined type) instead of going
// silently unanswered.

// Page -> pool: the kinds of job (WorkerPool.submit). The pool cuts a job into REQUEST tasks.
export const JOB = Object.freeze({
  GENERATE: 'generate',
  INTERPOLATE: 'interpolate',
  PHOTO: 'photo',
  SCORE: 'score',
  WARM_UP: 'warmUp',
  // The face panel (web/face-panel.js).
  FACE: 'face',
  EDIT: 'edit', // the slider's edit
  STRIP: 'strip', // the strip to download (its own slot: sliders go on)
});

// The `key` of a JOB.PHOTO: the photo being scored, which the workers keep for its scores,
// or an interpolation corner's, which is only cropped for its thumbnail.
export const PHOTO_KEY = Object.freeze({
  SCORE: 'score',
  corner: (/** @type {number} */ index) => `corner${index}`,
});

// Page -> worker. Every request but INIT and CANCEL is a task: the pool sends a worker one
// task at a time and the worker answers it with its results, then IDLE.
export const REQUEST = Object.freeze({
  INIT: 'init', // start: the first worker downloads the wasm and the weights; helpers get them
  DRAW: 'draw', // faces start..start+count of a generated or interpolated grid
  PHOTO: 'photo', // decode an uploaded file: the scoring photo's view (kept, for scoring), a corner's crop
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
  LIMITS: 'limits', // the wasm limits(), as soon as the wasm runs (first worker only)
  BACKEND: 'backend', // which backend the first worker started, and why
  SHARE: 'share', // CPU backend: the compiled wasm module and the weights, for the helpers
  READY: 'ready', // the model is loaded: tasks may come
  FACES: 'faces', // RGBA of some faces of a DRAW task
  PHOTO: 'photo', // a decoded photo: the scoring photo's view, or a corner's crop
  SCORE: 'score', // a crop's score (bits/dim, per-scale parts, PNG bits/dim, warnings) and bits maps
  FACE: 'face', // a face's score and bits maps
  EDITED: 'edited', // one edited face; `final` on the last of a task
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

// ---- what the wasm returns (src/web/, the plain objects of its API) ------------------------

// Typed arrays in a buffer of their own (not a view of the wasm memory), so that they can be
// transferred to the page.
/** @typedef {Uint8Array<ArrayBuffer>} Bytes */
/** @typedef {Float32Array<ArrayBuffer>} Floats */

/**
 * The Rust limits and the page's defaults (wasm `limits()`, src/limits.rs PageLimits): the
 * only home of these numbers; the page waits for them (REPLY.LIMITS).
 * @typedef {object} Limits
 * @property {number} maxFaces faces in one grid
 * @property {number} maxSteps interpolation grid side
 * @property {number} maxTemperature
 * @property {number} maxEditAmount an attribute edit's amount, in typical shifts (either sign)
 * @property {number} maxEdits edits in one request
 * @property {number} maxFileBytes the largest photo file the decoder reads
 * @property {number} maxImageSize the largest model side the page runs
 * @property {number} maxCpuWorkers
 * @property {number} defaultFaces the first grid's size
 * @property {number} defaultTemperature
 * @property {number} defaultSteps interpolation grid side
 * @property {number} gridGap white pixels around each face of a grid, as `realnvp sample` draws it
 * @property {number[]} stripAmounts the columns of the edit strip, as `realnvp edit --amounts`
 * @property {number} previewSide the longest side of the photo shown under the crop box
 * @property {string} readFormats the photo formats the decoder reads, in words ("JPEG, PNG, …")
 */

/**
 * What the model is (wasm `model.info()`).
 * @typedef {object} ModelInfo
 * @property {number} imageSize
 * @property {number} numScales
 * @property {[number, number, number][]} latentShapes [C, H, W] of each scale, finest first
 * @property {number} parameters
 * @property {string | null} stats the weight file's statistics, a JSON string (web/stats.js)
 */

/**
 * A crop's score (wasm `await model.score(...)`).
 * @typedef {object} Score
 * @property {number} bitsPerDim
 * @property {number[]} perScale its parts, finest scale first
 * @property {number} pngBitsPerDim the same crop as PNG
 * @property {string[]} warnings what to read the number with (Rust sentences)
 * @property {Bytes} crop RGBA of the model input (imageSize^2)
 * @property {Floats[]} bitsMaps bits per pixel position: 0 the whole map, then each scale's
 * @property {FaceLikeness | null} faceLikeness null when the weights came without a face-likeness file
 */

/**
 * How face-like a crop is (src/likeness, `realnvp score --json`'s "face_likeness").
 * @typedef {object} FaceLikeness
 * @property {number} distance squared distance from the validation faces' pattern of score terms
 * @property {number} percentile share of reference validation faces less typical than this crop
 * @property {'typical' | 'unusual' | 'not_a_face'} verdict
 * @property {string} says the verdict in words
 */

/**
 * A score as posted to the page: its bits maps travel as BitsMap views instead.
 * @typedef {Omit<Score, 'bitsMaps'>} ScoreSummary
 */

/**
 * @typedef {object} Reconstruction wasm `await model.reconstruct(...)`
 * @property {Bytes} rgba the crop encoded, then decoded
 * @property {number} maxError the largest sub-pixel difference from the input (0-255)
 */

/**
 * @typedef {object} Edit wasm `await model.edit(...)`
 * @property {Bytes} rgba the edited face
 * @property {number} bitsPerDim
 */

/**
 * @typedef {object} PhotoView wasm `photo.view(maxSide)`
 * @property {number} width the photo's own size
 * @property {number} height
 * @property {number} previewWidth the preview's size, its longer side at most maxSide
 * @property {number} previewHeight
 * @property {Bytes} preview RGBA
 */

// ---- the page's jobs (WorkerPool.submit; web/client.js request) --------------------------

/** @typedef {typeof JOB[keyof typeof JOB]} JobKind */
/** @typedef {'auto' | 'webgpu' | 'cpu'} BackendChoice */
/** @typedef {'webgpu' | 'cpu'} BackendKind */

/**
 * An interpolation corner: a seed (decimal u64), or a photo whose centred square is encoded.
 * @typedef {{ index: number, seed: string } | { index: number, bytes: ArrayBuffer }} Corner
 */

/** @typedef {{ n: number, temperature: number, seed: string }} GenerateJob */
/** @typedef {{ steps: number, temperature: number, corners: Corner[] }} InterpolateJob */
/** @typedef {{ key: string, bytes: ArrayBuffer }} PhotoJob key: a PHOTO_KEY */
/** @typedef {{ x: number, y: number, side: number }} ScoreJob a crop of the scoring photo */
/** @typedef {{ face: ArrayBuffer }} WarmUpJob RGBA of a face the model drew */
/** `key` names a face for the workers (they keep its latents); `rgba`: imageSize^2 RGBA, the model input
 * @typedef {{ key: string, rgba: ArrayBuffer }} FaceJob */
/** @typedef {{ key: string, rgba: ArrayBuffer, edits: number[][] }} EditJob edits: one amount per direction, each */

/**
 * The body of each kind of job.
 * @typedef {object} JobBodies
 * @property {GenerateJob} generate
 * @property {InterpolateJob} interpolate
 * @property {PhotoJob} photo
 * @property {ScoreJob} score
 * @property {WarmUpJob} warmUp
 * @property {FaceJob} face
 * @property {EditJob} edit
 * @property {EditJob} strip
 */

// ---- page -> worker (REQUEST) ----------------------------------------------------------

/**
 * The first worker: it downloads everything and picks the backend.
 * @typedef {object} InitFirstRequest
 * @property {typeof REQUEST.INIT} type
 * @property {string} glue the full module's wasm-bindgen JS (with WebGPU)
 * @property {string} wasm the full module's URL
 * @property {string} cpuGlue the CPU module's wasm-bindgen JS (page-cpu/: no WebGPU, a quarter of the size)
 * @property {string} cpuWasm the CPU module's URL
 * @property {string} weights the weight file's URL
 * @property {string | null} attributes the attribute file's URL
 * @property {string | null} likeness the face-likeness file's URL
 * @property {BackendChoice} backend
 * @property {string | null} fallbackReason why an earlier WebGPU start was given up
 */

/**
 * A CPU helper: the first worker's compiled module and a copy of its files.
 * @typedef {object} InitHelperRequest
 * @property {typeof REQUEST.INIT} type
 * @property {string} glue
 * @property {WebAssembly.Module} module
 * @property {Bytes} weights
 * @property {Bytes | null} attributes
 * @property {Bytes | null} likeness
 */

/**
 * A grid as the worker draws it. An interpolation's corners come with a worker's first task
 * of the grid only; `job` names the grid, so its later tasks find them.
 * @typedef {{ kind: typeof JOB.GENERATE, n: number, temperature: number, seed: string }
 *   | { kind: typeof JOB.INTERPOLATE, job: number, steps: number, temperature: number, corners?: Corner[] }} GridSpec
 */

/** @typedef {{ type: typeof REQUEST.DRAW, grid: GridSpec, start: number, count: number }} DrawTask */
/** The pool numbers the scoring photos (`version`); a score carries the photo's bytes to a worker that lacks that version.
 * @typedef {{ type: typeof REQUEST.PHOTO, version: number } & PhotoJob} PhotoTask */
/** @typedef {{ type: typeof REQUEST.SCORE, version: number, bytes?: ArrayBuffer } & ScoreJob} ScoreTask */
/** @typedef {{ type: typeof REQUEST.WARM_UP } & WarmUpJob} WarmUpTask */
/** @typedef {{ type: typeof REQUEST.FACE } & FaceJob} FaceTask */
/** @typedef {{ type: typeof REQUEST.EDIT } & EditJob} EditTask */
/** A task as the pool queues it; it gets its `id` when it is sent.
 * @typedef {DrawTask | PhotoTask | ScoreTask | WarmUpTask | FaceTask | EditTask} Task */
/** @typedef {Task & { id: number }} TaskRequest */
/** @typedef {{ type: typeof REQUEST.CANCEL, id: number }} CancelRequest */
/** @typedef {InitFirstRequest | InitHelperRequest | TaskRequest | CancelRequest} Request */

// ---- worker -> page (REPLY) --------------------------------------------------------------

/** @typedef {{ type: typeof REPLY.STATUS, text: string }} StatusReply */
/** total: 0 when not known (a compressed transfer)
 * @typedef {{ type: typeof REPLY.PROGRESS, what: string, loaded: number, total: number }} ProgressReply */
/** @typedef {{ type: typeof REPLY.LIMITS, limits: Limits }} LimitsReply */
/**
 * @typedef {object} BackendReply
 * @property {typeof REPLY.BACKEND} type
 * @property {BackendKind} kind
 * @property {string} adapter the adapter's name ('' if the browser gives none)
 * @property {boolean} software a software WebGPU adapter
 * @property {string | null} reason why the CPU backend (null on WebGPU): a plain clause for the note and the intro
 * @property {string | null} detail the raw text behind the reason (wgpu's error, the browser's), for a details toggle
 */
/** @typedef {BackendReply & { workers: number }} BackendNotice as the pool passes it on: with its worker count */
/** glue: the wasm-bindgen JS of the module shared (the CPU module's, or the full module's after a failed WebGPU start)
 * @typedef {{ type: typeof REPLY.SHARE, glue: string, module: WebAssembly.Module, weights: Bytes, attributes: Bytes | null, likeness: Bytes | null }} ShareReply */
/**
 * The page's two wasm modules (index.html): the full one (with WebGPU, named by trunk) and the
 * CPU one (page-cpu/, named by scripts/hash-assets.mjs), each its wasm-bindgen JS and its wasm.
 * @typedef {{ glue: string, wasm: string, cpuGlue: string, cpuWasm: string }} ModuleUrls
 */
/** @typedef {{ names: string[], how: Record<string, string> }} AttributeInfo the directions' names and what each means */
/**
 * @typedef {object} FirstReadyReply
 * @property {typeof REPLY.READY} type
 * @property {false} [helper]
 * @property {ModelInfo} info
 * @property {AttributeInfo | null} attributes
 * @property {string | null} attributesNote why there are no directions
 * @property {string | null} likenessNote why scores come without a face-likeness verdict
 * @property {number[]} heatmapStops the bits maps' colour scale, RGB, low to high
 * @property {number} weightsBytes
 * @property {number} wasmBytes
 * @property {{ wasm: boolean, weights: boolean }} kept which came from the worker's Cache API copy (a second visit)
 * @property {Record<string, number>} timings ms of each start-up step
 */
/** @typedef {{ type: typeof REPLY.READY, helper: true, timings: Record<string, number> }} HelperReadyReply */
/** @typedef {{ type: typeof REPLY.FACES, id: number, start: number, count: number, rgba: Bytes, ms: number }} FacesReply */
/**
 * The scoring photo's view (and its centred square), or a corner's crop of its centred square.
 * @typedef {{ type: typeof REPLY.PHOTO, id: number, key: string, square: [number, number, number], view?: PhotoView, crop?: Bytes, ms: number }} PhotoReply
 */
/**
 * A bits map with the colours it is drawn in.
 * @typedef {object} BitsMap
 * @property {Floats} values bits per pixel position (imageSize^2)
 * @property {number} lo the colour scale's ends
 * @property {number} hi
 * @property {Bytes} overlay RGBA (imageSize^2), viridis
 */
/** maps: all scales, then each scale's
 * @typedef {{ type: typeof REPLY.SCORE, id: number, score: ScoreSummary, maps: BitsMap[], ms: number }} ScoreReply */
/** @typedef {{ type: typeof REPLY.FACE, id: number, score: ScoreSummary, maps: BitsMap[], ms: number }} FaceReply */
/**
 * @typedef {object} EditedReply
 * @property {typeof REPLY.EDITED} type
 * @property {number} id
 * @property {number} index which of the task's edits
 * @property {number} count how many it has
 * @property {number[]} amounts
 * @property {Edit} edit
 * @property {boolean} final
 * @property {number} ms
 */
/** @typedef {{ type: typeof REPLY.RECON, id: number, recon: Reconstruction, ms: number }} ReconReply */
/** skipped: not on WebGPU, nothing to check
 * @typedef {{ type: typeof REPLY.WARM, id: number, ms: number, skipped?: boolean, bpd?: number }} WarmReply */
/** kind: the request's type
 * @typedef {{ type: typeof REPLY.ERROR, id: number, kind: string, message: string, corner?: number }} ErrorReply */
/** @typedef {{ type: typeof REPLY.FATAL, id?: number, kind?: string, message: string, gpuBroken: boolean }} FatalReply */
/** @typedef {{ type: typeof REPLY.IDLE, id: number, memoryBytes: number }} IdleReply */
/**
 * @typedef {StatusReply | ProgressReply | LimitsReply | BackendReply | ShareReply | FirstReadyReply | HelperReadyReply
 *   | FacesReply | PhotoReply | ScoreReply | FaceReply | EditedReply | ReconReply | WarmReply | ErrorReply | FatalReply
 *   | IdleReply} WorkerReply
 */

// ---- pool -> page ------------------------------------------------------------------------

/** The pool's messages about the workers themselves.
 * @typedef {StatusReply | ProgressReply | LimitsReply | BackendNotice | FirstReadyReply | FatalReply} WorkerNotice */
/** With the grid's kind and progress.
 * @typedef {FacesReply & { kind: JobKind, total: number, drawn: number }} FacesNotice */
/**
 * @typedef {object} DoneNotice every face of a grid is drawn
 * @property {typeof POOL.DONE} type
 * @property {JobKind} kind
 * @property {number} id
 * @property {number} ms
 * @property {number} workers how many drew faces
 * @property {number[]} facesPerWorker
 * @property {number[]} memoryBytes each worker's wasm heap
 */
/** kind: the job's
 * @typedef {Omit<ErrorReply, 'kind'> & { kind: JobKind }} ErrorNotice */
/** The pool's messages about a job (`id`: the page's job id).
 * @typedef {FacesNotice | DoneNotice | PhotoReply | ScoreReply | FaceReply | EditedReply | ReconReply | WarmReply | ErrorNotice} JobNotice */
