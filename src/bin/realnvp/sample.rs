//! `realnvp sample`: a grid of sampled faces.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use realnvp::image::grid;
use realnvp::inference::{block_on, decode_faces, sampled_latents};
use realnvp::limits::{DEFAULT_TEMPERATURE, GRID_GAP};

use crate::common::{Backend, load, save_png};

#[derive(Args)]
pub struct SampleArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Faces to draw (a square grid; the page's first grid draws the first of them too).
    #[arg(long, default_value_t = 64)]
    n: usize,
    #[arg(long, default_value_t = DEFAULT_TEMPERATURE)]
    temperature: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value = "samples.png")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

impl SampleArgs {
    pub fn run(self) -> Result<ExitCode> {
        let SampleArgs {
            weights,
            n,
            temperature,
            seed,
            out,
            backend,
        } = self;
        // Checked before the model loads: a bad flag is refused at once.
        realnvp::limits::check_faces(n).map_err(|e| anyhow::anyhow!("--n: {e}"))?;
        realnvp::limits::check_temperature(temperature)
            .map_err(|e| anyhow::anyhow!("--temperature: {e}"))?;
        let model = load(weights, backend)?;
        let size = model.config().image_size;
        let faces = block_on(decode_faces(
            &model,
            sampled_latents(&model, n, temperature, seed, 0, n)?,
        ))?;
        let cols = (n as f64).sqrt().ceil() as usize;
        save_png(&grid(&faces, size, cols, GRID_GAP), &out)?;
        println!(
            "wrote {} ({n} faces, {size}x{size}, temperature {temperature}, seed {seed})",
            out.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}
