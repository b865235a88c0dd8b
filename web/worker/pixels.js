// @ts-check
// A face as canvas RGBA pixels (the page's, imageSize^2) -> a wasm Photo of it. Scored or
// encoded whole, that photo is the model input.

import { loaded } from './state.js';

/**
 * The RGB bytes Photo.fromRgb takes (the image format, not the model's): alpha dropped.
 * @param {Uint8Array} rgba
 */
export function rgbaToRgb(rgba) {
  if (rgba.length % 4 !== 0) throw new Error(`${rgba.length} bytes are not RGBA pixels`);
  const pixels = rgba.length / 4;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return rgb;
}

/** @param {ArrayBuffer} rgbaBuffer a face of the model's size */
export function photoOfFace(rgbaBuffer) {
  const { wasm, info } = loaded();
  const size = info.imageSize;
  const face = new Uint8Array(rgbaBuffer);
  if (face.length !== size * size * 4) throw new Error(`a face of ${face.length} bytes; the model takes ${size}x${size} RGBA`);
  return wasm.Photo.fromRgb(size, size, rgbaToRgb(face));
}
