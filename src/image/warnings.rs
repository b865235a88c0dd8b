//! Why a score may not mean what it seems, in the sentences the CLI and the page show.

use super::{ALPHA_BACKGROUND, Decoded};

/// Below this standard deviation (in 8-bit levels) a crop counts as nearly uniform.
pub const UNIFORM_STD_LEVELS: f64 = 2.0;

/// Why a crop's score may not mean what it seems: an enlarged crop (smaller than the
/// model's input) is scored as a blurred copy; a nearly uniform one gets a density so high
/// that bits/dim can go below zero; flattened transparency is not the photo's own pixels; a
/// grey crop is scored against colour faces; an animation is scored by its first frame.
pub fn crop_warnings(photo: &Decoded, side: u32, size: usize, pixels: &[u8]) -> Vec<String> {
    let mut warnings = Vec::new();
    if (side as usize) < size {
        warnings.push(format!(
            "enlarged: the crop is {side}x{side} pixels, smaller than the model's {size}x{size}, so the score is that of an enlarged, blurred copy"
        ));
    }
    // Spatial variation, per colour channel: a solid red crop is as uniform as a white one.
    let std = (0..3)
        .map(|ch| {
            let values: Vec<f64> = pixels
                .iter()
                .skip(ch)
                .step_by(3)
                .map(|&v| v as f64)
                .collect();
            let n = values.len().max(1) as f64;
            let mean = values.iter().sum::<f64>() / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
        })
        .fold(0f64, f64::max);
    if std < UNIFORM_STD_LEVELS {
        warnings.push(format!(
            "nearly uniform: the crop's colours hardly vary (standard deviation at most {std:.2} levels); such images get densities so high that bits/dim can fall below zero, which is no code length"
        ));
    }
    // Uniform crops are warned about already; grey ones of any detail get this one.
    if std >= UNIFORM_STD_LEVELS && is_grey(pixels) {
        warnings.push(
            "grayscale: the crop has no colour (its three channels are equal); the model learned colour faces, whose channels differ, so this bits/dim is not comparable with a colour photo's".into(),
        );
    }
    if photo.animated {
        warnings
            .push("animated: the file holds an animation; only its first frame is scored".into());
    }
    if photo.flattened {
        let [r, g, b] = ALPHA_BACKGROUND;
        warnings.push(format!(
            "transparent: transparent pixels were composited onto rgb({r}, {g}, {b}) before scoring"
        ));
    }
    warnings
}

/// Every pixel has equal red, green and blue.
fn is_grey(pixels: &[u8]) -> bool {
    pixels.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2])
}
