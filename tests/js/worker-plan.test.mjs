// web/worker-plan.js: how many CPU workers, and the ?workers notice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpuWorkerPlan, workerCount } from '../../web/worker-plan.js';

describe('cpuWorkerPlan', () => {
  test('one worker per core, at most the limit', () => {
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 4 }), { count: 4, notice: null });
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 32 }), { count: 8, notice: null });
    assert.deepEqual(cpuWorkerPlan(null, 3, { hardwareConcurrency: 32 }), { count: 3, notice: null });
  });

  test('no core count: one worker', () => {
    assert.deepEqual(cpuWorkerPlan(null, 8, {}), { count: 1, notice: null });
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 0 }), { count: 1, notice: null });
  });

  test('as many as half the device memory holds at 200 MB each', () => {
    // 1 GiB: 512 MB for workers, two of them.
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 8, deviceMemory: 1 }), { count: 2, notice: null });
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 8, deviceMemory: 0.25 }), { count: 1, notice: null });
    assert.deepEqual(cpuWorkerPlan(null, 8, { hardwareConcurrency: 8, deviceMemory: 8 }), { count: 8, notice: null });
  });

  test('?workers from 1 to the limit overrides the cores and the memory', () => {
    assert.deepEqual(cpuWorkerPlan('2', 8, { hardwareConcurrency: 1, deviceMemory: 0.25 }), { count: 2, notice: null });
    assert.deepEqual(cpuWorkerPlan('8', 8, { hardwareConcurrency: 2 }), { count: 8, notice: null });
  });

  test('any other ?workers gets the default and says so', () => {
    assert.deepEqual(cpuWorkerPlan('0', 8, { hardwareConcurrency: 2 }), {
      count: 2,
      notice: '?workers=0 is not a whole number from 1 to 8, so the page uses its default: 2 workers.',
    });
    assert.deepEqual(cpuWorkerPlan('9', 8, { hardwareConcurrency: 1 }), {
      count: 1,
      notice: '?workers=9 is not a whole number from 1 to 8, so the page uses its default: 1 worker.',
    });
    assert.equal(cpuWorkerPlan('lots', 4, { hardwareConcurrency: 16 }).notice,
      '?workers=lots is not a whole number from 1 to 4, so the page uses its default: 4 workers.');
    assert.equal(cpuWorkerPlan('1.5', 8, { hardwareConcurrency: 2 }).count, 2);
  });

  test('workerCount says one worker, two workers', () => {
    assert.equal(workerCount(1), '1 worker');
    assert.equal(workerCount(2), '2 workers');
  });
});
