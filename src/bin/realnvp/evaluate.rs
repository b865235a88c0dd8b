//! `realnvp evaluate`: mean bits/dim over a split of an image folder, beside PNG and
//! lossless WebP on the same pixels; with `--compare`, a second weight file on the same
//! images, image by image.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use image::RgbImage;
use realnvp::image::{lossless_bits_per_dim, png_bytes, webp_bytes};
use realnvp::train::data::{self, ImageSet};
use realnvp::train::trainer::evaluate_each;

use crate::common::{Backend, load};

#[derive(Clone, Copy, ValueEnum)]
enum Split {
    Train,
    Val,
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long, default_value = "../shared/data/faces")]
    data: PathBuf,
    #[arg(long, default_value = "runs/cache")]
    cache: PathBuf,
    #[arg(long, value_enum, default_value_t = Split::Val)]
    split: Split,
    /// Use only the first N images of the split.
    #[arg(long)]
    limit: Option<usize>,
    /// A second weight file (same image size) scored on the same images: its mean and the
    /// largest and mean per-image difference from the first.
    #[arg(long)]
    compare: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

impl EvaluateArgs {
    pub fn run(self) -> Result<ExitCode> {
        let model = load(self.weights, self.backend)?;
        let size = model.config().image_size;
        let faces = data::load(&self.data, size, &self.cache, true)?;
        let mut set = match self.split {
            Split::Train => faces.train,
            Split::Val => faces.val,
        };
        if let Some(limit) = self.limit {
            set.images.truncate(limit);
        }
        if set.is_empty() {
            bail!("the split has no images");
        }
        // Loaded before the long run, so that a bad second file is refused at once.
        let other = match &self.compare {
            Some(path) => {
                let other = load(Some(path.clone()), self.backend)?;
                if other.config().image_size != size {
                    bail!(
                        "--compare: {} is a {}x{} model, the first is {size}x{size}",
                        path.display(),
                        other.config().image_size,
                        other.config().image_size
                    );
                }
                Some((path, other))
            }
            None => None,
        };
        let evaluation = evaluate_each(&model, &set, 32)?;
        let mut summary = serde_json::json!({
            "images": set.len(),
            "resolution": size,
            "bits_per_dim": evaluation.mean(),
            "png_bits_per_dim": mean_lossless(&set, png_bytes),
            "webp_lossless_bits_per_dim": mean_lossless(&set, webp_bytes),
        });
        if let Some((path, other)) = other {
            let theirs = evaluate_each(&other, &set, 32)?;
            let differences: Vec<f64> = theirs
                .bits_per_dim
                .iter()
                .zip(&evaluation.bits_per_dim)
                .map(|(b, a)| b - a)
                .collect();
            let abs = differences.iter().map(|d| d.abs());
            summary["compare"] = serde_json::json!({
                "weights": path.display().to_string(),
                "bits_per_dim": theirs.mean(),
                "difference": theirs.mean() - evaluation.mean(),
                "max_abs_image_difference": abs.clone().fold(0.0, f64::max),
                "mean_abs_image_difference": abs.sum::<f64>() / differences.len() as f64,
            });
        }
        println!("{summary}");
        Ok(ExitCode::SUCCESS)
    }
}

/// Mean bits/dim of the set's images as the lossless files `encode` writes.
fn mean_lossless(set: &ImageSet, encode: fn(&RgbImage) -> Vec<u8>) -> f64 {
    let size = set.size as u32;
    let total: f64 = set
        .images
        .iter()
        .map(|pixels| {
            let image = RgbImage::from_raw(size, size, pixels.clone())
                .expect("cached images have the set's size");
            lossless_bits_per_dim(&image, encode)
        })
        .sum();
    total / set.len() as f64
}
