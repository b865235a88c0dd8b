//! The weight file: safetensors with the config (and optional statistics) in its metadata,
//! tensors named by module path (docs/ARCHITECTURE.md section 10), f32 or f16; in an
//! `"encoding": "int8-v"` file the weight-norm directions (`.v`) are int8 without a scale,
//! since `g * v / ||v||` cancels any positive per-filter scale (section 4).
//! Loading goes through bytes, so a file, a test fixture and a browser fetch share one path.

use std::collections::HashMap;

#[cfg(not(target_family = "wasm"))]
use burn::module::Module;
use burn::module::{Param, ParamId};
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::tensor::Metadata;
use safetensors::{Dtype, SafeTensors};

use crate::model::{RealNvp, RealNvpConfig};
use crate::param_path::{PathMapper, map_with_paths};
#[cfg(not(target_family = "wasm"))]
use crate::param_path::{PathVisitor, visit_with_paths};

pub const FORMAT: &str = "realnvp-web";
pub const FORMAT_VERSION: &str = "1";
/// The metadata key saying how the tensors are stored; absent: every tensor is F32 or F16.
pub const ENCODING_KEY: &str = "encoding";
/// Its value for a file whose weight-norm directions are int8 ([`Precision::Int8Directions`]).
pub const ENCODING_INT8_V: &str = "int8-v";

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("not a readable safetensors file ({0}); is it truncated or corrupt?")]
    Corrupt(String),
    #[error("not a realnvp-web weight file: {0}")]
    WrongFormat(String),
    #[error("the model config in the weight file is invalid: {0}")]
    BadConfig(String),
    #[error(
        "tensor `{0}` is missing from the weight file (was it written for another architecture?)"
    )]
    Missing(String),
    #[error("tensor `{name}` has shape {found:?} in the file, the config needs {expected:?}")]
    ShapeMismatch {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("tensor `{0}` holds NaN or infinite values")]
    NonFinite(String),
    #[error(
        "tensor `{name}` has dtype {dtype}; only F32 and F16 are supported (and I8 for the \
         weight-norm directions `.v` of an `encoding: int8-v` file)"
    )]
    UnsupportedDtype { name: String, dtype: String },
    #[error(
        "tensor `{0}` is I8, but only weight-norm directions (names ending in `.v`) may be \
         stored as int8: their scale cancels, any other tensor's would be lost"
    )]
    Int8NotDirection(String),
    #[error("the header says the encoding is {declared}, but tensor `{name}` is {dtype}")]
    EncodingMismatch {
        declared: String,
        name: String,
        dtype: String,
    },
    #[error("the weight file has {count} tensors this architecture does not use, e.g. `{example}`")]
    Unused { count: usize, example: String },
    #[error("could not write the weight file: {0}")]
    Write(String),
    #[error("tensor `{name}` holds {value}, beyond f16's range (+-65504): save it as f32 instead")]
    F16Overflow { name: String, value: f32 },
}

/// Storage precision of a written weight file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    /// Half the download; loaded back as f32.
    F16,
    /// The weight-norm directions `v` (nearly every parameter) as int8, each output filter
    /// rounded on its own scale (clipped where that keeps its direction closer); no scale is
    /// stored, since `g * v / ||v||` cancels it. Every other tensor f16. About a quarter of
    /// the f32 file; the header's `encoding` says `int8-v`.
    Int8Directions,
}

/// How a file's tensors are stored, from its header's `encoding` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// No `encoding` entry: every tensor F32 or F16.
    Float,
    /// `int8-v`: every weight-norm direction I8, every other tensor F32 or F16.
    Int8Directions,
}

impl Encoding {
    fn from_metadata(value: Option<&str>) -> Result<Encoding, WeightsError> {
        match value {
            None => Ok(Encoding::Float),
            Some(ENCODING_INT8_V) => Ok(Encoding::Int8Directions),
            Some(other) => Err(WeightsError::WrongFormat(format!(
                "encoding `{other}`, this build reads `{ENCODING_INT8_V}` or none (float)"
            ))),
        }
    }

