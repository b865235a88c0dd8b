//! Latent interpolation across all scales, as in the paper's manifold figure (Fig. 6):
//! `z = cos(a) (cos(b) z1 + sin(b) z2) + sin(a) (cos(b) z3 + sin(b) z4)`, a, b in [0, pi/2].
//! Unlike a bilinear blend it keeps the latent norm, so middle images stay sharp.

use burn::tensor::{Tensor, TensorData};

/// Corner weights for a `steps x steps` grid, row-major (row: a, column: b).
pub fn manifold_weights(steps: usize) -> Vec<[f32; 4]> {
    let angle = |i: usize| {
        if steps <= 1 {
            0.0
        } else {
            std::f64::consts::FRAC_PI_2 * i as f64 / (steps - 1) as f64
        }
    };
    let mut weights = Vec::with_capacity(steps * steps);
    for r in 0..steps {
        for c in 0..steps {
            let (a, b) = (angle(r), angle(c));
            weights.push([
                (a.cos() * b.cos()) as f32,
                (a.cos() * b.sin()) as f32,
                (a.sin() * b.cos()) as f32,
                (a.sin() * b.sin()) as f32,
            ]);
        }
    }
    weights
}

/// Interpolates four latent sets (each one image: batch 1 per scale) into `steps^2` latents.
///
/// # Shapes
/// corners: 4 x (one `[1, C_i, H_i, W_i]` per scale) -> one `[steps^2, C_i, H_i, W_i]` per scale
pub fn interpolate_latents(corners: &[Vec<Tensor<4>>; 4], steps: usize) -> Vec<Tensor<4>> {
    let scales = corners[0].len();
    let device = corners[0][0].device();
    let weights: Vec<f32> = manifold_weights(steps).into_iter().flatten().collect();
    let weights = Tensor::<2>::from_data(TensorData::new(weights, [steps * steps, 4]), &device);
    (0..scales)
        .map(|s| {
            let [_, c, h, w] = corners[0][s].dims();
            let stacked = Tensor::cat(corners.iter().map(|z| z[s].clone()).collect(), 0)
                .reshape([4, c * h * w]);
            weights
                .clone()
                .matmul(stacked)
                .reshape([steps * steps, c, h, w])
        })
        .collect()
}
