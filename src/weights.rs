//! The weight file: safetensors with the config (and optional statistics) in its metadata,
//! tensors named by module path (docs/ARCHITECTURE.md section 10), f32 or f16.
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
    #[error("tensor `{name}` has dtype {dtype}; only F32 and F16 are supported")]
    UnsupportedDtype { name: String, dtype: String },
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
}

/// A model read from a weight file, with the statistics shipped beside it.
pub struct LoadedModel {
    pub model: RealNvp,
    /// The `stats` metadata entry (JSON), if any.
    pub stats: Option<String>,
}

/// Reads the config (and stats) from the header alone, without touching tensor data.
pub fn read_header(bytes: &[u8]) -> Result<(RealNvpConfig, Option<String>), WeightsError> {
    parse_header(bytes).map(|(config, stats, _)| (config, stats))
}

fn parse_header(bytes: &[u8]) -> Result<(RealNvpConfig, Option<String>, Metadata), WeightsError> {
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
    Ok((config, stats, metadata))
}

/// Every tensor the config needs is in the header with its shape and a supported dtype,
/// and nothing else is: checked before any tensor is decoded or any model allocated.
fn check_tensors(config: &RealNvpConfig, metadata: &Metadata) -> Result<(), WeightsError> {
    let mut found = metadata.tensors();
    for (name, expected) in config.tensor_shapes() {
        let info = found
            .remove(&name)
            .ok_or(WeightsError::Missing(name.clone()))?;
        if !matches!(info.dtype, Dtype::F32 | Dtype::F16) {
            return Err(WeightsError::UnsupportedDtype {
                name,
                dtype: format!("{:?}", info.dtype),
            });
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
    let (config, stats, metadata) = parse_header(bytes)?;
    check_tensors(&config, &metadata)?;
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
    let tensors = named_tensors(&model.valid());
    let encoded = tensors
        .into_iter()
        .map(|(name, shape, values)| {
            let bytes = match precision {
                Precision::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                Precision::F16 => {
                    // A finite f32 beyond f16's range would become infinity, and the file
                    // would then fail to load: refuse to write it.
                    if let Some(&value) = values
                        .iter()
                        .find(|v| v.is_finite() && !half::f16::from_f32(**v).is_finite())
                    {
                        return Err(WeightsError::F16Overflow { name, value });
                    }
                    values
                        .iter()
                        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                        .collect()
                }
            };
            Ok((name, shape, bytes))
        })
        .collect::<Result<Vec<(String, Vec<usize>, Vec<u8>)>, WeightsError>>()?;
    let dtype = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F16 => Dtype::F16,
    };
    let views = encoded
        .iter()
        .map(|(name, shape, bytes)| {
            safetensors::tensor::TensorView::new(dtype, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| WeightsError::Write(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Write(e.to_string()))
}
