//! The Rust model and the PyTorch twin (python/realnvp_torch.py) agree: same weight file,
//! same images, same per-image and per-scale bits/dim (expected values computed by the twin
//! in float64 and committed by python/make_fixture.py; no PyTorch needed here).
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::*;
use realnvp::image::{model_input, to_tensor};
use realnvp::weights::load_model;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/torch_fixture");

#[test]
fn rust_matches_pytorch_twin_bits_per_dim() {
    let device = cpu();
    let read = |name: &str| {
        std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let expected: serde_json::Value = serde_json::from_slice(&read("expected.json")).unwrap();
    let model = load_model(&read("weights.safetensors"), &device)
        .expect("twin weights load")
        .model;
    assert_eq!(
        serde_json::to_value(model.config()).unwrap(),
        expected["config"]
    );

    let size = model.config().image_size;
    let names: Vec<String> = serde_json::from_value(expected["images"].clone()).unwrap();
    let images: Vec<Vec<u8>> = names
        .iter()
        .map(|n| model_input(&read(n), size).unwrap())
        .collect();
    let out = model.score(to_tensor(&images, size, &device));

    let want: Vec<f64> = serde_json::from_value(expected["bits_per_dim"].clone()).unwrap();
    let got = values(out.bits_per_dim);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (*g as f64 - w).abs() <= 1e-5,
            "{}: rust {g} vs torch {w}",
            names[i]
        );
    }
    let want_parts: Vec<Vec<f64>> =
        serde_json::from_value(expected["per_scale_bits_per_dim"].clone()).unwrap();
    let parts: Vec<Vec<f32>> = out.per_scale_bits_per_dim.into_iter().map(values).collect();
    for (i, w_img) in want_parts.iter().enumerate() {
        for (s, w) in w_img.iter().enumerate() {
            assert!(
                (parts[s][i] as f64 - w).abs() <= 1e-5,
                "{} scale {s}: rust {} vs torch {w}",
                names[i],
                parts[s][i]
            );
        }
    }
}

#[test]
fn rust_latents_match_pytorch_twin() {
    let device = cpu();
    let read = |name: &str| std::fs::read(format!("{DIR}/{name}")).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(&read("expected.json")).unwrap();
    let model = load_model(&read("weights.safetensors"), &device)
        .unwrap()
        .model;
    let size = model.config().image_size;
    let first: String = serde_json::from_value(expected["images"][0].clone()).unwrap();
    let img = model_input(&read(&first), size).unwrap();
    let latents = model.encode(to_tensor(&[img], size, &device));
    let want: Vec<Vec<f64>> = serde_json::from_value(expected["latents_image0"].clone()).unwrap();
    for (s, (z, w)) in latents.into_iter().zip(&want).enumerate() {
        let z = values(z);
        assert_eq!(z.len(), w.len(), "scale {s} latent size");
        let err = z
            .iter()
            .zip(w)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-5, "scale {s}: max latent difference {err}");
    }
}

#[test]
fn rust_decode_matches_pytorch_twin() {
    let device = cpu();
    let read = |name: &str| std::fs::read(format!("{DIR}/{name}")).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(&read("expected.json")).unwrap();
    assert_eq!(
        expected["decode_check"]["latents"], "0.7 * latents of image 1",
        "the twin's decode check changed; update this test"
    );
    let model = load_model(&read("weights.safetensors"), &device)
        .unwrap()
        .model;
    let size = model.config().image_size;
    let second: String = serde_json::from_value(expected["images"][1].clone()).unwrap();
    let img = model_input(&read(&second), size).unwrap();
    let latents = model
        .encode(to_tensor(&[img], size, &device))
        .into_iter()
        .map(|z| z.mul_scalar(0.7))
        .collect();
    let got = values(model.decode(latents));
    let want: Vec<i64> =
        serde_json::from_value(expected["decode_check"]["pixels"].clone()).unwrap();
    assert_eq!(got.len(), want.len());
    // f32 against the twin's f64: a value on a bin edge may land one bin over.
    let off: Vec<(usize, f32, i64)> = got
        .iter()
        .zip(&want)
        .enumerate()
        .filter(|(_, (g, w))| **g as i64 != **w)
        .map(|(i, (g, w))| (i, *g, *w))
        .collect();
    assert!(
        off.iter().all(|(_, g, w)| (*g as i64 - w).abs() <= 1) && off.len() <= 2,
        "sub-pixels that differ from the twin's decode: {off:?}"
    );
}

#[test]
fn rust_crop_and_box_resize_match_the_trainers_loader() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/resize_fixture");
    let read = |name: &str| {
        std::fs::read(format!("{dir}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let cases: serde_json::Value = serde_json::from_slice(&read("cases.json")).unwrap();
    let cases = cases["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 4);
    for case in cases {
        let source = case["source"].as_str().unwrap();
        let size = case["size"].as_u64().unwrap() as usize;
        let got = model_input(&read(source), size).unwrap();
        let want = image::load_from_memory(&read(case["expected"].as_str().unwrap()))
            .unwrap()
            .to_rgb8()
            .into_raw();
        assert_eq!(got.len(), want.len(), "{source} -> {size}");
        // Rust sums in f32, numpy in f64: a mean exactly on .5 may round the other way.
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        let worst = got.iter().zip(&want).map(|(a, b)| a.abs_diff(*b)).max();
        assert!(
            worst <= Some(1) && differ * 200 <= got.len(),
            "{source} -> {size}: {differ} of {} sub-pixels differ (worst {worst:?})",
            got.len()
        );
    }
}
