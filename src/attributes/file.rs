//! The attribute file: safetensors, one f32 tensor per direction (named by the attribute),
//! the numbers that go with each in the metadata. Read through bytes (CLI and page alike)
//! and checked against the model it is used with before anything is allocated.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use super::{Attributes, Direction};

pub const FILE_FORMAT: &str = "realnvp-attributes";
const VERSION: &str = "1";
/// More than the two this project fits, fewer than a header could make us allocate.
const MAX_DIRECTIONS: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AttributesError {
    #[error("not a readable attribute file ({0}); is it truncated or corrupt?")]
    Corrupt(String),
    #[error("not a realnvp-web attribute file: {0}")]
    WrongFormat(String),
    #[error(
        "the attribute file was fitted for {file_size}x{file_size} images, the model is {model_size}x{model_size}"
    )]
    WrongModel { file_size: usize, model_size: usize },
    #[error("the attribute file has no direction `{0}`")]
    Missing(String),
    #[error("direction `{0}` is not a finite unit vector of the model's latent size")]
    BadDirection(String),
}

/// What the metadata says about one direction.
#[derive(Serialize, Deserialize)]
struct DirectionInfo {
    name: String,
    shift: f32,
    mean: f32,
    spread: f32,
    how: String,
}

impl Attributes {
    pub fn to_bytes(&self) -> Vec<u8> {
        let infos: Vec<DirectionInfo> = self
            .directions
            .iter()
            .map(|d| DirectionInfo {
                name: d.name.clone(),
                shift: d.shift,
                mean: d.mean,
                spread: d.spread,
                how: d.how.clone(),
            })
            .collect();
        let metadata = HashMap::from([
            ("format".to_string(), FILE_FORMAT.to_string()),
            ("version".to_string(), VERSION.to_string()),
            ("image_size".to_string(), self.image_size.to_string()),
            ("latent_dims".to_string(), self.latent_dims.to_string()),
            (
                "directions".to_string(),
                serde_json::to_string(&infos).expect("plain numbers and strings"),
            ),
        ]);
        let bytes: Vec<(String, Vec<u8>)> = self
            .directions
            .iter()
            .map(|d| {
                (
                    d.name.clone(),
                    d.unit.iter().flat_map(|v| v.to_le_bytes()).collect(),
                )
            })
            .collect();
        let views: Vec<(String, TensorView)> = bytes
            .iter()
            .map(|(name, data)| {
                let view = TensorView::new(Dtype::F32, vec![self.latent_dims], data)
                    .expect("latent_dims f32 values");
                (name.clone(), view)
            })
            .collect();
        safetensors::serialize(views, Some(metadata)).expect("in-memory serialisation")
    }

    /// Reads an attribute file for a model whose input is `image_size` pixels wide.
    pub fn from_bytes(bytes: &[u8], image_size: usize) -> Result<Self, AttributesError> {
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| AttributesError::Corrupt(e.to_string()))?;
        let meta = header
            .metadata()
            .as_ref()
            .ok_or_else(|| AttributesError::WrongFormat("the file has no metadata".into()))?;
        let field = |key: &str| {
            meta.get(key)
                .ok_or_else(|| AttributesError::WrongFormat(format!("no `{key}` in its metadata")))
        };
        if field("format")? != FILE_FORMAT {
            return Err(AttributesError::WrongFormat(format!(
                "its format is `{}`",
                field("format")?
            )));
        }
        let file_size: usize = field("image_size")?
            .parse()
            .map_err(|_| AttributesError::WrongFormat("image_size is not a number".into()))?;
        if file_size != image_size {
            return Err(AttributesError::WrongModel {
                file_size,
                model_size: image_size,
            });
        }
        let latent_dims = 3 * image_size * image_size;
        let infos: Vec<DirectionInfo> = serde_json::from_str(field("directions")?)
            .map_err(|e| AttributesError::WrongFormat(format!("directions: {e}")))?;
        if infos.is_empty() || infos.len() > MAX_DIRECTIONS {
            return Err(AttributesError::WrongFormat(format!(
                "{} directions (1 to {MAX_DIRECTIONS} expected)",
                infos.len()
            )));
        }
        // Shapes and dtypes from the header, before any tensor data is read.
        for info in &infos {
            let info_of = header.tensors();
            let Some(t) = info_of.get(&info.name) else {
                return Err(AttributesError::Missing(info.name.clone()));
            };
            if t.dtype != Dtype::F32 || t.shape != [latent_dims] {
                return Err(AttributesError::BadDirection(info.name.clone()));
            }
        }
        let file =
            SafeTensors::deserialize(bytes).map_err(|e| AttributesError::Corrupt(e.to_string()))?;
        let mut directions = Vec::with_capacity(infos.len());
        for info in infos {
            let view = file
                .tensor(&info.name)
                .map_err(|_| AttributesError::Missing(info.name.clone()))?;
            let unit: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let norm = unit.iter().map(|v| v * v).sum::<f32>().sqrt();
            let numbers_ok = [info.shift, info.mean, info.spread]
                .iter()
                .all(|v| v.is_finite())
                && info.spread > 0.0;
            if !numbers_ok || !norm.is_finite() || (norm - 1.0).abs() > 1e-3 {
                return Err(AttributesError::BadDirection(info.name));
            }
            directions.push(Direction {
                name: info.name,
                unit,
                shift: info.shift,
                mean: info.mean,
                spread: info.spread,
                how: info.how,
            });
        }
        Ok(Attributes {
            image_size,
            latent_dims,
            directions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Attributes {
        let dims = 3 * 4 * 4;
        let mut unit = vec![0.0; dims];
        unit[5] = 1.0;
        Attributes {
            image_size: 4,
            latent_dims: dims,
            directions: vec![Direction {
                name: "age".into(),
                unit,
                shift: 2.5,
                mean: 0.1,
                spread: 0.9,
                how: "test".into(),
            }],
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let bytes = sample().to_bytes();
        assert_eq!(Attributes::from_bytes(&bytes, 4).unwrap(), sample());
        assert_eq!(
            Attributes::from_bytes(&bytes, 8).unwrap_err(),
            AttributesError::WrongModel {
                file_size: 4,
                model_size: 8
            }
        );
        assert!(matches!(
            Attributes::from_bytes(&bytes[..bytes.len() / 2], 4),
            Err(AttributesError::Corrupt(_))
        ));
        assert!(matches!(
            Attributes::from_bytes(b"garbage", 4),
            Err(AttributesError::Corrupt(_))
        ));
        let mut not_unit = sample();
        not_unit.directions[0].unit[5] = 3.0;
        assert_eq!(
            Attributes::from_bytes(&not_unit.to_bytes(), 4).unwrap_err(),
            AttributesError::BadDirection("age".into())
        );
        let mut nan = sample();
        nan.directions[0].unit[0] = f32::NAN;
        assert!(Attributes::from_bytes(&nan.to_bytes(), 4).is_err());
    }
}
