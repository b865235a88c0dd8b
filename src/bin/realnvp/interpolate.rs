//! `realnvp interpolate`: a grid between four corners (photos or sampled faces).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use realnvp::RealNvp;
use realnvp::image::{grid, model_input};
use realnvp::inference::{
    Latents, block_on, decode_faces, encode_pixels, interpolated_latents, sampled_latents,
};
use realnvp::limits::{DEFAULT_STEPS, DEFAULT_TEMPERATURE, GRID_GAP};

use crate::common::{Backend, load, save_png};

#[derive(Args)]
pub struct InterpolateArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Four image files, or `seed:N` for a sampled face.
    #[arg(long, num_args = 4, required = true)]
    corners: Vec<String>,
    #[arg(long, default_value_t = DEFAULT_STEPS)]
    steps: usize,
    /// Temperature of `seed:N` corners.
    #[arg(long, default_value_t = DEFAULT_TEMPERATURE)]
    temperature: f32,
    #[arg(long, default_value = "interpolation.png")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

impl InterpolateArgs {
    pub fn run(self) -> Result<ExitCode> {
        let InterpolateArgs {
            weights,
            corners,
            steps,
            temperature,
            out,
            backend,
        } = self;
        realnvp::limits::check_steps(steps).map_err(|e| anyhow::anyhow!("--steps: {e}"))?;
        realnvp::limits::check_temperature(temperature)
            .map_err(|e| anyhow::anyhow!("--temperature: {e}"))?;
        let model = load(weights, backend)?;
        let size = model.config().image_size;
        let latents = corners
            .iter()
            .map(|corner| corner_latents(&model, corner, temperature))
            .collect::<Result<Vec<_>>>()?;
        let corners: [Latents; 4] = latents
            .try_into()
            .map_err(|_| anyhow::anyhow!("exactly four corners"))?;
        let count = steps * steps;
        let faces = block_on(decode_faces(
            &model,
            interpolated_latents(&corners, steps, 0, count)?,
        ))?;
        save_png(&grid(&faces, size, steps, GRID_GAP), &out)?;
        println!("wrote {} ({steps}x{steps} interpolation)", out.display());
        Ok(ExitCode::SUCCESS)
    }
}

fn corner_latents(model: &RealNvp, corner: &str, temperature: f32) -> Result<Latents> {
    if let Some(seed) = corner.strip_prefix("seed:") {
        let seed: u64 = seed
            .parse()
            .with_context(|| format!("`{corner}`: expected seed:<number>"))?;
        return Ok(sampled_latents(model, 1, temperature, seed, 0, 1)?);
    }
    let bytes = std::fs::read(corner).with_context(|| format!("reading {corner}"))?;
    let pixels =
        model_input(&bytes, model.config().image_size).with_context(|| corner.to_string())?;
    Ok(encode_pixels(model, &[pixels]))
}
