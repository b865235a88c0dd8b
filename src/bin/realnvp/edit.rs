//! `realnvp edit`: a strip of a photo's centred square edited along one attribute.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use realnvp::image::{grid, model_input};
use realnvp::inference::{block_on, edited_faces, encode_pixels};
use realnvp::limits::GRID_GAP;

use crate::common::{load_with_attributes, save_png};

#[derive(Args)]
pub struct EditArgs {
    photo: PathBuf,
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Default: attributes.safetensors beside the weight file.
    #[arg(long)]
    attributes: Option<PathBuf>,
    /// `age` (towards older) or `gender` (from label 0 towards label 1).
    #[arg(long)]
    attribute: String,
    /// Comma-separated amounts, in typical shifts (0 gives the photo back).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_values_t = realnvp::limits::STRIP_AMOUNTS
    )]
    amounts: Vec<f32>,
    #[arg(long, default_value = "edit.png")]
    out: PathBuf,
}

impl EditArgs {
    pub fn run(self) -> Result<ExitCode> {
        let amounts = self.amounts;
        let (model, attributes) = load_with_attributes(self.weights, self.attributes)?;
        let Some(index) = attributes
            .directions
            .iter()
            .position(|d| d.name == self.attribute)
        else {
            bail!(
                "no direction `{}` in the attribute file (it has {})",
                self.attribute,
                attributes.names().join(", ")
            );
        };
        let direction = attributes.directions[index]
            .on_device(&model.config().latent_shapes(), &model.device());
        let size = model.config().image_size;
        let photo = &self.photo;
        let bytes = std::fs::read(photo).with_context(|| format!("reading {}", photo.display()))?;
        let pixels = model_input(&bytes, size).with_context(|| photo.display().to_string())?;
        let latents = encode_pixels(&model, &[pixels]);
        let edits: Vec<Vec<f32>> = amounts.iter().map(|&a| vec![a]).collect();
        let faces = block_on(edited_faces(&model, &latents, &[direction], &edits))?;
        save_png(&grid(&faces, size, amounts.len(), GRID_GAP), &self.out)?;
        println!(
            "wrote {} ({} at {amounts:?} typical shifts)",
            self.out.display(),
            self.attribute
        );
        Ok(ExitCode::SUCCESS)
    }
}
