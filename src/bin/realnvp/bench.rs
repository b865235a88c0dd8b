//! `realnvp bench`: images/s of training, scoring and sampling, one JSON line.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use realnvp::RealNvpConfig;
use realnvp::model::cpu_conv::CpuConv;
use realnvp::train::bench::BenchOptions;

use crate::common::Backend;

#[derive(Args)]
pub struct BenchArgs {
    #[command(flatten)]
    model: RealNvpConfig,
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Seconds of timed training steps (scoring and sampling get half each).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    /// CPU threads (default: every core; also RAYON_NUM_THREADS).
    #[arg(long)]
    threads: Option<usize>,
    /// Score and sample without folding the weight norm (as in training), to measure
    /// what folding buys.
    #[arg(long)]
    unfolded: bool,
    /// Time scoring and sampling only (training steps are slow on a CPU).
    #[arg(long)]
    inference_only: bool,
    /// The CPU convolution of the folded model (burn: burn-flex's conv2d; im2col: the
    /// model's own, without Winograd), to measure what each buys.
    #[arg(long, value_enum, default_value_t = CpuConv::Winograd4)]
    conv: CpuConv,
}

impl BenchArgs {
    pub fn run(self) -> Result<ExitCode> {
        self.model.validate().map_err(anyhow::Error::msg)?;
        if self.batch == 0 || self.seconds.is_nan() || self.seconds <= 0.0 {
            bail!("--batch and --seconds must be positive");
        }
        if let Some(n) = self.threads {
            if n == 0 {
                bail!("--threads must be at least 1");
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
                .context("setting the number of CPU threads")?;
        }
        let options = BenchOptions {
            batch: self.batch,
            warmup: self.warmup,
            seconds: self.seconds,
            min_iters: 3,
            fold: !self.unfolded,
            cpu_conv: self.conv,
            inference_only: self.inference_only,
        };
        let result = realnvp::train::bench::run(&self.model, &self.backend.device()?, &options);
        let mut line = serde_json::to_value(&result)?;
        line["backend"] = serde_json::json!(self.backend.name());
        // The threads burn's CPU backend really uses (its rayon pool).
        line["threads"] = serde_json::json!(rayon::current_num_threads());
        line["folded"] = serde_json::json!(!self.unfolded);
        let conv = if self.unfolded {
            CpuConv::Burn
        } else {
            self.conv
        };
        // The flag's own spelling, so a line names the `--conv` value that reproduces it.
        let name = conv.to_possible_value().map(|v| v.get_name().to_string());
        line["cpu_conv"] = serde_json::json!(name);
        println!("{line}");
        Ok(ExitCode::SUCCESS)
    }
}
