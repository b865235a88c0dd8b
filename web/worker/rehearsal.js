// @ts-check
// The first worker's rehearsal while the weights download: a smaller model of the same
// architecture with made-up weights, folded and drawn from (src/web/rehearsal.rs), so that
// the browser has compiled the model's hot code before the real load and the first face.
// It runs in short steps, taking the downloaded bytes in between, and stops once the weights
// are here: it never delays them (a warm visit, with the weights in the Cache API, skips it).

import { describe } from './wasm.js';

// At most this long (a slow link leaves seconds to spare; after a few faces the hot code is
// optimised and more faces add nothing) and this many steps (the first builds the model).
const MAX_MS = 1500;
const MAX_STEPS = 12;

/** @returns {Promise<void>} after the worker's pending events (the download's reads) have run */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Rehearses until `arrived()` says the weights are here.
 * @param {import('./wasm.js').Wasm} wasm
 * @param {import('./wasm.js').Backend} backend
 * @param {() => boolean} arrived
 * @returns {Promise<{ steps: number, ms: number }>}
 */
export async function rehearse(wasm, backend, arrived) {
  const start = performance.now();
  let steps = 0;
  if (arrived()) return { steps, ms: 0 };
  const rehearsal = new wasm.Rehearsal(backend);
  try {
    while (!arrived() && steps < MAX_STEPS && performance.now() - start < MAX_MS) {
      await rehearsal.step();
      steps++;
      await nextTask();
    }
  } catch (err) {
    // Only time is lost, unless the wasm instance crashed.
    if (describe(err).fatal) throw err;
    console.warn('the rehearsal stopped:', describe(err).message);
  } finally {
    rehearsal.free();
  }
  return { steps, ms: performance.now() - start };
}
