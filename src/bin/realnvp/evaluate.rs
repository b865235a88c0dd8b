//! `realnvp evaluate`: mean bits/dim over a split of an image folder, beside PNG and
//! lossless WebP on the same pixels.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use image::RgbImage;
use realnvp::image::{lossless_bits_per_dim, png_bytes, webp_bytes};
use realnvp::train::data::{self, ImageSet};

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
        let bpd = realnvp::train::trainer::evaluate(&model, &set, 32)?;
        let summary = serde_json::json!({
            "images": set.len(),
            "resolution": size,
            "bits_per_dim": bpd,
            "png_bits_per_dim": mean_lossless(&set, png_bytes),
            "webp_lossless_bits_per_dim": mean_lossless(&set, webp_bytes),
        });
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
