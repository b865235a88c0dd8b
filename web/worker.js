// @ts-check
// A model worker: runs the wasm build of the Rust crate (src/web/) so that the page's main
// thread never blocks. The page's pool (web/pool.js) starts one (WebGPU: the GPU is one
// device) or several (the CPU backend: one per core); the messages are in web/messages.js.
//
// This file takes the messages: INIT starts the worker (web/worker/boot.js); after that it
// runs tasks one at a time (web/worker/tasks.js, the GPU self-check in
// web/worker/self-check.js), each answered with its results, or an error, then IDLE. A task
// the page no longer wants (CANCEL) is skipped if it has not started, and a long one stops at
// its next step.

import { REPLY, REQUEST } from './messages.js';
import { init } from './worker/boot.js';
import { post, scope } from './worker/channel.js';
import { warmUp } from './worker/self-check.js';
import { state } from './worker/state.js';
import { CornerError, draw, edit, face, photo, score } from './worker/tasks.js';
import { describe } from './worker/wasm.js';

/** @param {import('./messages.js').TaskRequest} msg */
function run(msg) {
  switch (msg.type) {
    case REQUEST.DRAW:
      return draw(msg);
    case REQUEST.PHOTO:
      return photo(msg);
    case REQUEST.SCORE:
      return score(msg);
    case REQUEST.WARM_UP:
      return warmUp(msg);
    case REQUEST.FACE:
      return face(msg);
    case REQUEST.EDIT:
      return edit(msg);
    default:
      throw new Error(`unknown request ${String(/** @type {{ type?: unknown }} */ (msg).type)}`);
  }
}

const onGpu = () => state.backend?.kind === 'webgpu';

scope.onmessage = async (/** @type {MessageEvent<import('./messages.js').Request>} */ event) => {
  const msg = event.data;
  if (msg.type === REQUEST.CANCEL) {
    state.cancelled.add(msg.id);
    return;
  }
  if (msg.type === REQUEST.INIT) {
    try {
      await init(msg);
    } catch (err) {
      // A failed start: the page stops with the reason (restarts on the CPU if the GPU crashed)
      // or, for a helper, does without it.
      const { fatal, message } = describe(err);
      post({ type: REPLY.FATAL, kind: msg.type, message, gpuBroken: onGpu() && fatal });
    }
    return;
  }
  try {
    await run(msg);
  } catch (err) {
    const { fatal, message } = describe(err);
    if (fatal || msg.type === REQUEST.WARM_UP) {
      // A crash or a failed GPU self-check: the page restarts, on the CPU if the GPU was the cause.
      post({ type: REPLY.FATAL, id: msg.id, kind: msg.type, message, gpuBroken: onGpu() });
    } else {
      post({ type: REPLY.ERROR, id: msg.id, kind: msg.type, message, corner: err instanceof CornerError ? err.corner : undefined });
    }
  } finally {
    state.cancelled.delete(msg.id);
    post({ type: REPLY.IDLE, id: msg.id, memoryBytes: state.memory?.buffer.byteLength ?? 0 });
  }
};

// A panic inside a callback (e.g. a WebGPU error handler) is not caught above.
/** @param {string} message */
const crashed = (message) => post({ type: REPLY.FATAL, message, gpuBroken: onGpu() });
scope.addEventListener('error', (event) => crashed(event.message || 'the worker crashed'));
scope.addEventListener('unhandledrejection', (event) => crashed(describe(event.reason).message));
