//! Dequantisation + logit preprocessing (Real NVP section 4.1) and bits/dim.

use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

use super::cost::{channel_sum, per_image};

/// Pixels in {0..255} plus noise in [0, 1) to logit space, with log|det| w.r.t. `x' = (x+u)/256`.
///
/// # Shapes
/// `[B, C, H, W]` (pixels and noise) -> (`[B, C, H, W]`, `[B]`)
pub fn to_logit(pixels: Tensor<4>, noise: Tensor<4>, alpha: f64) -> (Tensor<4>, Tensor<1>) {
    let (z, logdet) = to_logit_map(pixels, noise, alpha);
    (z, per_image(logdet))
}

/// [`to_logit`] with the log|det| per pixel position (its sub-pixels' Jacobians together).
///
/// # Shapes
/// `[B, C, H, W]` (pixels and noise) -> (`[B, C, H, W]`, `[B, H, W]`)
pub fn to_logit_map(pixels: Tensor<4>, noise: Tensor<4>, alpha: f64) -> (Tensor<4>, Tensor<3>) {
    let x = (pixels + noise) / 256.0;
    let y = x * (1.0 - 2.0 * alpha) + alpha;
    let log_y = y.clone().log();
    let log_1my = y.neg().add_scalar(1.0).log();
    let z = log_y.clone() - log_1my.clone();
    let logdet = channel_sum((log_y + log_1my).neg().add_scalar((1.0 - 2.0 * alpha).ln()));
    (z, logdet)
}

/// Logit space back to 8-bit pixel values (as floats in {0..255}).
pub fn to_pixels(z: Tensor<4>, alpha: f64) -> Tensor<4> {
    let x = (sigmoid(z) - alpha) / (1.0 - 2.0 * alpha);
    (x * 256.0).floor().clamp(0.0, 255.0)
}

/// -log N(z; 0, I) in nats per position (over its channels).
///
/// # Shapes
/// `[B, C, H, W] -> [B, H, W]`
pub fn prior_cost_map(z: Tensor<4>) -> Tensor<3> {
    let channels = z.dims()[1] as f64;
    channel_sum(z.square())
        .mul_scalar(0.5)
        .add_scalar(0.5 * channels * (2.0 * std::f64::consts::PI).ln())
}
