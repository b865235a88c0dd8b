//! `realnvp attributes-fit` (the directions fitted and checked on UTKFace) and `realnvp
//! attributes` (a photo's coordinates along them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use realnvp::RealNvp;
use realnvp::attributes::fit::{self, LabelledFace};
use realnvp::attributes::{Attributes, unflatten};
use realnvp::image::{grid, model_input};
use realnvp::inference::{block_on, coordinates, edited_faces, encode_pixels};
use realnvp::limits::{GRID_GAP, STRIP_AMOUNTS};

use crate::common::{
    Backend, load, load_with_attributes, print_file_error, read_file, round4, save_png,
};

#[derive(Args)]
pub struct FitArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long, default_value = "../shared/data/faces")]
    data: PathBuf,
    /// Where to write the directions.
    #[arg(long, default_value = "model-weights/attributes.safetensors")]
    out: PathBuf,
    /// At most this many images of each split (evenly spaced).
    #[arg(long, default_value_t = 3000)]
    limit: usize,
    /// Also write grids of edits of validation faces, `<stem>_<attribute>.png`.
    #[arg(long)]
    grid: Option<PathBuf>,
    /// Also write the directions' description and the check as JSON.
    #[arg(long)]
    report: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

impl FitArgs {
    pub fn run(self) -> Result<ExitCode> {
        let model = load(self.weights.clone(), Backend::Cpu)?;
        let size = model.config().image_size;
        let progress = !self.quiet;
        let (train, val) = fit::labelled_faces(&self.data, size, self.limit, progress)?;
        let started = std::time::Instant::now();
        let train_latents = fit::encode_all(&model, &train, "encoding", progress)?;
        let attributes = fit::fit(&model, &train, &train_latents)?;
        std::fs::write(&self.out, attributes.to_bytes())
            .with_context(|| format!("writing {}", self.out.display()))?;
        for d in &attributes.directions {
            println!("{}: {} (typical shift {:.2})", d.name, d.how, d.shift);
        }
        println!(
            "wrote {} ({} training images encoded in {:.0} s)",
            self.out.display(),
            train.len(),
            started.elapsed().as_secs_f64()
        );
        if val.is_empty() {
            println!("no labelled validation images: no check");
            return Ok(ExitCode::SUCCESS);
        }
        let val_latents = fit::encode_all(&model, &val, "checking", progress)?;
        let check = fit::check(&attributes, &val, &val_latents)?;
        println!(
            "validation ({} images, never fitted on): gender AUROC {:.3}, age Spearman {:.3}",
            check.images, check.gender_auroc, check.age_spearman
        );
        if let Some(report) = &self.report {
            let line = serde_json::json!({
                "check": check,
                "training_images": train.len(),
                "directions": attributes.directions.iter().map(|d| serde_json::json!({
                    "name": d.name, "how": d.how, "shift": d.shift,
                })).collect::<Vec<_>>(),
            });
            std::fs::write(report, serde_json::to_string_pretty(&line)?)
                .with_context(|| format!("writing {}", report.display()))?;
        }
        if let Some(out) = &self.grid {
            write_check_grids(&model, &attributes, &val, &val_latents, out)?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// For each direction, six validation faces (rows) at the strip's amounts (columns), written
/// as `<out stem>_<name>.png`.
fn write_check_grids(
    model: &RealNvp,
    attributes: &Attributes,
    val: &[LabelledFace],
    latents: &[Vec<f32>],
    out: &Path,
) -> Result<()> {
    let picks: Vec<usize> = (0..6).map(|i| i * val.len() / 6).collect();
    let size = model.config().image_size;
    let shapes = model.config().latent_shapes();
    let edits: Vec<Vec<f32>> = STRIP_AMOUNTS.iter().map(|&a| vec![a]).collect();
    for (d, direction) in attributes
        .directions
        .iter()
        .zip(attributes.on_device(model))
    {
        let mut faces = Vec::new();
        for &i in &picks {
            let z = unflatten(&latents[i], &shapes, &model.device());
            let row = edited_faces(model, &z, std::slice::from_ref(&direction), &edits);
            faces.extend(block_on(row)?);
        }
        let stem = out.with_extension("");
        let path = PathBuf::from(format!("{}_{}.png", stem.display(), d.name));
        save_png(&grid(&faces, size, STRIP_AMOUNTS.len(), GRID_GAP), &path)?;
        println!(
            "wrote {} (rows: validation faces; columns: {} {STRIP_AMOUNTS:?})",
            path.display(),
            d.name
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct AttributesArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Default: attributes.safetensors beside the weight file.
    #[arg(long)]
    attributes: Option<PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

impl AttributesArgs {
    pub fn run(self) -> Result<ExitCode> {
        let (model, attributes) = load_with_attributes(self.weights, self.attributes)?;
        let size = model.config().image_size;
        let directions = attributes.on_device(&model);
        let mut failed = false;
        for file in &self.files {
            let name = file.display().to_string();
            let pixels = read_file(file)
                .and_then(|bytes| model_input(&bytes, size).map_err(|e| e.to_string()));
            let pixels = match pixels {
                Ok(pixels) => pixels,
                Err(error) => {
                    failed = true;
                    print_file_error(&name, &error, self.json);
                    continue;
                }
            };
            let latents = encode_pixels(&model, &[pixels]);
            let values = block_on(coordinates(&latents, &directions))?;
            let mut by_name = serde_json::Map::new();
            for (d, c) in attributes.directions.iter().zip(values) {
                by_name.insert(d.name.clone(), serde_json::json!(round4(c as f64)));
            }
            if self.json {
                println!(
                    "{}",
                    serde_json::json!({"file": name, "attributes": by_name})
                );
            } else {
                let words: Vec<String> = by_name.iter().map(|(k, v)| format!("{k} {v}")).collect();
                println!("{name}: {}", words.join(", "));
            }
        }
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }
}
