//! One 64-channel 3x3 layer on the CPU kernels, per map size the model runs them on (issue
//! 23): Winograd F(4x4, 3x3) and F(2x2, 3x3) beside the im2col kernel, in GFLOP/s-equivalent
//! (2 x 9 x cin x cout multiply-adds per output pixel, whatever the kernel really does).
//! A benchmark, not a test: ignored unless asked for, on an idle machine:
//!
//!     RAYON_NUM_THREADS=1 cargo test --release --test cpu_conv_bench -- --ignored --nocapture

#![cfg(not(target_family = "wasm"))]

use std::time::{Duration, Instant};

use realnvp::model::cpu_conv::{Conv3x3, CpuConv};
use realnvp::rng::SeededRng;

const CHANNELS: usize = 64;
const BATCH: usize = 16;
/// Timed seconds per kernel and shape, after one untimed run.
const SECONDS: f64 = 1.5;

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture on an idle machine"]
fn cpu_conv_layer_speed() {
    let mut rng = SeededRng::new(3);
    let weight = rng.normals(CHANNELS * CHANNELS * 9);
    let bias = vec![0.0; CHANNELS];
    println!("| map | im2col | Winograd F(2x2) | Winograd F(4x4) |");
    println!("| --- | ---: | ---: | ---: |");
    for side in [64, 32, 16, 8] {
        let x = rng.normals(BATCH * CHANNELS * side * side);
        let flop = 2.0 * 9.0 * (CHANNELS * CHANNELS * BATCH * side * side) as f64;
        let mut row = format!("| [{BATCH}, {CHANNELS}, {side}, {side}] |");
        for kernel in [CpuConv::Im2col, CpuConv::Winograd2, CpuConv::Winograd4] {
            let conv = Conv3x3::new(weight.clone(), bias.clone(), CHANNELS, CHANNELS, kernel);
            // The output goes back in as the next run's residual: no fresh 16 MB buffer (and
            // its page faults) per run, as in the model, whose residuals become outputs.
            let mut out = conv.run(&x, BATCH, side, side, true, None);
            let (start, mut runs) = (Instant::now(), 0u32);
            while start.elapsed() < Duration::from_secs_f64(SECONDS) {
                out = conv.run(&x, BATCH, side, side, true, Some(out));
                runs += 1;
            }
            std::hint::black_box(&out);
            let seconds = start.elapsed().as_secs_f64() / f64::from(runs);
            row += &format!(" {:.1} GFLOP/s |", flop / seconds / 1e9);
        }
        println!("{row}");
    }
}
