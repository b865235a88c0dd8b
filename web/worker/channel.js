// @ts-check
// The worker's side of its messages: posting replies (web/messages.js REPLY) to the pool,
// and letting a CANCEL in between the steps of a task.

import { REPLY } from '../messages.js';

// This module runs in a dedicated worker; the checker also knows the page's globals.
export const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/**
 * @param {import('../messages.js').WorkerReply} msg
 * @param {Transferable[]} [transfer] buffers handed over, not copied (each once)
 */
export function post(msg, transfer = []) {
  scope.postMessage(msg, { transfer: [...new Set(transfer)] });
}

/** @param {string} text */
export const status = (text) => post({ type: REPLY.STATUS, text });

/** A macrotask boundary: lets a CANCEL that arrived meanwhile in. */
export function yieldNow() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(undefined);
    channel.port2.postMessage(null);
  });
}
