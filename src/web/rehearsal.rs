//! A rehearsal of the model load and the first face, run by the first worker while the
//! weights are still downloading (`web/worker/rehearsal.js`).
//!
//! V8 compiles each wasm function on its first call with its baseline compiler and moves the
//! hot ones to its optimising compiler in the background, so a worker's first face took
//! 2.2-3.4x as long as a later one (BENCHMARKS.md, "Model load and the first face, from
//! inside"). A smaller model of the same architecture with made-up weights runs the same
//! functions: folding it runs the Winograd kernel transform of the load, and each face it
//! draws the whole sampling pass. The module's compiled code is shared with the helpers that
//! instantiate it, so they start on optimised code too.

use wasm_bindgen::prelude::*;

use super::Backend;
use crate::inference;
use crate::{RealNvp, RealNvpConfig};

/// Half the page's side, one residual block: a tenth of a real face's work on the same
/// layer widths (the convolutions' code paths depend on the channel counts).
fn rehearsal_config() -> RealNvpConfig {
    let page = RealNvpConfig::new();
    page.clone()
        .with_image_size(page.image_size / 2)
        .with_blocks(1)
}

#[wasm_bindgen]
pub struct Rehearsal {
    device: burn::tensor::Device,
    model: Option<RealNvp>,
    faces: u64,
}

#[wasm_bindgen]
impl Rehearsal {
    #[wasm_bindgen(constructor)]
    pub fn new(backend: &Backend) -> Rehearsal {
        Rehearsal {
            device: backend.device.clone(),
            model: None,
            faces: 0,
        }
    }

    /// One short step (tens of milliseconds, so that the worker can take the weights' bytes
    /// between steps): the first builds and folds the model, each later one draws a face.
    pub async fn step(&mut self) -> Result<(), JsError> {
        let Some(model) = &self.model else {
            self.model = Some(
                rehearsal_config()
                    .init_seeded(1, &self.device)
                    .fold_weight_norm(),
            );
            return Ok(());
        };
        let latents = inference::sampled_latents(model, 1, 1.0, self.faces, 0, 1)?;
        inference::decode_faces(model, latents).await?;
        self.faces += 1;
        Ok(())
    }
}
