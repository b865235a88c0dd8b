// The Rust sampler's latents in JavaScript, bit for bit (src/rng.rs and `sample_latents` in
// src/model/mod.rs), so ONNX Runtime Web decodes the faces the page and `realnvp sample` draw
// for a seed: SplitMix64 (BigInt, wrapping to 64 bits), 53-bit uniforms, Box-Muller in f64,
// cast to f32, times the temperature in f32; scale by scale, all n faces of a scale first.

const MASK = (1n << 64n) - 1n;

export class SeededRng {
  constructor(seed) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  nextU64() {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  uniform() {
    return Number(this.nextU64() >> 11n) * 2 ** -53;
  }

  // n standard normals (f32); like the Rust loop, an odd n still consumes a whole pair.
  normals(n) {
    const out = new Float32Array(n + (n % 2));
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.uniform(); // (0, 1]: keeps ln finite
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      out[i + 1] = r * Math.sin(theta);
    }
    return out.subarray(0, n);
  }
}

// shapes: [[C, H, W], ...] (the config's latent shapes). Returns one Float32Array per scale,
// laid out [n, C, H, W].
export function sampleLatents(shapes, n, temperature, seed) {
  const rng = new SeededRng(seed);
  const t = Math.fround(temperature);
  return shapes.map(([c, h, w]) => {
    const z = rng.normals(n * c * h * w);
    for (let i = 0; i < z.length; i++) z[i] *= t; // f32 * f32, stored as f32: as in Rust
    return z;
  });
}

// The latent shapes of a config (RealNvpConfig::latent_shapes).
export function latentShapes(imageSize, channels, numScales) {
  const out = [];
  let c = channels;
  let s = imageSize;
  for (let i = 0; i < numScales; i++) {
    if (i < numScales - 1) {
      out.push([2 * c, s / 2, s / 2]);
      c *= 2;
      s /= 2;
    } else {
      out.push([c, s, s]);
    }
  }
  return out;
}
