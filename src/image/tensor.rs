//! Pixels <-> tensors: HWC RGB bytes (what images are) and NCHW floats (what the model takes).

use burn::tensor::{Device, Tensor, TensorData};

/// HWC RGB byte images (all `size x size`) -> an NCHW float tensor of pixel values 0..255.
pub fn to_tensor<P: AsRef<[u8]>>(images: &[P], size: usize, device: &Device) -> Tensor<4> {
    let plane = size * size;
    let mut values = vec![0f32; images.len() * 3 * plane];
    for (n, img) in images.iter().enumerate() {
        let img = img.as_ref();
        assert_eq!(
            img.len(),
            plane * 3,
            "every image must be {size}x{size} RGB"
        );
        for p in 0..plane {
            for ch in 0..3 {
                values[(n * 3 + ch) * plane + p] = img[p * 3 + ch] as f32;
            }
        }
    }
    Tensor::from_data(
        TensorData::new(values, [images.len(), 3, size, size]),
        device,
    )
}

/// NCHW pixel values (read back from a tensor) -> HWC RGB byte images.
pub fn from_values(values: &[f32], count: usize, size: usize) -> Vec<Vec<u8>> {
    let plane = size * size;
    (0..count)
        .map(|n| {
            let mut img = vec![0u8; plane * 3];
            for p in 0..plane {
                for ch in 0..3 {
                    img[p * 3 + ch] =
                        values[(n * 3 + ch) * plane + p].round().clamp(0.0, 255.0) as u8;
                }
            }
            img
        })
        .collect()
}

/// RGB bytes -> RGBA bytes (opaque), the layout of canvas `ImageData`.
pub fn rgba(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect()
}
