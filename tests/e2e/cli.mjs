// The command-line tool the page must agree with (REALNVP_BIN, target/debug/realnvp by
// default, built by the native tests), on the shipped weights.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const OUT = resolve(process.env.E2E_OUT || 'runs/e2e');
const BIN = resolve(process.env.REALNVP_BIN || 'target/debug/realnvp');
export const WEIGHTS = resolve('model-weights/faces64.safetensors');

const run = (args) => execFileSync(BIN, [...args.slice(0, 1), '--weights', WEIGHTS, ...args.slice(1)], { encoding: 'utf8' });

// `realnvp score --json` of one file: its first line (`extra`: --bits-map).
export function cliScore(file, extra = []) {
  const out = run(['score', '--json', ...extra, file]);
  const line = JSON.parse(out.trim().split('\n')[0]);
  assert.ok(typeof line.bits_per_dim === 'number', `realnvp score gave no bits/dim: ${out}`);
  return line;
}

// `realnvp sample`'s grid as a PNG in OUT; its path.
export function cliSample(n, seed, temperature, name = `cli-sample-${n}-seed${seed}.png`) {
  const out = join(OUT, name);
  run(['sample', '--n', String(n), '--seed', String(seed), '--temperature', String(temperature), '--out', out]);
  return out;
}

// `realnvp edit`'s strip of `photo` along `attribute` at `amounts`, as a PNG in OUT; its path.
export function cliEdit(photo, attribute, amounts) {
  const out = join(OUT, `cli-edit-${attribute}.png`);
  run(['edit', photo, '--attribute', attribute, `--amounts=${amounts.join(',')}`, '--out', out]);
  return out;
}
