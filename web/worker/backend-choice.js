// @ts-check
// Whether the first worker starts WebGPU or the CPU backend, and why: the page's choice
// (?backend=), an earlier WebGPU failure, a browser without WebGPU, or a software adapter,
// which runs this model about 7x slower than the wasm CPU backend on the same cores
// (BENCHMARKS.md) and is only used when asked for (?backend=webgpu). The reason is a plain
// clause for the backend note and the intro; the raw text of a failure is its detail
// (web/worker/webgpu-failure.js).

import { explainWebgpuFailure } from './webgpu-failure.js';

// The part of WebGPU read here (TypeScript's DOM types do not describe WebGPU).
/** @typedef {{ vendor?: string, architecture?: string, device?: string, description?: string, isFallbackAdapter?: boolean }} AdapterInfo */
/** @typedef {{ info?: AdapterInfo, isFallbackAdapter?: boolean, requestAdapterInfo?: () => Promise<AdapterInfo> }} GpuAdapter */
/** @typedef {{ requestAdapter(options: { powerPreference: string }): Promise<GpuAdapter | null> }} Gpu */
/** @typedef {{ name: string, software: boolean }} Adapter */

/** The browser's WebGPU entry point, or null where it has none. */
export const browserGpu = () => /** @type {{ gpu?: Gpu }} */ (/** @type {unknown} */ (self.navigator)).gpu ?? null;

/**
 * What the browser says about its WebGPU adapter (wgpu only passes on `description`, which
 * Chromium leaves empty).
 * @param {Gpu} gpu
 * @returns {Promise<Adapter>}
 */
async function adapterOf(gpu) {
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { name: '', software: false };
    const info = adapter.info || (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    return { name, software: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter) };
  } catch {
    return { name: '', software: false };
  }
}

/**
 * reason: why the CPU backend (null: try WebGPU), a plain clause; detail: the raw text behind
 * it, if any; adapter: the WebGPU adapter, if one was asked.
 * @param {import('../messages.js').BackendChoice} choice auto: WebGPU on a GPU, else the CPU
 * @param {string | null} fallbackReason why an earlier WebGPU start was given up (raw text)
 * @param {Gpu | null} gpu navigator.gpu
 * @returns {Promise<{ reason: string | null, detail: string | null, adapter: Adapter }>}
 */
export async function chooseBackend(choice, fallbackReason, gpu) {
  const none = { name: '', software: false };
  if (fallbackReason) return { ...explainWebgpuFailure(fallbackReason), adapter: none };
  if (choice === 'cpu') return { reason: 'requested with ?backend=cpu', detail: null, adapter: none };
  if (!gpu) return { reason: 'this browser does not offer WebGPU', detail: 'navigator.gpu is missing', adapter: none };
  const adapter = await adapterOf(gpu);
  if (adapter.software && choice === 'auto') {
    const reason = `the only WebGPU adapter here, ${adapter.name || 'unnamed'}, is a software renderer, slower than the CPU backend (?backend=webgpu in the address uses it anyway)`;
    return { reason, detail: null, adapter };
  }
  // No adapter, or one that failed: the wasm tries WebGPU itself and says why it could not.
  return { reason: null, detail: null, adapter };
}
