//! `realnvp score`: each file's bits/dim, per-scale parts and warnings; with `--json
//! --bits-map` where the bits go, with `--heatmap` the crop beside its bits map.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use realnvp::heatmap;
use realnvp::image::{Crop, centred_crop};
use realnvp::inference::{CropScore, block_on, score_crops};
use realnvp::likeness::Calibration;

use crate::common::{Backend, WeightFile, print_file_error, read_file, round4, save_png};

/// Crops scored in one batch: large enough to keep the cores busy, small enough that a
/// long list of files never holds many activations at once.
const BATCH: usize = 32;

#[derive(Args)]
pub struct ScoreArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// Add "bits_map" to each JSON line: bits per pixel position (size x size, its
    /// three sub-pixels together), summing to bits/dim x 3 x size^2.
    #[arg(long, requires = "json")]
    bits_map: bool,
    /// Write the crop beside its bits map (with a colour scale) to this PNG; one file only.
    #[arg(long, value_name = "PNG")]
    heatmap: Option<PathBuf>,
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    /// The face-likeness calibration; default: face_likeness.json beside the weight file.
    #[arg(long, value_name = "JSON")]
    likeness: Option<PathBuf>,
}

impl ScoreArgs {
    pub fn run(self) -> Result<ExitCode> {
        if self.heatmap.is_some() && self.files.len() != 1 {
            bail!("--heatmap draws one image: give exactly one file");
        }
        let weights = WeightFile::read(self.weights.clone())?;
        let model = weights.model(self.backend)?;
        let likeness = weights.likeness(self.likeness.clone())?;
        if let Err(why) = &likeness {
            eprintln!("note: no face-likeness verdicts: {why}");
        }
        let likeness = likeness.ok();
        let size = model.config().image_size;
        let maps = self.bits_map || self.heatmap.is_some();
        // Decode everything first (errors stay per file), score the readable ones in
        // batches, then report in the order the files were given.
        let inputs: Vec<Result<Crop, String>> = self
            .files
            .iter()
            .map(|file| centred_crop(&read_file(file)?, size).map_err(|e| e.to_string()))
            .collect();
        let readable: Vec<&Crop> = inputs.iter().filter_map(|r| r.as_ref().ok()).collect();
        let mut scores = Vec::with_capacity(readable.len());
        for chunk in readable.chunks(BATCH) {
            scores.extend(block_on(score_crops(&model, chunk, maps))?);
        }
        let mut scores = scores.into_iter();
        let mut failed = false;
        for (file, input) in self.files.iter().zip(&inputs) {
            let name = file.display().to_string();
            match input {
                Err(error) => {
                    failed = true;
                    print_file_error(&name, error, self.json);
                }
                Ok(crop) => {
                    let score = scores.next().expect("one score per readable file");
                    self.report(&name, crop, &score, size, likeness.as_ref())?;
                }
            }
        }
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }

    fn report(
        &self,
        name: &str,
        crop: &Crop,
        score: &CropScore,
        size: usize,
        likeness: Option<&Calibration>,
    ) -> Result<()> {
        let bpd = round4(score.bits_per_dim);
        // The PNG code length is shown with --json and read by face-likeness: only then is
        // the crop encoded.
        let png = (self.json || likeness.is_some()).then(|| crop.png_bits_per_dim(size));
        let judged = likeness
            .zip(png)
            .map(|(c, png)| c.judge(score, png))
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let per_scale: Vec<f64> = score.per_scale.iter().map(|&p| round4(p)).collect();
        if let (Some(out), Some(map)) = (&self.heatmap, &score.bits_map) {
            save_png(&heatmap::figure(&crop.pixels, map, size), out)?;
            let (lo, hi) = heatmap::range(map);
            eprintln!(
                "wrote {} (bits per pixel position, {lo:.2} to {hi:.2})",
                out.display()
            );
        }
        if self.json {
            let mut line = serde_json::json!({
                "file": name,
                "bits_per_dim": bpd,
                "per_scale_bits_per_dim": per_scale,
                "png_bits_per_dim": png.map(round4),
                "resolution": size,
                "warnings": score.warnings,
            });
            if let (true, Some(map)) = (self.bits_map, &score.bits_map) {
                let rows: Vec<Vec<f64>> = map
                    .chunks(size)
                    .map(|row| row.iter().map(|v| round4(*v as f64)).collect())
                    .collect();
                line["bits_map"] = serde_json::json!(rows);
            }
            if let Some(j) = &judged {
                line["face_likeness"] = serde_json::json!({
                    "distance": round4(j.distance),
                    "percentile": round4(j.percentile),
                    "verdict": j.verdict,
                    "says": j.says,
                });
            }
            println!("{line}");
        } else {
            println!("{name}: {bpd:.4} bits/dim (per scale {per_scale:?})");
            if let Some(j) = &judged {
                println!(
                    "{name}: face-likeness: {} (more typical than {:.0}% of validation faces; distance {:.1})",
                    j.says,
                    100.0 * j.percentile,
                    j.distance
                );
            }
            for warning in &score.warnings {
                println!("{name}: warning: {warning}");
            }
        }
        Ok(())
    }
}
