//! Dequantisation + logit preprocessing (Real NVP section 4.1) and bits/dim.

use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

use super::coupling::sum_per_image;

/// Pixels in {0..255} plus noise in [0, 1) to logit space, with log|det| w.r.t. `x' = (x+u)/256`.
///
/// # Shapes
/// `[B, C, H, W]` (pixels and noise) -> (`[B, C, H, W]`, `[B]`)
pub fn to_logit(pixels: Tensor<4>, noise: Tensor<4>, alpha: f64) -> (Tensor<4>, Tensor<1>) {
    let batch = pixels.dims()[0];
    let x = (pixels + noise) / 256.0;
    let y = x * (1.0 - 2.0 * alpha) + alpha;
    let log_y = y.clone().log();
    let log_1my = y.neg().add_scalar(1.0).log();
    let z = log_y.clone() - log_1my.clone();
    let logdet = sum_per_image(
        (log_y + log_1my).neg().add_scalar((1.0 - 2.0 * alpha).ln()),
        batch,
    );
    (z, logdet)
}

/// Logit space back to 8-bit pixel values (as floats in {0..255}).
pub fn to_pixels(z: Tensor<4>, alpha: f64) -> Tensor<4> {
    let x = (sigmoid(z) - alpha) / (1.0 - 2.0 * alpha);
    (x * 256.0).floor().clamp(0.0, 255.0)
}

/// log N(z; 0, I) per image.
pub fn standard_normal_log_prob(z: Tensor<4>) -> Tensor<1> {
    let [batch, c, h, w] = z.dims();
    let d = (c * h * w) as f64;
    sum_per_image(z.square(), batch)
        .mul_scalar(-0.5)
        .sub_scalar(0.5 * d * (2.0 * std::f64::consts::PI).ln())
}

/// Converts a log-density of `x'` on [0,1]^D into bits per sub-pixel of the 8-bit image.
pub fn bits_per_dim(log_density: Tensor<1>, dims: usize) -> Tensor<1> {
    let d = dims as f64;
    log_density
        .neg()
        .add_scalar(d * 256f64.ln())
        .div_scalar(d * 2f64.ln())
}
