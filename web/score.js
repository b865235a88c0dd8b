// @ts-check
// Score a photo: picked, dropped or taken with the camera, decoded in a worker, cropped with
// the crop box and scored. Its errors show beside the file input (#score-error) as well as in
// #error, and a photo that fails leaves nothing of the previous photo's results on screen.

import { wireCamera } from './camera.js';
import { CropBox } from './crop-box.js';
import { $, canvas, input } from './dom.js';
import { messageOf } from './errors.js';
import { currentFace, hideFace, showFace } from './face-panel.js';
import { readPhotoFile } from './files.js';
import { JOB, PHOTO_KEY } from './messages.js';
import { metrics } from './metrics.js';
import { limits, modelInfo } from './model-info.js';
import { clearError, setStatus, showError } from './notices.js';
import { clearResults, showCrop, showRecon, showScore, showScoring } from './results.js';

/** @typedef {Extract<import('./client.js').PageJob, { kind: 'score' }>} ScoreJob */
/** @typedef {Extract<import('./client.js').PageJob, { kind: 'photo' }>} PhotoJob */

const ERROR_LINE = 'score-error';
/** @type {import('./client.js').ModelClient} */
let client;
/** @type {CropBox} */
let cropBox;
/** @type {File | null} picked while the model was loading */
let queuedFile = null;
let photoNumber = 0; // numbers the uploaded photos, for the face panel's keys

/** @param {import('./client.js').ModelClient} modelClient */
export function wireScore(modelClient) {
  client = modelClient;
  cropBox = new CropBox(canvas('photo'), { onChange: showCrop, onCommit: scoreCrop });
  const upload = input('upload');
  upload.addEventListener('change', () => {
    const file = upload.files?.[0];
    upload.value = '';
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
    else showError(`Drop an image file (${limits().readFormats}).`, ERROR_LINE);
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

const isCrop = (/** @type {{ key: string } | null} */ face) => Boolean(face?.key.startsWith('crop:'));

function forgetPhoto() {
  if (isCrop(currentFace())) hideFace();
  cropBox.clear();
  $('photo-panel').hidden = true;
  $('photo-name').textContent = '';
  clearResults();
}

/** @param {string} message */
function failed(message) {
  forgetPhoto();
  showError(message, ERROR_LINE);
}

/** @param {File} file */
async function loadScorePhoto(file) {
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
    bytes = await readPhotoFile(file, limits().maxFileBytes);
  } catch (err) {
    return failed(`Reading the photo failed: ${messageOf(err)}`);
  }
  if (!modelInfo.ready) {
    queuedFile = file; // the workers restarted meanwhile
    return;
  }
  setStatus(`Decoding ${file.name}…`);
  client.request(JOB.PHOTO, { key: PHOTO_KEY.SCORE, bytes }, { name: file.name });
}

// The model is ready: a photo picked while it loaded is scored now.
export function scoreQueuedPhoto() {
  const file = queuedFile;
  queuedFile = null;
  if (file) loadScorePhoto(file);
}

/**
 * The scoring photo decoded: it shows under the crop box, whose centred square is scored.
 * @param {import('./messages.js').PhotoReply} msg
 * @param {string} name the file's
 */
export function onScorePhoto(msg, name) {
  const { view } = msg;
  if (!view) throw new Error('the scoring photo came back without its view');
  photoNumber++;
  $('photo-panel').hidden = false;
  $('photo-name').textContent = `${name} · ${view.width}×${view.height}`;
  const [x, y, side] = msg.square;
  cropBox.show(view, { x, y, side });
  scoreCrop({ x, y, side });
}

/** @param {import('./messages.js').ScoreJob} crop */
function scoreCrop(crop) {
  showScoring();
  showCrop(crop);
  setStatus(modelInfo.backend === 'cpu' ? 'Scoring on the CPU (a few seconds)…' : 'Scoring…');
  client.request(JOB.SCORE, crop, { crop });
}

/**
 * @param {import('./messages.js').ScoreReply} msg
 * @param {ScoreJob} job
 */
export function onScore(msg, job) {
  job.scored = msg;
  showScore(msg);
  const { x, y, side } = job.crop;
  // The crop's own pixels, as the model saw them: the face panel's edits start from them.
  showFace({
    key: `crop:${photoNumber}:${x},${y},${side}`, title: `The scored crop (x ${x}, y ${y}, side ${side} px)`,
    rgba: msg.score.crop.slice(), bpd: msg.score.bitsPerDim, maps: msg.maps,
  }, $('photo-panel'));
  setStatus('Reconstructing the crop (encode, then decode)…');
}

/**
 * @param {import('./messages.js').ReconReply} msg
 * @param {ScoreJob} job
 */
export function onRecon(msg, job) {
  showRecon(msg);
  if (!job.scored) return;
  metrics.scores.push({ ms: job.scored.ms, reconMs: msg.ms, bpd: job.scored.score.bitsPerDim, backend: modelInfo.backend, crop: job.crop });
}

/**
 * @param {string} message
 * @param {ScoreJob | PhotoJob} job
 */
export function onScoreError(message, job) {
  if (job.kind === JOB.PHOTO) {
    // The workers have dropped the previous photo too.
    return failed(`Reading the photo failed: ${message}`);
  }
  showError(`Scoring failed: ${message}`, ERROR_LINE);
  if (job.scored) {
    $('recon-info').textContent = 'the reconstruction failed';
    return;
  }
  clearResults();
  if (cropBox.crop) showCrop(cropBox.crop);
}
