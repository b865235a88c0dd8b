// @ts-check
// The page's model workers (web/worker.js) and the work it gives them.
//
// WebGPU: one worker (the GPU is one device). The CPU backend: one worker per core (see
// web/worker-plan.js), because burn's CPU backend runs on one thread in wasm. Start-up
// downloads once: the first worker fetches the wasm and the weights, says the Rust limits
// (the page then tells the pool how many CPU workers to run: setCpuWorkers), picks the
// backend and, on the CPU, hands back the compiled WebAssembly.Module and the weight bytes
// (SHARE); the pool then starts the helpers with them, while the first worker loads its own
// model, or, where every core runs a worker, after the first worker's first task (its first
// face): helpers loading beside it took its core and doubled its load and first face
// (BENCHMARKS.md, "Model load and the first face, from inside").
//
// Work is a job (a grid, a photo to decode, a crop to score) cut into tasks; a worker gets
// one task at a time, whichever task is next when it becomes free. A grid is one task per
// face on the CPU, so the first faces come as soon as possible and every core draws; a photo
// or a score goes ahead of the grid's remaining faces. One job per slot (the kind, or the
// photo's key): a newer one cancels the older, on every worker.
//
// The page sees the workers' replies (web/messages.js REPLY) with its own job ids, faces as
// they come (any order), then one POOL.DONE per grid.

import { JOB, PHOTO_KEY, POOL, REPLY, REQUEST } from './messages.js';

/** @typedef {import('./messages.js').JobKind} JobKind */
/** @typedef {import('./messages.js').JobBodies} JobBodies */
/** @typedef {import('./messages.js').Task} Task */
/** @typedef {import('./messages.js').Corner} Corner */
/** A job as the pool takes it: its kind and the body that kind has.
 * @typedef {{ [K in JobKind]: { kind: K, body: JobBodies[K] } }[JobKind]} JobSpec */

/**
 * @typedef {object} Member one worker
 * @property {Worker} worker
 * @property {number} index
 * @property {boolean} first the worker that downloads and picks the backend
 * @property {boolean} ready its model is loaded
 * @property {PoolTask | null} task what it runs now
 * @property {number | null} photoVersion the scoring photo it holds
 * @property {string | null} faceKey the face whose latents it holds
 * @property {number} memoryBytes its wasm heap
 */
/** @typedef {{ id: number, job: number, msg: Task, member: Member | null }} PoolTask */
/**
 * @typedef {object} PoolJob
 * @property {number} id the page's
 * @property {JobKind} kind
 * @property {string} slot
 * @property {number} started
 * @property {Set<number>} tasks its tasks' ids, queued or running
 * @property {number} drawn faces of a grid
 * @property {number} total
 * @property {number[]} perWorker faces drawn by each worker (by index)
 * @property {Corner[]} [corners] an interpolation's: sent with each worker's first task of it
 * @property {Set<Member>} [primed] the workers that have the corners
 */

/** @type {Set<JobKind>} */
const GRID_KINDS = new Set([JOB.GENERATE, JOB.INTERPOLATE]);

/** @param {string} key a PHOTO_KEY */
const photoSlot = (key) => `photo:${key}`;

/**
 * One live job per slot: the kind, or a photo's key (the scoring photo and each corner's).
 * @param {JobSpec} spec
 */
export const jobSlot = (spec) => (spec.kind === JOB.PHOTO ? photoSlot(spec.body.key) : spec.kind);

