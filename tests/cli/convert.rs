//! `realnvp convert`: an int8 file from the fixture, its stats measured again (never copied),
//! and `evaluate --compare` scoring both on the same images.

use super::{bin, fixture_weights, json_lines, make_images, run, temp_dir};

#[test]
fn convert_writes_int8_with_its_own_stats_and_evaluate_compares_the_two() {
    let root = temp_dir("convert");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    make_images(&data, 240);
    let out = root.join("int8.safetensors");
    let done = run(bin()
        .args(["convert", "--precision", "int8"])
        .arg("--weights")
        .arg(fixture_weights())
        .arg("--out")
        .arg(&out)
        .arg("--data")
        .arg(&data)
        .arg("--cache")
        .arg(root.join("cache")));
    assert!(done.status.success(), "{done:?}");
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        said.contains("int8-v") && said.contains("validation"),
        "{said}"
    );
    let bytes = std::fs::read(&out).unwrap();
    let input = std::fs::read(fixture_weights()).unwrap();
    assert!(
        bytes.len() * 2 < input.len(),
        "{} vs {}",
        bytes.len(),
        input.len()
    );
    let (_, stats) = realnvp::weights::read_header(&bytes).unwrap();
    let stats: serde_json::Value = serde_json::from_str(&stats.unwrap()).unwrap();
    let images = stats["val_images"].as_u64().unwrap();
    assert!(images > 0, "{stats}");
    assert_eq!(stats["val_bpd_quantiles"].as_object().unwrap().len(), 9);
    let parts: f64 = stats["val_per_scale"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    let val_bpd = stats["val_bpd"].as_f64().unwrap();
    assert!((parts - val_bpd).abs() < 1e-4, "{stats}");
    assert!(
        stats.get("train_bpd").is_none(),
        "nothing is copied: {stats}"
    );

    // The same number from `evaluate` on the new file, and the old one beside it.
    let done = run(bin()
        .arg("evaluate")
        .arg("--weights")
        .arg(&out)
        .arg("--compare")
        .arg(fixture_weights())
        .arg("--data")
        .arg(&data)
        .arg("--cache")
        .arg(root.join("cache")));
    assert!(done.status.success(), "{done:?}");
    let line = &json_lines(&done)[0];
    assert_eq!(line["images"].as_u64(), Some(images));
    assert!((line["bits_per_dim"].as_f64().unwrap() - val_bpd).abs() < 1e-9);
    let compare = &line["compare"];
    let difference = compare["difference"].as_f64().unwrap();
    let max = compare["max_abs_image_difference"].as_f64().unwrap();
    let mean = compare["mean_abs_image_difference"].as_f64().unwrap();
    // The accuracy itself is tests/weights.rs's; here the fields must hang together. This
    // fixture's filters have 72 taps (the shipped model's 576) and the discs are far from
    // anything it saw, so it moves more: 0.015 bits/dim mean, 0.032 at most, of 10.8 (every
    // face up, so the mean difference and the mean of its size agree to rounding).
    assert!(
        difference.abs() <= mean + 1e-12 && mean <= max && max < 0.1,
        "{line}"
    );

    // Without data: no stats at all rather than the input's.
    let bare = root.join("bare.safetensors");
    let done = run(bin()
        .args(["convert", "--precision", "f16", "--no-stats"])
        .arg("--weights")
        .arg(fixture_weights())
        .arg("--out")
        .arg(&bare));
    assert!(done.status.success(), "{done:?}");
    let (_, stats) = realnvp::weights::read_header(&std::fs::read(&bare).unwrap()).unwrap();
    assert_eq!(stats, None);
    // Converting a file onto itself is refused.
    let done = run(bin()
        .args(["convert", "--precision", "int8", "--no-stats"])
        .arg("--weights")
        .arg(&out)
        .arg("--out")
        .arg(&out));
    assert_eq!(done.status.code(), Some(2), "{done:?}");
    let _ = std::fs::remove_dir_all(&root);
}
