//! Editing a face along age and gender in the page: the attribute file
//! (`model-weights/attributes.safetensors`, optional) and the edits, with the CLI's code
//! (`crate::attributes`), so a slider at an amount draws what `realnvp edit` writes.

use burn::tensor::Tensor;
use wasm_bindgen::prelude::*;

use super::{Latents, Model, read_values, rgba};
use crate::attributes::{Attributes, DeviceDirection};
use crate::image::{from_values, to_tensor};
use crate::limits;
use crate::model::Likelihood;

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
        let shapes = config.latent_shapes();
        let device = model.model.device();
        let on_device = attributes
            .directions
            .iter()
            .map(|d| d.on_device(&shapes, &device))
            .collect();
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
    /// The face's standardised coordinate along each direction (in `names` order), as
    /// `realnvp attributes` reports them.
    pub async fn coordinates(
        &self,
        latents: &Latents,
        directions: &Directions,
    ) -> Result<Vec<f32>, JsError> {
        let each: Vec<Tensor<1>> = directions
            .on_device
            .iter()
            .map(|d| d.coordinates(&latents.latents))
            .collect();
        read_values(Tensor::cat(each, 0)).await
    }

    /// The face of `latents` moved by `amounts` typical shifts along each direction (in
    /// `names` order), decoded, with its bits/dim. All amounts 0 give the face back.
    pub async fn edit(
        &self,
        latents: &Latents,
        directions: &Directions,
        amounts: Vec<f32>,
    ) -> Result<Edited, JsError> {
        limits::check_edit_amounts(&amounts).map_err(|e| JsError::new(&e))?;
        if amounts.len() != directions.on_device.len() {
            return Err(JsError::new(&format!(
                "{} amounts for {} directions",
                amounts.len(),
                directions.on_device.len()
            )));
        }
        let mut z = latents.latents.clone();
        for (d, amount) in directions.on_device.iter().zip(&amounts) {
            z = d.edit(z, *amount);
        }
        let size = self.model.config().image_size;
        let values = read_values(self.model.decode(z)).await?;
        let face = from_values(&values, 1, size).remove(0);
        // Scored as the image it is (8-bit pixels at their bin centres), so the number is
        // what `realnvp score` says of the edited face saved as PNG.
        let costs = self.model.costs_at_bin_centres(to_tensor(
            std::slice::from_ref(&face),
            size,
            &self.model.device(),
        ));
        let likelihood = Likelihood::of(&costs, self.model.config().dims());
        let bits = read_values(likelihood.bits_per_dim).await?;
        Ok(Edited {
            rgba: rgba(&face),
            bits_per_dim: bits[0] as f64,
        })
    }
}

/// An edited face.
#[wasm_bindgen]
pub struct Edited {
    rgba: Vec<u8>,
    bits_per_dim: f64,
}

#[wasm_bindgen]
impl Edited {
    /// `imageSize^2` RGBA pixels.
    #[wasm_bindgen(getter)]
    pub fn rgba(&self) -> Vec<u8> {
        self.rgba.clone()
    }

    #[wasm_bindgen(getter, js_name = bitsPerDim)]
    pub fn bits_per_dim(&self) -> f64 {
        self.bits_per_dim
    }
}
