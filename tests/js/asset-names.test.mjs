// web/asset-names.js: which names are content-hashed (kept for good by serve.mjs and the
// worker's Cache API copy), as trunk and scripts/hash-assets.mjs write them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashedName, isContentHashed, unhashedName } from '../../web/asset-names.js';

describe('content-hashed names', () => {
  test('hashedName puts 16 hex digits of the hash before the extension', () => {
    assert.equal(hashedName('faces64.safetensors', '0123456789abcdef0123'), 'faces64-0123456789abcdef.safetensors');
    assert.equal(hashedName('face_likeness.json', 'fedcba9876543210'), 'face_likeness-fedcba9876543210.json');
    assert.throws(() => hashedName('README', 'ab'), /no extension/);
  });

  test("trunk's names and the hook's are hashed; the page's own modules and plain names are not", () => {
    for (const name of [
      'realnvp-3f2a9c1d0b4e5f67_bg.wasm',
      'realnvp-3f2a9c1d0b4e5f6_bg.wasm', // trunk drops leading zeros of its 64-bit hash
      'realnvp-3f2a9c1d0b4e5f67.js',
      'faces64-0123456789abcdef.safetensors',
      'http://127.0.0.1:8080/face_likeness-0123456789abcdef.json?x=1',
    ]) {
      assert.ok(isContentHashed(name), name);
    }
    for (const name of ['faces64.safetensors', 'app.js', 'worker-plan.js', 'asset-names.js', 'index.html', 'backend-choice.js', 'http://host/dir-0123456789abcdef/app.js']) {
      assert.ok(!isContentHashed(name), name);
    }
  });

  test('unhashedName gives the name every build of the file shares', () => {
    assert.equal(unhashedName('https://x/realnvp-3f2a9c1d0b4e5f67_bg.wasm'), 'realnvp_bg.wasm');
    assert.equal(unhashedName('faces64-0123456789abcdef.safetensors'), 'faces64.safetensors');
    assert.equal(unhashedName('faces64.safetensors'), null);
    assert.equal(unhashedName(hashedName('attributes.safetensors', 'abcdefabcdefabcdef')), 'attributes.safetensors');
  });
});
