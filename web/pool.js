// The page's model workers (web/worker.js) and the work it gives them.
//
// WebGPU: one worker (the GPU is one device). The CPU backend: one worker per core (see
// cpuWorkerPlan), because burn's CPU backend runs on one thread in wasm. Start-up downloads
// once: the first worker fetches the wasm and the weights, picks the backend and, on the
// CPU, hands back the compiled WebAssembly.Module and the weight bytes (SHARE); the pool then
// starts the helpers with them, while the first worker loads its own model.
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

// Each worker holds its own wasm instance and model: ~28 MB of f32 weights plus the wasm
// heap's working memory, about 200 MB in all.
const MB_PER_WORKER = 200;
export const MAX_CPU_WORKERS = 8;

// How many CPU workers: one per core, as many as half the device's memory holds, at most
// MAX_CPU_WORKERS; `?workers=N` (1 to MAX_CPU_WORKERS) overrides. `notice` says why a given
// value was not used.
export function cpuWorkerPlan(param, nav = navigator) {
  const cores = Math.max(1, Math.floor(nav.hardwareConcurrency || 1));
  // navigator.deviceMemory (GiB, rounded) is not offered everywhere (Firefox, Safari).
  const byMemory = nav.deviceMemory ? Math.max(1, Math.floor((nav.deviceMemory * 1024) / 2 / MB_PER_WORKER)) : Infinity;
  const fallback = Math.min(cores, byMemory, MAX_CPU_WORKERS);
  if (param === null || param === undefined) return { count: fallback, notice: null };
  const n = Number(param);
  if (/^\d+$/.test(param.trim()) && n >= 1 && n <= MAX_CPU_WORKERS) return { count: n, notice: null };
  return {
    count: fallback,
    notice: `?workers=${param} is not a whole number from 1 to ${MAX_CPU_WORKERS}, so the page uses its default: ${plural(fallback, 'worker')}.`,
  };
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

const GRID_KINDS = new Set([JOB.GENERATE, JOB.INTERPOLATE]);

// One live job per slot: the kind, or a photo's key (the scoring photo and each corner's).
export const jobSlot = (kind, body) => (kind === JOB.PHOTO ? `photo:${body.key}` : kind);

export class WorkerPool {
  // urls: { glue, wasm } (the wasm-bindgen JS and the wasm); weights: the weight file's URL;
  // attributes: the attribute file's URL, or null; backend: 'auto' | 'webgpu' | 'cpu';
  // cpuWorkers: how many workers to run if the backend turns out to be the CPU;
  // onMessage(msg): the page's handler.
  constructor({ urls, weights, attributes, backend, fallbackReason, cpuWorkers, onMessage }) {
    this.urls = urls;
    this.cpuWorkers = cpuWorkers;
    this.onMessage = onMessage;
    // { worker, index, first, ready, task, photoVersion, faceKey (the face whose latents it holds), memoryBytes }
    this.members = [];
    this.jobs = new Map(); // page's job id -> job
    this.slots = new Map(); // slot -> job id
    this.tasks = new Map(); // task id -> task, queued or running
    this.urgent = []; // queued photo, score and warm-up tasks: before any face
    this.faces = []; // queued grid tasks, in order
    this.nextTask = 1;
    this.nextIndex = 0;
    this.kind = null; // 'webgpu' | 'cpu', once the first worker has started a backend
    this.backendMsg = null;
    this.planned = 1; // workers the pool means to run (fewer if a helper fails to start)
    this.scorePhoto = null; // { version, bytes }: the last photo uploaded for scoring
    this.closed = false;
    this.spawn({ type: REQUEST.INIT, backend, fallbackReason, weights, attributes, ...urls, share: cpuWorkers > 1 }, true);
  }

  terminate() {
    this.closed = true;
    for (const m of this.members) m.worker.terminate();
    this.members = [];
  }

  // kind: a JOB (web/messages.js, which lists each body). `id` is the page's: replies carry it.
  submit(kind, id, body) {
    const slot = jobSlot(kind, body);
    this.cancel(this.slots.get(slot));
    const job = { id, kind, slot, started: performance.now(), tasks: new Set(), drawn: 0, total: 0, perWorker: [] };
    this.jobs.set(id, job);
    this.slots.set(slot, id);
    if (GRID_KINDS.has(kind)) {
      const grid = kind === JOB.GENERATE
        ? { kind, n: body.n, temperature: body.temperature, seed: body.seed }
        : { kind, job: id, steps: body.steps, temperature: body.temperature };
      job.total = kind === JOB.GENERATE ? body.n : body.steps * body.steps;
      job.corners = body.corners; // sent with each worker's first task of the grid
      job.primed = new Set(); // the workers that have the corners
      // One face a task on the CPU (every core draws, the first faces come early); a batch
      // of 16 on the GPU, which prefers large batches.
      const chunk = this.kind === 'webgpu' ? 16 : 1;
      for (let start = 0; start < job.total; start += chunk) {
        this.enqueue(job, { type: REQUEST.DRAW, grid, start, count: Math.min(chunk, job.total - start) });
      }
    } else if (kind === JOB.PHOTO) {
      // Kept here: whichever worker scores this photo later gets its bytes if it lacks them.
      if (body.key === PHOTO_KEY.SCORE) this.scorePhoto = { version: id, bytes: body.bytes };
      this.enqueue(job, { type: REQUEST.PHOTO, version: id, ...body });
    } else if (kind === JOB.SCORE) {
      this.enqueue(job, { type: REQUEST.SCORE, version: this.scorePhoto?.version ?? 0, ...body });
    } else if (kind === JOB.WARM_UP) {
      this.enqueue(job, { type: REQUEST.WARM_UP, ...body });
    } else if (kind === JOB.FACE) {
      this.enqueue(job, { type: REQUEST.FACE, ...body });
    } else if (kind === JOB.EDIT || kind === JOB.STRIP) {
      this.enqueue(job, { type: REQUEST.EDIT, ...body });
    } else {
      throw new Error(`unknown job ${kind}`);
    }
    this.dispatch();
  }

  // ---- workers ----------------------------------------------------------------------

  spawn(init, first) {
    const worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
    const member = { worker, index: this.nextIndex++, first, ready: false, task: null, photoVersion: null, faceKey: null, memoryBytes: 0 };
    this.members.push(member);
    worker.onmessage = (event) => this.onReply(member, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.onFatal(member, { type: REPLY.FATAL, message: event.message || 'the worker crashed', gpuBroken: this.kind === 'webgpu' });
    };
    worker.postMessage(init);
  }

  // A helper that fails to start (out of memory, say) is done without; any other failure
  // goes to the page, which starts over.
  onFatal(member, msg) {
    if (member.first || member.ready) return this.onMessage(msg);
    console.warn(`a CPU worker could not start (${msg.message}); going on with the others`);
    member.worker.terminate();
    this.members = this.members.filter((m) => m !== member);
    this.planned--;
    if (this.backendMsg) this.onMessage({ ...this.backendMsg, workers: this.planned });
  }

  onReply(member, msg) {
    if (this.closed) return;
    switch (msg.type) {
      case REPLY.STATUS:
      case REPLY.PROGRESS:
      case REPLY.LIMITS:
        if (member.first) this.onMessage(msg);
        return;
      case REPLY.BACKEND:
        this.kind = msg.kind;
        this.planned = msg.kind === 'cpu' ? this.cpuWorkers : 1;
        this.backendMsg = msg;
        this.onMessage({ ...msg, workers: this.planned });
        return;
      case REPLY.SHARE:
        for (let i = 1; i < this.planned; i++) {
          this.spawn({ type: REQUEST.INIT, glue: this.urls.glue, module: msg.module, weights: msg.weights, attributes: msg.attributes }, false);
        }
        return;
      case REPLY.READY:
        member.ready = true;
        if (member.first) this.onMessage(msg);
        this.dispatch();
        return;
      case REPLY.FATAL:
        return this.onFatal(member, msg);
      case REPLY.IDLE:
        member.memoryBytes = msg.memoryBytes;
        return this.onIdle(member, msg.id);
      default:
        return this.onResult(member, msg);
    }
  }

  // ---- tasks ------------------------------------------------------------------------

  enqueue(job, msg) {
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
      if (!free.length || !queue.length) return;
      const task = queue.shift();
      const job = this.jobs.get(task.job);
      const member = free.find((m) => this.holds(m, task, job)) || free[0];
      this.send(member, task, job);
    }
  }

  holds(member, task, job) {
    if (task.msg.type === REQUEST.SCORE) return member.photoVersion === task.msg.version;
    if (task.msg.type === REQUEST.DRAW) return Boolean(job?.primed?.has(member));
    if (task.msg.type === REQUEST.EDIT) return member.faceKey === task.msg.key;
    return false;
  }

  send(member, task, job) {
    const msg = { ...task.msg, id: task.id };
    if (msg.type === REQUEST.SCORE) {
      if (member.photoVersion !== msg.version && this.scorePhoto?.version === msg.version) msg.bytes = this.scorePhoto.bytes;
      member.photoVersion = msg.version;
    } else if (msg.type === REQUEST.PHOTO && msg.key === PHOTO_KEY.SCORE) {
      member.photoVersion = msg.version;
    } else if (msg.type === REQUEST.EDIT) {
      member.faceKey = msg.key;
    } else if (msg.type === REQUEST.DRAW && msg.grid.kind === JOB.INTERPOLATE && !job.primed.has(member)) {
      msg.grid = { ...msg.grid, corners: job.corners };
      job.primed.add(member);
    }
    task.member = member;
    member.task = task;
    member.worker.postMessage(msg); // copied, not transferred: the pool keeps photo bytes
  }

  // The page no longer wants job `id`: its queued tasks go, its running ones are told.
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

  endJob(job) {
    this.jobs.delete(job.id);
    if (this.slots.get(job.slot) === job.id) this.slots.delete(job.slot);
  }

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

  onResult(member, msg) {
    const task = this.tasks.get(msg.id);
    const job = task && this.jobs.get(task.job);
    if (!job) return; // cancelled
    if (msg.type === REPLY.ERROR) {
      if (job.slot === jobSlot(JOB.PHOTO, { key: PHOTO_KEY.SCORE })) {
        this.scorePhoto = null;
        member.photoVersion = null;
      }
      this.cancel(job.id); // a grid's other faces would fail the same way
      return this.onMessage({ ...msg, id: job.id, kind: job.kind });
    }
    if (msg.type !== REPLY.FACES) return this.onMessage({ ...msg, id: job.id });
    job.drawn += msg.count;
    job.perWorker[member.index] = (job.perWorker[member.index] || 0) + msg.count;
    this.onMessage({ ...msg, kind: job.kind, id: job.id, total: job.total, drawn: job.drawn });
    if (job.drawn < job.total) return;
    this.endJob(job);
    const facesPerWorker = Array.from(job.perWorker, (n) => n || 0);
    this.onMessage({
      type: POOL.DONE, kind: job.kind, id: job.id, ms: performance.now() - job.started,
      workers: facesPerWorker.filter((n) => n > 0).length, facesPerWorker,
      memoryBytes: this.members.map((m) => m.memoryBytes), // each worker's wasm heap
    });
  }
}
