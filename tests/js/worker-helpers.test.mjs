// The worker's pure parts: RGBA -> RGB (web/worker/pixels.js), the backend decision
// (web/worker/backend-choice.js), what an error says (web/errors.js, web/worker/wasm.js), what a
// WebGPU failure means (web/worker/webgpu-failure.js).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageOf } from '../../web/errors.js';
import { chooseBackend } from '../../web/worker/backend-choice.js';
import { rgbaToRgb } from '../../web/worker/pixels.js';
import { explainWebgpuFailure } from '../../web/worker/webgpu-failure.js';
import { describe as describeError } from '../../web/worker/wasm.js';

describe('rgbaToRgb', () => {
  test('drops alpha, keeps the order', () => {
    assert.deepEqual(Array.from(rgbaToRgb(new Uint8Array([1, 2, 3, 255, 4, 5, 6, 0]))), [1, 2, 3, 4, 5, 6]);
    assert.equal(rgbaToRgb(new Uint8Array(64 * 64 * 4)).length, 64 * 64 * 3);
  });

  test('refuses bytes that are not whole pixels', () => {
    assert.throws(() => rgbaToRgb(new Uint8Array(6)), /6 bytes are not RGBA pixels/);
  });
});

/** A navigator.gpu whose adapter is `adapter` (null: none), counting the requests. */
function fakeGpu(adapter) {
  const gpu = { requests: 0, requestAdapter: async () => { gpu.requests++; return adapter; } };
  return gpu;
}
const HARDWARE = { info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: '' }, isFallbackAdapter: false };
const SWIFTSHADER = { info: { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true } };

describe('chooseBackend', () => {
  test('a GPU adapter: WebGPU, with its name', async () => {
    assert.deepEqual(await chooseBackend('auto', null, fakeGpu(HARDWARE)), { reason: null, detail: null, adapter: { name: 'nvidia hopper', software: false } });
  });

  test('a software adapter: the CPU on auto, WebGPU when asked for', async () => {
    const auto = await chooseBackend('auto', null, fakeGpu(SWIFTSHADER));
    assert.equal(auto.reason, 'the only WebGPU adapter here, google swiftshader, is a software renderer, slower than the CPU backend (?backend=webgpu in the address uses it anyway)');
    assert.deepEqual(auto.adapter, { name: 'google swiftshader', software: true });
    assert.deepEqual(await chooseBackend('webgpu', null, fakeGpu(SWIFTSHADER)), { reason: null, detail: null, adapter: { name: 'google swiftshader', software: true } });
  });

  test('the CPU without asking the GPU: ?backend=cpu, an earlier failure, no WebGPU', async () => {
    const gpu = fakeGpu(HARDWARE);
    assert.equal((await chooseBackend('cpu', null, gpu)).reason, 'requested with ?backend=cpu');
    assert.deepEqual(await chooseBackend('auto', 'WebGPU failed: Device lost', gpu), {
      reason: 'the graphics device stopped working (WebGPU lost it) while the page was using it',
      detail: 'WebGPU failed: Device lost',
      adapter: { name: '', software: false },
    });
    assert.equal(gpu.requests, 0);
    assert.deepEqual(await chooseBackend('auto', null, null), { reason: 'this browser does not offer WebGPU', detail: 'navigator.gpu is missing', adapter: { name: '', software: false } });
  });

  test('no adapter, or one that fails: WebGPU is tried (the wasm decides), unnamed', async () => {
    assert.deepEqual(await chooseBackend('auto', null, fakeGpu(null)), { reason: null, detail: null, adapter: { name: '', software: false } });
    const failing = { requestAdapter: async () => { throw new Error('boom'); } };
    assert.deepEqual(await chooseBackend('auto', null, failing), { reason: null, detail: null, adapter: { name: '', software: false } });
  });
});

describe('what an error says', () => {
  test('an Error its message, anything else as text', () => {
    assert.equal(messageOf(new Error('no such file')), 'no such file');
    assert.equal(messageOf('plain'), 'plain');
    assert.equal(messageOf(42), '42');
  });

  test('a wasm RuntimeError (a panic) is fatal, other errors are not', () => {
    assert.deepEqual(describeError(new WebAssembly.RuntimeError('unreachable')), { fatal: true, message: 'the wasm module crashed: unreachable' });
    assert.deepEqual(describeError(new Error('bad seed')), { fatal: false, message: 'bad seed' });
  });
});

describe('explainWebgpuFailure', () => {
  // What wgpu 30 said in Firefox ESR 153 with dom.webgpu.enabled and no adapter (issue 25).
  const NO_ADAPTER = 'WebGPU could not start: No adapter available for WgpuDevice { kind: DefaultDevice, backend: Auto }: '
    + 'No suitable graphics adapter found; noop not requested, vulkan not requested, metal not requested, dx12 not requested, '
    + 'gl not requested, webgpu found no adapters';

  test('wgpu\'s no-adapter text: a plain sentence, the text kept as the detail', () => {
    assert.deepEqual(explainWebgpuFailure(NO_ADAPTER), {
      reason: 'this browser has WebGPU switched on but found no graphics adapter it can use',
      detail: NO_ADAPTER,
    });
  });

  test('each kind of failure its own sentence, none of them the raw text', () => {
    const cases = [
      ['WebGPU failed: the worker crashed', /the model crashed on WebGPU/],
      ['WebGPU failed: the wasm module crashed: unreachable', /the model crashed/],
      ['WebGPU failed: WebGPU gave wrong results in the self-check (a generated face scored NaN bits/dim)', /gave wrong results when the page checked it/],
      ['WebGPU failed: Device lost (reason: destroyed)', /stopped working/],
      ['WebGPU could not start: Out of memory', /ran out of memory/],
      ['WebGPU could not start: requested limits exceed the adapter\'s', /limits are too small/],
      ['WebGPU failed: Shader validation error: entry point main', /refused one of the model's GPU programs/],
      ['WebGPU could not start: something nobody foresaw', /^WebGPU failed in this browser$/],
    ];
    for (const [raw, sentence] of cases) {
      const { reason, detail } = explainWebgpuFailure(raw);
      assert.match(reason, sentence, raw);
      assert.equal(detail, raw);
      assert.doesNotMatch(reason, /WgpuDevice|\{|:/, `"${reason}" reads as debug text`);
    }
  });
});
