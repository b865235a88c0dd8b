//! The square a model sees: the centred square of a photo (or a box the page's visitor
//! moved), box-resized to the model's resolution, with the warnings its score needs.

use image::RgbImage;

use super::{Decoded, ImageError, crop_warnings, decode_photo, lossless_bits_per_dim, png_bytes};

/// The centred square `(x, y, side)` of a `width x height` image.
pub fn centre_square(width: u32, height: u32) -> (u32, u32, u32) {
    let side = width.min(height);
    ((width - side) / 2, (height - side) / 2, side)
}

/// Crops the square at `(x, y)` of side `side` and box-resizes it to `size x size`.
/// Returns RGB bytes, row-major (HWC).
pub fn crop_resize(
    image: &RgbImage,
    x: u32,
    y: u32,
    side: u32,
    size: usize,
) -> Result<Vec<u8>, ImageError> {
    let (width, height) = image.dimensions();
    if side == 0 || x as u64 + side as u64 > width as u64 || y as u64 + side as u64 > height as u64
    {
        return Err(ImageError::BadCrop {
            x,
            y,
            side,
            width,
            height,
        });
    }
    let raw = image.as_raw();
    let row = width as usize * 3;
    let side = side as usize;
    // Horizontal pass: side rows x size columns, then vertical: size x size.
    let weights = box_weights(side, size);
    let mut horizontal = vec![0f32; side * size * 3];
    for r in 0..side {
        let src = &raw[(y as usize + r) * row + x as usize * 3..];
        for (j, taps) in weights.iter().enumerate() {
            let mut acc = [0f32; 3];
            for &(k, w) in taps {
                for ch in 0..3 {
                    acc[ch] += w * src[k * 3 + ch] as f32;
                }
            }
            horizontal[(r * size + j) * 3..(r * size + j) * 3 + 3].copy_from_slice(&acc);
        }
    }
    let mut out = vec![0u8; size * size * 3];
    for (i, taps) in weights.iter().enumerate() {
        for j in 0..size {
            for ch in 0..3 {
                let v: f32 = taps
                    .iter()
                    .map(|&(k, w)| w * horizontal[(k * size + j) * 3 + ch])
                    .sum();
                out[(i * size + j) * 3 + ch] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

/// For each output index, the source indices it covers and their overlap weights (sum 1).
pub(super) fn box_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let (lo, hi) = (i as f64 * scale, (i + 1) as f64 * scale);
            let mut taps = Vec::new();
            let mut k = lo.floor() as usize;
            while (k as f64) < hi && k < src {
                let overlap = (hi.min(k as f64 + 1.0) - lo.max(k as f64)).max(0.0);
                if overlap > 0.0 {
                    taps.push((k, (overlap / scale) as f32));
                }
                k += 1;
            }
            taps
        })
        .collect()
}

/// A model input: a square of a photo resized to the model's resolution, and what its score
/// should be read with.
#[derive(Debug, Clone)]
pub struct Crop {
    /// `size x size` RGB, row-major (HWC).
    pub pixels: Vec<u8>,
    /// Sentences from [`crop_warnings`]; empty for an ordinary photo.
    pub warnings: Vec<String>,
}

impl Crop {
    /// The square `(x, y, side)` of `photo` at `size x size`.
    pub fn of(photo: &Decoded, x: u32, y: u32, side: u32, size: usize) -> Result<Crop, ImageError> {
        let pixels = crop_resize(&photo.image, x, y, side, size)?;
        let warnings = crop_warnings(photo, side, size, &pixels);
        Ok(Crop { pixels, warnings })
    }

    /// Bits/dim of the crop saved as PNG (best compression): what a generic lossless codec
    /// needs for the same pixels, shown beside the model's score.
    pub fn png_bits_per_dim(&self, size: usize) -> f64 {
        let image = RgbImage::from_raw(size as u32, size as u32, self.pixels.clone())
            .expect("a crop holds size x size RGB pixels");
        lossless_bits_per_dim(&image, png_bytes)
    }

    /// The centred square, the crop `realnvp score` takes of every file.
    pub fn centred(photo: &Decoded, size: usize) -> Result<Crop, ImageError> {
        let (x, y, side) = centre_square(photo.image.width(), photo.image.height());
        Crop::of(photo, x, y, side, size)
    }
}

/// An image file's centred square at `size x size`, with its warnings.
pub fn centred_crop(bytes: &[u8], size: usize) -> Result<Crop, ImageError> {
    Crop::centred(&decode_photo(bytes)?, size)
}

/// [`centred_crop`]'s pixels alone (encoding, where no score is shown).
pub fn model_input(bytes: &[u8], size: usize) -> Result<Vec<u8>, ImageError> {
    centred_crop(bytes, size).map(|crop| crop.pixels)
}
