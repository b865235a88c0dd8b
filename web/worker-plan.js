// @ts-check
// How many model workers the CPU backend runs, and the rule that chose it, as the backend
// note says it: one per core, but never more than a short measured test ran at full speed at
// once (web/core-probe.js: navigator.hardwareConcurrency is not to be trusted blindly;
// WebKitGTK reports 4 on a 2-core machine, and 4 workers there mean 4 model copies for the
// speed of 2), as many as half the device's memory holds, at most the Rust limit
// (limits().maxCpuWorkers). `?workers=N` (1 to that limit) overrides. Decided once the wasm
// has said its limits (REPLY.LIMITS), before the pool starts any helper.

// Each worker holds its own wasm instance and model: ~28 MB of f32 weights plus the wasm
// heap's working memory, about 200 MB in all.
const MB_PER_WORKER = 200;

/** @param {number} n */
export const workerCount = (n) => `${n} worker${n === 1 ? '' : 's'}`;

/**
 * What the core test counted (web/core-probe.js): pieces of arithmetic one thread finishes in
 * one window of time on a free core (`solo`: the most any thread did in a window, alone or
 * beside the others) and by each of `threads` threads when all ran in the same window
 * (`parallel`, the best window of three).
 * @typedef {{ threads: number, solo: number, parallel: number[] }} ProbeCounts
 */

/**
 * How many threads ran in parallel: the work all of them did in the window over the work one
 * did alone, 1 to `threads`. Rounded up from a quarter: a core that adds a quarter of a core's
 * work still pays for its worker (two vCPUs that are one physical core's two threads, say),
 * while 4 threads sharing 2 cores do 2 cores' work.
 * @param {ProbeCounts} probe
 */
export function measuredCores({ threads, solo, parallel }) {
  const total = parallel.reduce((a, b) => a + b, 0);
  // No thread does more than one core's work: one that did more than `solo` shows it short.
  const one = Math.max(solo, ...parallel);
  if (!(one > 0) || !(total > 0)) return 1;
  return Math.min(threads, Math.max(1, Math.ceil(total / one - 0.25)));
}

/**
 * count: the workers to run; rule: why that many, for the backend note; notice: why a given
 * ?workers value was not used (null if it was, or if there was none).
 * @param {string | null} param ?workers as given
 * @param {number} maxCpuWorkers
 * @param {{ hardwareConcurrency?: number, deviceMemory?: number }} nav the browser's navigator
 * @param {number | null} measured threads the core test ran at full speed at once (null: not run)
 * @returns {{ count: number, rule: string, notice: string | null }}
 */
export function cpuWorkerPlan(param, maxCpuWorkers, nav, measured) {
  const fallback = defaultPlan(maxCpuWorkers, nav, measured);
  if (param === null) return { ...fallback, notice: null };
  const n = Number(param);
  if (/^\d+$/.test(param.trim()) && n >= 1 && n <= maxCpuWorkers) return { count: n, rule: `set with ?workers=${n}`, notice: null };
  return {
    ...fallback,
    notice: `?workers=${param} is not a whole number from 1 to ${maxCpuWorkers}, so the page uses its default: ${workerCount(fallback.count)}.`,
  };
}

/**
 * @param {number} maxCpuWorkers
 * @param {{ hardwareConcurrency?: number, deviceMemory?: number }} nav
 * @param {number | null} measured
 */
function defaultPlan(maxCpuWorkers, nav, measured) {
  const reported = Math.max(1, Math.floor(nav.hardwareConcurrency || 1));
  const cores = Math.min(reported, measured ?? reported);
  // navigator.deviceMemory (GiB, rounded) is not offered everywhere (Firefox, Safari).
  const byMemory = nav.deviceMemory ? Math.max(1, Math.floor((nav.deviceMemory * 1024) / 2 / MB_PER_WORKER)) : Infinity;
  const count = Math.min(cores, byMemory, maxCpuWorkers);
  const said = nav.hardwareConcurrency ? `this browser reports ${reported} core${reported === 1 ? '' : 's'}` : 'this browser does not say how many cores it has';
  const threads = `${measured} thread${measured === 1 ? '' : 's'}`;
  const test = measured === null ? (reported > 1 ? ', not measured' : '') : `, and a short test found ${threads} running in parallel`;
  let rule;
  if (count === maxCpuWorkers && count < Math.min(cores, byMemory)) rule = `the page's limit (${said})`;
  else if (count === byMemory && byMemory < cores) rule = `as many as half of this device's memory holds at about ${MB_PER_WORKER} MB each (${nav.deviceMemory} GB reported)`;
  else if (measured !== null && measured < reported) rule = `one per core that works in parallel (${said}, but a short test found only ${threads} running in parallel)`;
  else rule = `one per core (${said}${test})`;
  return { count, rule };
}
