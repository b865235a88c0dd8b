//! A benchmark, not a test (ignored unless asked for): one 64-channel 3x3 layer on the
//! browser's WebGPU adapter (SwiftShader without a GPU), the page's kernel
//! (src/model/gpu_conv/) beside burn's conv2d, and an element-wise add for the cost of a pass.
//! Each line is one chain of `reps` layers plus one read-back, in GFLOP/s of the convolution:
//!
//!   cargo test --release --target wasm32-unknown-unknown --test wasm_conv_bench -- --include-ignored --nocapture
#![cfg(all(target_family = "wasm", feature = "webgpu"))]
use burn::tensor::activation::relu;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Distribution, Tensor};
use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn now() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
#[ignore]
async fn conv_layer_speed() {
    let device = realnvp::device::webgpu()
        .await
        .expect("headless Chromium offers a WebGPU adapter");
    for &(b, c, s) in &[(4usize, 64usize, 32usize), (1, 64, 64)] {
        let x = Tensor::<4>::random([b, c, s, s], Distribution::Normal(0.0, 1.0), &device);
        let k = Tensor::<4>::random([c, c, 3, 3], Distribution::Normal(0.0, 0.05), &device);
        let bias = Tensor::<1>::zeros([c], &device);
        let flops = 2.0 * (b * c * c * 9 * s * s) as f64;
        // The first chain of each compiles its shader: reported, but apart.
        for (which, reps) in [
            ("ours", 1),
            ("burn", 1),
            ("add", 1),
            ("ours", 6),
            ("burn", 6),
            ("add", 6),
        ] {
            let t0 = now();
            let mut acc = x.clone();
            for _ in 0..reps {
                acc = match which {
                    "ours" => {
                        realnvp::model::gpu_conv::conv3x3(acc, k.clone(), bias.clone(), true, None)
                    }
                    "burn" => conv2d(
                        relu(acc),
                        k.clone(),
                        Some(bias.clone()),
                        ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
                    ),
                    _ => acc.add_scalar(1.0),
                };
            }
            realnvp::inference::values(acc.sum())
                .await
                .expect("read back");
            let ms = now() - t0;
            web_sys::console::log_1(
                &format!(
                    "{which} x{reps} [{b},{c},{s},{s}]: {ms:.1} ms in all, {:.2} GFLOP/s",
                    reps as f64 * flops / ms / 1e6
                )
                .into(),
            );
        }
    }
}
