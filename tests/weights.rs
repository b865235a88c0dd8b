//! The weight file: exact round trips, f16, and clear errors for bad files.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::collections::HashMap;

use burn::module::Module;
use common::*;
use realnvp::RealNvpConfig;
use realnvp::weights::{
    FORMAT, FORMAT_VERSION, Precision, WeightsError, load_model, named_tensors, to_bytes,
};

fn config() -> RealNvpConfig {
    RealNvpConfig::new()
        .with_image_size(8)
        .with_num_scales(2)
        .with_width(8)
        .with_blocks(1)
}

fn trained_like_model() -> realnvp::RealNvp {
    perturb(config().init_seeded(5, &cpu()), 21, 0.2)
}

/// Serialises arbitrary tensors with the given metadata (for building bad files).
fn serialize(
    tensors: &[(String, Vec<usize>, Vec<f32>)],
    metadata: HashMap<String, String>,
) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), b)| {
            (
                name.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, Some(metadata)).unwrap()
}

fn metadata(config: &RealNvpConfig) -> HashMap<String, String> {
    HashMap::from([
        ("format".into(), FORMAT.into()),
        ("format_version".into(), FORMAT_VERSION.into()),
        ("config".into(), serde_json::to_string(config).unwrap()),
    ])
}

#[test]
fn f32_round_trip_is_bit_exact() {
    let device = cpu();
    let model = trained_like_model();
    let bytes = to_bytes(&model, Precision::F32, Some("{\"p50\":3.5}")).unwrap();
    let loaded = load_model(&bytes, &device).unwrap();
    assert_eq!(loaded.stats.as_deref(), Some("{\"p50\":3.5}"));
    assert_eq!(loaded.model.config(), model.config());
    let pixels = random_pixels([2, 3, 8, 8], 3, &device);
    let a = values(model.score(pixels.clone()).bits_per_dim);
    let b = values(loaded.model.score(pixels).bits_per_dim);
    assert_eq!(a, b);
    let sa = values(model.sample(2, 0.7, 1));
    let sb = values(loaded.model.sample(2, 0.7, 1));
    assert_eq!(sa, sb);
    // Every tensor comes back with the same name, shape and bits.
    assert!(
        named_tensors(&loaded.model) == named_tensors(&model.valid()),
        "tensors differ after a round trip"
    );
}

#[test]
fn f16_file_is_half_the_size_and_close() {
    let device = cpu();
    let model = trained_like_model();
    let full = to_bytes(&model, Precision::F32, None).unwrap();
    let half = to_bytes(&model, Precision::F16, None).unwrap();
    assert!(
        half.len() * 10 < full.len() * 6,
        "{} vs {}",
        half.len(),
        full.len()
    );
    let loaded = load_model(&half, &device).unwrap().model;
    let pixels = random_pixels([2, 3, 8, 8], 4, &device);
    let a = values(model.score(pixels.clone()).bits_per_dim);
    let b = values(loaded.score(pixels).bits_per_dim);
    for (x, y) in a.iter().zip(&b) {
        // f16 keeps ~3 significant digits; this random model sits at ~23 bits/dim.
        assert!((x - y).abs() < 1e-3 * x.abs(), "{x} vs {y}");
    }
}

#[test]
fn truncated_and_garbage_files_are_clear_errors() {
    let device = cpu();
    let bytes = to_bytes(&trained_like_model(), Precision::F32, None).unwrap();
    for cut in [0, 7, 100, bytes.len() / 2, bytes.len() - 1] {
        let err = load_model(&bytes[..cut], &device)
            .err()
            .expect("a truncated file must not load");
        assert!(matches!(err, WeightsError::Corrupt(_)), "cut {cut}: {err}");
    }
    let err = load_model(b"\x89PNG\r\n\x1a\n not weights at all", &device)
        .err()
        .unwrap();
    assert!(matches!(err, WeightsError::Corrupt(_)), "{err}");
    assert!(err.to_string().contains("truncated or corrupt"));
}

#[test]
fn foreign_safetensors_file_is_refused() {
    let tensors = vec![("weight".to_string(), vec![2], vec![1.0, 2.0])];
    let bytes = serialize(&tensors, HashMap::from([("format".into(), "pt".into())]));
    let err = load_model(&bytes, &cpu()).err().unwrap();
    assert!(matches!(err, WeightsError::WrongFormat(_)), "{err}");
}

#[test]
fn mismatched_architecture_is_named() {
    let model = trained_like_model();
    let tensors = named_tensors(&model);
    // Same tensors, but the config claims a wider network.
    let bytes = serialize(&tensors, metadata(&config().with_width(16)));
    let err = load_model(&bytes, &cpu()).err().unwrap();
    assert!(matches!(err, WeightsError::ShapeMismatch { .. }), "{err}");
    // The config claims more scales than the file has tensors for.
    let bytes = serialize(&tensors, metadata(&config().with_num_scales(3)));
    let err = load_model(&bytes, &cpu()).err().unwrap();
    assert!(
        matches!(
            err,
            WeightsError::Missing(_) | WeightsError::ShapeMismatch { .. }
        ),
        "{err}"
    );
    // An extra tensor nobody uses.
    let mut extra = tensors.clone();
    extra.push(("scales.9.extra".into(), vec![1], vec![0.0]));
    let err = load_model(&serialize(&extra, metadata(&config())), &cpu())
        .err()
        .unwrap();
    assert!(matches!(err, WeightsError::Unused { .. }), "{err}");
}

