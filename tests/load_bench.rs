//! How long loading the shipped model takes, in two steps: reading the file into a model,
//! and folding it for inference (issue 26: the page's worker does both before its first
//! face). The first run pays for fresh memory, as a worker does; later runs reuse it. A
//! benchmark, not a test: ignored unless asked for, on an idle machine. Natively, and in a
//! browser worker as the page loads it:
//!
//!     RAYON_NUM_THREADS=1 cargo test --release --test load_bench -- --ignored --nocapture
//!     cargo test --release --target wasm32-unknown-unknown --test load_bench -- --include-ignored --nocapture

use realnvp::device;
use realnvp::inference::sampled_latents;
use realnvp::weights::load_model;

const WEIGHTS: &[u8] = include_bytes!("../model-weights/faces64.safetensors");
const RUNS: usize = 5;
/// Faces drawn one by one after the first load.
const FACES: usize = 6;

#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Milliseconds from an arbitrary start.
#[cfg(target_family = "wasm")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_family = "wasm"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

fn report(line: &str) {
    #[cfg(target_family = "wasm")]
    web_sys::console::log_1(&line.into());
    #[cfg(not(target_family = "wasm"))]
    println!("{line}");
}

/// The wasm heap in MB (the memory a worker holds); natively nothing.
fn heap() -> String {
    #[cfg(target_family = "wasm")]
    return format!(
        "{:.0}",
        (core::arch::wasm32::memory_size(0) << 16) as f64 / 1e6
    );
    #[cfg(not(target_family = "wasm"))]
    String::from("-")
}

#[cfg_attr(not(target_family = "wasm"), test)]
#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[ignore = "a benchmark: run on an idle machine (command above)"]
fn model_load_speed() {
    let device = device::cpu();
    report(&format!("heap before: {} MB", heap()));
    report("| run | read and build (ms) | fold (ms) | heap after (MB) |");
    report("| --- | ---: | ---: | ---: |");
    for run in 0..RUNS {
        let start = now_ms();
        let loaded = load_model(WEIGHTS, &device).expect("the shipped weights load");
        let built = now_ms();
        let folded = loaded.model.fold_weight_norm();
        let end = now_ms();
        report(&format!(
            "| {run} | {:.1} | {:.1} | {} |",
            built - start,
            end - built,
            heap()
        ));
        if run == 0 {
            first_faces(&folded);
        }
    }
}

/// The first faces a fresh model draws, one at a time as the page draws them.
fn first_faces(model: &realnvp::RealNvp) {
    let mut times = Vec::new();
    for face in 0..FACES {
        let start = now_ms();
        let latents = sampled_latents(model, FACES, 0.7, 1, face, 1).expect("within the limits");
        let pixels = model.inverse(latents).into_data();
        std::hint::black_box(pixels);
        times.push(format!("{:.0}", now_ms() - start));
    }
    report(&format!(
        "faces one by one after the first load (ms): {}; heap {} MB",
        times.join(", "),
        heap()
    ));
}
