// @ts-check
// Reading a picked or dropped file, within the Rust decoder's limit (wasm limits().maxFileBytes):
// a larger file is refused before it is read into memory.
/**
 * @param {File} file
 * @param {number} maxFileBytes
 */
export async function readPhotoFile(file, maxFileBytes) {
  if (file.size > maxFileBytes) {
    const mib = (/** @type {number} */ b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    throw new Error(`${file.name} is ${mib(file.size)}; the limit is ${mib(maxFileBytes)}`);
  }
  if (file.size === 0) throw new Error(`${file.name} is empty`);
  return file.arrayBuffer();
}
