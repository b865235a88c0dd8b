//! Coupling masks, computed from the shape (they are not weights).

use burn::tensor::{Device, Tensor, TensorData};

/// Which half of the input a coupling conditions on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MaskKind {
    /// Spatial checkerboard; parity 0 keeps the sites where `(h + w)` is even.
    Checkerboard,
    /// Channel halves; parity 0 keeps the first half and transforms the second.
    Channel,
}

/// The checkerboard mask `[1, 1, H, W]`: 1 on the conditioning sites.
pub fn checkerboard(height: usize, width: usize, parity: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..height * width)
        .map(|i| {
            if (i / width + i % width + parity).is_multiple_of(2) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [1, 1, height, width]), device)
}
