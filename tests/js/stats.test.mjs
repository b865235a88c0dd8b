// web/stats.js: the weight file's validation statistics, as the Python trainer writes them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bpdAtQuantile, parseStats, percentile } from '../../web/stats.js';

const SHIPPED = JSON.stringify({
  val_bpd: 2.92,
  val_per_scale: [1.5, 0.9, 0.52],
  val_bpd_quantiles: { 0.5: 2.9, 0.01: 2.4, 0.99: 3.6, 0.25: 2.7 },
  val_images: 1200,
  train_bpd: 2.8,
});

describe('parseStats', () => {
  test('reads the fields the page shows, the quantiles sorted by q', () => {
    assert.deepEqual(parseStats(SHIPPED), {
      valBpd: 2.92,
      valPerScale: [1.5, 0.9, 0.52],
      quantiles: [[0.01, 2.4], [0.25, 2.7], [0.5, 2.9], [0.99, 3.6]],
      valImages: 1200,
    });
  });

  test('none, or not JSON: no statistics', () => {
    assert.equal(parseStats(null), null);
    assert.equal(parseStats(''), null);
    assert.equal(parseStats('not json'), null);
    assert.equal(parseStats('3'), null);
  });

  test('malformed fields are left out', () => {
    assert.deepEqual(parseStats(JSON.stringify({
      val_bpd: 'x',
      val_per_scale: [1, 'a', null],
      val_bpd_quantiles: { 0.5: 3, 2: 4, nope: 5, 0.9: 'y' },
    })), { valBpd: null, valPerScale: [1, null, null], quantiles: [], valImages: null });
  });
});

describe('bpdAtQuantile and percentile', () => {
  const stats = parseStats(SHIPPED);

  test('bpdAtQuantile: piecewise linear between the shipped quantiles, flat outside', () => {
    assert.equal(bpdAtQuantile(stats, 0.5), 2.9);
    assert.ok(Math.abs(bpdAtQuantile(stats, 0.375) - 2.8) < 1e-12);
    assert.equal(bpdAtQuantile(stats, 0), 2.4);
    assert.equal(bpdAtQuantile(stats, 1), 3.6);
    assert.equal(bpdAtQuantile(null, 0.5), null);
  });

  test('percentile: where a score falls, below the lowest or above the highest quantile', () => {
    assert.deepEqual(percentile(stats, 2.0), { below: 0.01 });
    assert.deepEqual(percentile(stats, 4.0), { above: 0.99 });
    assert.ok(Math.abs(percentile(stats, 2.8).at - 0.375) < 1e-12);
    assert.equal(percentile(parseStats('{}'), 3), null);
  });
});
