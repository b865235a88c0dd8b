//! The browser API (wasm only). The page runs it in a Web Worker (`web/worker.js`): the
//! worker picks a backend, loads the fetched weight bytes, then generates, interpolates and
//! scores through these objects while the page's main thread only draws. Every method that
//! touches tensor data is async and reads back with `into_data_async` (never synchronously).
//!
//! Long jobs are pumps: [`Model::sample`] and [`Model::interpolate`] return a [`Faces`]
//! whose `next(k)` decodes `k` more faces, so the worker can report progress, yield between
//! chunks and drop a job that the page no longer wants.

mod attributes;
mod heatmap;
mod photo;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use wasm_bindgen::prelude::*;

pub use photo::{Photo, max_file_bytes};

use crate::RealNvp;
use crate::image::{from_values, png_bytes, to_tensor};
use crate::limits;
use crate::model::interpolate::interpolate_latents;
use crate::model::{BitsMap, Likelihood};
use photo::rgba;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
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
        if prefer_cpu {
            return Backend {
                device: crate::device::cpu(),
                kind: "cpu",
                fallback_reason: None,
            };
        }
        match crate::device::webgpu().await {
            Ok(device) => Backend {
                device,
                kind: "webgpu",
                fallback_reason: None,
            },
            Err(reason) => Backend {
                device: crate::device::cpu(),
                kind: "cpu",
                fallback_reason: Some(format!("WebGPU could not start: {reason}")),
            },
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
}

async fn read_values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, JsError> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| JsError::new(&format!("reading a tensor back: {e:?}")))?;
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| JsError::new(&format!("reading a tensor back: {e:?}")))
}

/// Images `start .. start + count` of a batch of `total` latents.
fn slice(
    latents: Vec<Tensor<4>>,
    start: usize,
    count: usize,
    total: usize,
) -> Result<Vec<Tensor<4>>, JsError> {
    if count == 0 || start.checked_add(count).is_none_or(|end| end > total) {
        return Err(JsError::new(&format!(
            "faces {start}..{} are not within the grid of {total}",
            start.saturating_add(count)
        )));
    }
    Ok(latents
        .into_iter()
        .map(|z| z.narrow(0, start, count))
        .collect())
}

fn check_temperature(temperature: f32) -> Result<(), JsError> {
    limits::check_temperature(temperature).map_err(|e| JsError::new(&e))
}

fn check_faces(n: usize) -> Result<(), JsError> {
    limits::check_faces(n).map_err(|e| JsError::new(&e))
}

/// The limits the page shares with the CLI (`src/limits.rs`), for its form fields.
#[wasm_bindgen]
pub struct Limits;

#[wasm_bindgen]
impl Limits {
    #[wasm_bindgen(getter, js_name = maxFaces)]
    pub fn max_faces(&self) -> usize {
        limits::MAX_FACES
    }

    #[wasm_bindgen(getter, js_name = maxSteps)]
    pub fn max_steps(&self) -> usize {
        limits::MAX_STEPS
    }

    #[wasm_bindgen(getter, js_name = maxTemperature)]
    pub fn max_temperature(&self) -> f32 {
        limits::MAX_TEMPERATURE
    }

    #[wasm_bindgen(getter, js_name = maxFileBytes)]
    pub fn max_file_bytes(&self) -> usize {
        crate::image::MAX_FILE_BYTES
    }

    #[wasm_bindgen(getter, js_name = maxImageSize)]
    pub fn max_image_size(&self) -> usize {
        limits::PAGE_MAX_IMAGE_SIZE
    }

    /// Largest edit amount of an attribute slider, in typical shifts either way.
    #[wasm_bindgen(getter, js_name = maxEditAmount)]
    pub fn max_edit_amount(&self) -> f32 {
        limits::MAX_EDIT_AMOUNT
    }
}

