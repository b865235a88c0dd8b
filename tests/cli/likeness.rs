//! `realnvp likeness`: fits on the validation people of a folder, prints the AUROC table and
//! the verdicts, and with `--write` ships a calibration that `score` then uses.

use image::{Rgb, RgbImage};

use super::{bin, fixture_weights, json_lines, make_images, run, temp_dir};

#[test]
fn likeness_fits_measures_and_ships_a_calibration_that_score_reads() {
    let root = temp_dir("likeness-fit");
    let data = root.join("faces");
    std::fs::create_dir_all(&data).unwrap();
    // About 5% of the 2,500 people are validation people: enough for the three parts.
    make_images(&data, 5000);
    let weights = root.join("model.safetensors");
    std::fs::copy(fixture_weights(), &weights).unwrap();
    let out = run(bin()
        .args(["likeness", "--quiet", "--write", "--weights"])
        .arg(&weights)
        .arg("--data")
        .arg(&data)
        .arg("--nonfaces")
        .arg(root.join("none")));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in [
        "| raw bits/dim |",
        "| bits/dim minus PNG's (Serrà's S) |",
        "| Gaussian on every term and the PNG code length |",
        "| synthetic: noise (40) |",
    ] {
        assert!(stdout.contains(row), "no {row} in\n{stdout}");
    }
    assert!(root.join("face_likeness.json").is_file(), "{stdout}");

    // Noise is nothing like the discs: `score` reads the file beside the weights.
    let noise = root.join("noise.png");
    let mut rng = realnvp::rng::SeededRng::new(1);
    RgbImage::from_fn(16, 16, |_, _| {
        Rgb([0, 1, 2].map(|_| (rng.uniform() * 255.0) as u8))
    })
    .save(&noise)
    .unwrap();
    let out = run(bin()
        .args(["score", "--json", "--weights"])
        .arg(&weights)
        .arg(&noise));
    assert!(out.status.success());
    assert_eq!(
        json_lines(&out)[0]["face_likeness"]["verdict"],
        "not_a_face"
    );
    let _ = std::fs::remove_dir_all(&root);
}
