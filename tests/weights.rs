//! The weight file: exact round trips, f16, int8 weight-norm directions, and clear errors
//! for bad files.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::collections::HashMap;

use burn::module::Module;
use common::*;
use realnvp::RealNvpConfig;
use realnvp::weights::{
    ENCODING_INT8_V, ENCODING_KEY, Encoding, FORMAT, FORMAT_VERSION, Precision, WeightsError,
    load_model, named_tensors, quantize_filters, read_encoding, to_bytes,
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

/// Tensors with their own dtypes (`F32`, `F16` or `I8`, values already in range) and the
/// given metadata.
fn serialize_typed(
    tensors: &[(String, Vec<usize>, Vec<f32>, safetensors::Dtype)],
    metadata: HashMap<String, String>,
) -> Vec<u8> {
    use safetensors::Dtype;
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v, dtype)| match dtype {
            Dtype::F32 => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Dtype::F16 => v
                .iter()
                .flat_map(|x| half::f16::from_f32(*x).to_le_bytes())
                .collect(),
            Dtype::I8 => v.iter().map(|x| *x as i8 as u8).collect(),
            other => panic!("no test writes {other:?}"),
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _, dtype), b)| {
            (
                name.clone(),
                safetensors::tensor::TensorView::new(*dtype, shape.clone(), b).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, Some(metadata)).unwrap()
}

/// The model's tensors as an int8-v file would hold them: directions rounded, rest f16.
fn int8_tensors(
    model: &realnvp::RealNvp,
) -> Vec<(String, Vec<usize>, Vec<f32>, safetensors::Dtype)> {
    named_tensors(model)
        .into_iter()
        .map(|(name, shape, values)| {
            if name.ends_with(".v") {
                let q = quantize_filters(&values, shape[0]);
                let q = q.iter().map(|&x| x as f32).collect();
                (name, shape, q, safetensors::Dtype::I8)
            } else {
                (name, shape, values, safetensors::Dtype::F16)
            }
        })
        .collect()
}

#[test]
fn int8_directions_round_trip_and_a_quarter_of_the_size() {
    let device = cpu();
    let model = trained_like_model();
    let full = to_bytes(&model, Precision::F32, None).unwrap();
    let int8 = to_bytes(&model, Precision::Int8Directions, Some("{\"val_bpd\":3}")).unwrap();
    assert_eq!(read_encoding(&int8).unwrap(), Encoding::Int8Directions);
    assert_eq!(read_encoding(&full).unwrap(), Encoding::Float);
    let loaded = load_model(&int8, &device).unwrap();
    assert_eq!(loaded.stats.as_deref(), Some("{\"val_bpd\":3}"));
    // Directions come back as the rounded integers themselves (no scale), every other
    // tensor as its f16 rounding.
    for ((name, shape, original), (name_back, shape_back, back)) in named_tensors(&model.valid())
        .into_iter()
        .zip(named_tensors(&loaded.model))
    {
        assert_eq!((&name, &shape), (&name_back, &shape_back));
        let expected: Vec<f32> = if name.ends_with(".v") {
            let q = quantize_filters(&original, shape[0]);
            assert!(
                q.iter().any(|&x| x.abs() == 127),
                "{name}: the range is used"
            );
            q.iter().map(|&x| x as f32).collect()
        } else {
            original
                .iter()
                .map(|&x| half::f16::from_f32(x).to_f32())
                .collect()
        };
        assert!(back == expected, "{name} differs after the round trip");
    }
    // This tiny model is mostly directions: 1 byte each instead of 4.
    assert!(
        int8.len() * 10 < full.len() * 4,
        "{} vs {}",
        int8.len(),
        full.len()
    );
}

#[test]
fn int8_rounding_keeps_each_filter_direction() {
    // Gaussian filters of the shipped model's size (64 channels x 3 x 3), one of them with a
    // 12-sigma outlier, which leaves the others few levels.
    let mut rng = realnvp::rng::SeededRng::new(8);
    let mut values = rng.normals(4 * 576);
    values[576 + 5] = 12.0;
    let cosine = |x: &[f32], q: &[i8]| {
        let dot: f64 = x.iter().zip(q).map(|(&a, &b)| a as f64 * b as f64).sum();
        let nx = x.iter().map(|&a| (a as f64).powi(2)).sum::<f64>().sqrt();
        let nq = q.iter().map(|&b| (b as f64).powi(2)).sum::<f64>().sqrt();
        dot / (nx * nq)
    };
    let q = quantize_filters(&values, 4);
    for (filter, (x, q)) in values.chunks(576).zip(q.chunks(576)).enumerate() {
        // Never worse than rounding on the largest magnitude (the first clip tried).
        let max = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let plain: Vec<i8> = x.iter().map(|v| (v * 127.0 / max).round() as i8).collect();
        let (got, unclipped) = (cosine(x, q), cosine(x, &plain));
        assert!(got >= unclipped, "filter {filter}: {got} < {unclipped}");
        let floor = if filter == 1 { 0.9997 } else { 0.9999 };
        assert!(got > floor, "filter {filter}: cosine {got}");
    }
    // A filter of zeros stays zeros; a scaled filter rounds to the same integers.
    assert!(quantize_filters(&[0.0; 9], 1).iter().all(|&x| x == 0));
    let scaled: Vec<f32> = values[..576].iter().map(|v| v * 0.25).collect();
    assert_eq!(
        quantize_filters(&scaled, 1),
        quantize_filters(&values[..576], 1)
    );
}

