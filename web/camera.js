// A camera snapshot as a photo to score: the video shows in #camera-panel, "Take the photo"
// turns the current frame into a PNG file.

import { $ } from './dom.js';

// onFile(file): the snapshot; onError(message): the camera could not be used.
export function wireCamera({ onFile, onError }) {
  const video = $('camera-video');

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
      onError(err.message);
    }
  }

  function close() {
    video.srcObject?.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    $('camera-panel').hidden = true;
  }

  function snap() {
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    close();
    canvas.toBlob((blob) => {
      if (blob) onFile(new File([blob], 'camera.png', { type: 'image/png' }));
      else onError('could not capture a frame');
    }, 'image/png');
  }

  $('camera').addEventListener('click', open);
  $('camera-snap').addEventListener('click', snap);
  $('camera-close').addEventListener('click', close);
}
