//! Squeeze: trade spatial resolution for channels, `2x2xC -> 1x1x4C`.

use burn::tensor::Tensor;

/// Output channel `(dy*2 + dx)*C + c` holds input `(c, 2i + dy, 2j + dx)`.
///
/// # Shapes
/// `[B, C, H, W] -> [B, 4C, H/2, W/2]`
///
/// # Panics
/// If H or W is odd.
pub fn squeeze(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    assert!(
        h % 2 == 0 && w % 2 == 0,
        "squeeze needs even height and width, got {h}x{w}"
    );
    x.reshape([b, c, h / 2, 2, w / 2, 2])
        .permute([0, 3, 5, 1, 2, 4])
        .reshape([b, 4 * c, h / 2, w / 2])
}

/// The inverse of [`squeeze`].
///
/// # Shapes
/// `[B, 4C, H, W] -> [B, C, 2H, 2W]`
pub fn unsqueeze(x: Tensor<4>) -> Tensor<4> {
    let [b, c4, h, w] = x.dims();
    assert!(
        c4 % 4 == 0,
        "unsqueeze needs a multiple of 4 channels, got {c4}"
    );
    let c = c4 / 4;
    x.reshape([b, 2, 2, c, h, w])
        .permute([0, 3, 4, 1, 5, 2])
        .reshape([b, c, 2 * h, 2 * w])
}
