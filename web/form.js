// @ts-check
// The form fields shared by Generate and Interpolate (seed, temperature, the faces and steps
// menus): their defaults and bounds from the Rust limits, and their values checked against
// those limits before a job is sent.

import { $, input } from './dom.js';

const MAX_SEED = 18446744073709551615n; // seeds are u64 in Rust

/**
 * The seed as decimal text (it becomes a BigInt in the worker).
 * @param {string} text
 */
export function parseSeed(text) {
  const s = String(text).trim();
  if (!/^\d{1,20}$/.test(s) || BigInt(s) > MAX_SEED) {
    throw new Error(`the seed must be a whole number from 0 to ${MAX_SEED}`);
  }
  return s;
}

/** @param {import('./messages.js').Limits} limits */
export function readTemperature(limits) {
  const t = Number(input('temperature').value);
  if (!Number.isFinite(t) || t < 0 || t > limits.maxTemperature) {
    throw new Error(`the temperature must be a number from 0 to ${limits.maxTemperature}`);
  }
  return t;
}

/** The temperature slider's value beside it. */
export function showTemperature() {
  $('temperature-value').textContent = Number(input('temperature').value).toFixed(2);
}

/** @param {string} id */
const menu = (id) => $(id, HTMLSelectElement);

/**
 * Selects `n` in menu `id`, adding the option if the menu lacks it (?n=K, say).
 * @param {string} id
 * @param {number} n
 */
function choose(id, n) {
  const select = menu(id);
  if (![...select.options].some((o) => Number(o.value) === n)) {
    const after = [...select.options].find((o) => Number(o.value) > n);
    select.add(new Option(String(n), String(n)), after || null);
  }
  select.value = String(n);
}

/**
 * The menus offer nothing the Rust code would refuse.
 * @param {import('./messages.js').Limits} limits
 */
export function applyLimits(limits) {
  for (const [id, max] of /** @type {const} */ ([['count', limits.maxFaces], ['steps', limits.maxSteps]])) {
    for (const option of [...menu(id).options]) if (Number(option.value) > max) option.remove();
  }
  for (const el of document.querySelectorAll('.read-formats')) el.textContent = limits.readFormats;
  const temperature = input('temperature');
  temperature.max = String(Math.min(Number(temperature.max), limits.maxTemperature));
}

/**
 * The fields' starting values, the page's defaults from the wasm (index.html has none), set
 * once: a restart after a crash keeps what the visitor chose. `faces`: the first grid's size
 * (?n, or the default).
 * @param {import('./messages.js').Limits} limits
 * @param {number} faces
 */
export function applyDefaults(limits, faces) {
  input('temperature').value = String(limits.defaultTemperature);
  showTemperature();
  choose('count', faces);
  choose('steps', limits.defaultSteps);
}