    /// The header's words for it.
    pub fn describe(self) -> &'static str {
        match self {
            Encoding::Float => "float (F32/F16)",
            Encoding::Int8Directions => ENCODING_INT8_V,
        }
    }
}

/// Whether a tensor is a weight-norm direction, the only kind int8 may store.
fn is_direction(name: &str) -> bool {
    name.ends_with(".v")
}

/// A model read from a weight file, with the statistics shipped beside it.
pub struct LoadedModel {
    pub model: RealNvp,
    /// The `stats` metadata entry (JSON), if any.
    pub stats: Option<String>,
}

/// Reads the config (and stats) from the header alone, without touching tensor data.
pub fn read_header(bytes: &[u8]) -> Result<(RealNvpConfig, Option<String>), WeightsError> {
    parse_header(bytes).map(|header| (header.config, header.stats))
}

/// How the file's tensors are stored, from the header alone.
pub fn read_encoding(bytes: &[u8]) -> Result<Encoding, WeightsError> {
    parse_header(bytes).map(|header| header.encoding)
}

struct Header {
    config: RealNvpConfig,
    stats: Option<String>,
    encoding: Encoding,
    metadata: Metadata,
}

fn parse_header(bytes: &[u8]) -> Result<Header, WeightsError> {
    let (_, metadata) =
        SafeTensors::read_metadata(bytes).map_err(|e| WeightsError::Corrupt(e.to_string()))?;
    let meta = metadata
        .metadata()
        .as_ref()
        .ok_or_else(|| WeightsError::WrongFormat("the file has no metadata".into()))?;
    match meta.get("format").map(String::as_str) {
        Some(FORMAT) => {}
        Some(other) => return Err(WeightsError::WrongFormat(format!("format is `{other}`"))),
        None => {
            return Err(WeightsError::WrongFormat(
                "no `format` entry in the metadata".into(),
            ));
        }
    }
    match meta.get("format_version").map(String::as_str) {
        Some(FORMAT_VERSION) => {}
        other => {
            return Err(WeightsError::WrongFormat(format!(
                "format_version {other:?}, this build reads {FORMAT_VERSION}"
            )));
        }
    }
    let config_json = meta
        .get("config")
        .ok_or_else(|| WeightsError::BadConfig("no `config` entry".into()))?;
    let config: RealNvpConfig =
        serde_json::from_str(config_json).map_err(|e| WeightsError::BadConfig(e.to_string()))?;
    config.validate().map_err(WeightsError::BadConfig)?;
    let stats = meta.get("stats").cloned();
    let encoding = Encoding::from_metadata(meta.get(ENCODING_KEY).map(String::as_str))?;
    Ok(Header {
        config,
        stats,
        encoding,
        metadata,
    })
}

/// Every tensor the config needs is in the header with its shape and a dtype the encoding
/// allows, and nothing else is: checked before any tensor is decoded or any model allocated.
/// The dtypes must agree with the header's encoding: an int8-v file whose direction is F16,
/// or a float file holding I8, was written wrongly (or edited), and is refused.
fn check_tensors(header: &Header) -> Result<(), WeightsError> {
    let mut found = header.metadata.tensors();
    let mut names = header.config.tensor_shapes();
    // In name order, so that the tensor an error names does not depend on hashing.
    names.sort();
    for (name, expected) in names {
        let info = found
            .remove(&name)
            .ok_or(WeightsError::Missing(name.clone()))?;
        let dtype = format!("{:?}", info.dtype);
        match info.dtype {
            Dtype::F32 | Dtype::F16 => {
                if header.encoding == Encoding::Int8Directions && is_direction(&name) {
                    return Err(WeightsError::EncodingMismatch {
                        declared: ENCODING_INT8_V.into(),
                        name,
                        dtype,
                    });
                }
            }
            Dtype::I8 if !is_direction(&name) => return Err(WeightsError::Int8NotDirection(name)),
            Dtype::I8 if header.encoding == Encoding::Float => {
                return Err(WeightsError::EncodingMismatch {
                    declared: "float (no `encoding` entry)".into(),
                    name,
                    dtype,
                });
            }
            Dtype::I8 => {}
            _ => return Err(WeightsError::UnsupportedDtype { name, dtype }),
        }
        if info.shape != expected {
            return Err(WeightsError::ShapeMismatch {
                name,
                expected,
                found: info.shape.clone(),
            });
        }
    }
    if let Some(example) = found.keys().min() {
        return Err(WeightsError::Unused {
            count: found.len(),
            example: example.clone(),
        });
    }
    Ok(())
}

