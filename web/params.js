// @ts-check
// The URL parameters the page reads, each checked. A value the page cannot use gets a notice
// that says what was ignored and what the page does instead (shown in #url-notice).
//
//   ?backend=auto|cpu|webgpu  auto (default): WebGPU on a GPU, else the CPU backend; cpu forces
//                             the wasm CPU backend; webgpu uses WebGPU even on a software adapter
//   ?workers=N                CPU workers, 1 to the Rust limit (limits().maxCpuWorkers; default:
//                             one per core): web/worker-plan.js, once the limits are known
//   ?n=K                      faces in the first grid, 1 to the Rust limit (limits().maxFaces): facesParam
//   ?weights=URL              another weight file (http, https, data or blob address)
//   ?attributes=URL           the attribute directions for the face edits (default: the
//                             shipped file, with the shipped weights only: directions
//                             belong to the model they were fitted with)
//   ?likeness=URL             the face-likeness file (default: the shipped one, with the
//                             shipped weights only: it names the weight file it was made for)

import { unhashedName } from './asset-names.js';

/**
 * The shipped files' names in dist/: index.html's `shipped-files` list, content-hashed by the
 * build (scripts/hash-assets.mjs).
 * @typedef {{ weights: string, attributes: string, likeness: string, cpuGlue: string, cpuWasm: string }} ShippedFiles
 */

/** @type {import('./messages.js').BackendChoice[]} */
const BACKENDS = ['auto', 'cpu', 'webgpu'];
const KNOWN = ['backend', 'workers', 'n', 'weights', 'attributes', 'likeness'];
const FETCHABLE = ['http:', 'https:', 'data:', 'blob:'];

// A shipped file as a notice names it: without the content hash the build gave its name.
/** @param {string} name */
const plainName = (name) => unhashedName(name) ?? name;

// A value as the notice quotes it: a long data: URL would fill the screen.
/** @param {string} value */
const quote = (value) => (value.length > 40 ? `${value.slice(0, 37)}…` : value);

/**
 * The absolute address of `value` if the page can download it, else null.
 * @param {string} value
 * @param {string} base
 */
function fetchable(value, base) {
  try {
    const url = value.trim() ? new URL(value, base) : null;
    return url && FETCHABLE.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * @typedef {object} Params
 * @property {import('./messages.js').BackendChoice} backend
 * @property {string} weights the weight file's address
 * @property {string | null} attributes the attribute file's, or null: no face edits
 * @property {string | null} likeness the face-likeness file's, or null: no face-likeness verdicts
 * @property {string | null} faces ?n as given, checked by facesParam once the limits are known
 * @property {string | null} workers ?workers as given, checked by web/worker-plan.js then
 * @property {string[]} notices what was ignored, and what is used instead
 */

/**
 * Everything but the values whose limits come from the wasm (?n, ?workers): those are read
 * as given here and checked when the limits arrive.
 * @param {string} search location.search
 * @param {string} base location.href
 * @param {ShippedFiles} shipped the shipped files' names (index.html's list)
 * @returns {Params}
 */
export function readParams(search, base, shipped) {
  const params = new URLSearchParams(search);
  /** @type {string[]} */
  const notices = [];

  /** @type {import('./messages.js').BackendChoice} */
  let backend = 'auto';
  const askedBackend = params.get('backend');
  if (askedBackend !== null) {
    const known = BACKENDS.find((b) => b === askedBackend);
    if (known) backend = known;
    else {
      notices.push(`?backend=${quote(askedBackend)} is not one of ${BACKENDS.join(', ')}, so the page picks the backend itself ` +
        '(WebGPU on a GPU, else the CPU).');
    }
  }

  let weights = new URL(shipped.weights, base).href;
  const askedWeights = params.get('weights');
  if (askedWeights !== null) {
    const url = fetchable(askedWeights, base);
    if (url) weights = url;
    else notices.push(`?weights=${quote(askedWeights)} is not an address the page can download, so it loads the shipped model (${plainName(shipped.weights)}).`);
  }

  // Side files belong to the weights they were made for: the shipped ones come with the
  // shipped weights only.
  const shippedWeights = weights === new URL(shipped.weights, base).href;
  /**
   * @param {string} key the URL parameter
   * @param {string} file the shipped file's name
   * @param {string} what the shipped file in words
   * @param {string} instead what the page does without it
   */
  const sideFile = (key, file, what, instead) => {
    const fallback = shippedWeights ? new URL(file, base).href : null;
    const asked = params.get(key);
    if (asked === null) return fallback;
    const url = fetchable(asked, base);
    if (!url) {
      notices.push(`?${key}=${quote(asked)} is not an address the page can download, so ` +
        (fallback ? `it loads the shipped ${what} (${plainName(file)}).` : `${instead}.`));
    }
    return url ?? fallback;
  };
  const attributes = sideFile('attributes', shipped.attributes, 'directions', 'face editing is off');
  const likeness = sideFile('likeness', shipped.likeness, 'face-likeness file', 'scores come without a face-likeness verdict');

  for (const key of new Set(params.keys())) {
    if (!KNOWN.includes(key)) {
      notices.push(`?${quote(key)} is not a parameter this page reads (it reads ${KNOWN.map((k) => `?${k}`).join(', ')}), so it is ignored.`);
    }
  }
  return { backend, weights, attributes, likeness, faces: params.get('n'), workers: params.get('workers'), notices };
}

/**
 * ?n, once the wasm has said how many faces one grid may have.
 * @param {string | null} raw ?n as given
 * @param {number} maxFaces
 * @param {number} fallback the page's default (limits().defaultFaces)
 * @returns {{ n: number, notice: string | null }}
 */
export function facesParam(raw, maxFaces, fallback) {
  if (raw === null) return { n: fallback, notice: null };
  const n = Number(raw);
  if (/^\d+$/.test(raw.trim()) && n >= 1 && n <= maxFaces) return { n, notice: null };
  return {
    n: fallback,
    notice: `?n=${quote(raw)} is not a whole number of faces from 1 to ${maxFaces}, so the first grid has ${fallback}.`,
  };
}
