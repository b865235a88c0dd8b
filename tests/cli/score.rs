//! `realnvp score`: good and bad files one line each, in order; the bits map accounts for
//! the whole score; the heat-map figure.

use std::path::Path;

use image::{Rgb, RgbImage};

use super::{FIXTURE_SIZE, bin, fixture_weights, json_lines, run, temp_dir};

#[test]
fn score_reports_every_file_and_bad_ones_one_line_each() {
    let root = temp_dir("score");
    let good = root.join("good.png");
    // 20x16: the centred square crop matters.
    RgbImage::from_fn(20, 16, |x, y| Rgb([(x * 12) as u8, (y * 15) as u8, 120]))
        .save(&good)
        .unwrap();
    std::fs::write(root.join("empty.jpg"), b"").unwrap();
    std::fs::write(root.join("text.png"), b"just some text").unwrap();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&RgbImage::from_pixel(32, 32, Rgb([9, 99, 199])))
        .unwrap();
    std::fs::write(root.join("truncated.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    let files = [
        good.clone(),
        root.join("empty.jpg"),
        root.join("text.png"),
        root.join("truncated.jpg"),
        root.join("missing.png"),
    ];
    let out = run(bin()
        .args(["score", "--json", "--weights"])
        .arg(fixture_weights())
        .args(&files));
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), files.len());
    let bpd = lines[0]["bits_per_dim"].as_f64().unwrap();
    assert!(bpd > 0.5 && bpd < 12.0, "{bpd}");
    assert_eq!(lines[0]["resolution"], FIXTURE_SIZE);
    let png = lines[0]["png_bits_per_dim"].as_f64().unwrap();
    assert!(png > 0.0 && png < 24.0, "{png}");
    let parts: Vec<f64> =
        serde_json::from_value(lines[0]["per_scale_bits_per_dim"].clone()).unwrap();
    assert_eq!(parts.len(), 3);
    assert!((parts.iter().sum::<f64>() - bpd).abs() < 1e-3);
    // A JPEG cut this early fails inside the decoder; a longer one at the end-marker check.
    let reasons: [&[&str]; 4] = [
        &["empty"],
        &["not an image"],
        &["could not be decoded", "cut short"],
        &["cannot read"],
    ];
    for (line, why) in lines[1..].iter().zip(reasons) {
        let error = line["error"].as_str().unwrap_or_default();
        assert!(why.iter().any(|w| error.contains(w)), "{line}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_bits_map_sums_to_the_score_and_the_heatmap_is_drawn() {
    let root = temp_dir("bits-map");
    let photo = root.join("photo.png");
    RgbImage::from_fn(24, 24, |x, y| Rgb([(x * 9) as u8, 200 - (y * 7) as u8, 60]))
        .save(&photo)
        .unwrap();
    let out = run(bin()
        .args(["score", "--json", "--bits-map", "--weights"])
        .arg(fixture_weights())
        .arg(&photo));
    assert!(out.status.success());
    let line = &json_lines(&out)[0];
    let map: Vec<Vec<f64>> = serde_json::from_value(line["bits_map"].clone()).unwrap();
    let side = FIXTURE_SIZE as usize;
    assert_eq!((map.len(), map[0].len()), (side, side));
    let sum: f64 = map.iter().flatten().sum();
    let want = line["bits_per_dim"].as_f64().unwrap() * 3.0 * (side * side) as f64;
    // bits/dim is printed to 4 decimals: 5e-5 x 768 dims, plus the map's own rounding.
    assert!(
        (sum - want).abs() < 0.05 + 1e-4 * want,
        "map {sum} vs {want}"
    );
    let figure = root.join("where.png");
    let out = run(bin()
        .args(["score", "--weights"])
        .arg(fixture_weights())
        .arg("--heatmap")
        .arg(&figure)
        .arg(&photo));
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
        .arg(fixture_weights())
        .arg("--heatmap")
        .arg(&figure)
        .args([&photo, &photo]));
    assert!(!two.status.success());
    assert!(String::from_utf8_lossy(&two.stderr).contains("exactly one file"));
    let no_json = run(bin().args(["score", "--bits-map"]).arg(&photo));
    assert!(!no_json.status.success());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn gif_bmp_and_tiff_score_as_their_png_and_heic_is_named() {
    let root = temp_dir("formats");
    // 192 colours: GIF's palette holds them exactly.
    let img = RgbImage::from_fn(16, 12, |x, y| Rgb([(x * 16) as u8, (y * 20) as u8, 90]));
    let names = ["same.png", "same.gif", "same.bmp", "same.tiff"];
    for name in names {
        img.save(root.join(name)).unwrap();
    }
    // A HEIC file's first box, as an iPhone writes it.
    let mut heic = 24u32.to_be_bytes().to_vec();
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    std::fs::write(root.join("phone.heic"), &heic).unwrap();
    let out = run(bin()
        .args(["score", "--json", "--weights"])
        .arg(fixture_weights())
        .args(names.map(|n| root.join(n)))
        .arg(root.join("phone.heic")));
    assert_eq!(out.status.code(), Some(1), "the HEIC file fails");
    let lines = json_lines(&out);
    let png = lines[0]["bits_per_dim"].as_f64().unwrap();
    for line in &lines[1..4] {
        assert_eq!(line["bits_per_dim"].as_f64(), Some(png), "{line}");
    }
    let error = lines[4]["error"].as_str().unwrap_or_default();
    assert!(error.contains("HEIC") && error.contains("JPEG"), "{error}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn face_likeness_comes_with_the_shipped_model_and_refuses_other_weights() {
    let root = temp_dir("likeness");
    let blank = root.join("wall.png");
    RgbImage::from_pixel(80, 80, Rgb([200, 190, 170]))
        .save(&blank)
        .unwrap();
    // The shipped model and its face_likeness.json (the defaults).
    let out = run(bin().args(["score", "--json"]).arg(&blank));
    assert!(out.status.success());
    let likeness = &json_lines(&out)[0]["face_likeness"];
    assert_eq!(likeness["verdict"], "not_a_face", "{likeness}");
    assert_eq!(likeness["says"], "probably not a face");
    assert_eq!(likeness["percentile"], 0.0);
    // Weights without a calibration beside them: scores, no verdict, a note saying why.
    let out = run(bin()
        .args(["score", "--json", "--weights"])
        .arg(fixture_weights())
        .arg(&blank));
    assert!(out.status.success());
    assert!(json_lines(&out)[0].get("face_likeness").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("realnvp likeness --write"));
    // The shipped calibration with other weights: refused, by name.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("model-weights/face_likeness.json");
    let out = run(bin()
        .args(["score", "--weights"])
        .arg(fixture_weights())
        .arg("--likeness")
        .arg(&shipped)
        .arg(&blank));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("made for other weights"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&root);
}
