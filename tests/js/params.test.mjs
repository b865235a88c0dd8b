// web/params.js: the URL parameters and their notices (exact texts: the page shows them).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { facesParam, readParams } from '../../web/params.js';

const BASE = 'https://example.org/realnvp/index.html';
// index.html's list as the build rewrites it (scripts/hash-assets.mjs).
const SHIPPED = {
  weights: 'faces64-0123456789abcdef.safetensors',
  attributes: 'attributes-89abcdef01234567.safetensors',
  likeness: 'face_likeness-fedcba9876543210.json',
};
const read = (search) => readParams(search, BASE, SHIPPED);

describe('readParams', () => {
  test('no parameters: auto backend, the shipped weights and directions, no notices', () => {
    assert.deepEqual(read(''), {
      backend: 'auto',
      weights: 'https://example.org/realnvp/faces64-0123456789abcdef.safetensors',
      attributes: 'https://example.org/realnvp/attributes-89abcdef01234567.safetensors',
      likeness: 'https://example.org/realnvp/face_likeness-fedcba9876543210.json',
      faces: null,
      workers: null,
      notices: [],
    });
  });

  test('?backend= takes auto, cpu and webgpu, and says what it does with anything else', () => {
    assert.equal(read('?backend=cpu').backend, 'cpu');
    assert.equal(read('?backend=webgpu').backend, 'webgpu');
    const bad = read('?backend=nonsense');
    assert.equal(bad.backend, 'auto');
    assert.deepEqual(bad.notices, [
      '?backend=nonsense is not one of auto, cpu, webgpu, so the page picks the backend itself (WebGPU on a GPU, else the CPU).',
    ]);
  });

  test('?n and ?workers are passed on as given, to be checked against the wasm limits', () => {
    const p = read('?n=abc&workers=lots');
    assert.equal(p.faces, 'abc');
    assert.equal(p.workers, 'lots');
    assert.deepEqual(p.notices, []);
  });

  test('?weights= another address: no shipped directions with it, unless ?attributes= gives some', () => {
    const other = read('?weights=other.safetensors');
    assert.equal(other.weights, 'https://example.org/realnvp/other.safetensors');
    assert.equal(other.attributes, null);
    assert.equal(other.likeness, null, 'the shipped face-likeness file names the shipped weights');
    const both = read('?weights=https://cdn.example/w.safetensors&attributes=data:,x');
    assert.equal(both.weights, 'https://cdn.example/w.safetensors');
    assert.equal(both.attributes, 'data:,x');
  });

  test('an address the page cannot download is ignored, with a notice', () => {
    const p = read('?weights=&attributes=ftp://host/a');
    assert.equal(p.weights, 'https://example.org/realnvp/faces64-0123456789abcdef.safetensors');
    assert.equal(p.attributes, 'https://example.org/realnvp/attributes-89abcdef01234567.safetensors');
    assert.deepEqual(p.notices, [
      '?weights= is not an address the page can download, so it loads the shipped model (faces64.safetensors).',
      '?attributes=ftp://host/a is not an address the page can download, so it loads the shipped directions (attributes.safetensors).',
    ]);
    assert.deepEqual(read('?weights=w.safetensors&attributes=javascript:1').notices, [
      '?attributes=javascript:1 is not an address the page can download, so face editing is off.',
    ]);
    assert.deepEqual(read('?likeness=ftp://x').notices, [
      '?likeness=ftp://x is not an address the page can download, so it loads the shipped face-likeness file (face_likeness.json).',
    ]);
    assert.equal(read('?weights=w.safetensors&likeness=l.json').likeness, 'https://example.org/realnvp/l.json');
  });

  test('a long value is quoted shortened, and an unknown parameter is named', () => {
    const long = 'x'.repeat(60);
    assert.deepEqual(read(`?backend=${long}&colour=blue&colour=red`).notices, [
      `?backend=${'x'.repeat(37)}… is not one of auto, cpu, webgpu, so the page picks the backend itself (WebGPU on a GPU, else the CPU).`,
      '?colour is not a parameter this page reads (it reads ?backend, ?workers, ?n, ?weights, ?attributes, ?likeness), so it is ignored.',
    ]);
  });
});

describe('facesParam', () => {
  test('none given: the default, no notice', () => {
    assert.deepEqual(facesParam(null, 256, 16), { n: 16, notice: null });
  });

  test('a whole number from 1 to the limit is used', () => {
    assert.deepEqual(facesParam('1', 256, 16), { n: 1, notice: null });
    assert.deepEqual(facesParam(' 256 ', 256, 16), { n: 256, notice: null });
    assert.deepEqual(facesParam('2', 3, 9), { n: 2, notice: null });
  });

  test('anything else gets the default and a notice naming the limit', () => {
    for (const raw of ['0', '257', 'abc', '2.5', '-1', '']) {
      assert.deepEqual(facesParam(raw, 256, 16), {
        n: 16,
        notice: `?n=${raw} is not a whole number of faces from 1 to 256, so the first grid has 16.`,
      }, raw);
    }
    assert.equal(facesParam('5', 4, 1).notice, '?n=5 is not a whole number of faces from 1 to 4, so the first grid has 1.');
  });
});
