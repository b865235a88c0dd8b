// The page's side of the model workers: it submits jobs (web/messages.js JOB) to the worker
// pool (web/pool.js), remembers the live ones with what the page needs to show their results,
// and passes each reply on together with its job. One live job per slot (pool.js jobSlot): a
// newer request replaces the older, whose late replies are dropped here (the pool cancels it).

import { POOL, REPLY } from './messages.js';
import { WorkerPool, jobSlot } from './pool.js';

// Replies after which a job has nothing more to say (besides any reply marked `final`).
const LAST = new Set([REPLY.PHOTO, REPLY.RECON, REPLY.WARM, REPLY.FACE, REPLY.ERROR, POOL.DONE]);
// Replies about the workers themselves, not about a job.
const ABOUT_WORKERS = new Set([REPLY.STATUS, REPLY.PROGRESS, REPLY.LIMITS, REPLY.BACKEND, REPLY.READY, REPLY.FATAL]);

export class ModelClient {
  // onReply(msg, job): job is what request() was given (plus kind and started), or null for a
  // reply about the workers. onBusy(busy): whether any job is live.
  constructor({ urls, weights, attributes, cpuWorkers, onReply, onBusy }) {
    this.urls = urls;
    this.weights = weights;
    this.attributes = attributes;
    this.cpuWorkers = cpuWorkers;
    this.onReply = onReply;
    this.onBusy = onBusy;
    this.pool = null;
    this.backendChoice = 'auto';
    this.nextId = 1;
    this.live = new Map(); // id -> job
  }

  // (Re)starts the workers. backend: 'auto' | 'webgpu' | 'cpu'; fallbackReason: why an
  // earlier WebGPU start was given up.
  start(backend, fallbackReason = null) {
    this.stop();
    this.backendChoice = backend;
    const pool = new WorkerPool({
      urls: this.urls,
      weights: this.weights,
      attributes: this.attributes,
      backend,
      fallbackReason,
      cpuWorkers: this.cpuWorkers,
      onMessage: (msg) => {
        if (pool === this.pool) this.receive(msg);
      },
    });
    this.pool = pool;
  }

  // Every job is dropped and the workers end.
  stop() {
    if (this.pool) this.pool.terminate();
    this.pool = null;
    this.live.clear();
    this.onBusy(false);
  }

  // kind: a JOB; body: what the pool sends (messages.js lists it); job: kept for the replies.
  request(kind, body, job = {}) {
    const slot = jobSlot(kind, body);
    for (const [id, other] of this.live) if (other.slot === slot) this.live.delete(id);
    const id = this.nextId++;
    this.live.set(id, { ...job, kind, slot, started: performance.now() });
    this.pool.submit(kind, id, body);
    this.onBusy(true);
    return id;
  }

  receive(msg) {
    if (ABOUT_WORKERS.has(msg.type)) return this.onReply(msg, null);
    const job = this.live.get(msg.id);
    if (!job) return; // replaced by a newer request
    if (LAST.has(msg.type) || msg.final) {
      this.live.delete(msg.id);
      this.onBusy(this.live.size > 0);
    }
    this.onReply(msg, job);
  }
}