#[test]
fn nan_weights_and_bad_configs_are_refused() {
    let mut tensors = named_tensors(&trained_like_model());
    tensors[3].2[0] = f32::NAN;
    let err = load_model(&serialize(&tensors, metadata(&config())), &cpu())
        .err()
        .unwrap();
    assert!(matches!(err, WeightsError::NonFinite(_)), "{err}");

    let tensors = named_tensors(&trained_like_model());
    let mut meta = metadata(&config());
    meta.insert(
        "config".into(),
        "{\"image_size\": 12, \"num_scales\": 3}".into(),
    );
    let err = load_model(&serialize(&tensors, meta), &cpu())
        .err()
        .unwrap();
    assert!(matches!(err, WeightsError::BadConfig(_)), "{err}");
}

#[test]
fn f16_save_of_an_out_of_range_weight_is_an_error_naming_the_tensor() {
    use burn::module::Param;
    use burn::tensor::{Tensor, TensorData};
    use realnvp::param_path::{PathMapper, map_with_paths};
    // One bias set to 1e5, beyond f16's largest finite value (65504).
    struct Huge;
    impl PathMapper for Huge {
        fn map_float<const D: usize>(
            &mut self,
            path: &str,
            param: Param<Tensor<D>>,
        ) -> Param<Tensor<D>> {
            if path != "scales.0.checker.0.coupling.net.input.bias" {
                return param;
            }
            param.map(|t| {
                let n = t.shape().num_elements();
                Tensor::from_data(TensorData::new(vec![1e5f32; n], t.shape()), &t.device())
            })
        }
    }
    let model = map_with_paths(trained_like_model(), &mut Huge);
    let err = to_bytes(&model, Precision::F16, None).err().unwrap();
    assert!(
        matches!(&err, WeightsError::F16Overflow { name, .. }
            if name == "scales.0.checker.0.coupling.net.input.bias"),
        "{err}"
    );
    assert!(err.to_string().contains("f32"), "says what to do: {err}");
    // f32 keeps it exactly.
    assert!(to_bytes(&model, Precision::F32, None).is_ok());
}

#[test]
fn f16_file_holding_an_infinity_is_refused() {
    let model = trained_like_model();
    let mut bytes = to_bytes(&model, Precision::F16, None).unwrap();
    // Overwrite the first value of the first tensor in the data section with f16 +inf.
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let data = 8 + header_len;
    bytes[data..data + 2].copy_from_slice(&half::f16::INFINITY.to_le_bytes());
    let err = load_model(&bytes, &cpu()).err().unwrap();
    assert!(matches!(err, WeightsError::NonFinite(_)), "{err}");
}

#[test]
fn tensor_shapes_from_the_config_match_the_built_model() {
    for config in [
        config(),
        RealNvpConfig::new()
            .with_image_size(16)
            .with_num_scales(3)
            .with_width(4)
            .with_blocks(2),
    ] {
        let mut built: Vec<(String, Vec<usize>)> = named_tensors(&config.init(&cpu()))
            .into_iter()
            .map(|(name, shape, _)| (name, shape))
            .collect();
        let mut listed = config.tensor_shapes();
        built.sort();
        listed.sort();
        assert_eq!(listed, built);
        let count: usize = built.iter().map(|(_, s)| s.iter().product::<usize>()).sum();
        assert_eq!(config.parameter_count(), count as u64);
    }
}

#[test]
fn headers_describing_unsupported_or_huge_models_are_refused_before_allocating() {
    // A header alone: the config with some fields changed, no tensors.
    let header_only = |changes: serde_json::Value| {
        let mut described = serde_json::to_value(config()).unwrap();
        for (key, value) in changes.as_object().unwrap() {
            described[key] = value.clone();
        }
        let mut meta = metadata(&config());
        meta.insert("config".into(), described.to_string());
        load_model(&serialize(&[], meta), &cpu()).err().unwrap()
    };
    // One channel: the image path is RGB only (this used to panic inside conv2d later).
    let err = header_only(serde_json::json!({"channels": 1}));
    assert!(matches!(err, WeightsError::BadConfig(_)), "{err}");
    assert!(err.to_string().contains("RGB"), "{err}");
    // A 200-byte header describing a model of billions of parameters.
    let err = header_only(
        serde_json::json!({"image_size": 1024, "num_scales": 8, "width": 1024, "blocks": 64}),
    );
    assert!(matches!(err, WeightsError::BadConfig(_)), "{err}");
    assert!(err.to_string().contains("parameters"), "{err}");
    // A large but allowed model whose tensors are absent: named, nothing built.
    let err = header_only(
        serde_json::json!({"image_size": 256, "num_scales": 6, "width": 128, "blocks": 2}),
    );
    assert!(matches!(err, WeightsError::Missing(_)), "{err}");
}

#[test]
fn unsupported_dtype_is_named_from_the_header() {
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = named_tensors(&trained_like_model());
    let (name, shape, values) = tensors.remove(0);
    // The same bytes declared as I32.
    let raw: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    let rest: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = vec![(
        name.clone(),
        safetensors::tensor::TensorView::new(safetensors::Dtype::I32, shape, &raw).unwrap(),
    )];
    for ((n, s, _), b) in tensors.iter().zip(&rest) {
        views.push((
            n.clone(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b).unwrap(),
        ));
    }
    let bytes = safetensors::serialize(views, Some(metadata(&config()))).unwrap();
    let err = load_model(&bytes, &cpu()).err().unwrap();
    assert!(
        matches!(&err, WeightsError::UnsupportedDtype { name: n, .. } if *n == name),
        "{err}"
    );
}
