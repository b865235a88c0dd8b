// @ts-check
// The first worker's downloads, all started at once: the wasm (compiled as it arrives), the
// weights and the optional side files (attribute directions, face-likeness). One progress bar
// for the large ones (REPLY.PROGRESS); each file comes from the worker's Cache API copy when it
// has one (web/worker/asset-cache.js), else from the network, and is kept for the next visit.

import { messageOf } from '../errors.js';
import { REPLY } from '../messages.js';
import { keep, keptCopy } from './asset-cache.js';
import { post } from './channel.js';

const REPORT_EVERY_MS = 50;

/** One progress bar over several downloads: bytes so far, and the total once every size is known. */
export class Progress {
  constructor() {
    /** @type {Map<string, { loaded: number, total: number }>} what -> bytes so far, size (0: unknown) */
    this.files = new Map();
    this.lastReport = 0;
  }

  /**
   * @param {string} what
   * @param {number} loaded
   * @param {number} total 0 while unknown (a compressed transfer's size is not the file's)
   * @param {boolean} [force] report now (a file finished)
   */
  update(what, loaded, total, force = false) {
    this.files.set(what, { loaded, total });
    const now = performance.now();
    if (!force && now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    let sum = 0;
    let size = 0;
    for (const f of this.files.values()) {
      sum += f.loaded;
      size = f.total > 0 && size >= 0 ? size + f.total : -1;
    }
    post({ type: REPLY.PROGRESS, what: [...this.files.keys()].join(' and '), loaded: sum, total: Math.max(size, 0) });
  }
}

/** A failed download: `reason` is the network's error or the HTTP status. */
class DownloadError extends Error {
  /** @param {string} url @param {string} what @param {string} reason */
  constructor(url, what, reason) {
    super(`could not download the ${what} (${url}): ${reason}`);
    this.reason = reason;
  }
}

/**
 * The response for `url`: the kept copy, else the network's (a DownloadError names the file).
 * @param {string} url
 * @param {string} what the file in words ('wasm', 'weights')
 * @param {Cache | null} cache
 * @returns {Promise<{ response: Response, kept: boolean }>}
 */
async function open(url, what, cache) {
  const copy = await keptCopy(cache, url);
  if (copy) return { response: copy, kept: true };
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new DownloadError(url, what, messageOf(err));
  }
  if (!response.ok) throw new DownloadError(url, what, `HTTP ${response.status}`);
  if (!response.body) throw new DownloadError(url, what, 'the response has no body');
  return { response, kept: false };
}

/**
 * Reads a body to its end, telling `progress` as it goes.
 * @param {ReadableStream<Uint8Array>} body
 * @param {string} what
 * @param {number} total
 * @param {Progress} progress
 */
async function readAll(body, what, total, progress) {
  const reader = body.getReader();
  const parts = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    progress.update(what, loaded, total);
  }
  progress.update(what, loaded, loaded, true);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** Content-Length is the transfer size; with Content-Encoding it is not the body size. @param {Response} r */
const sizeOf = (r) => (r.headers.get('Content-Encoding') ? 0 : Number(r.headers.get('Content-Length')) || 0);

/**
 * A whole file's bytes (the weights).
 * @param {string} url
 * @param {string} what the file in words ('weights')
 * @param {Cache | null} cache
 * @param {Progress} progress
 * @returns {Promise<{ bytes: import('../messages.js').Bytes, kept: boolean }>} kept: it came from the Cache API
 */
export async function download(url, what, cache, progress) {
  const { response, kept } = await open(url, what, cache);
  // Kept in the background, from a second reader of the same body, as the other files are.
  if (!kept) void keep(cache, url, response.clone());
  const bytes = await readAll(/** @type {ReadableStream<Uint8Array>} */ (response.body), what, sizeOf(response), progress);
  return { bytes, kept };
}

/**
 * The wasm module, compiled while it downloads (WebAssembly.compileStreaming; a host that does
 * not send `application/wasm` gets the plain compile of the whole file).
 * @param {string} url
 * @param {Cache | null} cache
 * @param {Progress} progress
 * @returns {Promise<{ module: WebAssembly.Module, bytes: number, kept: boolean }>} bytes: the module's size
 */
export async function compileWasm(url, cache, progress) {
  const what = 'wasm';
  const { response, kept } = await open(url, what, cache);
  if (!kept) void keep(cache, url, response.clone());
  // A second reader of the same body, for the progress bar.
  const counted = readAll(/** @type {ReadableStream<Uint8Array>} */ (response.clone().body), what, sizeOf(response), progress);
  const streamable = (response.headers.get('Content-Type') ?? '').startsWith('application/wasm');
  const module = streamable
    ? await WebAssembly.compileStreaming(response)
    : await WebAssembly.compile(await response.arrayBuffer());
  return { module, bytes: (await counted).byteLength, kept };
}

/**
 * A side file is optional: without it the page works and says what is off (`none`, when
 * there is no URL: custom weights come without the shipped side files).
 * @param {string | null} url
 * @param {string} what the file in words ('the attribute file')
 * @param {string} none the note when there is no URL
 * @param {Cache | null} cache
 * @returns {Promise<{ bytes: import('../messages.js').Bytes | null, note: string | null }>}
 */
export async function fetchSideFile(url, what, none, cache) {
  if (!url) return { bytes: null, note: none };
  let opened;
  try {
    opened = await open(url, what, cache);
  } catch (err) {
    return { bytes: null, note: `${what} could not be downloaded (${err instanceof DownloadError ? err.reason : messageOf(err)})` };
  }
  const { response, kept } = opened;
  if (!kept) void keep(cache, url, response.clone());
  return { bytes: new Uint8Array(await response.arrayBuffer()), note: null };
}
