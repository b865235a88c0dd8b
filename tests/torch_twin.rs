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
            (*g as f64 - w).abs() <= 0.002,
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
                (parts[s][i] as f64 - w).abs() <= 0.002,
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
        assert!(err < 1e-3, "scale {s}: max latent difference {err}");
    }
}
