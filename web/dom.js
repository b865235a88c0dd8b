// @ts-check
// The page's elements are found by id (index.html); a missing one, or one of another kind
// than the code expects, is a bug, said at once.

/**
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [kind] e.g. HTMLInputElement
 * @returns {T}
 */
export function $(id, kind) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  if (kind && !(el instanceof kind)) throw new Error(`#${id} is not a ${kind.name}`);
  return /** @type {T} */ (el);
}

/** @param {string} id */
export const canvas = (id) => $(id, HTMLCanvasElement);

/** @param {string} id */
export const input = (id) => $(id, HTMLInputElement);
