// @ts-check
// The worker's own copy of the large files in the browser's Cache API, so that a second visit
// downloads nothing, whatever caching headers the host sends (candle's wasm examples,
// transformers.js and web-llm keep their weights there too). Only content-hashed files are kept
// (web/asset-names.js): their names never change meaning, so a kept copy is never stale and a
// new build, with new names, replaces an old build's copy of the same file.
//
// Where the Cache API is missing or refused (an insecure http origin, a private window that
// blocks storage, a full disk), every call here says "nothing kept" and the files are simply
// downloaded: the page works the same, only the second visit is not free.

import { messageOf } from '../errors.js';
import { isContentHashed, unhashedName } from '../asset-names.js';

const CACHE_NAME = 'realnvp-assets';

/** @returns {Promise<Cache | null>} the store, or null where the browser gives none */
export async function openAssetCache() {
  if (typeof caches === 'undefined') return null; // not a secure context, or an old browser
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // storage blocked (Firefox's private windows), or the cache is corrupt
  }
}

/**
 * The kept copy of `url`, or null.
 * @param {Cache | null} cache
 * @param {string} url
 * @returns {Promise<Response | null>}
 */
export async function keptCopy(cache, url) {
  if (!cache || !isContentHashed(url)) return null;
  try {
    const hit = await cache.match(url);
    return hit && hit.ok ? hit : null;
  } catch {
    return null;
  }
}

/**
 * Keeps `response` (the whole file at `url`) and drops the copies an older build kept of the
 * same file. A failure (quota, storage pressure) costs only the next visit's download.
 * @param {Cache | null} cache
 * @param {string} url
 * @param {Response} response
 */
export async function keep(cache, url, response) {
  if (!cache || !isContentHashed(url)) return;
  try {
    await cache.put(url, response);
    const name = unhashedName(url);
    for (const request of await cache.keys()) {
      if (request.url !== url && unhashedName(request.url) === name) await cache.delete(request);
    }
  } catch (err) {
    console.warn(`could not keep ${url} for the next visit: ${messageOf(err)}`);
  }
}
