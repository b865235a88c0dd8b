//! The attribute commands: `attributes-fit`, `attributes` and `edit`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use burn::tensor::Tensor;
use realnvp::RealNvp;
use realnvp::attributes::fit::{self, LabelledFace};
use realnvp::attributes::{Attributes, Direction, unflatten};
use realnvp::image::{from_values, grid, model_input, to_tensor};
use realnvp::limits::check_edit_amounts;

/// The attribute file's name; by default it is read from beside the weight file.
pub const ATTRIBUTES_FILE: &str = "attributes.safetensors";

pub fn attributes_path(given: Option<PathBuf>, weights: &Path) -> PathBuf {
    given.unwrap_or_else(|| {
        weights
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(ATTRIBUTES_FILE)
    })
}

pub fn load_attributes(path: &Path, model: &RealNvp) -> Result<Attributes> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "reading {} (fit one with `realnvp attributes-fit`)",
            path.display()
        )
    })?;
    Attributes::from_bytes(&bytes, model.config().image_size)
        .with_context(|| format!("loading {}", path.display()))
}

/// What `attributes-fit` is asked to do.
pub struct FitArgs {
    pub data: PathBuf,
    pub out: PathBuf,
    pub limit: usize,
    pub grid: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub quiet: bool,
}

pub fn fit_command(model: &RealNvp, args: FitArgs) -> Result<ExitCode> {
    let size = model.config().image_size;
    let progress = !args.quiet;
    let (train, val) = fit::labelled_faces(&args.data, size, args.limit, progress)?;
    let started = std::time::Instant::now();
    let train_latents = fit::encode_all(model, &train, "encoding", progress);
    let attributes = fit::fit(model, &train, &train_latents)?;
    std::fs::write(&args.out, attributes.to_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    for d in &attributes.directions {
        println!("{}: {} (typical shift {:.2})", d.name, d.how, d.shift);
    }
    println!(
        "wrote {} ({} training images encoded in {:.0} s)",
        args.out.display(),
        train.len(),
        started.elapsed().as_secs_f64()
    );
    if val.is_empty() {
        println!("no labelled validation images: no check");
        return Ok(ExitCode::SUCCESS);
    }
    let val_latents = fit::encode_all(model, &val, "checking", progress);
    let check = fit::check(&attributes, &val, &val_latents)?;
    println!(
        "validation ({} images, never fitted on): gender AUROC {:.3}, age Spearman {:.3}",
        check.images, check.gender_auroc, check.age_spearman
    );
    if let Some(report) = &args.report {
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
    if let Some(out) = &args.grid {
        write_check_grids(model, &attributes, &val, &val_latents, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// For each direction, six validation faces (rows) at five amounts (columns), written as
/// `<out stem>_<name>.png`.
fn write_check_grids(
    model: &RealNvp,
    attributes: &Attributes,
    val: &[LabelledFace],
    latents: &[Vec<f32>],
    out: &Path,
) -> Result<()> {
    let amounts = [-2.0, -1.0, 0.0, 1.0, 2.0];
    let picks: Vec<usize> = (0..6).map(|i| i * val.len() / 6).collect();
    let size = model.config().image_size;
    for d in &attributes.directions {
        let mut faces = Vec::new();
        for &i in &picks {
            let z = unflatten(
                &latents[i],
                &model.config().latent_shapes(),
                &model.device(),
            );
            faces.extend(decode_edits(model, d, &z, &amounts)?);
        }
        let stem = out.with_extension("");
        let path = PathBuf::from(format!("{}_{}.png", stem.display(), d.name));
        grid(&faces, size, amounts.len(), 2)
            .save(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote {} (rows: validation faces; columns: {} {amounts:?})",
            path.display(),
            d.name
        );
    }
    Ok(())
}

/// The latents of one `size x size` RGB image.
fn encode_one(model: &RealNvp, pixels: &[u8]) -> Vec<Tensor<4>> {
    let size = model.config().image_size;
    model.encode(to_tensor(&[pixels.to_vec()], size, &model.device()))
}

/// `latents` (one image) edited by each amount along `direction`, decoded: one RGB image
/// per amount.
pub fn decode_edits(
    model: &RealNvp,
    direction: &Direction,
    latents: &[Tensor<4>],
    amounts: &[f32],
) -> Result<Vec<Vec<u8>>> {
    let config = model.config();
    let direction = direction.on_device(&config.latent_shapes(), &model.device());
    let per_amount: Vec<Vec<Tensor<4>>> = amounts
        .iter()
        .map(|a| direction.edit(latents.to_vec(), *a))
        .collect();
    let batched = (0..latents.len())
        .map(|s| Tensor::cat(per_amount.iter().map(|z| z[s].clone()).collect(), 0))
        .collect();
    let values = super::cli::pixels_of(model.decode(batched))?;
    Ok(from_values(&values, amounts.len(), config.image_size))
}

/// `realnvp attributes`: each file's coordinates along the directions.
pub fn attributes_command(
    model: &RealNvp,
    attributes: &Attributes,
    files: &[PathBuf],
    json: bool,
) -> Result<ExitCode> {
    let size = model.config().image_size;
    // Each direction on the device once, not once per file.
    let shapes = model.config().latent_shapes();
    let directions: Vec<_> = attributes
        .directions
        .iter()
        .map(|d| d.on_device(&shapes, &model.device()))
        .collect();
    let mut failed = false;
    for file in files {
        let name = file.display().to_string();
        let pixels = std::fs::read(file)
            .map_err(|e| format!("cannot read the file: {e}"))
            .and_then(|bytes| model_input(&bytes, size).map_err(|e| e.to_string()));
        match pixels {
            Err(error) => {
                failed = true;
                super::cli::print_file_error(&name, &error, json);
            }
            Ok(pixels) => {
                let latents = encode_one(model, &pixels);
                let mut coordinates = serde_json::Map::new();
                for (d, on_device) in attributes.directions.iter().zip(&directions) {
                    let c = super::cli::pixels_of(on_device.coordinates(&latents))?[0];
                    let c = (c as f64 * 1e4).round() / 1e4;
                    coordinates.insert(d.name.clone(), serde_json::json!(c));
                }
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"file": name, "attributes": coordinates})
                    );
                } else {
                    let words: Vec<String> = coordinates
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect();
                    println!("{name}: {}", words.join(", "));
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `realnvp edit`: a strip of the photo's centred square edited by each amount.
pub fn edit_command(
    model: &RealNvp,
    attributes: &Attributes,
    photo: &Path,
    attribute: &str,
    amounts: &[f32],
    out: &Path,
) -> Result<ExitCode> {
    check_edit_amounts(amounts).map_err(anyhow::Error::msg)?;
    let Some(direction) = attributes.get(attribute) else {
        bail!(
            "no direction `{attribute}` in the attribute file (it has {})",
            attributes.names().join(", ")
        );
    };
    let size = model.config().image_size;
    let bytes = std::fs::read(photo).with_context(|| format!("reading {}", photo.display()))?;
    let pixels = model_input(&bytes, size).with_context(|| photo.display().to_string())?;
    let latents = encode_one(model, &pixels);
    let faces = decode_edits(model, direction, &latents, amounts)?;
    grid(&faces, size, amounts.len(), 2)
        .save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} ({attribute} at {amounts:?} typical shifts)",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
