// @ts-check
// What a WebGPU failure means, in a sentence a visitor can read. The raw text (wgpu's
// "No adapter available for WgpuDevice { kind: DefaultDevice, backend: Auto }: ...", a lost
// device, the self-check's numbers) is kept for the backend note's details toggle, not shown
// as the reason: it is debug output, and the intro quoted it whole.

// The first pattern that matches the raw text gives the sentence (a clause: the page adds
// ", so the page runs on the CPU backend").
/** @type {[RegExp, string][]} */
const PLAIN = [
  [/no (suitable )?(graphics )?adapter|found no adapters?|adapter.*(null|not found)/i,
    'this browser has WebGPU switched on but found no graphics adapter it can use'],
  [/wrong results/i, 'this GPU gave wrong results when the page checked it, so the page does not use it'],
  [/\blost\b/i, 'the graphics device stopped working (WebGPU lost it) while the page was using it'],
  [/out of memory|outofmemory/i, 'the graphics device ran out of memory for this model'],
  [/\blimits?\b|exceeds/i, 'this graphics device\'s WebGPU limits are too small for this model'],
  [/crash|RuntimeError|unreachable|panick/i, 'the model crashed on WebGPU'],
  [/shader|wgsl|pipeline|validation/i, 'WebGPU refused one of the model\'s GPU programs (a browser or driver limitation)'],
];
const OTHER = 'WebGPU failed in this browser';

/**
 * reason: the plain clause; detail: the raw text, for the details toggle.
 * @param {string} raw what wgpu, the browser or the self-check said
 * @returns {{ reason: string, detail: string }}
 */
export function explainWebgpuFailure(raw) {
  const hit = PLAIN.find(([pattern]) => pattern.test(raw));
  return { reason: hit ? hit[1] : OTHER, detail: raw };
}
