// web/edits.js: the strip's edits and how amounts are written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signedAmount, stripEdits } from '../../web/edits.js';

describe('stripEdits', () => {
  test('each direction at each amount, the others at 0, one row per direction', () => {
    assert.deepEqual(stripEdits(2, [-2, -1, 0, 1, 2]), [
      [-2, 0], [-1, 0], [0, 0], [1, 0], [2, 0],
      [0, -2], [0, -1], [0, 0], [0, 1], [0, 2],
    ]);
    assert.deepEqual(stripEdits(3, [1]), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(stripEdits(0, [1, 2]), []);
  });
});

describe('signedAmount', () => {
  test('a real minus sign, a plus on positive amounts, zero bare', () => {
    assert.equal(signedAmount(-2), '−2');
    assert.equal(signedAmount(2), '+2');
    assert.equal(signedAmount(0), '0');
    assert.equal(signedAmount(1.5), '+1.5');
  });
});
