//! `realnvp train`: a model trained on an image folder, resumable.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use realnvp::train::{TrainOptions, TrainingConfig, train};

use crate::common::Backend;

#[derive(Args)]
pub struct TrainArgs {
    /// Image folder.
    #[arg(long, default_value = "../shared/data/faces")]
    data: PathBuf,
    /// Output folder: checkpoint, log, sample grids, final weights.
    #[arg(long, default_value = "runs/train")]
    out: PathBuf,
    /// Decoded-image cache folder.
    #[arg(long, default_value = "runs/cache")]
    cache: PathBuf,
    /// Continue from the checkpoint in --out.
    #[arg(long)]
    resume: bool,
    #[command(flatten)]
    config: TrainingConfig,
    /// Stop with a checkpoint after this many steps in this run.
    #[arg(long)]
    max_steps: Option<usize>,
    /// Stop with a checkpoint after this many minutes in this run.
    #[arg(long)]
    max_minutes: Option<f64>,
    /// Use only the first N training images.
    #[arg(long)]
    limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl TrainArgs {
    pub fn run(self) -> Result<ExitCode> {
        let options = TrainOptions {
            data: self.data,
            out: self.out,
            cache: self.cache,
            resume: self.resume,
            max_steps: self.max_steps,
            max_minutes: self.max_minutes,
            limit: self.limit,
            device: self.backend.device()?,
            progress: !self.quiet,
        };
        let summary = train(self.config, options)?;
        if let Some(v) = summary.val_bits_per_dim {
            println!("validation bits/dim {v:.4} after {} steps", summary.steps);
        }
        Ok(ExitCode::SUCCESS)
    }
}
