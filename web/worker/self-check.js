// @ts-check
// WebGPU only: the first grid compiled the shaders; scoring one of its faces then compiles
// the scoring kernels and checks that the GPU computes correctly (a broken driver gets the
// CPU fallback instead of garbage).

import { REPLY } from '../messages.js';
import { post } from './channel.js';
import { photoOfFace } from './pixels.js';
import { loaded, state } from './state.js';

/** @param {import('../messages.js').WarmUpTask & { id: number }} msg */
export async function warmUp(msg) {
  const { model, info } = loaded();
  if (state.backend?.kind !== 'webgpu') return post({ type: REPLY.WARM, id: msg.id, ms: 0, skipped: true });
  const t = performance.now();
  const photo = photoOfFace(msg.face);
  let bpd;
  try {
    bpd = (await model.score(photo, 0, 0, info.imageSize)).bitsPerDim;
  } finally {
    photo.free();
  }
  // A face the model just drew scores well below 8 bits/dim (validation faces: about 3).
  if (!(bpd > 0 && bpd < 8)) {
    const why = `WebGPU gave wrong results in the self-check (a generated face scored ${bpd} bits/dim)`;
    return post({ type: REPLY.FATAL, message: why, gpuBroken: true });
  }
  post({ type: REPLY.WARM, id: msg.id, ms: performance.now() - t, bpd });
}
