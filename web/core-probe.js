// @ts-check
// The core test behind web/worker-plan.js: how many threads this browser really runs at once.
// navigator.hardwareConcurrency is what the browser says, not what the page gets: WebKitGTK
// says 4 on a 2-core machine, and each CPU worker costs a model copy in memory (~200 MB).
//
// The test starts one thread per reported core (at most PROBE_MAX) and counts how many fixed
// pieces of arithmetic get done in a window of WINDOW_MS: by one thread alone, then by all of
// them in the same window (every thread starts and stops on the same clock time, so threads
// that got their message late still share the window rather than run on their own after
// the others). web/worker-plan.js measuredCores divides the two. Three windows of each, the
// best of each kept: anything else running on the machine only takes work away, never adds
// it. First the threads run some windows together, uncounted, for the JIT (a tier-up makes the
// same code several times faster, each thread's on its own). About 0.3 to 0.5 s in all, before
// the model's workers start, so nothing of the page competes with it. A test that found every
// reported core is remembered (localStorage) for a week in this browser: a second visit then
// starts the model without the wait (coreTest).

import { measuredCores } from './worker-plan.js';

/** @typedef {import('./worker-plan.js').ProbeCounts} ProbeCounts */
/** @typedef {ProbeCounts & { ms: number, remembered: boolean }} CoreTest */

const WINDOW_MS = 20;
const WARM_WINDOWS = 5;
const ROUNDS = 3;
const PROBE_MAX = 16; // threads tested at most: more than the page runs (limits().maxCpuWorkers is 8)
const TIMEOUT_MS = 5000; // a test that takes longer is given up (the reported count is used)
const LEAD_MS = 15; // from sending a window to its start: time for every thread to get the message

// The test thread (run from a Blob: no file to ship). Told a window (start and end in
// epoch milliseconds, the same clock in every thread), it waits for the start, counts the
// pieces of arithmetic it finishes before the end, and replies the count.
function testThread() {
  const scope = /** @type {{ onmessage: ((event: MessageEvent<{ start: number, end: number }>) => void) | null, postMessage(msg: unknown): void }} */ (
    /** @type {unknown} */ (self)
  );
  const now = () => performance.timeOrigin + performance.now();
  let sink = 1;
  const piece = () => {
    for (let i = 0; i < 5000; i++) sink = (sink * 1.0000001 + i) % 1000003;
  };
  scope.onmessage = ({ data: { start, end } }) => {
    while (now() < start);
    let pieces = 0;
    while (now() < end) {
      piece();
      pieces++;
    }
    scope.postMessage({ pieces, sink });
  };
  scope.postMessage({ ready: true });
}

/** @param {Worker} worker @returns {Promise<{ pieces: number }>} its next message */
function reply(worker) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message || 'the test thread failed'));
  });
}

/**
 * Pieces each of `workers` finished in one window, all in the same window.
 * @param {Worker[]} workers
 */
async function countIn(workers) {
  const start = performance.timeOrigin + performance.now() + LEAD_MS;
  const replies = workers.map(reply);
  for (const w of workers) w.postMessage({ start, end: start + WINDOW_MS });
  return (await Promise.all(replies)).map((r) => r.pieces);
}

/** @param {number[]} values */
const sum = (values) => values.reduce((a, b) => a + b, 0);

/**
 * Runs the core test with `reported` threads (at most PROBE_MAX). null when it could not run
 * (no Blob workers allowed, a thread that failed, too slow): the page then trusts the
 * reported count.
 * @param {number} reported navigator.hardwareConcurrency
 * @returns {Promise<(ProbeCounts & { ms: number }) | null>}
 */
export async function probeCores(reported) {
  const threads = Math.min(Math.max(1, Math.floor(reported)), PROBE_MAX);
  const started = performance.now();
  /** @type {Worker[]} */
  const workers = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the core test took too long')), TIMEOUT_MS);
  });
  try {
    const url = URL.createObjectURL(new Blob([`(${testThread.toString()})();`], { type: 'text/javascript' }));
    try {
      for (let i = 0; i < threads; i++) workers.push(new Worker(url));
    } finally {
      URL.revokeObjectURL(url);
    }
    const run = async () => {
      await Promise.all(workers.map(reply));
      // Warm-up, all threads together: WebKit's JIT took three or four windows to reach its
      // last tier here, and a cold thread would look like a busy core.
      for (let i = 0; i < WARM_WINDOWS; i++) await countIn(workers);
      // One thread's speed on a free core: the most any thread did in a window, alone or
      // beside the others. A solo window can land beside another process (the browser's
      // own, a test driver's) in every round; a thread that did more than that beside the
      // others shows the solo count fell short. In a CI run of WebKitGTK on 2 cores the
      // solo windows counted 780 and one of 4 threads beside the others 799: 1770 in all
      // read as 3 cores against 780, 2 against 799. The solo window moves from thread to
      // thread, so no one thread's JIT tier decides it.
      let solo = 0;
      /** @type {number[]} */
      let parallel = [];
      for (let round = 0; round < ROUNDS; round++) {
        const one = workers[round % workers.length];
        solo = Math.max(solo, (await countIn([one]))[0]);
        const all = await countIn(workers);
        solo = Math.max(solo, ...all);
        if (sum(all) > sum(parallel)) parallel = all;
      }
      return { threads, solo, parallel, ms: performance.now() - started };
    };
    return await Promise.race([run(), timeout]);
  } catch (err) {
    console.warn(`the core test did not run (${err instanceof Error ? err.message : String(err)}); trusting the reported core count`);
    return null;
  } finally {
    clearTimeout(timer);
    for (const w of workers) w.terminate();
  }
}

const STORE_KEY = 'realnvp.coreTest';
const KEEP_MS = 7 * 24 * 3600 * 1000;

/**
 * The core test's counts: an earlier visit's (same browser, same reported cores, within a
 * week), else a new test's. Only a test that found every reported core running is remembered:
 * a lower count may have been a busy moment (the page's own start-up, another tab), and a
 * remembered one would cost the next week's visits their workers; such a browser (WebKitGTK,
 * which reports 4 cores on 2) is tested every visit. null when the test could not run.
 * @param {number} reported navigator.hardwareConcurrency
 * @returns {Promise<CoreTest | null>}
 */
export async function coreTest(reported) {
  const key = `${reported} ${navigator.userAgent}`;
  try {
    const earlier = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
    if (earlier?.key === key && Date.now() - earlier.at < KEEP_MS && earlier.probe?.threads === Math.min(reported, PROBE_MAX)) {
      return { ...earlier.probe, remembered: true };
    }
  } catch {
    // no storage here (blocked, or a private window): test every visit
  }
  const probe = await probeCores(reported);
  if (!probe) return null;
  try {
    if (measuredCores(probe) === probe.threads) localStorage.setItem(STORE_KEY, JSON.stringify({ key, at: Date.now(), probe }));
  } catch {
    // as above
  }
  return { ...probe, remembered: false };
}
