// @ts-check
// Content-hashed file names: `stem-<hash>.ext`, the hash of the file's bytes, so a name never
// changes meaning and its file can be kept for good (HTTP `immutable`, the Cache API). trunk
// names the wasm and its glue this way (`realnvp-<hash>_bg.wasm`, `realnvp-<hash>.js`), and
// scripts/hash-assets.mjs (a trunk post_build hook) the weights and their side files. The one
// rule for such a name, read by that hook and scripts/serve.mjs (node) and by the page's
// worker (web/worker/asset-cache.js).

// trunk writes a 64-bit hash in hex without leading zeros; the hook writes 16 hex digits.
const HASHED = /^(.+)-([0-9a-f]{10,16})(_bg)?(\.[A-Za-z0-9]+)$/;

/** The hash length the hook writes (hex digits of a SHA-256). */
export const HASH_DIGITS = 16;

/**
 * The last segment of a URL's (or a path's) path.
 * @param {string} url
 */
const fileName = (url) => url.split(/[?#]/)[0].split('/').pop() ?? '';

/**
 * `faces64.safetensors` with hash `0123…` -> `faces64-0123….safetensors`.
 * @param {string} name a file name with an extension
 * @param {string} hash hex digits
 */
export function hashedName(name, hash) {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) throw new Error(`${name} has no extension to keep after the hash`);
  return `${name.slice(0, dot)}-${hash.slice(0, HASH_DIGITS)}${name.slice(dot)}`;
}

/**
 * Whether the file behind `url` is named by its content (and so never changes).
 * @param {string} url
 */
export const isContentHashed = (url) => HASHED.test(fileName(url));

/**
 * The name without its hash (`faces64.safetensors`, `realnvp_bg.wasm`): copies of one asset
 * from different builds share it, so a new build's copy replaces the old one in a cache.
 * @param {string} url
 * @returns {string | null} null for a name without a hash
 */
export function unhashedName(url) {
  const m = HASHED.exec(fileName(url));
  return m ? `${m[1]}${m[3] ?? ''}${m[4]}` : null;
}
