//! Checkpoints: model (weight file, f32), optimizer state and progress, written atomically
//! as a folder so a kill at any moment leaves either the old or the new checkpoint whole.
//! All training randomness is derived from (seed, step), so the step is the whole RNG state.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::optim::ModuleOptimizer;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use crate::RealNvp;
use crate::weights::{Precision, load_model, to_bytes};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    /// Optimizer steps done.
    pub step: usize,
    pub images_seen: u64,
    /// Seconds of training so far, across resumes.
    pub train_seconds: f64,
    pub last_val_bits_per_dim: Option<f64>,
}

pub struct Checkpoint {
    pub model: RealNvp,
    pub optim: ModuleOptimizer,
    pub progress: Progress,
    pub config_json: String,
}

const MODEL: &str = "model.safetensors";
const OPTIM: &str = "optimizer.bpk";
const PROGRESS: &str = "progress.json";
const CONFIG: &str = "config.json";

pub fn dir(out: &Path) -> PathBuf {
    out.join("checkpoint")
}

pub fn exists(out: &Path) -> bool {
    dir(out).join(PROGRESS).is_file()
}

pub fn save(
    out: &Path,
    model: &RealNvp,
    optim: &ModuleOptimizer,
    progress: &Progress,
    config_json: &str,
) -> Result<()> {
    let final_dir = dir(out);
    let tmp = out.join("checkpoint.tmp");
    let old = out.join("checkpoint.old");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    fs::write(tmp.join(MODEL), to_bytes(model, Precision::F32, None)?)?;
    let optim_bytes = optim
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("serialising the optimizer: {e:?}"))?;
    fs::write(tmp.join(OPTIM), &optim_bytes[..])?;
    fs::write(tmp.join(PROGRESS), serde_json::to_string_pretty(progress)?)?;
    fs::write(tmp.join(CONFIG), config_json)?;
    let _ = fs::remove_dir_all(&old);
    if final_dir.exists() {
        fs::rename(&final_dir, &old)?;
    }
    fs::rename(&tmp, &final_dir)?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

pub fn load(out: &Path, optim: ModuleOptimizer, device: &Device) -> Result<Checkpoint> {
    let d = dir(out);
    let read = |name: &str| {
        fs::read(d.join(name)).with_context(|| format!("reading {}", d.join(name).display()))
    };
    let model = load_model(&read(MODEL)?, device)
        .with_context(|| format!("loading {}", d.join(MODEL).display()))?
        .model;
    let optim = optim
        .from_bytes(Bytes::from_bytes_vec(read(OPTIM)?))
        .map_err(|e| anyhow::anyhow!("reading the optimizer state: {e:?}"))?;
    let progress: Progress =
        serde_json::from_slice(&read(PROGRESS)?).context("parsing progress.json")?;
    let config_json = String::from_utf8(read(CONFIG)?).context("config.json is not UTF-8")?;
    Ok(Checkpoint {
        model,
        optim,
        progress,
        config_json,
    })
}
