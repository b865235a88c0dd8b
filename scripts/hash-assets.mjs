#!/usr/bin/env node
// trunk post_build hook (Trunk.toml): names the shipped weights and their side files by their
// content, as trunk already names the wasm and its glue, so that a browser may keep every large
// file for good (scripts/serve.mjs sends them `immutable`; the page's worker keeps them in the
// Cache API) and a new build is still picked up at once: its files have new names.
//
// The files are the ones index.html lists in its `shipped-files` JSON (the page reads that
// JSON to find them); each is renamed in trunk's staging folder to `stem-<sha256>.ext`
// (web/asset-names.js) and the JSON rewritten to match, before trunk moves the folder to dist/.
//
//   TRUNK_STAGING_DIR=dist node scripts/hash-assets.mjs    (trunk sets it; by hand: a built dist/)

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashedName, isContentHashed } from '../web/asset-names.js';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('hash-assets: TRUNK_STAGING_DIR is not set (run by trunk as a post_build hook, or set it to a built dist/)');
  process.exit(2);
}
const htmlPath = join(staging, 'index.html');
const html = readFileSync(htmlPath, 'utf8');
const TAG = /(<script type="application\/json" id="shipped-files">)([\s\S]*?)(<\/script>)/;
const found = TAG.exec(html);
if (!found) {
  console.error(`hash-assets: ${htmlPath} has no <script type="application/json" id="shipped-files"> to rewrite`);
  process.exit(1);
}
/** @type {Record<string, string>} */
const files = JSON.parse(found[2]);
for (const [key, name] of Object.entries(files)) {
  if (isContentHashed(name)) continue; // already named by its content (a rerun on a built dist/)
  const bytes = readFileSync(join(staging, name));
  const hashed = hashedName(name, createHash('sha256').update(bytes).digest('hex'));
  renameSync(join(staging, name), join(staging, hashed));
  files[key] = hashed;
  console.log(`hash-assets: ${name} -> ${hashed}`);
}
writeFileSync(htmlPath, html.replace(TAG, (_, open, _json, close) => `${open}${JSON.stringify(files)}${close}`));
