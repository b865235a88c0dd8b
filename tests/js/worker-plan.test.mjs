// web/worker-plan.js: how many CPU workers, the rule the backend note gives, the ?workers notice,
// and what the core test's times mean.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpuWorkerPlan, measuredCores, workerCount } from '../../web/worker-plan.js';

const count = (...args) => cpuWorkerPlan(...args).count;

describe('cpuWorkerPlan', () => {
  test('one per reported core when the core test agrees (or did not run), at most the limit', () => {
    assert.equal(count(null, 8, { hardwareConcurrency: 4 }, 4), 4);
    assert.equal(count(null, 8, { hardwareConcurrency: 4 }, null), 4);
    assert.equal(count(null, 8, { hardwareConcurrency: 32 }, 16), 8);
    assert.equal(count(null, 3, { hardwareConcurrency: 32 }, null), 3);
  });

  test('never more than the core test ran at full speed at once: the reported count is not trusted blindly', () => {
    // WebKitGTK 2.50 reports 4 cores on a 2-core machine (issue 25).
    const plan = cpuWorkerPlan(null, 8, { hardwareConcurrency: 4 }, 2);
    assert.deepEqual(plan, {
      count: 2,
      rule: 'one per core that works in parallel (this browser reports 4 cores, but a short test found only 2 threads running in parallel)',
      notice: null,
    });
    assert.equal(count(null, 8, { hardwareConcurrency: 8 }, 1), 1);
  });

  test('no core count: one worker', () => {
    assert.deepEqual(cpuWorkerPlan(null, 8, {}, null), { count: 1, rule: 'one per core (this browser does not say how many cores it has)', notice: null });
    assert.equal(count(null, 8, { hardwareConcurrency: 0 }, null), 1);
  });

  test('as many as half the device memory holds at 200 MB each', () => {
    // 1 GiB: 512 MB for workers, two of them.
    const plan = cpuWorkerPlan(null, 8, { hardwareConcurrency: 8, deviceMemory: 1 }, 8);
    assert.equal(plan.count, 2);
    assert.equal(plan.rule, 'as many as half of this device\'s memory holds at about 200 MB each (1 GB reported)');
    assert.equal(count(null, 8, { hardwareConcurrency: 8, deviceMemory: 0.25 }, 8), 1);
    assert.equal(count(null, 8, { hardwareConcurrency: 8, deviceMemory: 8 }, 8), 8);
  });

  test('the rule says what decided', () => {
    assert.equal(cpuWorkerPlan(null, 8, { hardwareConcurrency: 2 }, 2).rule,
      'one per core (this browser reports 2 cores, and a short test found 2 threads running in parallel)');
    assert.equal(cpuWorkerPlan(null, 8, { hardwareConcurrency: 2 }, null).rule, 'one per core (this browser reports 2 cores, not measured)');
    assert.equal(cpuWorkerPlan(null, 8, { hardwareConcurrency: 1 }, null).rule, 'one per core (this browser reports 1 core)');
    assert.equal(cpuWorkerPlan(null, 8, { hardwareConcurrency: 32 }, 16).rule, 'the page\'s limit (this browser reports 32 cores)');
  });

  test('?workers from 1 to the limit overrides the cores, the core test and the memory', () => {
    assert.deepEqual(cpuWorkerPlan('2', 8, { hardwareConcurrency: 1, deviceMemory: 0.25 }, 1), { count: 2, rule: 'set with ?workers=2', notice: null });
    assert.equal(count('8', 8, { hardwareConcurrency: 2 }, null), 8);
  });

  test('any other ?workers gets the default and says so', () => {
    assert.equal(cpuWorkerPlan('0', 8, { hardwareConcurrency: 2 }, null).notice,
      '?workers=0 is not a whole number from 1 to 8, so the page uses its default: 2 workers.');
    assert.equal(cpuWorkerPlan('9', 8, { hardwareConcurrency: 1 }, null).notice,
      '?workers=9 is not a whole number from 1 to 8, so the page uses its default: 1 worker.');
    assert.equal(cpuWorkerPlan('lots', 4, { hardwareConcurrency: 16 }, null).notice,
      '?workers=lots is not a whole number from 1 to 4, so the page uses its default: 4 workers.');
    assert.equal(count('1.5', 8, { hardwareConcurrency: 2 }, null), 2);
  });

  test('workerCount says one worker, two workers', () => {
    assert.equal(workerCount(1), '1 worker');
    assert.equal(workerCount(2), '2 workers');
  });
});

describe('measuredCores', () => {
  test('the work all threads did in one window over the work one did alone', () => {
    // 4 threads on 2 cores: together they do twice what one does (a little more or less).
    assert.equal(measuredCores({ threads: 4, solo: 100, parallel: [50, 49, 51, 50] }), 2);
    assert.equal(measuredCores({ threads: 4, solo: 100, parallel: [30, 60, 55, 45] }), 2);
    assert.equal(measuredCores({ threads: 4, solo: 100, parallel: [52, 56, 55, 53] }), 2);
    // 8 reported, all of them real.
    assert.equal(measuredCores({ threads: 8, solo: 100, parallel: Array(8).fill(97) }), 8);
    // 2 threads on 1 core.
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [50, 50] }), 1);
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [60, 45] }), 1);
  });

  test('a core that adds a quarter of a core still counts', () => {
    // Two threads doing 1.4 cores' work (a busy moment, or two vCPUs on one physical core).
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [70, 70] }), 2);
    // 1.2 cores' worth: one worker.
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [60, 60] }), 1);
    // WebKitGTK on this 2-core machine once: 2.46 cores' work from 4 threads is still 3 workers.
    assert.equal(measuredCores({ threads: 4, solo: 100, parallel: [70, 60, 60, 56] }), 3);
  });

  test('a thread that did more beside the others than the solo count sets the measure', () => {
    // WebKitGTK in a CI run on 2 cores: solo 780, and one of 4 threads did 799 beside the
    // others. 1770 in all is 2.2 times 799: 2 cores (against 780 it read as 3).
    assert.equal(measuredCores({ threads: 4, solo: 780, parallel: [331, 302, 338, 799] }), 2);
    assert.equal(measuredCores({ threads: 2, solo: 50, parallel: [100, 100] }), 2);
    assert.equal(measuredCores({ threads: 2, solo: 50, parallel: [100, 10] }), 1);
  });

  test('between 1 and the threads tested, whatever the counts say', () => {
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [300, 300] }), 2);
    assert.equal(measuredCores({ threads: 2, solo: 100, parallel: [1, 1] }), 1);
    assert.equal(measuredCores({ threads: 2, solo: 0, parallel: [0, 0] }), 1);
  });
});
