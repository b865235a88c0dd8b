// Drawing RGBA pixels from the workers onto canvases: grids of faces and single images.

const PAD = 2; // white gap around each face, as in `realnvp sample`'s grid (the e2e test compares them)

// Sizes `canvas` for `count` faces of `size` pixels in `cols` columns, blank.
export function gridCanvas(canvas, count, cols, size) {
  const rows = Math.ceil(count / cols);
  canvas.width = cols * size + (cols + 1) * PAD;
  canvas.height = rows * size + (rows + 1) * PAD;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // A whole multiple of the model resolution keeps pixels square and sharp.
  const room = Math.min(canvas.parentElement.clientWidth || 600, 600);
  const scale = Math.max(1, Math.min(3, Math.floor(room / canvas.width)));
  canvas.style.width = `${canvas.width * scale}px`;
}

// Faces start..start+count (row-major) of a grid from gridCanvas.
export function drawTiles(canvas, rgba, start, count, cols, size) {
  const ctx = canvas.getContext('2d');
  const tile = size * size * 4;
  for (let i = 0; i < count; i++) {
    const n = start + i;
    const image = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * tile, tile), size, size);
    ctx.putImageData(image, PAD + (n % cols) * (size + PAD), PAD + Math.floor(n / cols) * (size + PAD));
  }
}

export function drawImage(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, width * height * 4);
  canvas.getContext('2d').putImageData(new ImageData(pixels, width, height), 0, 0);
}

export function clearCanvas(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

// The face of a grid from gridCanvas under the point (x, y) in CSS pixels from the canvas's
// top left corner, or -1 off the faces (a gap, past the last face).
export function tileAt(canvas, x, y, count, cols, size) {
  const rect = canvas.getBoundingClientRect();
  const px = (x * canvas.width) / rect.width - PAD;
  const py = (y * canvas.height) / rect.height - PAD;
  const col = Math.floor(px / (size + PAD));
  const row = Math.floor(py / (size + PAD));
  const inside = px - col * (size + PAD) < size && py - row * (size + PAD) < size;
  const n = row * cols + col;
  return px >= 0 && py >= 0 && col < cols && inside && n < count ? n : -1;
}

// Face `n` of a grid from gridCanvas, as RGBA (size^2 x 4): the pixels drawn, exactly.
export function readTile(canvas, n, cols, size) {
  const x = PAD + (n % cols) * (size + PAD);
  const y = PAD + Math.floor(n / cols) * (size + PAD);
  return new Uint8Array(canvas.getContext('2d').getImageData(x, y, size, size).data.buffer);
}
