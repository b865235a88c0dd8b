//! `realnvp train`: validation bits/dim falls; a stopped run resumes to the same tensors.

use std::path::Path;
use std::process::Command;

use super::{TINY_MODEL, bin, make_images, run, temp_dir};

fn train_args(data: &Path, out: &Path, epochs: usize) -> Command {
    let mut cmd = bin();
    cmd.args(["train", "--quiet"])
        .args(TINY_MODEL)
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
    let _ = std::fs::remove_dir_all(&root);
}
