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

/// The browser's WebGPU device (SwiftShader without a GPU), started once for all tests.
#[cfg(feature = "webgpu")]
async fn webgpu() -> Device {
    realnvp::device::webgpu()
        .await
        .expect("headless Chromium offers a WebGPU adapter")
}

#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn fixture_matches_native_on_webgpu() {
    let device = webgpu().await;
    check(device, "webgpu").await;
}

/// Seeded values in [-1, 1).
fn filled(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = realnvp::rng::SeededRng::new(seed);
    rng.uniforms(n).into_iter().map(|u| u * 2.0 - 1.0).collect()
}

// The page's WebGPU convolution (src/model/gpu_conv/) against burn's own conv2d on the same
// device: odd sizes (partial tiles on every side), few and many channels, each fusion.
#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn gpu_conv_matches_burn_conv2d_on_webgpu() {
    use burn::tensor::TensorData;
    use burn::tensor::activation::relu;
    use burn::tensor::module::conv2d;
    use burn::tensor::ops::ConvOptions;

    let device = webgpu().await;
    let shapes = [
        (2, 5, 7, 5, 9),
        (1, 64, 64, 8, 8),
        (2, 64, 12, 16, 16),
        (1, 3, 64, 32, 32),
        (3, 12, 70, 2, 3),
    ];
    for (i, &(b, cin, cout, h, w)) in shapes.iter().enumerate() {
        let seed = i as u64 * 10;
        let x = Tensor::<4>::from_data(
            TensorData::new(filled(b * cin * h * w, seed), [b, cin, h, w]),
            &device,
        );
        let k = Tensor::<4>::from_data(
            TensorData::new(filled(cout * cin * 9, seed + 1), [cout, cin, 3, 3]),
            &device,
        );
        let bias = Tensor::<1>::from_data(TensorData::new(filled(cout, seed + 2), [cout]), &device);
        let r = Tensor::<4>::from_data(
            TensorData::new(filled(b * cout * h * w, seed + 3), [b, cout, h, w]),
            &device,
        );
        for relu_input in [false, true] {
            for residual in [None, Some(r.clone())] {
                let input = if relu_input {
                    relu(x.clone())
                } else {
                    x.clone()
                };
                let mut want = conv2d(
                    input,
                    k.clone(),
                    Some(bias.clone()),
                    ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
                );
                if let Some(r) = &residual {
                    want = want + r.clone();
                }
                let label = format!(
                    "[{b}, {cin}, {h}, {w}] -> {cout}, relu {relu_input}, residual {}",
                    residual.is_some()
                );
                let got = realnvp::model::gpu_conv::conv3x3(
                    x.clone(),
                    k.clone(),
                    bias.clone(),
                    relu_input,
                    residual,
                );
                assert_eq!(got.dims(), [b, cout, h, w], "{label}");
                // Sums of up to 576 products of values below 1: f32 rounding, in either order.
                let err = values((got - want).abs().max()).await[0];
                assert!(err <= 1e-4, "{label}: largest difference {err}");
            }
        }
    }
}

// The folded model on WebGPU with the page's convolution scores and samples as with burn's.
#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn folded_model_on_webgpu_matches_burn_conv2d() {
    use realnvp::model::cpu_conv::CpuConv;

    let device = webgpu().await;
    let load = || {
        load_model(WEIGHTS, &device)
            .expect("fixture weights load")
            .model
    };
    let ours = load().fold_weight_norm();
    let burns = load().fold_weight_norm_with(CpuConv::Burn);
    let pixels = fixture_pixels(4, 16, &device);
    let a = values(ours.score(pixels.clone()).bits_per_dim).await;
    let b = values(burns.score(pixels).bits_per_dim).await;
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() <= 1e-4,
            "bits/dim {x} (ours) vs {y} (burn's conv2d)"
        );
    }
    let s = values(ours.sample(4, 0.7, 3)).await;
    let t = values(burns.sample(4, 0.7, 3)).await;
    let worst = s
        .iter()
        .zip(&t)
        .map(|(x, y)| (x.round() - y.round()).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1.0, "sampled pixels differ by {worst} levels");
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

/// The first worker's rehearsal (src/web/rehearsal.rs): it builds its model, draws faces,
/// and leaves the page API as it was for the real model.
#[wasm_bindgen_test]
async fn the_rehearsal_runs_before_the_real_model_on_wasm_cpu() {
    use realnvp::web::{Backend, Model, Rehearsal};

    let backend = Backend::init(true).await;
    let mut rehearsal = Rehearsal::new(&backend);
    for step in 0..3 {
        if let Err(e) = rehearsal.step().await {
            panic!(
                "rehearsal step {step} failed: {:?}",
                wasm_bindgen::JsValue::from(e)
            );
        }
    }
    drop(rehearsal);
    let model = Model::load(&backend, WEIGHTS).expect("fixture weights load");
    let info = model.info().expect("model info");
    assert_eq!(field(&info, "imageSize").as_f64(), Some(16.0));
}
