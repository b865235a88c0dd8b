//! Pixels <-> latents: encoding crops, drawing the latents of a sampled or interpolated
//! grid (a range of it, so that several page workers draw one grid), decoding to faces.

use burn::tensor::Tensor;

use super::{InferenceError, values};
use crate::RealNvp;
use crate::image::{from_values, to_tensor};
use crate::limits;
use crate::model::interpolate::interpolate_latents;

/// A batch's latents, one tensor per scale (`[B, C_i, H_i, W_i]`).
pub type Latents = Vec<Tensor<4>>;

/// The latents of `size x size` RGB images (HWC bytes), as one batch.
pub fn encode_pixels(model: &RealNvp, pixels: &[Vec<u8>]) -> Latents {
    let size = model.config().image_size;
    model.encode(to_tensor(pixels, size, &model.device()))
}

/// Images `start .. start + count` of a batch of `total` latents.
pub fn narrow(
    latents: &[Tensor<4>],
    start: usize,
    count: usize,
) -> Result<Latents, InferenceError> {
    let total = latents.first().map_or(0, |z| z.dims()[0]);
    if count == 0 || start.checked_add(count).is_none_or(|end| end > total) {
        return Err(InferenceError::Limit(format!(
            "faces {start}..{} are not within the grid of {total}",
            start.saturating_add(count)
        )));
    }
    Ok(latents
        .iter()
        .map(|z| z.clone().narrow(0, start, count))
        .collect())
}

/// Faces `start .. start + count` of the `n` faces `realnvp sample --n n --temperature t
/// --seed s` draws: the same latents whichever range is asked for.
pub fn sampled_latents(
    model: &RealNvp,
    n: usize,
    temperature: f32,
    seed: u64,
    start: usize,
    count: usize,
) -> Result<Latents, InferenceError> {
    limits::check_faces(n).map_err(InferenceError::Limit)?;
    limits::check_temperature(temperature).map_err(InferenceError::Limit)?;
    narrow(&model.sample_latents(n, temperature, seed), start, count)
}

/// Faces `start .. start + count` (row-major) of a `steps x steps` grid between four
/// corners (`a` top left, `b` top right, `c` bottom left, `d` bottom right), interpolated at
/// every scale with the paper's manifold weights.
pub fn interpolated_latents(
    corners: &[Latents; 4],
    steps: usize,
    start: usize,
    count: usize,
) -> Result<Latents, InferenceError> {
    limits::check_steps(steps).map_err(InferenceError::Limit)?;
    narrow(&interpolate_latents(corners, steps), start, count)
}

/// Latents decoded to faces: `size x size` RGB bytes (HWC) each.
pub async fn decode_faces(
    model: &RealNvp,
    latents: Latents,
) -> Result<Vec<Vec<u8>>, InferenceError> {
    let count = latents.first().map_or(0, |z| z.dims()[0]);
    let pixels = values(model.decode(latents)).await?;
    Ok(from_values(&pixels, count, model.config().image_size))
}

/// A crop encoded and decoded again, and the largest difference from it over all
/// sub-pixels (0 to 255): the flow is invertible, so this is the crop up to float rounding.
pub async fn round_trip(model: &RealNvp, pixels: &[u8]) -> Result<(Vec<u8>, u8), InferenceError> {
    let latents = encode_pixels(model, &[pixels.to_vec()]);
    let back = decode_faces(model, latents).await?.remove(0);
    let max_error = back
        .iter()
        .zip(pixels)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0);
    Ok((back, max_error))
}
