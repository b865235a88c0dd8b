//! `realnvp convert`: rewrite a weight file in another storage precision (f32, f16, or int8
//! weight-norm directions). The `stats` a file ships describe its own model, so they are not
//! copied: they are measured again on the validation split (as `realnvp evaluate` does), or
//! left out with `--no-stats`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use realnvp::train::data;
use realnvp::train::trainer::evaluate_each;
use realnvp::weights::{Precision, load_model, named_tensors, read_encoding, to_bytes};

use crate::common::{Backend, WeightFile};

#[derive(Clone, Copy, ValueEnum)]
enum PrecisionArg {
    F32,
    F16,
    /// Weight-norm directions as int8 (no scale: the weight norm cancels it), the rest f16.
    Int8,
}

impl PrecisionArg {
    fn precision(self) -> Precision {
        match self {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F16 => Precision::F16,
            PrecisionArg::Int8 => Precision::Int8Directions,
        }
    }
}

#[derive(Args)]
pub struct ConvertArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long, value_enum)]
    precision: PrecisionArg,
    #[arg(long)]
    out: PathBuf,
    /// The image folder whose validation split the new file's `stats` are measured on.
    #[arg(long, default_value = "../shared/data/faces")]
    data: PathBuf,
    #[arg(long, default_value = "runs/cache")]
    cache: PathBuf,
    /// Write no `stats` (they are never copied from the input, which is another model).
    #[arg(long)]
    no_stats: bool,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

impl ConvertArgs {
    pub fn run(self) -> Result<ExitCode> {
        let input = WeightFile::read(self.weights)?;
        if input.path.canonicalize().ok() == self.out.canonicalize().ok() {
            bail!("--out is the input file; write the converted model elsewhere");
        }
        let cpu = Backend::Cpu.device()?;
        let source = load_model(&input.bytes, &cpu)
            .with_context(|| format!("loading {}", input.path.display()))?
            .model;
        let precision = self.precision.precision();
        let converted = to_bytes(&source, precision, None)?;
        let model = load_model(&converted, &cpu)?.model;
        let (worst, mean) = direction_cosines(&source, &model);
        eprintln!(
            "weight-norm directions: cosine to the input's worst {worst:.7}, mean {mean:.7} \
             (1 is exact; only the direction of each filter is used)"
        );

        let (bytes, measured) = if self.no_stats {
            (converted, None)
        } else {
            let size = source.config().image_size;
            let faces = data::load(&self.data, size, &self.cache, true)?;
            if faces.val.is_empty() {
                bail!(
                    "{} has no validation images to measure the stats on (or pass --no-stats)",
                    self.data.display()
                );
            }
            let model = load_model(&converted, &self.backend.device()?)?
                .model
                .fold_weight_norm();
            let evaluation = evaluate_each(&model, &faces.val, 32)?;
            let stats = evaluation.stats_json().to_string();
            let bytes = to_bytes(&source, precision, Some(&stats))?;
            (bytes, Some((evaluation.mean(), faces.val.len())))
        };
        std::fs::write(&self.out, &bytes)
            .with_context(|| format!("writing {}", self.out.display()))?;
        let stats = match measured {
            Some((bpd, images)) => {
                format!("stats: validation {bpd:.4} bits/dim over {images} faces")
            }
            None => "no stats".to_string(),
        };
        println!(
            "wrote {} ({}, {} bytes from {}; {stats})",
            self.out.display(),
            read_encoding(&bytes)?.describe(),
            bytes.len(),
            input.bytes.len(),
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// The worst and mean cosine between each output filter of every weight-norm direction in
/// `a` and the same filter in `b`.
fn direction_cosines(a: &realnvp::RealNvp, b: &realnvp::RealNvp) -> (f64, f64) {
    let (mut worst, mut sum, mut count) = (1.0f64, 0.0f64, 0usize);
    for ((name, shape, x), (_, _, y)) in named_tensors(a).iter().zip(named_tensors(b).iter()) {
        if !name.ends_with(".v") {
            continue;
        }
        let len = x.len() / shape.first().copied().unwrap_or(1).max(1);
        for (fx, fy) in x.chunks(len).zip(y.chunks(len)) {
            let dot: f64 = fx.iter().zip(fy).map(|(&p, &q)| p as f64 * q as f64).sum();
            let nx = fx.iter().map(|&p| (p as f64).powi(2)).sum::<f64>().sqrt();
            let ny = fy.iter().map(|&q| (q as f64).powi(2)).sum::<f64>().sqrt();
            let cosine = if nx == 0.0 && ny == 0.0 {
                1.0
            } else {
                dot / (nx * ny).max(f64::MIN_POSITIVE)
            };
            worst = worst.min(cosine);
            sum += cosine;
            count += 1;
        }
    }
    (worst, sum / count.max(1) as f64)
}
