// @ts-check
// How many model workers the CPU backend runs: one per core, as many as half the device's
// memory holds, at most the Rust limit (limits().maxCpuWorkers); `?workers=N` (1 to that
// limit) overrides. Decided once the wasm has said its limits (REPLY.LIMITS), before the pool
// starts any helper.

// Each worker holds its own wasm instance and model: ~28 MB of f32 weights plus the wasm
// heap's working memory, about 200 MB in all.
const MB_PER_WORKER = 200;

/** @param {number} n */
export const workerCount = (n) => `${n} worker${n === 1 ? '' : 's'}`;

/**
 * count: the workers to run; notice: why a given ?workers value was not used (null if it was,
 * or if there was none).
 * @param {string | null} param ?workers as given
 * @param {number} maxCpuWorkers
 * @param {{ hardwareConcurrency?: number, deviceMemory?: number }} nav the browser's navigator
 * @returns {{ count: number, notice: string | null }}
 */
export function cpuWorkerPlan(param, maxCpuWorkers, nav) {
  const cores = Math.max(1, Math.floor(nav.hardwareConcurrency || 1));
  // navigator.deviceMemory (GiB, rounded) is not offered everywhere (Firefox, Safari).
  const byMemory = nav.deviceMemory ? Math.max(1, Math.floor((nav.deviceMemory * 1024) / 2 / MB_PER_WORKER)) : Infinity;
  const fallback = Math.min(cores, byMemory, maxCpuWorkers);
  if (param === null) return { count: fallback, notice: null };
  const n = Number(param);
  if (/^\d+$/.test(param.trim()) && n >= 1 && n <= maxCpuWorkers) return { count: n, notice: null };
  return {
    count: fallback,
    notice: `?workers=${param} is not a whole number from 1 to ${maxCpuWorkers}, so the page uses its default: ${workerCount(fallback)}.`,
  };
}
