//! Checkpoints: model (weight file, f32), optimizer state and progress, each checkpoint a
//! folder written whole before it becomes visible, so a kill at any moment leaves the newest
//! complete one for `--resume` (which says which one it took).
//! All training randomness is derived from (seed, step), so the step is the whole RNG state.

use std::fs;
use std::io::Write;
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
const FILES: [&str; 4] = [MODEL, OPTIM, PROGRESS, CONFIG];
/// Each checkpoint is a folder `checkpoint-<step>-<n>` written in full under a temporary
/// name, synced, then renamed into place: a rename to a new name never replaces anything,
/// so a kill at any moment leaves the previous complete checkpoint where resume finds it.
const PREFIX: &str = "checkpoint-";
const TMP: &str = "checkpoint.tmp";
/// Earlier builds' single folder (and its backup), still read by resume.
const LEGACY: [&str; 2] = ["checkpoint", "checkpoint.old"];

/// The newest complete checkpoint in `out`, if any.
pub fn latest(out: &Path) -> Option<PathBuf> {
    complete(out).into_iter().last().map(|(_, path)| path)
}

pub fn exists(out: &Path) -> bool {
    latest(out).is_some()
}

/// Complete checkpoints (every file there, progress readable), oldest first.
fn complete(out: &Path) -> Vec<((usize, u64), PathBuf)> {
    let Ok(entries) = fs::read_dir(out) else {
        return Vec::new();
    };
    let mut found: Vec<((usize, u64), PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let seq = if let Some(rest) = name.strip_prefix(PREFIX) {
                rest.rsplit('-').next()?.parse::<u64>().ok()?
            } else if LEGACY.contains(&name.as_str()) {
                0
            } else {
                return None;
            };
            let path = entry.path();
            if !FILES.iter().all(|f| path.join(f).is_file()) {
                return None;
            }
            let progress: Progress =
                serde_json::from_slice(&fs::read(path.join(PROGRESS)).ok()?).ok()?;
            Some(((progress.step, seq), path))
        })
        .collect();
    found.sort();
    found
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file =
        fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Makes a folder's entries (new files, renames) durable.
fn sync_dir(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

pub fn save(
    out: &Path,
    model: &RealNvp,
    optim: &ModuleOptimizer,
    progress: &Progress,
    config_json: &str,
) -> Result<PathBuf> {
    let tmp = out.join(TMP);
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    write_synced(&tmp.join(MODEL), &to_bytes(model, Precision::F32, None)?)?;
    let optim_bytes = optim
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("serialising the optimizer: {e:?}"))?;
    write_synced(&tmp.join(OPTIM), &optim_bytes[..])?;
    write_synced(
        &tmp.join(PROGRESS),
        serde_json::to_string_pretty(progress)?.as_bytes(),
    )?;
    write_synced(&tmp.join(CONFIG), config_json.as_bytes())?;
    sync_dir(&tmp)?;
    let older = complete(out);
    let seq = older.iter().map(|((_, seq), _)| seq + 1).max().unwrap_or(1);
    let target = out.join(format!("{PREFIX}{:010}-{seq}", progress.step));
    fs::rename(&tmp, &target)
        .with_context(|| format!("moving the checkpoint to {}", target.display()))?;
    sync_dir(out)?;
    // Only now that the new one is durable do the old ones go.
    for (_, path) in older {
        let _ = fs::remove_dir_all(path);
    }
    Ok(target)
}

/// Loads the newest complete checkpoint in `out`; the path says which one it was.
pub fn load(out: &Path, optim: ModuleOptimizer, device: &Device) -> Result<(Checkpoint, PathBuf)> {
    let d = latest(out).with_context(|| format!("no complete checkpoint in {}", out.display()))?;
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
    Ok((
        Checkpoint {
            model,
            optim,
            progress,
            config_json,
        },
        d,
    ))
}
