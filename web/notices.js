// Where the page speaks to the visitor: #status (what it is doing), the download bar, errors,
// and #url-notice (URL parameters it did not use).
//
// An error goes to the header's #error, the one place that lists every error, and also to the
// error line beside the control that caused it (a .field-error in index.html): a visitor at
// the score panel does not see the header.

import { $ } from './dom.js';

export function setStatus(text) {
  $('status').textContent = text;
}

export function showProgress(loaded, total, what) {
  const bar = $('progress');
  bar.hidden = false;
  const mb = (v) => (v / 1e6).toFixed(1);
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

function setText(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

// `near`: the id of the .field-error beside the control the error came from, or null.
export function showError(message, near = null) {
  setText($('error'), message);
  if (near) setText($(near), message);
}

// A new attempt at `near`'s control: its old error goes, in both places.
export function clearError(near = null) {
  setText($('error'), '');
  if (near) setText($(near), '');
}

// Notices about URL parameters, each saying what was ignored and what is used instead.
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
