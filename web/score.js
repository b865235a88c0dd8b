// Score a photo: picked, dropped or taken with the camera, decoded in a worker, cropped with
// the crop box and scored. Its errors show beside the file input (#score-error) as well as in
// #error, and a photo that fails leaves nothing of the previous photo's results on screen.

import { wireCamera } from './camera.js';
import { CropBox } from './crop-box.js';
import { $ } from './dom.js';
import { currentFace, hideFace, showFace } from './face-panel.js';
import { readPhotoFile } from './files.js';
import { JOB, PHOTO_KEY } from './messages.js';
import { metrics } from './metrics.js';
import { modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';
import { clearResults, showCrop, showRecon, showScore, showScoring } from './results.js';

const ERROR_LINE = 'score-error';
const PREVIEW_SIDE = 512; // the longest side of the photo as shown under the crop box
let client = null;
let cropBox = null;
let queuedFile = null; // picked while the model was loading
let photoNumber = 0; // numbers the uploaded photos, for the face panel's keys

export function wireScore(modelClient) {
  client = modelClient;
  cropBox = new CropBox($('photo'), { onChange: showCrop, onCommit: scoreCrop });
  $('upload').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) loadScorePhoto(file);
  });
  const drop = $('drop');
  for (const name of ['dragenter', 'dragover']) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const name of ['dragleave', 'drop']) drop.addEventListener(name, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files?.[0];
    if (file) loadScorePhoto(file);
    else showError('Drop an image file (JPEG, PNG or WebP).', ERROR_LINE);
  });
  // A file dropped anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('centre-crop').addEventListener('click', () => cropBox.centre());
  wireCamera({
    onFile: loadScorePhoto,
    onError: (message) => showError(`Camera: ${message}`, ERROR_LINE),
  });
}

const isCrop = (face) => Boolean(face?.key.startsWith('crop:'));

function forgetPhoto() {
  if (isCrop(currentFace())) hideFace();
  cropBox.clear();
  $('photo-panel').hidden = true;
  $('photo-name').textContent = '';
  clearResults();
}

function failed(message) {
  forgetPhoto();
  showError(message, ERROR_LINE);
}

export async function loadScorePhoto(file) {
  clearError(ERROR_LINE);
  showScoring();
  $('score-time').textContent = '';
  if (!modelInfo.ready) {
    queuedFile = file;
    setStatus('The photo will be scored as soon as the model is ready…');
    return;
  }
  let bytes;
  try {
    bytes = await readPhotoFile(file, modelInfo.limits.maxFileBytes);
  } catch (err) {
    return failed(`Reading the photo failed: ${err.message}`);
  }
  if (!modelInfo.ready) {
    queuedFile = file; // the workers restarted meanwhile
    return;
  }
  setStatus(`Decoding ${file.name}…`);
  client.request(JOB.PHOTO, { key: PHOTO_KEY.SCORE, bytes, previewSide: PREVIEW_SIDE }, { name: file.name });
}

// The model is ready: a photo picked while it loaded is scored now.
export function scoreQueuedPhoto() {
  const file = queuedFile;
  queuedFile = null;
  if (file) loadScorePhoto(file);
}

export function onScorePhoto(msg, job) {
  const photo = {
    width: msg.width,
    height: msg.height,
    pw: msg.pw,
    ph: msg.ph,
    preview: new ImageData(new Uint8ClampedArray(msg.preview.buffer), msg.pw, msg.ph),
  };
  photoNumber++;
  $('photo-panel').hidden = false;
  $('photo-name').textContent = `${job.name} · ${msg.width}×${msg.height}`;
  const [x, y, side] = msg.square;
  cropBox.show(photo, { x, y, side });
  scoreCrop({ x, y, side });
}

function scoreCrop(crop) {
  showScoring();
  showCrop(crop);
  setStatus(modelInfo.backend === 'cpu' ? 'Scoring on the CPU (a few seconds)…' : 'Scoring…');
  client.request(JOB.SCORE, crop, { crop });
}

export function onScore(msg, job) {
  job.score = msg;
  showScore(msg);
  const { x, y, side } = job.crop;
  // The crop's own pixels, as the model saw them: the face panel's edits start from them.
  showFace({
    key: `crop:${photoNumber}:${x},${y},${side}`, title: `The scored crop (x ${x}, y ${y}, side ${side} px)`,
    rgba: msg.crop.slice(), bpd: msg.bpd, maps: msg.maps,
  }, $('photo-panel'));
  setStatus('Reconstructing the crop (encode, then decode)…');
}

export function onRecon(msg, job) {
  showRecon(msg);
  metrics.scores.push({ ms: job.score.ms, reconMs: msg.ms, bpd: job.score.bpd, backend: modelInfo.backend, crop: job.crop });
}

export function onScoreError(msg, job) {
  if (job.kind === JOB.PHOTO) {
    // The workers have dropped the previous photo too.
    return failed(`Reading the photo failed: ${msg.message}`);
  }
  showError(`Scoring failed: ${msg.message}`, ERROR_LINE);
  if (job.score) {
    $('recon-info').textContent = 'the reconstruction failed';
    return;
  }
  clearResults();
  if (cropBox.crop) showCrop(cropBox.crop);
}
