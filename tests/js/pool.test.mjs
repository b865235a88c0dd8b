// web/pool.js: the worker pool, driven with stand-in workers that record what they are sent
// and answer as web/worker.js does.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { JOB, PHOTO_KEY, POOL, REPLY, REQUEST } from '../../web/messages.js';
import { WorkerPool, jobSlot } from '../../web/pool.js';

/** Every worker the pool starts, in order. */
let started = [];
class FakeWorker {
  constructor(url, options) {
    this.url = String(url);
    this.options = options;
    this.sent = [];
    this.terminated = false;
    this.onmessage = null;
    this.onerror = null;
    started.push(this);
  }
  postMessage(msg) { this.sent.push(msg); }
  terminate() { this.terminated = true; }
  reply(msg) { this.onmessage({ data: msg }); }
  last() { return this.sent.at(-1); }
}
globalThis.Worker = FakeWorker;

const LIMITS = { maxFaces: 256, maxCpuWorkers: 8 };
const URLS = { glue: 'glue.js', wasm: 'module.wasm', cpuGlue: 'cpu-glue.js', cpuWasm: 'cpu-module.wasm' };

/** A pool on a machine of `cores` cores (8: a core to spare for every helper's start-up). */
function newPool(backend = 'auto', cores = 8) {
  const workers = [];
  const jobs = [];
  const pool = new WorkerPool({
    urls: URLS, weights: 'w.safetensors', attributes: null, likeness: 'l.json', backend, fallbackReason: null, cpuWorkers: null, cores,
    onWorkers: (msg) => workers.push(msg), onJob: (msg) => jobs.push(msg),
  });
  return { pool, workers, jobs };
}

/** The first worker started on the CPU with `count` workers planned, all ready. */
function cpuPool(count) {
  const p = newPool();
  const first = started[0];
  first.reply({ type: REPLY.LIMITS, limits: LIMITS });
  p.pool.setCpuWorkers(count);
  first.reply({ type: REPLY.BACKEND, kind: 'cpu', adapter: 'burn flex, wasm', software: false, reason: 'asked' });
  first.reply({ type: REPLY.SHARE, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(4), attributes: null, likeness: null });
  for (const w of started) w.reply({ type: REPLY.READY, ...(w === first ? { info: {} } : { helper: true, timings: {} }) });
  return { ...p, first };
}

beforeEach(() => {
  started = [];
});

