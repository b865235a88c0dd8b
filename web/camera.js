// @ts-check
// A camera snapshot as a photo to score: the video shows in #camera-panel, "Take the photo"
// turns the current frame into a PNG file.

import { context2d } from './canvas.js';
import { $ } from './dom.js';
import { messageOf } from './errors.js';

/**
 * @param {object} handlers
 * @param {(file: File) => void} handlers.onFile the snapshot
 * @param {(message: string) => void} handlers.onError the camera could not be used
 */
export function wireCamera({ onFile, onError }) {
  const video = $('camera-video', HTMLVideoElement);

  async function open() {
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser offers no camera access');
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      video.srcObject = stream;
      await video.play();
      $('camera-panel').hidden = false;
      $('camera-snap').focus();
    } catch (err) {
      close();
      onError(messageOf(err));
    }
  }

  function close() {
    if (video.srcObject instanceof MediaStream) video.srcObject.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    $('camera-panel').hidden = true;
  }

  function snap() {
    const frame = document.createElement('canvas');
    frame.width = video.videoWidth;
    frame.height = video.videoHeight;
    context2d(frame).drawImage(video, 0, 0);
    close();
    frame.toBlob((blob) => {
      if (blob) onFile(new File([blob], 'camera.png', { type: 'image/png' }));
      else onError('could not capture a frame');
    }, 'image/png');
  }

  $('camera').addEventListener('click', open);
  $('camera-snap').addEventListener('click', snap);
  $('camera-close').addEventListener('click', close);
}
