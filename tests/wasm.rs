//! The model in the browser (headless Chromium): on WebGPU and on the wasm CPU backend it
//! must reproduce the native scores of the committed fixture and invert exactly.
//! Run with `scripts/test.sh` (wasm-bindgen-test-runner drives Chromium through chromedriver).
#![cfg(target_family = "wasm")]

use burn::tensor::{Device, Tensor};
use realnvp::model::fixture_pixels;
use realnvp::model::preprocess::to_logit;
use realnvp::weights::load_model;
use wasm_bindgen_test::*;

// In a dedicated worker the page's main thread stays free, so chromedriver never finds the
// renderer too busy to answer while the model runs (WebGPU is available in workers).
wasm_bindgen_test_configure!(run_in_dedicated_worker);

const WEIGHTS: &[u8] = include_bytes!("data/fixture_small.safetensors");
const EXPECTED: &str = include_str!("data/fixture_small.json");

async fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data_async()
        .await
        .expect("read back")
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data")
}

async fn check(device: Device, label: &str) {
    let model = load_model(WEIGHTS, &device)
        .expect("fixture weights load")
        .model;
    let expected: serde_json::Value = serde_json::from_str(EXPECTED).expect("fixture json");
    let want: Vec<f64> =
        serde_json::from_value(expected["bits_per_dim"].clone()).expect("bits_per_dim list");

    let pixels = fixture_pixels(4, 16, &device);
    let got = values(model.score(pixels.clone()).bits_per_dim).await;
    for (g, w) in got.iter().zip(&want) {
        assert!((*g as f64 - w).abs() <= 1e-3, "{label}: {g} vs native {w}");
    }
    // One image alone scores as in the batch.
    let alone = values(model.score(pixels.clone().narrow(0, 2, 1)).bits_per_dim).await;
    assert!(
        (alone[0] - got[2]).abs() <= 1e-4,
        "{label}: alone {} vs batch {}",
        alone[0],
        got[2]
    );

    // inverse(forward(x)) == x in the logit domain.
    let (z, _) = to_logit(pixels.clone(), pixels.zeros_like().add_scalar(0.5), 0.05);
    let back = model.inverse(model.forward(z.clone()).latents);
    let err = values((back - z).abs().max()).await[0];
    assert!(err <= 1e-4, "{label}: inverse error {err}");

    // Samples are valid pixels.
    let s = values(model.sample(2, 0.7, 5)).await;
    assert!(
        s.iter().all(|v| (0.0..=255.0).contains(v)),
        "{label}: sample out of range"
    );
    web_sys::console::log_1(&format!("{label}: fixture bits/dim {got:?} (native {want:?})").into());
}

#[wasm_bindgen_test]
async fn fixture_matches_native_on_webgpu() {
    let device = realnvp::device::webgpu()
        .await
        .expect("headless Chromium offers a WebGPU adapter");
    check(device, "webgpu").await;
}

#[wasm_bindgen_test]
async fn fixture_matches_native_on_wasm_cpu() {
    check(Device::flex(), "wasm cpu").await;
}