describe('WorkerPool start-up', () => {
  test('the first worker gets INIT with the URLs and the backend choice', () => {
    newPool('webgpu');
    assert.equal(started.length, 1);
    assert.ok(started[0].url.endsWith('/web/worker.js'), started[0].url);
    assert.deepEqual(started[0].options, { type: 'module' });
    assert.deepEqual(started[0].sent, [{
      type: REQUEST.INIT, backend: 'webgpu', fallbackReason: null, weights: 'w.safetensors', attributes: null, likeness: 'l.json', glue: 'glue.js', wasm: 'module.wasm', cpuGlue: 'cpu-glue.js', cpuWasm: 'cpu-module.wasm',
    }]);
  });

  test('the backend cannot start before the page has said how many CPU workers to run', () => {
    newPool();
    started[0].reply({ type: REPLY.LIMITS, limits: LIMITS });
    assert.throws(() => started[0].reply({ type: REPLY.BACKEND, kind: 'cpu', adapter: '', software: false, reason: 'x' }), /how many CPU workers/);
  });

  test('on the CPU: the planned workers, helpers started from the share', () => {
    const { workers, first } = cpuPool(3);
    assert.deepEqual(workers.map((m) => m.type), [REPLY.LIMITS, REPLY.BACKEND, REPLY.READY]);
    assert.equal(workers[1].workers, 3);
    assert.equal(started.length, 3);
    for (const helper of started.slice(1)) {
      assert.deepEqual(helper.sent[0], { type: REQUEST.INIT, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(4), attributes: null, likeness: null });
    }
    assert.equal(first.sent.length, 1);
  });

  test('no core to spare: the helpers start once the first worker has done its first task', () => {
    // As the page does: the first grid is asked for on the READY notice.
    const pool = new WorkerPool({
      urls: URLS, weights: 'w.safetensors', attributes: null, likeness: null, backend: 'auto', fallbackReason: null, cpuWorkers: null, cores: 2,
      onWorkers: (msg) => msg.type === REPLY.READY && pool.submit(1, { kind: JOB.GENERATE, body: { n: 2, temperature: 0.7, seed: '1' } }),
      onJob: () => {},
    });
    const first = started[0];
    first.reply({ type: REPLY.LIMITS, limits: LIMITS });
    pool.setCpuWorkers(2);
    first.reply({ type: REPLY.BACKEND, kind: 'cpu', adapter: 'burn flex, wasm', software: false, reason: 'asked' });
    first.reply({ type: REPLY.SHARE, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(4), attributes: null, likeness: null });
    assert.equal(started.length, 1, 'no helper while the first worker loads');
    first.reply({ type: REPLY.READY, info: {} });
    const face = first.last();
    assert.equal(face.type, REQUEST.DRAW);
    assert.equal(started.length, 1, 'no helper while the first worker draws its first face');
    first.reply({ type: REPLY.FACES, id: face.id, start: 0, count: 1, rgba: new Uint8Array(4), ms: 1 });
    first.reply({ type: REPLY.IDLE, id: face.id, memoryBytes: 100 });
    assert.equal(started.length, 2);
    assert.deepEqual(started[1].sent[0], { type: REQUEST.INIT, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(4), attributes: null, likeness: null });
    assert.equal(first.last().start, 1, 'the first worker goes on with the next face');
    first.reply({ type: REPLY.IDLE, id: first.last().id, memoryBytes: 100 });
    assert.equal(started.length, 2, 'the helpers start once');
  });

  test('no core to spare and nothing to draw yet: the helpers start when the first worker is ready', () => {
    const { pool } = newPool('auto', 2);
    const first = started[0];
    first.reply({ type: REPLY.LIMITS, limits: LIMITS });
    pool.setCpuWorkers(2);
    first.reply({ type: REPLY.BACKEND, kind: 'cpu', adapter: 'burn flex, wasm', software: false, reason: 'asked' });
    first.reply({ type: REPLY.SHARE, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(4), attributes: null, likeness: null });
    assert.equal(started.length, 1);
    first.reply({ type: REPLY.READY, info: {} });
    assert.equal(started.length, 2);
  });

  test('one planned CPU worker: the share starts no helper', () => {
    cpuPool(1);
    assert.equal(started.length, 1);
  });

  test('on WebGPU: one worker, whatever the CPU plan', () => {
    const { pool, workers } = newPool();
    started[0].reply({ type: REPLY.LIMITS, limits: LIMITS });
    pool.setCpuWorkers(4);
    started[0].reply({ type: REPLY.BACKEND, kind: 'webgpu', adapter: 'gpu', software: false, reason: null });
    assert.equal(workers.at(-1).workers, 1);
  });

  test('a helper that fails to start is done without, and the page hears the new count', () => {
    const { pool, workers } = newPool();
    const first = started[0];
    first.reply({ type: REPLY.LIMITS, limits: LIMITS });
    pool.setCpuWorkers(3);
    first.reply({ type: REPLY.BACKEND, kind: 'cpu', adapter: 'burn flex, wasm', software: false, reason: 'asked' });
    first.reply({ type: REPLY.SHARE, glue: 'cpu-glue.js', module: 'MODULE', weights: new Uint8Array(1), attributes: null, likeness: null });
    started[1].reply({ type: REPLY.FATAL, message: 'out of memory', gpuBroken: false });
    assert.equal(started[1].terminated, true);
    assert.deepEqual(workers.map((m) => [m.type, m.workers]), [[REPLY.LIMITS, undefined], [REPLY.BACKEND, 3], [REPLY.BACKEND, 2]]);
  });
});

