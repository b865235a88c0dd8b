// @ts-check
// The validation statistics a weight file may carry, and the only place the page reads them.
//
// They are the safetensors metadata entry "stats", a JSON string, written by the PyTorch
// trainer: python/train_torch.py computes them in its final evaluation (the `res` dict,
// "event": "final") and python/export_weights.py stats_from_state() keeps these keys when it
// writes the weight file (python/realnvp_torch.py save_weights writes a given dict the same way).
// The Rust side passes the string through untouched (src/weights.rs, Model.stats in
// src/web/mod.rs). Every field is optional:
//
//   val_bpd             number    mean bits/dim of the validation faces
//   val_per_scale       number[]  its per-scale parts, finest scale first (they sum to val_bpd)
//   val_bpd_quantiles   object    {"0.01": bits/dim, ..., "0.5": ..., "0.99": ...}: quantiles of
//                                 the validation faces' bits/dim, keyed by str(q) in Python
//   val_images          number    how many validation faces
//   train_bpd, val_bpd_before_recal, train_bpd_before_recal, step, epoch, train_s: not shown
//
// parseStats turns it into Stats, with anything missing or malformed left out (null, or
// empty lists).

/**
 * @typedef {object} Stats
 * @property {number | null} valBpd
 * @property {(number | null)[]} valPerScale
 * @property {[number, number][]} quantiles [q, bits/dim], sorted by q: at least two, or none
 * @property {number | null} valImages
 */

/** @param {unknown} v */
const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * @param {string | null} json the weight file's "stats" (ModelInfo.stats)
 * @returns {Stats | null}
 */
export function parseStats(json) {
  if (!json) return null;
  /** @type {unknown} */
  let raw;
  try {
    raw = JSON.parse(json);
  } catch {
    console.warn('the weight file\'s stats are not JSON; shown without them');
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  /** @type {Record<string, unknown>} */
  const fields = { ...raw };
  const given = fields.val_bpd_quantiles && typeof fields.val_bpd_quantiles === 'object' ? fields.val_bpd_quantiles : {};
  /** @type {[number, number][]} */
  const quantiles = [];
  for (const [key, value] of Object.entries(given)) {
    const q = Number(key);
    const v = finite(value);
    if (Number.isFinite(q) && q >= 0 && q <= 1 && v !== null) quantiles.push([q, v]);
  }
  quantiles.sort((a, b) => a[0] - b[0]);
  return {
    valBpd: finite(fields.val_bpd),
    valPerScale: Array.isArray(fields.val_per_scale) ? fields.val_per_scale.map(finite) : [],
    quantiles: quantiles.length >= 2 ? quantiles : [],
    valImages: finite(fields.val_images),
  };
}

/**
 * The bits/dim at quantile q, piecewise linear between the shipped quantiles.
 * @param {Stats | null} stats
 * @param {number} q
 */
export function bpdAtQuantile(stats, q) {
  const points = stats?.quantiles || [];
  if (!points.length) return null;
  if (q <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [q0, v0] = points[i - 1];
    const [q1, v1] = points[i];
    if (q <= q1) return v0 + ((v1 - v0) * (q - q0)) / Math.max(q1 - q0, 1e-12);
  }
  return points[points.length - 1][1];
}

/**
 * Where a bits/dim value falls among the validation faces: { below: q } under the lowest
 * shipped quantile, { above: q } over the highest, else { at: q } (piecewise linear).
 * @param {Stats | null} stats
 * @param {number} bpd
 * @returns {{ below: number } | { above: number } | { at: number } | null}
 */
export function percentile(stats, bpd) {
  const points = stats?.quantiles || [];
  if (!points.length) return null;
  if (bpd <= points[0][1]) return { below: points[0][0] };
  if (bpd >= points[points.length - 1][1]) return { above: points[points.length - 1][0] };
  for (let i = 1; i < points.length; i++) {
    const [q0, v0] = points[i - 1];
    const [q1, v1] = points[i];
    if (bpd <= v1) return { at: q0 + ((q1 - q0) * (bpd - v0)) / Math.max(v1 - v0, 1e-9) };
  }
  return null;
}