export class WorkerPool {
  /**
   * @param {object} options
   * @param {import('./messages.js').ModuleUrls} options.urls the page's two wasm modules
   * @param {string} options.weights the weight file's URL
   * @param {string | null} options.attributes the attribute file's URL
   * @param {string | null} options.likeness the face-likeness file's URL
   * @param {import('./messages.js').BackendChoice} options.backend
   * @param {string | null} options.fallbackReason why an earlier WebGPU start was given up
   * @param {number | null} options.cpuWorkers how many workers to run if the backend is the
   *   CPU; null until the page knows (setCpuWorkers, on REPLY.LIMITS)
   * @param {number} options.cores the cores the browser reports (navigator.hardwareConcurrency):
   *   with no core to spare for them, the helpers start after the first worker's first task
   * @param {(msg: import('./messages.js').WorkerNotice) => void} options.onWorkers replies about the workers
   * @param {(msg: import('./messages.js').JobNotice) => void} options.onJob replies about a job (the page's id)
   */
  constructor({ urls, weights, attributes, likeness, backend, fallbackReason, cpuWorkers, cores, onWorkers, onJob }) {
    this.urls = urls;
    this.cpuWorkers = cpuWorkers;
    this.cores = cores;
    this.onWorkers = onWorkers;
    this.onJob = onJob;
    /** @type {Member[]} */
    this.members = [];
    /** @type {Map<number, PoolJob>} page's job id -> job */
    this.jobs = new Map();
    /** @type {Map<string, number>} slot -> job id */
    this.slots = new Map();
    /** @type {Map<number, PoolTask>} task id -> task, queued or running */
    this.tasks = new Map();
    /** @type {PoolTask[]} queued photo, score and warm-up tasks: before any face */
    this.urgent = [];
    /** @type {PoolTask[]} queued grid tasks, in order */
    this.faces = [];
    this.nextTask = 1;
    this.nextIndex = 0;
    /** @type {import('./messages.js').BackendKind | null} once the first worker has started a backend */
    this.kind = null;
    /** @type {import('./messages.js').BackendReply | null} */
    this.backendMsg = null;
    this.planned = 1; // workers the pool means to run (fewer if a helper fails to start)
    /** @type {import('./messages.js').ShareReply | null} the first worker's module and files, until the helpers start */
    this.share = null;
    /** @type {{ version: number, bytes: ArrayBuffer } | null} the last photo uploaded for scoring */
    this.scorePhoto = null;
    this.closed = false;
    this.spawn({ type: REQUEST.INIT, backend, fallbackReason, weights, attributes, likeness, ...urls }, true);
  }

  /** @param {number} count CPU workers to run (web/worker-plan.js), known once the limits are */
  setCpuWorkers(count) {
    this.cpuWorkers = count;
  }

  terminate() {
    this.closed = true;
    for (const m of this.members) m.worker.terminate();
    this.members = [];
  }

  /**
   * @param {number} id the page's: replies carry it
   * @param {JobSpec} spec
   */
  submit(id, spec) {
    const slot = jobSlot(spec);
    const previous = this.slots.get(slot);
    if (previous !== undefined) this.cancel(previous);
    /** @type {PoolJob} */
    const job = { id, kind: spec.kind, slot, started: performance.now(), tasks: new Set(), drawn: 0, total: 0, perWorker: [] };
    this.jobs.set(id, job);
    this.slots.set(slot, id);
    switch (spec.kind) {
      case JOB.GENERATE: {
        const { n, temperature, seed } = spec.body;
        this.enqueueGrid(job, n, { kind: JOB.GENERATE, n, temperature, seed });
        break;
      }
      case JOB.INTERPOLATE: {
        const { steps, temperature, corners } = spec.body;
        job.corners = corners;
        job.primed = new Set();
        this.enqueueGrid(job, steps * steps, { kind: JOB.INTERPOLATE, job: id, steps, temperature });
        break;
      }
      case JOB.PHOTO:
        // Kept here: whichever worker scores this photo later gets its bytes if it lacks them.
        if (spec.body.key === PHOTO_KEY.SCORE) this.scorePhoto = { version: id, bytes: spec.body.bytes };
        this.enqueue(job, { type: REQUEST.PHOTO, version: id, ...spec.body });
        break;
      case JOB.SCORE:
        this.enqueue(job, { type: REQUEST.SCORE, version: this.scorePhoto?.version ?? 0, ...spec.body });
        break;
      case JOB.WARM_UP:
        this.enqueue(job, { type: REQUEST.WARM_UP, ...spec.body });
        break;
      case JOB.FACE:
        this.enqueue(job, { type: REQUEST.FACE, ...spec.body });
        break;
      case JOB.EDIT:
      case JOB.STRIP:
        this.enqueue(job, { type: REQUEST.EDIT, ...spec.body });
        break;
      default:
        throw new Error(`unknown job ${String(/** @type {{ kind?: unknown }} */ (spec).kind)}`);
    }
    this.dispatch();
  }

  /**
   * One face a task on the CPU (every core draws, the first faces come early); a batch of 16
   * on the GPU, which prefers large batches.
   * @param {PoolJob} job
   * @param {number} total
   * @param {import('./messages.js').GridSpec} grid
   */
  enqueueGrid(job, total, grid) {
    job.total = total;
    const chunk = this.kind === 'webgpu' ? 16 : 1;
    for (let start = 0; start < total; start += chunk) {
      this.enqueue(job, { type: REQUEST.DRAW, grid, start, count: Math.min(chunk, total - start) });
    }
  }

