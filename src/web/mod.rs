//! The browser API (wasm only), a thin binding over `crate::inference`: the page runs it in
//! Web Workers (`web/worker/`), which pick a backend, load the fetched weight bytes, then
//! generate, interpolate and score through these objects while the page's main thread only
//! draws. Results are plain objects (`js.rs`) that a worker posts on as they are.
//!
//! Long jobs are pumps: [`Model::sample_range`] and [`Model::interpolate_range`] return a
//! [`Faces`] whose `next(k)` decodes `k` more faces, so a worker can yield between chunks
//! and drop a job that the page no longer wants.

mod attributes;
mod heatmap;
mod js;
mod photo;
mod rehearsal;

use burn::module::Module;
use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub use photo::Photo;
pub use rehearsal::Rehearsal;

use crate::RealNvp;
use crate::image::rgba;
use crate::inference::{self, Latents as LatentTensors};
use crate::likeness::{Calibration, fingerprint};
use crate::limits::{self, PageLimits};
use js::{Fields, plain};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The limits and defaults the page shares with the CLI (`src/limits.rs`), one plain object.
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    plain(&PageLimits::get())
}

/// The compute device the page ended up on.
#[wasm_bindgen]
pub struct Backend {
    device: Device,
    kind: &'static str,
    fallback_reason: Option<String>,
}

#[wasm_bindgen]
impl Backend {
    /// burn's wgpu backend on WebGPU when the browser offers a working adapter, else the
    /// pure-Rust CPU backend (`flex`) with the reason. `prefer_cpu` skips WebGPU.
    pub async fn init(prefer_cpu: bool) -> Backend {
        let cpu = |fallback_reason| Backend {
            device: crate::device::cpu(),
            kind: "cpu",
            fallback_reason,
        };
        if prefer_cpu {
            return cpu(None);
        }
        match crate::device::webgpu().await {
            Ok(device) => Backend {
                device,
                kind: "webgpu",
                fallback_reason: None,
            },
            Err(reason) => cpu(Some(format!("WebGPU could not start: {reason}"))),
        }
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.to_string()
    }

    /// Why WebGPU was not used, when it was tried and failed.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.fallback_reason.clone()
    }
}

/// A model loaded on one device.
#[wasm_bindgen]
pub struct Model {
    model: RealNvp,
    stats: Option<String>,
    /// The weight file's fingerprint, which a face-likeness file must name.
    fingerprint: String,
    likeness: Option<Calibration>,
}

/// What the page shows of a loaded model.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo<'a> {
    image_size: usize,
    num_scales: usize,
    /// `[C, H, W]` of each scale's latent.
    latent_shapes: Vec<[usize; 3]>,
    /// Weights, biases and batch-norm statistics.
    parameters: usize,
    /// The statistics JSON shipped with the weights (validation bits/dim and quantiles).
    stats: Option<&'a str>,
}

#[wasm_bindgen]
impl Model {
    /// Builds the model a weight file describes; a bad file rejects with the reason.
    /// A model too large for the page (see `src/limits.rs`) is refused from its header,
    /// before anything is built.
    pub fn load(backend: &Backend, bytes: &[u8]) -> Result<Model, JsError> {
        let (config, _) = crate::weights::read_header(bytes)?;
        limits::check_page_model(&config).map_err(|e| JsError::new(&e))?;
        let loaded = crate::weights::load_model(bytes, &backend.device)?;
        Ok(Model {
            // The page never trains: each kernel is computed once here, not on every call.
            model: loaded.model.fold_weight_norm(),
            stats: loaded.stats,
            fingerprint: fingerprint(bytes),
            likeness: None,
        })
    }

    /// Reads the face-likeness file (`face_likeness.json`); one made for other weights, or
    /// not such a file, rejects with the reason. Scores then say how face-like a crop is.
    #[wasm_bindgen(js_name = setLikeness)]
    pub fn set_likeness(&mut self, json: &[u8]) -> Result<(), JsError> {
        self.likeness = Some(
            Calibration::for_fingerprint(json, &self.fingerprint).map_err(|e| JsError::new(&e))?,
        );
        Ok(())
    }

