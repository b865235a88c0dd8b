// @ts-check
// Where the page speaks to the visitor: #status (what it is doing), the download bar, errors,
// and #url-notice (URL parameters it did not use).
//
// An error goes to the header's #error, the one place that lists every error, and also to the
// error line beside the control that caused it (a .field-error in index.html): a visitor at
// the score panel does not see the header.

import { $ } from './dom.js';

/** @param {string} text */
export function setStatus(text) {
  $('status').textContent = text;
}

/**
 * @param {number} loaded bytes
 * @param {number} total bytes; 0 when not known
 * @param {string} what
 */
export function showProgress(loaded, total, what) {
  const bar = $('progress', HTMLProgressElement);
  bar.hidden = false;
  const mb = (/** @type {number} */ v) => (v / 1e6).toFixed(1);
  if (total > 0) {
    bar.max = total;
    bar.value = loaded;
    setStatus(`Downloading the ${what}: ${mb(loaded)} / ${mb(total)} MB`);
  } else {
    bar.removeAttribute('value');
    setStatus(`Downloading the ${what}: ${mb(loaded)} MB`);
  }
}

export function hideProgress() {
  $('progress').hidden = true;
}

/** @param {HTMLElement} el @param {string} text */
function setText(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

/**
 * @param {string} message
 * @param {string | null} [near] the id of the .field-error beside the control the error came from
 */
export function showError(message, near = null) {
  setText($('error'), message);
  if (near) setText($(near), message);
}

/**
 * A new attempt at `near`'s control: its old error goes, in both places.
 * @param {string | null} [near]
 */
export function clearError(near = null) {
  setText($('error'), '');
  if (near) setText($(near), '');
}

/**
 * Notices about URL parameters, each saying what was ignored and what is used instead.
 * @param {string[]} notices
 */
export function showUrlNotices(notices) {
  const box = $('url-notice');
  box.textContent = '';
  for (const text of notices) {
    const line = document.createElement('span');
    line.textContent = text;
    box.append(line, ' ');
  }
  box.hidden = notices.length === 0;
}
