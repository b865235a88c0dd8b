//! Bad weight files and flags: one-line errors, exit status 2, no panic.

use super::{bin, run, temp_dir};

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
    let _ = std::fs::remove_dir_all(&root);
}
