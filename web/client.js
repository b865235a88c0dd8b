// @ts-check
// The page's side of the model workers: it submits jobs (web/messages.js JOB) to the worker
// pool (web/pool.js), remembers the live ones with what the page needs to show their results
// (a JobRecord), and passes each reply on together with its job. One live job per slot
// (pool.js jobSlot): a newer request replaces the older, whose late replies are dropped here
// (the pool cancels it).

import { JOB, POOL, REPLY } from './messages.js';
import { WorkerPool, jobSlot } from './pool.js';

/** @typedef {import('./messages.js').JobKind} JobKind */
/** @typedef {import('./messages.js').JobBodies} JobBodies */

/**
 * The grid on screen in the Generate panel.
 * @typedef {{ n: number, cols: number, seed: string, temperature: number, drawn: Set<number> }} ShownGrid
 */

/**
 * What the page keeps about each kind of job, for its replies.
 * @typedef {{ kind: typeof JOB.GENERATE, first: boolean, grid: ShownGrid, firstTile?: Uint8Array<ArrayBuffer> }
 *   | { kind: typeof JOB.INTERPOLATE, steps: number }
 *   | { kind: typeof JOB.PHOTO, name: string, corner?: { index: number, bytes: ArrayBuffer } }
 *   | { kind: typeof JOB.SCORE, crop: import('./messages.js').ScoreJob, scored?: import('./messages.js').ScoreReply }
 *   | { kind: typeof JOB.WARM_UP }
 *   | { kind: typeof JOB.FACE, key: string }
 *   | { kind: typeof JOB.EDIT, key: string }
 *   | { kind: typeof JOB.STRIP, key: string }} JobRecord
 */
/** @typedef {JobRecord & { slot: string, started: number }} PageJob */
/**
 * What a caller gives with a job of kind K (the client adds the kind).
 * @template {JobKind} K
 * @typedef {Omit<Extract<JobRecord, { kind: K }>, 'kind'>} RecordOf
 */

// Replies after which a job has nothing more to say (besides an EDITED marked `final`).
/** @type {Set<string>} */
const LAST = new Set([REPLY.PHOTO, REPLY.RECON, REPLY.WARM, REPLY.FACE, REPLY.ERROR, POOL.DONE]);

export class ModelClient {
  /**
   * @param {object} options
   * @param {import('./messages.js').ModuleUrls} options.urls
   * @param {string} options.weights
   * @param {string | null} options.attributes
   * @param {string | null} options.likeness
   * @param {(msg: import('./messages.js').WorkerNotice) => void} options.onWorkers replies about the workers
   * @param {(msg: import('./messages.js').JobNotice, job: PageJob) => void} options.onJob replies about a live job
   * @param {(busy: boolean) => void} options.onBusy whether any job is live
   */
  constructor({ urls, weights, attributes, likeness, onWorkers, onJob, onBusy }) {
    this.urls = urls;
    this.weights = weights;
    this.attributes = attributes;
    this.likeness = likeness;
    this.onWorkers = onWorkers;
    this.onJob = onJob;
    this.onBusy = onBusy;
    /** @type {number | null} CPU workers to run, once the limits are known */
    this.cpuWorkers = null;
    /** @type {WorkerPool | null} */
    this.pool = null;
    /** @type {import('./messages.js').BackendChoice} */
    this.backendChoice = 'auto';
    this.nextId = 1;
    /** @type {Map<number, PageJob>} */
    this.live = new Map();
  }

  /**
   * (Re)starts the workers.
   * @param {import('./messages.js').BackendChoice} backend
   * @param {string | null} [fallbackReason] why an earlier WebGPU start was given up
   */
  start(backend, fallbackReason = null) {
    this.stop();
    this.backendChoice = backend;
    const pool = new WorkerPool({
      urls: this.urls,
      weights: this.weights,
      attributes: this.attributes,
      likeness: this.likeness,
      backend,
      fallbackReason,
      cpuWorkers: this.cpuWorkers,
      cores: navigator.hardwareConcurrency || 1,
      onWorkers: (msg) => {
        if (pool === this.pool) this.onWorkers(msg);
      },
      onJob: (msg) => {
        if (pool === this.pool) this.receive(msg);
      },
    });
    this.pool = pool;
  }

  /** @param {number} count CPU workers (web/worker-plan.js), for this pool and any restart */
  setCpuWorkers(count) {
    this.cpuWorkers = count;
    this.pool?.setCpuWorkers(count);
  }



  // Every job is dropped and the workers end.
  stop() {
    if (this.pool) this.pool.terminate();
    this.pool = null;
    this.live.clear();
    this.onBusy(false);
  }

  /**
   * @template {JobKind} K
   * @param {K} kind
   * @param {JobBodies[K]} body what the pool sends (web/messages.js)
   * @param {RecordOf<K>} record kept for the replies
   */
  request(kind, body, record) {
    if (!this.pool) throw new Error('the workers are not running');
    // One spec of kind K: TypeScript cannot relate K to the union's members by itself.
    const spec = /** @type {import('./pool.js').JobSpec} */ ({ kind, body });
    const slot = jobSlot(spec);
    for (const [id, other] of this.live) if (other.slot === slot) this.live.delete(id);
    const id = this.nextId++;
    this.live.set(id, /** @type {PageJob} */ ({ ...record, kind, slot, started: performance.now() }));
    this.pool.submit(id, spec);
    this.onBusy(true);
    return id;
  }

  /** @param {import('./messages.js').JobNotice} msg */
  receive(msg) {
    const job = this.live.get(msg.id);
    if (!job) return; // replaced by a newer request
    if (LAST.has(msg.type) || (msg.type === REPLY.EDITED && msg.final)) {
      this.live.delete(msg.id);
      this.onBusy(this.live.size > 0);
    }
    this.onJob(msg, job);
  }
}