/// Builds the model a weight file describes and fills in its tensors.
pub fn load_model(bytes: &[u8], device: &Device) -> Result<LoadedModel, WeightsError> {
    let header = parse_header(bytes)?;
    check_tensors(&header)?;
    let Header { config, stats, .. } = header;
    let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Corrupt(e.to_string()))?;
    let mut tensors = HashMap::new();
    for (name, view) in file.tensors() {
        let values = match view.dtype() {
            Dtype::F32 => view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<f32>>(),
            Dtype::F16 => view
                .data()
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            // A direction's own scale is left out: the weight norm cancels it.
            Dtype::I8 => view.data().iter().map(|&b| b as i8 as f32).collect(),
            other => {
                return Err(WeightsError::UnsupportedDtype {
                    name,
                    dtype: format!("{other:?}"),
                });
            }
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(WeightsError::NonFinite(name));
        }
        tensors.insert(name, (view.shape().to_vec(), values));
    }
    // Built with zeros (no random draws): every tensor is replaced below.
    let model = config.init_for_loading(device);
    let mut loader = Loader {
        tensors,
        error: None,
    };
    let model = map_with_paths(model, &mut loader);
    if let Some(error) = loader.error {
        return Err(error);
    }
    if let Some(example) = loader.tensors.keys().next() {
        return Err(WeightsError::Unused {
            count: loader.tensors.len(),
            example: example.clone(),
        });
    }
    Ok(LoadedModel { model, stats })
}

struct Loader {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    error: Option<WeightsError>,
}

impl PathMapper for Loader {
    fn map_float<const D: usize>(
        &mut self,
        name: &str,
        param: Param<Tensor<D>>,
    ) -> Param<Tensor<D>> {
        if self.error.is_some() {
            return param;
        }
        let name = name.to_string();
        let expected = param.lazy_shape().to_vec();
        match self.tensors.remove(&name) {
            None => {
                self.error = Some(WeightsError::Missing(name));
                param
            }
            Some((found, _)) if found != expected => {
                self.error = Some(WeightsError::ShapeMismatch {
                    name,
                    expected,
                    found,
                });
                param
            }
            Some((shape, values)) => {
                let device = param.lazy_device();
                let tensor = Tensor::<D>::from_data(TensorData::new(values, shape), &device);
                param.transform_for_load(tensor, stable_param_id(&name))
            }
        }
    }
}

/// A parameter id derived from the parameter's path (FNV-1a), so that optimizer state saved
/// in a checkpoint finds its parameters again after the model is rebuilt from a weight file.
pub fn stable_param_id(path: &str) -> ParamId {
    ParamId::from(fnv1a64(path.as_bytes()))
}

/// FNV-1a, 64 bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Every float tensor of a module with its path, read back synchronously (native only).
#[cfg(not(target_family = "wasm"))]
pub fn named_tensors<M: Module>(module: &M) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    struct Collector(Vec<(String, Vec<usize>, Vec<f32>)>);
    impl PathVisitor for Collector {
        fn visit_float<const D: usize>(&mut self, path: &str, param: &Param<Tensor<D>>) {
            let data = param.val().into_data();
            let shape = data.shape().to_vec();
            let values = data
                .convert::<f32>()
                .try_into_vec::<f32>()
                .expect("converted to f32 just above");
            self.0.push((path.to_string(), shape, values));
        }
    }
    let mut collector = Collector(Vec::new());
    visit_with_paths(module, &mut collector);
    collector.0
}