describe('WorkerPool jobs', () => {
  test('a CPU grid goes out one face a task to the free workers, then DONE', () => {
    const { pool, jobs } = cpuPool(2);
    pool.submit(7, { kind: JOB.GENERATE, body: { n: 3, temperature: 0.7, seed: '1' } });
    const [a, b] = started;
    const taskA = a.last();
    const taskB = b.last();
    assert.deepEqual({ ...taskA, id: 0 }, { type: REQUEST.DRAW, id: 0, grid: { kind: JOB.GENERATE, n: 3, temperature: 0.7, seed: '1' }, start: 0, count: 1 });
    assert.equal(taskB.start, 1);
    a.reply({ type: REPLY.FACES, id: taskA.id, start: 0, count: 1, rgba: new Uint8Array(4), ms: 1 });
    a.reply({ type: REPLY.IDLE, id: taskA.id, memoryBytes: 100 });
    const taskC = a.last();
    assert.equal(taskC.start, 2, 'the free worker takes the next face');
    b.reply({ type: REPLY.FACES, id: taskB.id, start: 1, count: 1, rgba: new Uint8Array(4), ms: 1 });
    a.reply({ type: REPLY.FACES, id: taskC.id, start: 2, count: 1, rgba: new Uint8Array(4), ms: 1 });
    assert.deepEqual(jobs.map((m) => [m.type, m.id, m.drawn]), [[REPLY.FACES, 7, 1], [REPLY.FACES, 7, 2], [REPLY.FACES, 7, 3], [POOL.DONE, 7, undefined]]);
    const done = jobs.at(-1);
    assert.deepEqual(done.facesPerWorker, [2, 1]);
    assert.equal(done.workers, 2);
    assert.equal(jobs[0].kind, JOB.GENERATE);
    assert.equal(jobs[0].total, 3);
  });

  test('a newer job in the same slot cancels the older on its worker', () => {
    const { pool } = cpuPool(1);
    const [w] = started;
    pool.submit(1, { kind: JOB.SCORE, body: { x: 0, y: 0, side: 8 } });
    const running = w.last();
    pool.submit(2, { kind: JOB.SCORE, body: { x: 1, y: 0, side: 8 } });
    assert.deepEqual(w.last(), { type: REQUEST.CANCEL, id: running.id });
  });

  test('a score carries the photo to a worker that lacks it, once', () => {
    const { pool } = cpuPool(1);
    const [w] = started;
    const bytes = new ArrayBuffer(3);
    pool.submit(5, { kind: JOB.PHOTO, body: { key: PHOTO_KEY.SCORE, bytes } });
    const photo = w.last();
    assert.equal(photo.type, REQUEST.PHOTO);
    assert.equal(photo.version, 5);
    w.reply({ type: REPLY.IDLE, id: photo.id, memoryBytes: 0 });
    pool.submit(6, { kind: JOB.SCORE, body: { x: 0, y: 0, side: 8 } });
    assert.equal(w.last().bytes, undefined, 'the worker that decoded it holds it');
    assert.equal(w.last().version, 5);
  });

  test('an error ends the job and reaches the page with the job kind and id', () => {
    const { pool, jobs } = cpuPool(1);
    pool.submit(9, { kind: JOB.EDIT, body: { key: 'k', rgba: new ArrayBuffer(4), edits: [[1, 0]] } });
    const task = started[0].last();
    assert.equal(task.type, REQUEST.EDIT);
    started[0].reply({ type: REPLY.ERROR, id: task.id, kind: REQUEST.EDIT, message: 'no directions' });
    assert.deepEqual(jobs.at(-1), { type: REPLY.ERROR, id: 9, kind: JOB.EDIT, message: 'no directions' });
  });

  test('the slots: one per kind, one per photo key', () => {
    assert.equal(jobSlot({ kind: JOB.PHOTO, body: { key: PHOTO_KEY.corner(2), bytes: new ArrayBuffer(0) } }), 'photo:corner2');
    assert.equal(jobSlot({ kind: JOB.STRIP, body: { key: 'k', rgba: new ArrayBuffer(0), edits: [] } }), JOB.STRIP);
  });
});