#[wasm_bindgen]
pub fn limits() -> Limits {
    Limits
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
        })
    }

    /// Height and width of the model's images, from the weight file.
    #[wasm_bindgen(getter, js_name = imageSize)]
    pub fn image_size(&self) -> usize {
        self.model.config().image_size
    }

    /// `[C, H, W]` of each scale's latent, flattened (`3 * numScales` numbers), from the
    /// model's config, so the page never re-derives them.
    #[wasm_bindgen(getter, js_name = latentShapes)]
    pub fn latent_shapes(&self) -> Vec<usize> {
        self.model
            .config()
            .latent_shapes()
            .into_iter()
            .flatten()
            .collect()
    }

    #[wasm_bindgen(getter, js_name = numScales)]
    pub fn num_scales(&self) -> usize {
        self.model.config().num_scales
    }

    /// Number of parameters (weights, biases, batch-norm statistics).
    #[wasm_bindgen(getter)]
    pub fn parameters(&self) -> usize {
        self.model.num_params()
    }

    /// The statistics JSON shipped with the weights (validation bits/dim and quantiles).
    #[wasm_bindgen(getter)]
    pub fn stats(&self) -> Option<String> {
        self.stats.clone()
    }

    /// `n` faces at `temperature` from `seed`: the same latents as
    /// `realnvp sample --n n --temperature t --seed s`, decoded by [`Faces::next`].
    pub fn sample(&self, n: usize, temperature: f32, seed: u64) -> Result<Faces, JsError> {
        self.sample_range(n, temperature, seed, 0, n)
    }

    /// Faces `start .. start + count` of the grid [`Self::sample`] draws with the same
    /// `n`, `temperature` and `seed`: the same latents, so a grid split among several
    /// workers is exactly the one-worker grid (and `realnvp sample`'s).
    #[wasm_bindgen(js_name = sampleRange)]
    pub fn sample_range(
        &self,
        n: usize,
        temperature: f32,
        seed: u64,
        start: usize,
        count: usize,
    ) -> Result<Faces, JsError> {
        check_faces(n)?;
        check_temperature(temperature)?;
        let latents = self.model.sample_latents(n, temperature, seed);
        Ok(Faces::new(
            self.model.clone(),
            slice(latents, start, count, n)?,
        ))
    }

    /// The latents of one sampled face (an interpolation corner `seed:N` in the CLI).
    #[wasm_bindgen(js_name = sampleLatents)]
    pub fn sample_latents(&self, temperature: f32, seed: u64) -> Result<Latents, JsError> {
        check_temperature(temperature)?;
        Ok(Latents {
            latents: self.model.sample_latents(1, temperature, seed),
        })
    }

    /// The latents of a photo's square crop `(x, y, side)` (resized like the CLI does).
    pub fn encode(&self, photo: &Photo, x: u32, y: u32, side: u32) -> Result<Latents, JsError> {
        let size = self.image_size();
        let rgb = photo.crop_rgb(x, y, side, size)?;
        Ok(Latents {
            latents: self
                .model
                .encode(to_tensor(&[rgb], size, &self.model.device())),
        })
    }

    /// A `steps x steps` grid between four corners (row-major: corner `a` top left, `b` top
    /// right, `c` bottom left, `d` bottom right), interpolated at every scale with the
    /// paper's manifold weights; decoded by [`Faces::next`].
    pub fn interpolate(
        &self,
        a: &Latents,
        b: &Latents,
        c: &Latents,
        d: &Latents,
        steps: usize,
    ) -> Result<Faces, JsError> {
        limits::check_steps(steps).map_err(|e| JsError::new(&e))?;
        let corners = [
            a.latents.clone(),
            b.latents.clone(),
            c.latents.clone(),
            d.latents.clone(),
        ];
        Ok(Faces::new(
            self.model.clone(),
            interpolate_latents(&corners, steps),
        ))
    }

    /// Faces `start .. start + count` (row-major) of the grid [`Self::interpolate`] draws.
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
        let grid = self.interpolate(a, b, c, d, steps)?;
        Ok(Faces::new(
            grid.model,
            slice(grid.latents, start, count, steps * steps)?,
        ))
    }

    /// Scores a photo's square crop `(x, y, side)` exactly as `realnvp score` scores a file's
    /// centred square: bits/dim, its per-scale parts, and the PNG size of the same pixels.
    pub async fn score(&self, photo: &Photo, x: u32, y: u32, side: u32) -> Result<Score, JsError> {
        let size = self.image_size();
        let rgb = photo.crop_rgb(x, y, side, size)?;
        let costs = self.model.costs_at_bin_centres(to_tensor(
            std::slice::from_ref(&rgb),
            size,
            &self.model.device(),
        ));
        let likelihood = Likelihood::of(&costs, self.model.config().dims());
        let map = BitsMap::of(&costs);
        let scales = likelihood.per_scale_bits_per_dim.len();
        // One read back: the total, each scale's part, then the maps (total, each scale).
        let mut parts = vec![likelihood.bits_per_dim];
        parts.extend(likelihood.per_scale_bits_per_dim);
        parts.extend(
            std::iter::once(map.total)
                .chain(map.per_scale)
                .map(|m| m.reshape([size * size])),
        );
        let values = read_values(Tensor::cat(parts, 0)).await?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(JsError::new(
                "the backend returned a non-finite score; the GPU results cannot be trusted",
            ));
        }
        let maps = values[1 + scales..].to_vec();
        let image = image::RgbImage::from_raw(size as u32, size as u32, rgb.clone())
            .expect("crop_resize returns size x size RGB bytes");
        let dims = (size * size * 3) as f64;
        Ok(Score {
            warnings: photo.warnings(side, size, &rgb),
            bits_per_dim: values[0] as f64,
            per_scale: values[1..1 + scales].iter().map(|&v| v as f64).collect(),
            maps,
            png_bits_per_dim: png_bytes(&image).len() as f64 * 8.0 / dims,
            crop: rgba(&rgb),
        })
    }

    /// The crop encoded to latents and decoded back (RGBA): the flow is invertible, so this
    /// shows the input again up to float rounding.
    pub async fn reconstruct(
        &self,
        photo: &Photo,
        x: u32,
        y: u32,
        side: u32,
    ) -> Result<Reconstruction, JsError> {
        let size = self.image_size();
        let rgb = photo.crop_rgb(x, y, side, size)?;
        let pixels = to_tensor(std::slice::from_ref(&rgb), size, &self.model.device());
        let back = self.model.decode(self.model.encode(pixels));
        let values = read_values(back).await?;
        let out = from_values(&values, 1, size).remove(0);
        let max_error = out
            .iter()
            .zip(&rgb)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(0);
        Ok(Reconstruction {
            rgba: rgba(&out),
            max_error,
        })
    }
}

