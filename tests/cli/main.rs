//! The `realnvp` binary end to end, one file per command, on generated images and the
//! committed small fixture model: training lowers validation bits/dim and resumes exactly,
//! sampling and interpolation write grids, scoring reports bad files one line each without
//! panicking, the attribute commands find planted directions.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod attributes;
mod bench;
mod convert;
mod evaluate;
mod flags;
mod interpolate;
mod likeness;
mod sample;
mod score;
mod train;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{Rgb, RgbImage};

/// The committed small model (16x16, 3 scales, width 8): commands that only run a model
/// use it, so that each test stands alone.
pub fn fixture_weights() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixture_small.safetensors")
}

/// Its image side.
pub const FIXTURE_SIZE: u32 = 16;

/// The architecture flags of the tiny model `train` and `bench` build (8x8, 2 scales).
pub const TINY_MODEL: [&str; 8] = [
    "--image-size",
    "8",
    "--num-scales",
    "2",
    "--width",
    "8",
    "--blocks",
    "1",
];

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_realnvp"))
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "panic in output:\n{text}");
    out
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("realnvp-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Coloured discs on a dark background, 20x16 (so the square crop matters), as PNG files.
pub fn make_images(dir: &Path, count: usize) {
    let mut rng = realnvp::rng::SeededRng::new(99);
    for i in 0..count {
        let (cx, cy, r) = (
            6.0 + 8.0 * rng.uniform(),
            4.0 + 8.0 * rng.uniform(),
            3.0 + 4.0 * rng.uniform(),
        );
        let colour = [
            (60.0 + 190.0 * rng.uniform()) as u8,
            (60.0 + 190.0 * rng.uniform()) as u8,
            120,
        ];
        let img = RgbImage::from_fn(20, 16, |x, y| {
            let inside = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2) < r * r;
            if inside {
                Rgb(colour)
            } else {
                Rgb([25, 25, 35])
            }
        });
        img.save(dir.join(format!("person{:03}_{:04}.png", i / 2, i % 2)))
            .unwrap();
    }
}

/// stdout's lines as JSON values.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
