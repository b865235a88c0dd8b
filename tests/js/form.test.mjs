// web/form.js parseSeed: seeds are u64 in Rust.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSeed } from '../../web/form.js';

test('parseSeed takes whole numbers from 0 to 2^64 - 1, as text', () => {
  assert.equal(parseSeed('0'), '0');
  assert.equal(parseSeed(' 42 '), '42');
  assert.equal(parseSeed('18446744073709551615'), '18446744073709551615');
  for (const bad of ['18446744073709551616', '-1', '1.5', 'abc', '', '123456789012345678901']) {
    assert.throws(() => parseSeed(bad), { message: 'the seed must be a whole number from 0 to 18446744073709551615' }, bad);
  }
});
