//! The browser API (wasm only): the page loads weights bytes, then generates, interpolates
//! and scores through this object. Every method is async and never reads GPU data back
//! synchronously.

use burn::tensor::{Device, Tensor};
use wasm_bindgen::prelude::*;

use crate::RealNvp;
use crate::image::{from_values, to_tensor};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Which compute device the page ended up on.
#[wasm_bindgen]
pub struct Backend {
    device: Device,
    name: String,
    fallback_reason: Option<String>,
}

#[wasm_bindgen]
impl Backend {
    /// WebGPU when it works, else the CPU backend with the reason.
    #[wasm_bindgen(js_name = init)]
    pub async fn init(prefer_cpu: bool) -> Backend {
        if prefer_cpu {
            return Backend { device: crate::device::cpu(), name: "cpu (requested)".into(), fallback_reason: None };
        }
        match crate::device::webgpu().await {
            Ok(device) => Backend { device, name: "webgpu".into(), fallback_reason: None },
            Err(reason) => Backend { device: crate::device::cpu(), name: "cpu".into(), fallback_reason: Some(reason) },
        }
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.fallback_reason.clone()
    }
}

/// A loaded model on one device.
#[wasm_bindgen]
pub struct Model {
    model: RealNvp,
    stats: Option<String>,
}

async fn read_values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, JsError> {
    let data = t.into_data_async().await.map_err(|e| JsError::new(&format!("reading a tensor back: {e:?}")))?;
    data.convert::<f32>().try_to_vec::<f32>().map_err(|e| JsError::new(&format!("{e:?}")))
}

#[wasm_bindgen]
impl Model {
    /// Builds the model a weight file describes; a bad file rejects with the reason.
    #[wasm_bindgen(js_name = load)]
    pub fn load(backend: &Backend, bytes: &[u8]) -> Result<Model, JsError> {
        let loaded = crate::weights::load_model(bytes, &backend.device)?;
        Ok(Model { model: loaded.model, stats: loaded.stats })
    }

    #[wasm_bindgen(getter, js_name = imageSize)]
    pub fn image_size(&self) -> usize {
        self.model.config().image_size
    }

    /// The statistics JSON shipped with the weights, if any.
    #[wasm_bindgen(getter)]
    pub fn stats(&self) -> Option<String> {
        self.stats.clone()
    }

    /// `n` faces as RGBA bytes, `n` tiles of `imageSize^2` pixels one after another.
    pub async fn generate(&self, n: usize, temperature: f32, seed: u64) -> Result<Vec<u8>, JsError> {
        let size = self.model.config().image_size;
        let values = read_values(self.model.sample(n, temperature, seed)).await?;
        Ok(rgba(&from_values(&values, n, size)))
    }

    /// Bits/dim, then the per-scale parts, of one `imageSize^2` RGB image (HWC bytes).
    pub async fn score(&self, rgb: &[u8]) -> Result<Vec<f32>, JsError> {
        let size = self.model.config().image_size;
        if rgb.len() != size * size * 3 {
            return Err(JsError::new(&format!("expected {size}x{size} RGB bytes")));
        }
        let likelihood = self.model.score(to_tensor(&[rgb.to_vec()], size, &self.model.device()));
        let mut out = read_values(likelihood.bits_per_dim).await?;
        for part in likelihood.per_scale_bits_per_dim {
            out.extend(read_values(part).await?);
        }
        Ok(out)
    }
}

fn rgba(images: &[Vec<u8>]) -> Vec<u8> {
    images.iter().flat_map(|img| img.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255])).collect()
}
