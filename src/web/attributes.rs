//! Editing a face along age and gender in the page: the attribute file
//! (`model-weights/attributes.safetensors`, optional) and the edits, through
//! `crate::inference`, so a slider at an amount draws what `realnvp edit` writes.

use wasm_bindgen::prelude::*;

use super::js::Fields;
use super::{Latents, Model};
use crate::attributes::{Attributes, DeviceDirection};
use crate::image::{Crop, rgba};
use crate::inference;

/// The attribute directions of one model, on its device.
#[wasm_bindgen]
pub struct Directions {
    attributes: Attributes,
    on_device: Vec<DeviceDirection>,
}

#[wasm_bindgen]
impl Directions {
    /// Reads an attribute file for `model`; a file for another model, or not an attribute
    /// file at all, rejects with the reason.
    pub fn load(model: &Model, bytes: &[u8]) -> Result<Directions, JsError> {
        let config = model.model.config();
        let attributes = Attributes::from_bytes(bytes, config.image_size)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let on_device = attributes.on_device(&model.model);
        Ok(Directions {
            attributes,
            on_device,
        })
    }

    /// The attributes, in the order `edit` takes amounts (`age`, `gender`).
    #[wasm_bindgen(getter)]
    pub fn names(&self) -> Vec<String> {
        self.attributes.names()
    }

    /// How a direction was fitted, in words.
    pub fn how(&self, name: &str) -> Option<String> {
        self.attributes.get(name).map(|d| d.how.clone())
    }
}

#[wasm_bindgen]
impl Model {
    /// The face of `latents` moved by `amounts` typical shifts along each direction (in
    /// `names` order), decoded, with its bits/dim: `{ rgba, bitsPerDim }`. All amounts 0
    /// give the face back.
    pub async fn edit(
        &self,
        latents: &Latents,
        directions: &Directions,
        amounts: Vec<f32>,
    ) -> Result<JsValue, JsError> {
        let face = inference::edited_faces(
            &self.model,
            &latents.latents,
            &directions.on_device,
            &[amounts],
        )
        .await?
        .remove(0);
        // Scored as the image it is (8-bit pixels at their bin centres), so the number is
        // what `realnvp score` says of the edited face saved as PNG.
        let crop = Crop {
            pixels: face,
            warnings: Vec::new(),
        };
        let score = inference::score_crops(&self.model, std::slice::from_ref(&crop), false)
            .await?
            .remove(0);
        Ok(Fields::new()
            .bytes("rgba", &rgba(&crop.pixels))
            .set("bitsPerDim", score.bits_per_dim)
            .build())
    }
}
