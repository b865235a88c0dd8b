//! The `realnvp` binary end to end on generated images: training lowers validation bits/dim,
//! a stopped run resumes to the same result, sampling and interpolation write grids, and
//! scoring reports bad files one line each without panicking.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{Rgb, RgbImage};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_realnvp"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "panic in output:\n{text}");
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("realnvp-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Coloured discs on a dark background, 20x16 (so the square crop matters), as PNG files.
fn make_images(dir: &Path, count: usize) {
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

fn train_args(data: &Path, out: &Path, epochs: usize) -> Command {
    let mut cmd = bin();
    cmd.args([
        "train",
        "--quiet",
        "--image-size",
        "8",
        "--num-scales",
        "2",
        "--width",
        "8",
        "--blocks",
        "1",
    ])
    .args([
        "--batch-size",
        "16",
        "--lr",
        "3e-3",
        "--epochs",
        &epochs.to_string(),
    ])
    .arg("--data")
    .arg(data)
    .arg("--out")
    .arg(out)
    .arg("--cache")
    .arg(out.join("cache"));
    cmd
}

fn val_history(out: &Path) -> Vec<f64> {
    std::fs::read_to_string(out.join("train_log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["val_bits_per_dim"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

#[test]
fn training_lowers_validation_bits_per_dim_and_resume_is_exact() {
    let root = temp_dir("train");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    make_images(&data, 240);

    let full = root.join("full");
    assert!(run(&mut train_args(&data, &full, 4)).status.success());
    let history = val_history(&full);
    assert_eq!(history.len(), 4);
    assert!(
        history[3] < history[0] - 0.05,
        "validation bits/dim did not drop: {history:?}"
    );

    // Stop after 5 steps, then resume: the same final model as the uninterrupted run.
    let parts = root.join("parts");
    let first = run(train_args(&data, &parts, 4).args(["--max-steps", "5"]));
    assert!(first.status.success());
    let saved: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("checkpoint"))
        .collect();
    assert_eq!(
        saved,
        ["checkpoint-0000000005-1"],
        "one complete checkpoint"
    );
    assert!(parts.join(&saved[0]).join("model.safetensors").is_file());
    assert!(!parts.join("final.safetensors").exists());
    // What a kill during the next save leaves behind: a half-written temporary folder and a
    // newer-looking folder without its weights. Resume must take the complete one.
    let torn = parts.join("checkpoint-0000000099-2");
    std::fs::create_dir_all(&torn).unwrap();
    std::fs::copy(
        parts.join(&saved[0]).join("progress.json"),
        torn.join("progress.json"),
    )
    .unwrap();
    std::fs::create_dir_all(parts.join("checkpoint.tmp")).unwrap();
    let resume = run(train_args(&data, &parts, 4).arg("--resume"));
    assert!(resume.status.success());
    let said = String::from_utf8_lossy(&resume.stderr);
    assert!(
        said.contains("resuming at step 5 from") && said.contains("checkpoint-0000000005-1"),
        "resume must say which checkpoint it took: {said}"
    );
    let resumed = val_history(&parts);
    let last = *resumed.last().unwrap();
    assert_eq!(
        last, history[3],
        "resumed vs uninterrupted validation bits/dim"
    );
    // Exact: the same tensors, bit for bit (the metadata's statistics hold run times).
    let tensors = |dir: &Path| {
        let bytes = std::fs::read(dir.join("final.safetensors")).unwrap();
        let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut all: Vec<(String, Vec<u8>)> = file
            .tensors()
            .into_iter()
            .map(|(name, view)| (name, view.data().to_vec()))
            .collect();
        all.sort();
        all
    };
    let (resumed, uninterrupted) = (tensors(&parts), tensors(&full));
    assert_eq!(resumed.len(), uninterrupted.len());
    for ((name, a), (_, b)) in resumed.iter().zip(&uninterrupted) {
        assert!(a == b, "tensor {name} differs after resuming");
    }

    // Resuming with other flags is refused with a clear message.
    let other = run(train_args(&data, &parts, 5).arg("--resume"));
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("another training config"));

    // Sampling and interpolation write grids of the right size.
    let weights = full.join("final.safetensors");
    let grid = root.join("grid.png");
    let out = run(bin()
        .args(["sample", "--n", "9", "--temperature", "0.7", "--seed", "1"])
        .arg("--weights")
        .arg(&weights)
        .arg("--out")
        .arg(&grid));
    assert!(out.status.success());
    let img = image::open(&grid).unwrap();
    assert_eq!((img.width(), img.height()), (3 * 8 + 4 * 2, 3 * 8 + 4 * 2));
    let corner = data.join("person000_0000.png");
    let interp = root.join("interp.png");
    let out = run(bin()
        .args([
            "interpolate",
            "--steps",
            "3",
            "--corners",
            "seed:1",
            "seed:2",
            corner.to_str().unwrap(),
            "seed:3",
        ])
        .arg("--weights")
        .arg(&weights)
        .arg("--out")
        .arg(&interp));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(image::open(&interp).unwrap().width(), 3 * 8 + 4 * 2);

    // Scoring: good and bad files, one JSON line each, in order, exit code 1.
    let bad = root.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("empty.jpg"), b"").unwrap();
    std::fs::write(bad.join("text.png"), b"just some text").unwrap();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&RgbImage::from_pixel(32, 32, Rgb([9, 99, 199])))
        .unwrap();
    std::fs::write(bad.join("truncated.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    let files = [
        corner.clone(),
        bad.join("empty.jpg"),
        bad.join("text.png"),
        bad.join("truncated.jpg"),
        bad.join("missing.png"),
    ];
    let out = run(bin()
        .args(["score", "--json"])
        .arg("--weights")
        .arg(&weights)
        .args(&files));
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len());
    let bpd = lines[0]["bits_per_dim"].as_f64().unwrap();
    assert!(bpd > 0.5 && bpd < 12.0, "{bpd}");
    assert_eq!(lines[0]["resolution"], 8);
    let parts: Vec<f64> =
        serde_json::from_value(lines[0]["per_scale_bits_per_dim"].clone()).unwrap();
    assert!((parts.iter().sum::<f64>() - bpd).abs() < 1e-3);
    for line in &lines[1..] {
        assert!(
            line["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{line}"
        );
    }

    // Where the bits go: the map accounts for the whole score, and the figure is drawn.
    let out = run(bin()
        .args(["score", "--json", "--bits-map", "--weights"])
        .arg(&weights)
        .arg(&corner));
    assert!(out.status.success());
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let map: Vec<Vec<f64>> = serde_json::from_value(line["bits_map"].clone()).unwrap();
    assert_eq!((map.len(), map[0].len()), (8, 8));
    let sum: f64 = map.iter().flatten().sum();
    let want = line["bits_per_dim"].as_f64().unwrap() * 3.0 * 64.0;
    // bits/dim is printed to 4 decimals: 5e-5 x 192 dims.
    assert!(
        (sum - want).abs() < 0.01 + 1e-4 * want,
        "map {sum} vs {want}"
    );
    let figure = root.join("where.png");
    let out = run(bin()
        .args(["score", "--weights"])
        .arg(&weights)
        .arg("--heatmap")
        .arg(&figure)
        .arg(&corner));
    assert!(out.status.success());
    let drawn = image::open(&figure).unwrap();
    assert!(
        drawn.width() > 2 * 256 && drawn.height() >= 256,
        "{}x{}",
        drawn.width(),
        drawn.height()
    );
    let two = run(bin()
        .args(["score", "--weights"])
        .arg(&weights)
        .arg("--heatmap")
        .arg(&figure)
        .args([&corner, &corner]));
    assert!(!two.status.success());
    assert!(String::from_utf8_lossy(&two.stderr).contains("exactly one file"));
    let no_json = run(bin().args(["score", "--bits-map"]).arg(&corner));
    assert!(!no_json.status.success());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn bad_weights_and_flags_are_one_line_errors() {
    let root = temp_dir("flags");
    let not_weights = root.join("weights.safetensors");
    std::fs::write(&not_weights, b"garbage").unwrap();
    let out = run(bin()
        .args(["sample", "--out", "x.png"])
        .arg("--weights")
        .arg(&not_weights));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.contains("corrupt"),
        "{err}"
    );
    let out = run(bin().args([
        "interpolate",
        "--steps",
        "1",
        "--corners",
        "a",
        "b",
        "c",
        "d",
    ]));
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(&root);
}

/// A UTKFace-style folder (`AGE_GENDER_RACE_DATE.jpg.chip.png` names) of 16x16 noise
/// images with two planted directions in separate channels, so that neither shows along the
/// other: label-1 images are greener, and redness grows with age. The fit must find both.
fn make_labelled_faces(dir: &Path, count: usize) {
    let mut rng = realnvp::rng::SeededRng::new(7);
    for i in 0..count {
        let age = 1 + (i * 37) % 90;
        let gender = (i / 3) % 2;
        let greenness = 50.0 * gender as f64;
        let redness = 1.5 * age as f64;
        let img = RgbImage::from_fn(16, 16, |_, _| {
            let mut noise = || 60.0 + 40.0 * rng.uniform();
            Rgb([
                (noise() + redness) as u8,
                (noise() + greenness) as u8,
                noise() as u8,
            ])
        });
        let name = format!("{age}_{gender}_0_2017{i:08}.jpg.chip.png");
        img.save(dir.join(name)).unwrap();
    }
}

#[test]
fn attributes_fit_recovers_planted_directions_and_edit_at_zero_is_the_photo() {
    let root = temp_dir("attributes");
    let data = root.join("faces");
    std::fs::create_dir_all(&data).unwrap();
    make_labelled_faces(&data, 400);
    let weights =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixture_small.safetensors");
    let attributes = root.join("attributes.safetensors");
    let report = root.join("report.json");
    let out = run(bin()
        .arg("attributes-fit")
        .arg("--weights")
        .arg(&weights)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&attributes)
        .arg("--report")
        .arg(&report)
        .arg("--grid")
        .arg(root.join("grid.png"))
        .arg("--quiet"));
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let check = &report["check"];
    // Validation images only (about 5% of the names, never fitted on).
    assert!(check["images"].as_u64().unwrap() >= 8, "{report}");
    assert!(check["gender_auroc"].as_f64().unwrap() > 0.95, "{report}");
    assert!(check["age_spearman"].as_f64().unwrap() > 0.8, "{report}");
    for name in ["age", "gender"] {
        assert!(root.join(format!("grid_{name}.png")).exists());
    }

    // A grey and a greener image: the gender coordinate follows the planted greenness.
    let plain = |name: &str, colour: [u8; 3]| {
        let path = root.join(name);
        RgbImage::from_pixel(16, 16, Rgb(colour))
            .save(&path)
            .unwrap();
        path
    };
    let (grey, greener) = (
        plain("grey.png", [140, 80, 80]),
        plain("greener.png", [140, 130, 80]),
    );
    let out = run(bin()
        .args(["attributes", "--json", "--weights"])
        .arg(&weights)
        .arg("--attributes")
        .arg(&attributes)
        .arg(&grey)
        .arg(&greener));
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let gender = |i: usize| lines[i]["attributes"]["gender"].as_f64().unwrap();
    assert!(gender(1) > gender(0) + 1.0, "{lines:?}");

    // Amount 0 decodes the photo's own latents: the photo again, up to float rounding.
    let photo = data.read_dir().unwrap().next().unwrap().unwrap().path();
    let strip = root.join("strip.png");
    let out = run(bin()
        .arg("edit")
        .arg(&photo)
        .arg("--weights")
        .arg(&weights)
        .arg("--attributes")
        .arg(&attributes)
        .args(["--attribute", "gender", "--amounts=0,2", "--out"])
        .arg(&strip));
    assert!(out.status.success(), "{out:?}");
    let strip = image::open(&strip).unwrap().to_rgb8();
    let input = image::open(&photo).unwrap().to_rgb8();
    let tile =
        |col: u32| RgbImage::from_fn(16, 16, |x, y| *strip.get_pixel(2 + col * 18 + x, 2 + y));
    let largest = |a: &RgbImage| {
        a.as_raw()
            .iter()
            .zip(input.as_raw())
            .map(|(p, q)| p.abs_diff(*q))
            .max()
            .unwrap()
    };
    assert!(largest(&tile(0)) <= 1, "amount 0 must give the photo back");
    assert!(largest(&tile(1)) > 10, "amount 2 must change the photo");
}
