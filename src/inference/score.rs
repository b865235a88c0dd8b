//! Scoring crops: what `realnvp score` prints and the page's score panel shows.

use std::borrow::Borrow;

use burn::tensor::Tensor;

use super::{InferenceError, values};
use crate::RealNvp;
use crate::image::{Crop, to_tensor};
use crate::model::{BitsMap, CostMap, Likelihood};

/// One crop's score.
#[derive(Debug, Clone)]
pub struct CropScore {
    /// `-log2 p(x)` per sub-pixel at the centre of each pixel's bin.
    pub bits_per_dim: f64,
    /// Each scale's share, finest first; they sum to `bits_per_dim`.
    pub per_scale: Vec<f64>,
    /// Every term of the score in bits/dim, scale by scale (the prior of its latent, each
    /// step's log-det, then on scale 0 the preprocessing's): they sum to `bits_per_dim`, and
    /// are what face-likeness ([`crate::likeness`]) reads.
    pub terms: Vec<f64>,
    /// Where the bits go, when asked for: bits per pixel position (`size^2`, row-major,
    /// summing to bits/dim x 3 x size^2), then each scale's map.
    pub bits_map: Option<Vec<f32>>,
    pub scale_bits_maps: Vec<Vec<f32>>,
    /// Why the number may mislead (the crop's warnings).
    pub warnings: Vec<String>,
}

/// Scores `crops` (or references to them) as one batch, with one read back. `maps`: also
/// where the bits go.
pub async fn score_crops<C: Borrow<Crop>>(
    model: &RealNvp,
    crops: &[C],
    maps: bool,
) -> Result<Vec<CropScore>, InferenceError> {
    let n = crops.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let size = model.config().image_size;
    let pixels: Vec<&[u8]> = crops.iter().map(|c| c.borrow().pixels.as_slice()).collect();
    let costs = model.costs_at_bin_centres(to_tensor(&pixels, size, &model.device()));
    let likelihood = Likelihood::of(&costs, model.config().dims());
    let scales = likelihood.per_scale_bits_per_dim.len();
    let terms = term_bits_per_dim(&costs, model.config().dims());
    let count = terms.len();
    // One read back: the totals, each scale's parts, each term, then (with maps) the whole
    // maps and each scale's.
    let mut parts = vec![likelihood.bits_per_dim];
    parts.extend(likelihood.per_scale_bits_per_dim);
    parts.extend(terms);
    if maps {
        let map = BitsMap::of(&costs);
        parts.extend(
            std::iter::once(map.total)
                .chain(map.per_scale)
                .map(|m| m.reshape([n * size * size])),
        );
    }
    let read = values(Tensor::cat(parts, 0)).await?;
    let head = n * (1 + scales + count);
    if read[..head].iter().any(|v| !v.is_finite()) {
        return Err(InferenceError::NonFinite);
    }
    let cells = size * size;
    // Image i's map in block b (0: the whole map, 1 + s: scale s).
    let map_of = |b: usize, i: usize| {
        let at = head + b * n * cells + i * cells;
        read[at..at + cells].to_vec()
    };
    Ok(crops
        .iter()
        .enumerate()
        .map(|(i, crop)| CropScore {
            bits_per_dim: read[i] as f64,
            per_scale: (0..scales).map(|s| read[(1 + s) * n + i] as f64).collect(),
            terms: (0..count)
                .map(|t| read[(1 + scales + t) * n + i] as f64)
                .collect(),
            bits_map: maps.then(|| map_of(0, i)),
            scale_bits_maps: if maps {
                (0..scales).map(|s| map_of(1 + s, i)).collect()
            } else {
                Vec::new()
            },
            warnings: crop.borrow().warnings.clone(),
        })
        .collect())
}

/// Each cost term's total per image, in bits per sub-pixel, `[B]` each: scale by scale.
fn term_bits_per_dim(costs: &[Vec<CostMap>], dims: usize) -> Vec<Tensor<1>> {
    let bits = dims as f64 * std::f64::consts::LN_2;
    costs
        .iter()
        .flatten()
        .map(|term| term.total().div_scalar(bits))
        .collect()
}
