// The form fields shared by Generate and Interpolate (seed, temperature, the faces and steps
// menus), read and checked against the Rust limits (modelInfo.limits) before a job is sent.

import { $ } from './dom.js';

const MAX_SEED = 18446744073709551615n; // seeds are u64 in Rust

export function parseSeed(text) {
  const s = String(text).trim();
  if (!/^\d{1,20}$/.test(s) || BigInt(s) > MAX_SEED) {
    throw new Error(`the seed must be a whole number from 0 to ${MAX_SEED}`);
  }
  return s;
}

export function readTemperature(limits) {
  const t = Number($('temperature').value);
  if (!Number.isFinite(t) || t < 0 || t > limits.maxTemperature) {
    throw new Error(`the temperature must be a number from 0 to ${limits.maxTemperature}`);
  }
  return t;
}

// The menus offer nothing the Rust code would refuse.
export function applyLimits(limits) {
  for (const [id, max] of [['count', limits.maxFaces], ['steps', limits.maxSteps]]) {
    for (const option of [...$(id).options]) if (Number(option.value) > max) option.remove();
  }
  $('temperature').max = String(Math.min(Number($('temperature').max), limits.maxTemperature));
}

// Selects `n` faces in the menu, adding the option if the menu lacks it (?n=K).
export function selectFaces(n) {
  const menu = $('count');
  if (![...menu.options].some((o) => Number(o.value) === n)) {
    const option = new Option(String(n), String(n));
    const after = [...menu.options].find((o) => Number(o.value) > n);
    menu.add(option, after || null);
  }
  menu.value = String(n);
}

export const defaultFaces = () => Number([...$('count').options].find((o) => o.defaultSelected)?.value || $('count').value);