  // ---- workers ----------------------------------------------------------------------

  /**
   * @param {import('./messages.js').InitFirstRequest | import('./messages.js').InitHelperRequest} init
   * @param {boolean} first
   */
  spawn(init, first) {
    const worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
    /** @type {Member} */
    const member = { worker, index: this.nextIndex++, first, ready: false, task: null, photoVersion: null, faceKey: null, memoryBytes: 0 };
    this.members.push(member);
    worker.onmessage = (/** @type {MessageEvent<import('./messages.js').WorkerReply>} */ event) => this.onReply(member, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.onFatal(member, { type: REPLY.FATAL, message: event.message || 'the worker crashed', gpuBroken: this.kind === 'webgpu' });
    };
    worker.postMessage(init);
  }

  /**
   * A helper that fails to start (out of memory, say) is done without; any other failure
   * goes to the page, which starts over.
   * @param {Member} member
   * @param {import('./messages.js').FatalReply} msg
   */
  onFatal(member, msg) {
    if (member.first || member.ready) return this.onWorkers(msg);
    console.warn(`a CPU worker could not start (${msg.message}); going on with the others`);
    member.worker.terminate();
    this.members = this.members.filter((m) => m !== member);
    this.planned--;
    if (this.backendMsg) this.onWorkers({ ...this.backendMsg, workers: this.planned });
  }

  /**
   * @param {Member} member
   * @param {import('./messages.js').WorkerReply} msg
   */
  onReply(member, msg) {
    if (this.closed) return;
    switch (msg.type) {
      case REPLY.STATUS:
      case REPLY.PROGRESS:
      case REPLY.LIMITS:
        if (member.first) this.onWorkers(msg);
        return;
      case REPLY.BACKEND:
        if (this.cpuWorkers === null) throw new Error('the pool was not told how many CPU workers to run before the backend started');
        this.kind = msg.kind;
        this.planned = msg.kind === 'cpu' ? this.cpuWorkers : 1;
        this.backendMsg = msg;
        this.onWorkers({ ...msg, workers: this.planned });
        return;
      case REPLY.SHARE:
        this.share = msg;
        if (this.planned < this.cores) this.startHelpers();
        return;
      case REPLY.READY:
        member.ready = true;
        if (!msg.helper) this.onWorkers(msg);
        this.dispatch();
        if (member.first && !member.task) this.startHelpers();
        return;
      case REPLY.FATAL:
        return this.onFatal(member, msg);
      case REPLY.IDLE:
        member.memoryBytes = msg.memoryBytes;
        if (member.first) this.startHelpers();
        return this.onIdle(member, msg.id);
      default:
        return this.onResult(member, msg);
    }
  }

  /** The helpers, with the first worker's compiled module and files (once). */
  startHelpers() {
    const share = this.share;
    if (!share) return;
    this.share = null;
    for (let i = 1; i < this.planned; i++) {
      const { module, weights, attributes, likeness } = share;
      this.spawn({ type: REQUEST.INIT, glue: share.glue, module, weights, attributes, likeness }, false);
    }
  }

  // ---- tasks ------------------------------------------------------------------------

  /** @param {PoolJob} job @param {Task} msg */
  enqueue(job, msg) {
    /** @type {PoolTask} */
    const task = { id: this.nextTask++, job: job.id, msg, member: null };
    this.tasks.set(task.id, task);
    job.tasks.add(task.id);
    (msg.type === REQUEST.DRAW ? this.faces : this.urgent).push(task);
  }

  // Gives each free worker the next task. A score prefers a worker that already holds the
  // photo, a grid one that already has its corners, an edit one that holds the face's
  // latents, but never waits for it.
  dispatch() {
    for (;;) {
      const free = this.members.filter((m) => m.ready && !m.task);
      const queue = this.urgent.length ? this.urgent : this.faces;
      const task = queue[0];
      if (!free.length || !task) return;
      queue.shift();
      const job = this.jobs.get(task.job);
      const member = free.find((m) => this.holds(m, task, job)) || free[0];
      this.send(member, task, job);
    }
  }

