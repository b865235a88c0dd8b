// web/grid.js: where the faces of a grid lie (the layout of `realnvp sample`'s grid).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gridPixels, tileIndexAt, tileOrigin } from '../../web/grid.js';

const shape = { cols: 3, size: 64, gap: 2 };

describe('grid geometry', () => {
  test('the canvas holds the faces and a gap around each', () => {
    assert.deepEqual(gridPixels(9, shape), { width: 3 * 64 + 4 * 2, height: 3 * 64 + 4 * 2 });
    assert.deepEqual(gridPixels(7, shape), { width: 200, height: 200 });
    assert.deepEqual(gridPixels(4, { cols: 2, size: 8, gap: 0 }), { width: 16, height: 16 });
    assert.deepEqual(gridPixels(5, { cols: 5, size: 64, gap: 3 }), { width: 5 * 64 + 6 * 3, height: 64 + 2 * 3 });
  });

  test('faces are row-major after the gap', () => {
    assert.deepEqual(tileOrigin(0, shape), [2, 2]);
    assert.deepEqual(tileOrigin(2, shape), [2 + 2 * 66, 2]);
    assert.deepEqual(tileOrigin(4, shape), [68, 68]);
  });

  test('every pixel of a face maps back to it; gaps and the space past the last face to -1', () => {
    for (let n = 0; n < 7; n++) {
      const [x, y] = tileOrigin(n, shape);
      assert.equal(tileIndexAt(x, y, 7, shape), n);
      assert.equal(tileIndexAt(x + 63.9, y + 63.9, 7, shape), n);
      assert.equal(tileIndexAt(x + 64, y, 7, shape), -1, `the gap right of face ${n}`);
      assert.equal(tileIndexAt(x - 0.5, y, 7, shape), -1, `the gap left of face ${n}`);
    }
    const [x7, y7] = tileOrigin(7, shape);
    assert.equal(tileIndexAt(x7 + 1, y7 + 1, 7, shape), -1, 'no face 8 in a grid of 7');
    assert.equal(tileIndexAt(1000, 5, 7, shape), -1, 'right of the grid');
  });
});
