// @ts-check
// The first worker's downloads: the wasm and the weights with a progress bar (REPLY.PROGRESS),
// and the optional side files (attribute directions, face-likeness).

import { messageOf } from '../errors.js';
import { REPLY } from '../messages.js';
import { post } from './channel.js';

/**
 * @param {string} url
 * @param {string} what the words for the progress bar and the errors ('wasm', 'weights')
 */
export async function fetchWithProgress(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`could not download the ${what} (${url}): ${messageOf(err)}`);
  }
  if (!response.ok) throw new Error(`could not download the ${what} (${url}): HTTP ${response.status}`);
  if (!response.body) throw new Error(`could not download the ${what} (${url}): the response has no body`);
  // Content-Length is the transfer size; with Content-Encoding it is not the body size.
  const encoded = response.headers.get('Content-Encoding');
  const total = encoded ? 0 : Number(response.headers.get('Content-Length')) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      post({ type: REPLY.PROGRESS, what, loaded, total });
    }
  }
  post({ type: REPLY.PROGRESS, what, loaded, total: loaded });
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/**
 * A side file is optional: without it the page works and says what is off (`none`, when
 * there is no URL: custom weights come without the shipped side files).
 * @param {string | null} url
 * @param {string} what the file in words ('the attribute file')
 * @param {string} none the note when there is no URL
 * @returns {Promise<{ bytes: import('../messages.js').Bytes | null, note: string | null }>}
 */
export async function fetchSideFile(url, what, none) {
  if (!url) return { bytes: null, note: none };
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    return { bytes: null, note: `${what} could not be downloaded (${messageOf(err)})` };
  }
  if (!response.ok) return { bytes: null, note: `${what} could not be downloaded (HTTP ${response.status})` };
  return { bytes: new Uint8Array(await response.arrayBuffer()), note: null };
}
