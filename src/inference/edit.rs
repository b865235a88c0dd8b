//! Faces moved along attribute directions (`crate::attributes`): `realnvp edit`'s strip,
//! the page's sliders and strip, the fit's check grids.

use burn::tensor::Tensor;

use super::{InferenceError, Latents, decode_faces, values};
use crate::RealNvp;
use crate::attributes::DeviceDirection;
use crate::limits;

/// One image's `latents` moved by each row of `edits` (one amount per direction, in
/// typical shifts), decoded in one batch: one RGB face per row. A row of zeros gives the
/// face back.
pub async fn edited_faces(
    model: &RealNvp,
    latents: &[Tensor<4>],
    directions: &[DeviceDirection],
    edits: &[Vec<f32>],
) -> Result<Vec<Vec<u8>>, InferenceError> {
    limits::check_edit_count(edits.len()).map_err(InferenceError::Limit)?;
    for amounts in edits {
        if amounts.len() != directions.len() {
            return Err(InferenceError::Limit(format!(
                "{} amounts for {} directions",
                amounts.len(),
                directions.len()
            )));
        }
        for &amount in amounts {
            limits::check_edit_amount(amount).map_err(InferenceError::Limit)?;
        }
    }
    let rows: Vec<Latents> = edits
        .iter()
        .map(|amounts| {
            directions
                .iter()
                .zip(amounts)
                .fold(latents.to_vec(), |z, (d, &amount)| d.edit(z, amount))
        })
        .collect();
    let batched = (0..latents.len())
        .map(|scale| Tensor::cat(rows.iter().map(|z| z[scale].clone()).collect(), 0))
        .collect();
    decode_faces(model, batched).await
}

/// The standardised coordinate of one image's `latents` along each direction.
pub async fn coordinates(
    latents: &[Tensor<4>],
    directions: &[DeviceDirection],
) -> Result<Vec<f32>, InferenceError> {
    let each: Vec<Tensor<1>> = directions.iter().map(|d| d.coordinates(latents)).collect();
    values(Tensor::cat(each, 0)).await
}
