//! `realnvp evaluate`: mean validation bits/dim beside PNG and lossless WebP.

use super::{bin, fixture_weights, json_lines, make_images, run, temp_dir};

#[test]
fn evaluate_reports_the_model_beside_png_and_webp() {
    let root = temp_dir("evaluate");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    make_images(&data, 60);
    let out = run(bin()
        .arg("evaluate")
        .arg("--weights")
        .arg(fixture_weights())
        .arg("--data")
        .arg(&data)
        .arg("--cache")
        .arg(root.join("cache"))
        .args(["--split", "train", "--limit", "10"]));
    assert!(out.status.success(), "{out:?}");
    let line = &json_lines(&out)[0];
    assert_eq!(line["images"], 10);
    assert_eq!(line["resolution"], 16);
    for key in [
        "bits_per_dim",
        "png_bits_per_dim",
        "webp_lossless_bits_per_dim",
    ] {
        let v = line[key].as_f64().unwrap_or(f64::NAN);
        assert!(v > 0.0 && v < 24.0, "{key}: {line}");
    }
    // The discs on a flat background compress far below the 8 bits a raw sub-pixel takes.
    assert!(line["png_bits_per_dim"].as_f64().unwrap() < 8.0, "{line}");
    let _ = std::fs::remove_dir_all(&root);
}
