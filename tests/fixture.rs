//! A small committed model and its expected scores: the native side checks them here, the
//! browser side (tests/wasm.rs) checks the same numbers on WebGPU and on the wasm CPU backend.
//! Regenerate with `cargo test --test fixture -- --ignored regenerate` (then commit both
//! files); the checking test only reads them.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::*;
use realnvp::weights::{Precision, load_model, to_bytes};

const WEIGHTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/fixture_small.safetensors"
);
const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fixture_small.json");

#[test]
#[ignore = "writes tests/data/fixture_small.*; run on purpose, then commit them"]
fn regenerate_the_fixture() {
    let device = cpu();
    let config = small_config(16);
    let model = perturb(config.init_seeded(77, &device), 78, 0.15);
    std::fs::write(WEIGHTS, to_bytes(&model, Precision::F32, None).unwrap()).unwrap();
    let loaded = load_model(&std::fs::read(WEIGHTS).unwrap(), &device)
        .unwrap()
        .model;
    let pixels = realnvp::model::fixture_pixels(4, 16, &device);
    let out = loaded.score(pixels);
    let expected = serde_json::json!({
        "bits_per_dim": values(out.bits_per_dim),
        "per_scale_bits_per_dim": out.per_scale_bits_per_dim.into_iter().map(values).collect::<Vec<_>>(),
    });
    std::fs::write(EXPECTED, serde_json::to_string_pretty(&expected).unwrap()).unwrap();
}

#[test]
fn committed_fixture_scores_match_native() {
    let device = cpu();
    let model = load_model(&std::fs::read(WEIGHTS).unwrap(), &device)
        .unwrap()
        .model;
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(EXPECTED).unwrap()).unwrap();
    let got = values(
        model
            .score(realnvp::model::fixture_pixels(4, 16, &device))
            .bits_per_dim,
    );
    let want: Vec<f64> = serde_json::from_value(expected["bits_per_dim"].clone()).unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((*g as f64 - w).abs() < 1e-5, "{g} vs {w}");
    }
    // Sanity: a perturbed tiny model is far from a uniform density, but finite.
    assert!(got.iter().all(|g| g.is_finite() && *g > 1.0));
}
