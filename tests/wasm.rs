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
    realnvp::inference::values(t).await.expect("read back")
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

#[cfg(feature = "webgpu")]
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

/// A field of a plain object the page API returned.
fn field(object: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(object, &key.into()).expect("a plain object")
}

// The page's own API (src/web/), as the workers call it: limits, model info, a photo's
// score with its maps, as plain objects.
#[wasm_bindgen_test]
async fn the_page_api_scores_the_fixture_like_native() {
    use realnvp::web::{Backend, Model, Photo, limits};

    let limits = limits().expect("limits");
    let max_faces = field(&limits, "maxFaces").as_f64();
    assert_eq!(max_faces, Some(realnvp::limits::MAX_FACES as f64));
    let gap = field(&limits, "gridGap").as_f64();
    assert_eq!(gap, Some(realnvp::limits::GRID_GAP as f64));

    let backend = Backend::init(true).await;
    let model = Model::load(&backend, WEIGHTS).expect("fixture weights load");
    let info = model.info().expect("model info");
    assert_eq!(field(&info, "imageSize").as_f64(), Some(16.0));

    let expected: serde_json::Value = serde_json::from_str(EXPECTED).expect("fixture json");
    let want = expected["bits_per_dim"][0].as_f64().expect("a number");
    let pixels = values(fixture_pixels(1, 16, &Device::flex())).await;
    let rgb = realnvp::image::from_values(&pixels, 1, 16).remove(0);
    let photo = Photo::from_rgb(16, 16, rgb).expect("a 16x16 photo");
    let score = model.score(&photo, 0, 0, 16).await.expect("a score");
    let bpd = field(&score, "bitsPerDim").as_f64().expect("bitsPerDim");
    assert!(
        (bpd - want).abs() <= 1e-3,
        "page API {bpd} vs native {want}"
    );
    let maps = js_sys::Array::from(&field(&score, "bitsMaps"));
    assert_eq!(maps.length(), 1 + 3, "the whole map, then each of 3 scales");
    let total: f32 = js_sys::Float32Array::from(maps.get(0))
        .to_vec()
        .iter()
        .sum();
    let dims = 3.0 * 16.0 * 16.0;
    assert!(
        (total as f64 - bpd * dims).abs() <= 1e-3 * bpd * dims,
        "the map sums to {total}, the score to {}",
        bpd * dims
    );
}