  /** @param {Member} member @param {PoolTask} task @param {PoolJob | undefined} job */
  holds(member, task, job) {
    if (task.msg.type === REQUEST.SCORE) return member.photoVersion === task.msg.version;
    if (task.msg.type === REQUEST.DRAW) return Boolean(job?.primed?.has(member));
    if (task.msg.type === REQUEST.EDIT) return member.faceKey === task.msg.key;
    return false;
  }

  /** @param {Member} member @param {PoolTask} task @param {PoolJob | undefined} job */
  send(member, task, job) {
    const msg = { ...task.msg, id: task.id };
    if (msg.type === REQUEST.SCORE) {
      if (member.photoVersion !== msg.version && this.scorePhoto?.version === msg.version) msg.bytes = this.scorePhoto.bytes;
      member.photoVersion = msg.version;
    } else if (msg.type === REQUEST.PHOTO && msg.key === PHOTO_KEY.SCORE) {
      member.photoVersion = msg.version;
    } else if (msg.type === REQUEST.EDIT) {
      member.faceKey = msg.key;
    } else if (msg.type === REQUEST.DRAW && msg.grid.kind === JOB.INTERPOLATE && job?.primed && !job.primed.has(member)) {
      msg.grid = { ...msg.grid, corners: job.corners };
      job.primed.add(member);
    }
    task.member = member;
    member.task = task;
    member.worker.postMessage(msg); // copied, not transferred: the pool keeps photo bytes
  }

  /**
   * The page no longer wants job `id`: its queued tasks go, its running ones are told.
   * @param {number} id
   */
  cancel(id) {
    const job = this.jobs.get(id);
    if (!job) return;
    for (const taskId of job.tasks) {
      const task = this.tasks.get(taskId);
      this.tasks.delete(taskId);
      if (task?.member) task.member.worker.postMessage({ type: REQUEST.CANCEL, id: taskId });
    }
    this.urgent = this.urgent.filter((t) => t.job !== id);
    this.faces = this.faces.filter((t) => t.job !== id);
    this.endJob(job);
  }

  /** @param {PoolJob} job */
  endJob(job) {
    this.jobs.delete(job.id);
    if (this.slots.get(job.slot) === job.id) this.slots.delete(job.slot);
  }

  /** @param {Member} member @param {number} taskId */
  onIdle(member, taskId) {
    if (member.task?.id === taskId) member.task = null;
    const task = this.tasks.get(taskId);
    if (task) {
      this.tasks.delete(taskId);
      const job = this.jobs.get(task.job);
      if (job) {
        job.tasks.delete(taskId);
        // A photo, a score, a warm-up, a face, edits: one task, done when the worker is.
        if (!GRID_KINDS.has(job.kind) && job.tasks.size === 0) this.endJob(job);
      }
    }
    this.dispatch();
  }

  /**
   * @param {Member} member
   * @param {import('./messages.js').FacesReply | import('./messages.js').PhotoReply | import('./messages.js').ScoreReply
   *   | import('./messages.js').FaceReply | import('./messages.js').EditedReply | import('./messages.js').ReconReply
   *   | import('./messages.js').WarmReply | import('./messages.js').ErrorReply} msg
   */
  onResult(member, msg) {
    const task = this.tasks.get(msg.id);
    const job = task && this.jobs.get(task.job);
    if (!job) return; // cancelled
    if (msg.type === REPLY.ERROR) {
      if (job.slot === photoSlot(PHOTO_KEY.SCORE)) {
        this.scorePhoto = null;
        member.photoVersion = null;
      }
      this.cancel(job.id); // a grid's other faces would fail the same way
      return this.onJob({ ...msg, id: job.id, kind: job.kind });
    }
    if (msg.type !== REPLY.FACES) return this.onJob({ ...msg, id: job.id });
    job.drawn += msg.count;
    job.perWorker[member.index] = (job.perWorker[member.index] || 0) + msg.count;
    this.onJob({ ...msg, kind: job.kind, id: job.id, total: job.total, drawn: job.drawn });
    if (job.drawn < job.total) return;
    this.endJob(job);
    const facesPerWorker = Array.from(job.perWorker, (n) => n || 0);
    this.onJob({
      type: POOL.DONE, kind: job.kind, id: job.id, ms: performance.now() - job.started,
      workers: facesPerWorker.filter((n) => n > 0).length, facesPerWorker,
      memoryBytes: this.members.map((m) => m.memoryBytes), // each worker's wasm heap
    });
  }
}
