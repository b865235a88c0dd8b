//! `realnvp bench`: one JSON line of images/s; the architecture flags are the model config's.

use super::{TINY_MODEL, bin, json_lines, run};

#[test]
fn bench_times_a_small_model_and_says_how_it_ran() {
    let out = run(bin()
        .args(["bench", "--inference-only"])
        .args(TINY_MODEL)
        .args([
            "--batch",
            "2",
            "--seconds",
            "0.2",
            "--warmup",
            "0",
            "--threads",
            "1",
        ]));
    assert!(out.status.success(), "{out:?}");
    let line = &json_lines(&out)[0];
    assert_eq!(line["threads"], 1, "{line}");
    assert_eq!(line["folded"], true, "{line}");
    for key in ["forward_img_s", "inverse_img_s"] {
        assert!(line[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {line}");
    }
    assert!(
        line["train_img_s"].is_null(),
        "--inference-only trains nothing: {line}"
    );
    assert_eq!(line["config"]["width"], 8, "{line}");
    // A config the model cannot build is refused before anything runs.
    let bad = run(bin().args(["bench", "--image-size", "10", "--num-scales", "3"]));
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}