/// Serialises a model (its evaluation view: running statistics synced) to weight-file bytes.
#[cfg(not(target_family = "wasm"))]
pub fn to_bytes(
    model: &RealNvp,
    precision: Precision,
    stats: Option<&str>,
) -> Result<Vec<u8>, WeightsError> {
    let config_json =
        serde_json::to_string(model.config()).map_err(|e| WeightsError::Write(e.to_string()))?;
    let mut metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("format_version".to_string(), FORMAT_VERSION.to_string()),
        ("config".to_string(), config_json),
    ]);
    if let Some(stats) = stats {
        metadata.insert("stats".to_string(), stats.to_string());
    }
    if precision == Precision::Int8Directions {
        metadata.insert(ENCODING_KEY.to_string(), ENCODING_INT8_V.to_string());
    }
    let encoded = named_tensors(&model.valid())
        .into_iter()
        .map(|(name, shape, values)| {
            let (dtype, bytes) = match precision {
                Precision::F32 => (Dtype::F32, f32_bytes(&values)),
                Precision::F16 => (Dtype::F16, f16_bytes(&name, &values)?),
                Precision::Int8Directions if is_direction(&name) => {
                    let filters = shape.first().copied().unwrap_or(1);
                    let q = quantize_filters(&values, filters);
                    (Dtype::I8, q.iter().map(|&x| x as u8).collect())
                }
                // The few other tensors (gains, biases, batch norm) stay f16, or f32 where
                // f16 cannot hold a value.
                Precision::Int8Directions => match f16_bytes(&name, &values) {
                    Ok(bytes) => (Dtype::F16, bytes),
                    Err(_) => (Dtype::F32, f32_bytes(&values)),
                },
            };
            Ok((name, shape, dtype, bytes))
        })
        .collect::<Result<Vec<(String, Vec<usize>, Dtype, Vec<u8>)>, WeightsError>>()?;
    let views = encoded
        .iter()
        .map(|(name, shape, dtype, bytes)| {
            safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| WeightsError::Write(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Write(e.to_string()))
}

#[cfg(not(target_family = "wasm"))]
fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A finite f32 beyond f16's range would become infinity, and the file would then fail to
/// load: refused, naming the tensor.
#[cfg(not(target_family = "wasm"))]
fn f16_bytes(name: &str, values: &[f32]) -> Result<Vec<u8>, WeightsError> {
    if let Some(&value) = values
        .iter()
        .find(|v| v.is_finite() && !half::f16::from_f32(**v).is_finite())
    {
        return Err(WeightsError::F16Overflow {
            name: name.to_string(),
            value,
        });
    }
    Ok(values
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
        .collect())
}

/// Rounds each of `filters` equal rows of `values` (one output filter of a weight-norm
/// direction each) to int8 on a scale of its own, `clip / 127`. The clip is the one, among
/// 1.00, 0.99, ..., 0.50 times the row's largest magnitude, whose rounded row points closest
/// to the original (largest cosine; values beyond the clip saturate at +-127): the weight
/// norm keeps only the direction, so that is the error that matters, and the scale itself
/// is dropped. An all-zero row stays zero.
pub fn quantize_filters(values: &[f32], filters: usize) -> Vec<i8> {
    let len = values.len() / filters.max(1);
    if len == 0 {
        return vec![0; values.len()];
    }
    let mut out = Vec::with_capacity(values.len());
    let mut candidate = vec![0i8; len];
    let mut best = vec![0i8; len];
    for row in values.chunks(len) {
        let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if max == 0.0 || !max.is_finite() {
            out.extend(std::iter::repeat_n(0i8, row.len()));
            continue;
        }
        let norm = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
        let mut best_cosine = f64::NEG_INFINITY;
        for step in 0..=50 {
            let clip = max as f64 * (1.0 - 0.01 * step as f64);
            let scale = clip / 127.0;
            let (mut dot, mut sq) = (0.0f64, 0.0f64);
            for (q, &v) in candidate.iter_mut().zip(row) {
                *q = (v as f64 / scale).round().clamp(-127.0, 127.0) as i8;
                dot += v as f64 * *q as f64;
                sq += (*q as f64).powi(2);
            }
            let cosine = dot / (norm * sq.sqrt()).max(f64::MIN_POSITIVE);
            if cosine > best_cosine {
                best_cosine = cosine;
                best.copy_from_slice(&candidate);
            }
        }
        out.extend_from_slice(&best[..row.len()]);
    }
    out
}