    /// `{ imageSize, numScales, latentShapes: [[C, H, W], ...], parameters, stats }`.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let config = self.model.config();
        plain(&ModelInfo {
            image_size: config.image_size,
            num_scales: config.num_scales,
            latent_shapes: config.latent_shapes(),
            parameters: self.model.num_params(),
            stats: self.stats.as_deref(),
        })
    }

    /// Faces `start .. start + count` of the `n` faces `realnvp sample --n n --temperature
    /// t --seed s` draws, decoded by [`Faces::next`]: the same latents however the page
    /// splits the grid among its workers.
    #[wasm_bindgen(js_name = sampleRange)]
    pub fn sample_range(
        &self,
        n: usize,
        temperature: f32,
        seed: u64,
        start: usize,
        count: usize,
    ) -> Result<Faces, JsError> {
        let latents = inference::sampled_latents(&self.model, n, temperature, seed, start, count)?;
        Ok(Faces::new(self.model.clone(), latents))
    }

    /// The latents of one sampled face (an interpolation corner `seed:N` in the CLI).
    #[wasm_bindgen(js_name = sampleLatents)]
    pub fn sample_latents(&self, temperature: f32, seed: u64) -> Result<Latents, JsError> {
        let latents = inference::sampled_latents(&self.model, 1, temperature, seed, 0, 1)?;
        Ok(Latents { latents })
    }

    /// The latents of a photo's square crop `(x, y, side)` (resized like the CLI does).
    pub fn encode(&self, photo: &Photo, x: u32, y: u32, side: u32) -> Result<Latents, JsError> {
        let crop = photo.model_crop(x, y, side, self.image_size())?;
        Ok(Latents {
            latents: inference::encode_pixels(&self.model, &[crop.pixels]),
        })
    }

    /// Faces `start .. start + count` (row-major) of a `steps x steps` grid between four
    /// corners (`a` top left, `b` top right, `c` bottom left, `d` bottom right), interpolated
    /// at every scale with the paper's manifold weights; decoded by [`Faces::next`].
    #[wasm_bindgen(js_name = interpolateRange)]
    #[allow(clippy::too_many_arguments)]
    pub fn interpolate_range(
        &self,
        a: &Latents,
        b: &Latents,
        c: &Latents,
        d: &Latents,
        steps: usize,
        start: usize,
        count: usize,
    ) -> Result<Faces, JsError> {
        let corners = [a, b, c, d].map(|corner| corner.latents.clone());
        let latents = inference::interpolated_latents(&corners, steps, start, count)?;
        Ok(Faces::new(self.model.clone(), latents))
    }

    /// Scores a photo's square crop `(x, y, side)` exactly as `realnvp score` scores a file's
    /// centred square: `{ bitsPerDim, perScale, pngBitsPerDim, warnings, crop (RGBA),
    /// bitsMaps }`, where `bitsMaps[0]` is where the bits go (bits per pixel position,
    /// summing to bitsPerDim x 3 x imageSize^2, as `realnvp score --json --bits-map`) and
    /// `bitsMaps[1 + s]` scale s's part.
    pub async fn score(
        &self,
        photo: &Photo,
        x: u32,
        y: u32,
        side: u32,
    ) -> Result<JsValue, JsError> {
        let size = self.image_size();
        let crop = photo.model_crop(x, y, side, size)?;
        let score = inference::score_crops(&self.model, std::slice::from_ref(&crop), true)
            .await?
            .remove(0);
        let maps = score
            .bits_map
            .iter()
            .chain(&score.scale_bits_maps)
            .map(Vec::as_slice);
        let png = crop.png_bits_per_dim(size);
        let likeness = match &self.likeness {
            Some(c) => Some(c.judge(&score, png).map_err(|e| JsError::new(&e))?),
            None => None,
        };
        Ok(Fields::new()
            .set("bitsPerDim", score.bits_per_dim)
            .numbers("perScale", &score.per_scale)
            .set("pngBitsPerDim", png)
            .strings("warnings", &score.warnings)
            .bytes("crop", &rgba(&crop.pixels))
            .float_arrays("bitsMaps", maps)
            .value("faceLikeness", &likeness)?
            .build())
    }

    /// The crop encoded to latents and decoded back: `{ rgba, maxError }` (the largest
    /// difference over all sub-pixels, 0 to 255).
    pub async fn reconstruct(
        &self,
        photo: &Photo,
        x: u32,
        y: u32,
        side: u32,
    ) -> Result<JsValue, JsError> {
        let crop = photo.model_crop(x, y, side, self.image_size())?;
        let (back, max_error) = inference::round_trip(&self.model, &crop.pixels).await?;
        Ok(Fields::new()
            .bytes("rgba", &rgba(&back))
            .set("maxError", max_error)
            .build())
    }
}

impl Model {
    fn image_size(&self) -> usize {
        self.model.config().image_size
    }
}

/// One image's latents, one tensor per scale (batch 1).
#[wasm_bindgen]
pub struct Latents {
    latents: LatentTensors,
}

/// Faces waiting to be decoded from their latents, a chunk at a time.
#[wasm_bindgen]
pub struct Faces {
    model: RealNvp,
    latents: LatentTensors,
    done: usize,
}

impl Faces {
    fn new(model: RealNvp, latents: LatentTensors) -> Faces {
        Faces {
            model,
            latents,
            done: 0,
        }
    }
}

#[wasm_bindgen]
impl Faces {
    /// Decodes up to `k` more faces: RGBA bytes, `imageSize^2` pixels per face, one face
    /// after another. Empty once all are done.
    pub async fn next(&mut self, k: usize) -> Result<Vec<u8>, JsError> {
        let total = self.latents[0].dims()[0];
        let k = k.max(1).min(total - self.done);
        if k == 0 {
            return Ok(Vec::new());
        }
        let chunk = inference::narrow(&self.latents, self.done, k)?;
        let faces = inference::decode_faces(&self.model, chunk).await?;
        self.done += k;
        Ok(faces.iter().flat_map(|face| rgba(face)).collect())
    }
}