#[test]
fn int8_file_scores_like_the_f32_model_it_came_from() {
    // The committed fixture (f32, 16x16): the int8 scale is dropped, the weight norm
    // cancels it, so the scores move only by the rounding of the directions.
    let device = cpu();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/fixture_small.safetensors"
    ))
    .unwrap();
    let model = load_model(&bytes, &device).unwrap().model;
    let int8 = to_bytes(&model, Precision::Int8Directions, None).unwrap();
    let quantised = load_model(&int8, &device).unwrap().model;
    let pixels = random_pixels([4, 3, 16, 16], 6, &device);
    let a = values(model.score(pixels.clone()).bits_per_dim);
    let b = values(quantised.score(pixels).bits_per_dim);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 0.01, "{x} vs {y} bits/dim");
    }
    // Folded for inference, the same.
    let pixels = random_pixels([4, 3, 16, 16], 7, &device);
    let c = values(
        quantised
            .fold_weight_norm()
            .score(pixels.clone())
            .bits_per_dim,
    );
    let d = values(model.fold_weight_norm().score(pixels).bits_per_dim);
    for (x, y) in c.iter().zip(&d) {
        assert!((x - y).abs() < 0.01, "{x} vs {y} bits/dim, folded");
    }
}

#[test]
fn int8_outside_the_directions_is_refused_naming_the_tensor() {
    let mut tensors = int8_tensors(&trained_like_model());
    let mut meta = metadata(&config());
    meta.insert(ENCODING_KEY.into(), ENCODING_INT8_V.into());
    let bias = tensors.iter_mut().find(|t| t.0.ends_with(".bias")).unwrap();
    bias.2 = vec![1.0; bias.2.len()];
    bias.3 = safetensors::Dtype::I8;
    let name = bias.0.clone();
    let err = load_model(&serialize_typed(&tensors, meta), &cpu())
        .err()
        .unwrap();
    assert!(
        matches!(&err, WeightsError::Int8NotDirection(n) if *n == name),
        "{err}"
    );
    assert!(err.to_string().contains(&name), "{err}");
}

#[test]
fn a_header_that_misstates_the_encoding_is_refused() {
    let model = trained_like_model();
    // Int8 directions, but no `encoding` entry.
    let err = load_model(
        &serialize_typed(&int8_tensors(&model), metadata(&config())),
        &cpu(),
    )
    .err()
    .unwrap();
    assert!(
        matches!(err, WeightsError::EncodingMismatch { .. }),
        "{err}"
    );
    // `int8-v` declared over a float file.
    let mut meta = metadata(&config());
    meta.insert(ENCODING_KEY.into(), ENCODING_INT8_V.into());
    let float: Vec<_> = named_tensors(&model)
        .into_iter()
        .map(|(n, s, v)| (n, s, v, safetensors::Dtype::F32))
        .collect();
    let err = load_model(&serialize_typed(&float, meta), &cpu())
        .err()
        .unwrap();
    assert!(
        matches!(err, WeightsError::EncodingMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(".v`"), "names a direction: {err}");
    // An encoding this build does not know.
    let mut meta = metadata(&config());
    meta.insert(ENCODING_KEY.into(), "int4-v".into());
    let err = load_model(&serialize_typed(&int8_tensors(&model), meta), &cpu())
        .err()
        .unwrap();
    assert!(matches!(err, WeightsError::WrongFormat(_)), "{err}");
    assert!(err.to_string().contains("int4-v"), "{err}");
}

#[test]
fn shipped_model_is_int8_and_under_8_mb_with_its_reference_f16_beside_it() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/model-weights/");
    let shipped = std::fs::read(format!("{dir}faces64.safetensors")).unwrap();
    assert_eq!(read_encoding(&shipped).unwrap(), Encoding::Int8Directions);
    assert!(shipped.len() <= 8_000_000, "{} bytes", shipped.len());
    let reference = std::fs::read(format!("{dir}faces64-f16.safetensors")).unwrap();
    assert_eq!(read_encoding(&reference).unwrap(), Encoding::Float);
    // The shipped file's statistics are its own, measured by `realnvp convert` on this
    // repository's validation split (the f16 file keeps the trainer's, from PIL-decoded
    // pixels, so the two are not compared here; BENCHMARKS.md compares them on one pipeline).
    let (_, stats) = realnvp::weights::read_header(&shipped).unwrap();
    let stats: serde_json::Value = serde_json::from_str(&stats.unwrap()).unwrap();
    assert_eq!(stats["val_images"].as_u64(), Some(796), "{stats}");
    assert_eq!(stats["val_bpd_quantiles"].as_object().unwrap().len(), 9);
    assert!(
        stats.get("train_bpd").is_none(),
        "not measured for this file: {stats}"
    );
}