/// One image's latents, one tensor per scale (batch 1).
#[wasm_bindgen]
pub struct Latents {
    latents: Vec<Tensor<4>>,
}

/// Faces waiting to be decoded from their latents, a chunk at a time.
#[wasm_bindgen]
pub struct Faces {
    model: RealNvp,
    latents: Vec<Tensor<4>>,
    total: usize,
    done: usize,
}

impl Faces {
    fn new(model: RealNvp, latents: Vec<Tensor<4>>) -> Faces {
        let total = latents[0].dims()[0];
        Faces {
            model,
            latents,
            total,
            done: 0,
        }
    }
}

#[wasm_bindgen]
impl Faces {
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> usize {
        self.total
    }

    /// Faces decoded so far.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> usize {
        self.done
    }

    /// Decodes up to `k` more faces: RGBA bytes, `imageSize^2` pixels per face, one face
    /// after another. Empty once all are done.
    pub async fn next(&mut self, k: usize) -> Result<Vec<u8>, JsError> {
        let k = k.max(1).min(self.total - self.done);
        if k == 0 {
            return Ok(Vec::new());
        }
        let chunk = self
            .latents
            .iter()
            .map(|z| z.clone().narrow(0, self.done, k))
            .collect();
        let size = self.model.config().image_size;
        let values = read_values(self.model.decode(chunk)).await?;
        self.done += k;
        let faces = from_values(&values, k, size);
        Ok(faces.iter().flat_map(|face| rgba(face)).collect())
    }
}

/// The score of one crop.
#[wasm_bindgen]
pub struct Score {
    warnings: Vec<String>,
    bits_per_dim: f64,
    per_scale: Vec<f64>,
    png_bits_per_dim: f64,
    crop: Vec<u8>,
    /// The bits map, then each scale's, `imageSize^2` values each.
    maps: Vec<f32>,
}

#[wasm_bindgen]
impl Score {
    #[wasm_bindgen(getter, js_name = bitsPerDim)]
    pub fn bits_per_dim(&self) -> f64 {
        self.bits_per_dim
    }

    /// Each scale's share of the bits/dim (they sum to the total), finest scale first.
    #[wasm_bindgen(getter, js_name = perScale)]
    pub fn per_scale(&self) -> Vec<f64> {
        self.per_scale.clone()
    }

    /// Bits/dim of the same crop saved as PNG (best compression).
    #[wasm_bindgen(getter, js_name = pngBitsPerDim)]
    pub fn png_bits_per_dim(&self) -> f64 {
        self.png_bits_per_dim
    }

    /// Why the number may mislead (an enlarged, nearly uniform or flattened crop): the same
    /// sentences as `realnvp score --json`'s `warnings`. Empty for an ordinary photo.
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Where the bits go: bits per pixel position of the crop (its three sub-pixels
    /// together), row-major, `imageSize^2` values summing to bitsPerDim x 3 x imageSize^2;
    /// the same numbers as `realnvp score --json --bits-map`.
    #[wasm_bindgen(getter, js_name = bitsMap)]
    pub fn bits_map(&self) -> Vec<f32> {
        let cells = self.maps.len() / (self.per_scale.len() + 1);
        self.maps[..cells].to_vec()
    }

    /// Scale `scale`'s part of [`Self::bits_map`] (finest scale first).
    #[wasm_bindgen(js_name = scaleBitsMap)]
    pub fn scale_bits_map(&self, scale: usize) -> Result<Vec<f32>, JsError> {
        if scale >= self.per_scale.len() {
            return Err(JsError::new(&format!(
                "scale {scale}: the model has {} scales",
                self.per_scale.len()
            )));
        }
        let cells = self.maps.len() / (self.per_scale.len() + 1);
        Ok(self.maps[(scale + 1) * cells..(scale + 2) * cells].to_vec())
    }

    /// The model input (the resized crop), RGBA.
    #[wasm_bindgen(getter)]
    pub fn crop(&self) -> Vec<u8> {
        self.crop.clone()
    }
}

/// A crop encoded and decoded again.
#[wasm_bindgen]
pub struct Reconstruction {
    rgba: Vec<u8>,
    max_error: u8,
}

#[wasm_bindgen]
impl Reconstruction {
    #[wasm_bindgen(getter)]
    pub fn rgba(&self) -> Vec<u8> {
        self.rgba.clone()
    }

    /// Largest difference from the input over all sub-pixels (0 to 255).
    #[wasm_bindgen(getter, js_name = maxError)]
    pub fn max_error(&self) -> u8 {
        self.max_error
    }
}
