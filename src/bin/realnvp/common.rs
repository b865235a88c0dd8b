//! What several commands share: the backend flag, finding and loading the weight file and
//! its attribute file, and the per-file report line of an unreadable file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use clap::ValueEnum;
use realnvp::RealNvp;
use realnvp::attributes::Attributes;
use realnvp::likeness::{Calibration, LIKENESS_FILE};

/// The shipped model, relative to the working directory or to this source tree.
const DEFAULT_WEIGHTS: &str = "model-weights/faces64.safetensors";
/// The attribute file's name; by default it is read from beside the weight file.
const ATTRIBUTES_FILE: &str = "attributes.safetensors";

#[derive(Clone, Copy, ValueEnum)]
pub enum Backend {
    /// Pure-Rust CPU backend (works everywhere).
    Cpu,
    /// GPU through wgpu (needs a build with `--features gpu`).
    Gpu,
}

impl Backend {
    pub fn device(self) -> Result<Device> {
        match self {
            Backend::Cpu => Ok(realnvp::device::cpu()),
            Backend::Gpu => realnvp::device::native_gpu().map_err(anyhow::Error::msg),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "burn flex (cpu)",
            Backend::Gpu => "burn wgpu",
        }
    }
}

fn weights_path(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path);
    }
    let local = PathBuf::from(DEFAULT_WEIGHTS);
    if local.is_file() {
        return Ok(local);
    }
    let in_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_WEIGHTS);
    if in_tree.is_file() {
        return Ok(in_tree);
    }
    bail!("no --weights given and no shipped model at {DEFAULT_WEIGHTS}")
}

/// A weight file (`--weights`, else the shipped model), read once: the model is built from
/// its bytes, a face-likeness file must name their fingerprint, and side files sit beside it.
pub struct WeightFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl WeightFile {
    pub fn read(given: Option<PathBuf>) -> Result<WeightFile> {
        let path = weights_path(given)?;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(WeightFile { path, bytes })
    }

    /// The model on `backend`, folded for inference: every command that loads a weight
    /// file only runs the model.
    pub fn model(&self, backend: Backend) -> Result<RealNvp> {
        self.model_on(&backend.device()?)
    }

    fn model_on(&self, device: &Device) -> Result<RealNvp> {
        let loaded = realnvp::weights::load_model(&self.bytes, device)
            .with_context(|| format!("loading {}", self.path.display()))?;
        Ok(loaded.model.fold_weight_norm())
    }

    /// Where a side file of these weights is by default: beside them.
    pub fn beside(&self, name: &str) -> PathBuf {
        self.path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(name)
    }

    /// The face-likeness calibration for these weights: `given`, else the file beside them.
    /// A missing file beside the weights is `Ok(Err(why))` (custom weights need `realnvp
    /// likeness --write`); a given file that does not load, or one made for other weights,
    /// is an error.
    pub fn likeness(
        &self,
        given: Option<PathBuf>,
    ) -> Result<std::result::Result<Calibration, String>> {
        let path = match &given {
            Some(path) => path.clone(),
            None => self.beside(LIKENESS_FILE),
        };
        if given.is_none() && !path.is_file() {
            return Ok(Err(format!(
                "no {LIKENESS_FILE} beside {} (make one with `realnvp likeness --write`)",
                self.path.display()
            )));
        }
        let json = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        Calibration::from_json(&json, &self.bytes)
            .map(Ok)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

/// The model of the weight file (`--weights`, else the shipped model) on `backend`.
pub fn load(weights: Option<PathBuf>, backend: Backend) -> Result<RealNvp> {
    WeightFile::read(weights)?.model(backend)
}

/// The model on the CPU and its attribute file (by default beside the weight file).
pub fn load_with_attributes(
    weights: Option<PathBuf>,
    attributes: Option<PathBuf>,
) -> Result<(RealNvp, Attributes)> {
    let weights = WeightFile::read(weights)?;
    let model = weights.model_on(&Backend::Cpu.device()?)?;
    let path = attributes.unwrap_or_else(|| weights.beside(ATTRIBUTES_FILE));
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "reading {} (fit one with `realnvp attributes-fit`)",
            path.display()
        )
    })?;
    let attributes = Attributes::from_bytes(&bytes, model.config().image_size)
        .with_context(|| format!("loading {}", path.display()))?;
    Ok((model, attributes))
}

/// One unreadable file's line in a per-file report (`score`, `attributes`).
pub fn print_file_error(name: &str, error: &str, json: bool) {
    if json {
        println!("{}", serde_json::json!({"file": name, "error": error}));
    } else {
        println!("{name}: error: {error}");
    }
}

/// A file's bytes, or the sentence a per-file report prints.
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))
}

/// Four decimals, as every report prints numbers.
pub fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// Writes a PNG, naming the file in the error.
pub fn save_png(image: &image::RgbImage, out: &Path) -> Result<()> {
    image
        .save(out)
        .with_context(|| format!("writing {}", out.display()))
}
