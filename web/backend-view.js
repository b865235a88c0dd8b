// @ts-check
// Where the model runs, said in three places once the first worker knows: #backend in the
// status bar, #backend-note (why not the GPU, when it is not, and why that many CPU workers)
// and the intro's #intro-backend, which must not promise a GPU the page is not using. Both
// speak in plain sentences; the raw text of a WebGPU failure (wgpu's debug output) is only
// in the note's details toggle.

import { $ } from './dom.js';
import { limits, modelInfo } from './model-info.js';
import { workerCount } from './worker-plan.js';

/** @param {string} clause */
const sentence = (clause) => clause.charAt(0).toUpperCase() + clause.slice(1);

/** @param {import('./messages.js').BackendNotice} msg sent again when a CPU helper fails to start */
export function showBackend(msg) {
  const workers = workerCount(msg.workers);
  const backend = $('backend');
  if (msg.kind === 'webgpu') {
    const software = msg.software ? ' (software adapter)' : '';
    backend.textContent = `webgpu · ${msg.adapter || 'adapter name not given'}${software}`;
  } else {
    // The CPU backend is single-threaded in wasm: each worker is one thread.
    backend.textContent = `cpu · ${msg.adapter}, ${workers}`;
  }
  backend.dataset.kind = msg.kind;

  let note = '';
  let intro;
  if (msg.kind === 'webgpu' && msg.software) {
    note = `This WebGPU adapter is a software renderer (no GPU is in use), which is slow for this model: a ${limits().defaultFaces}-face grid ` +
      'can take minutes. Without ?backend=webgpu in the address the page uses its CPU backend here, which is faster.';
    intro = 'through WebGPU on a software renderer: your CPU imitating a GPU, not a GPU';
  } else if (msg.kind === 'webgpu') {
    intro = `on your GPU through WebGPU${msg.adapter ? ` (${msg.adapter})` : ''}`;
  } else {
    const reason = msg.reason || 'no reason given';
    const lost = modelInfo.plannedWorkers - msg.workers;
    const rule = `${modelInfo.workerRule}${lost > 0 ? `; ${lost} of them could not start` : ''}`;
    note = `${sentence(reason)}, so the page runs on its CPU backend, which is much slower than a GPU. ` +
      `It draws on ${workers} at once, ${rule}; ?workers=N in the address sets the number.`;
    intro = `on your CPU (${workers}), not a GPU: ${reason}`;
  }
  $('backend-reason').textContent = note;
  $('backend-note').hidden = !note;
  $('backend-raw').textContent = msg.detail ?? '';
  $('backend-detail').hidden = !(note && msg.detail);
  $('intro-backend').textContent = intro;
}
