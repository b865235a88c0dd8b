//! Face-likeness on the shipped model with its shipped calibration: the synthetic
//! non-faces that fool raw bits/dim (blank, gradients, noise, textures, enlarged tiny
//! images) are each called "probably not a face", and the file refuses other weights.

#![cfg(not(target_family = "wasm"))]

use realnvp::image::{Crop, Decoded};
use realnvp::inference::{block_on, decode_faces, sampled_latents, score_crops};
use realnvp::likeness::{Calibration, Verdict, synthetic};
use realnvp::weights::load_model;
use realnvp::{RealNvp, device::cpu};

const WEIGHTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/model-weights/faces64.safetensors"
);
const LIKENESS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/model-weights/face_likeness.json"
);

fn shipped() -> (RealNvp, Calibration) {
    let weights = std::fs::read(WEIGHTS).expect("the shipped weights are committed");
    let json = std::fs::read(LIKENESS).expect("face_likeness.json is committed");
    let calibration = Calibration::from_json(&json, &weights).expect("made for these weights");
    let model = load_model(&weights, &cpu())
        .expect("shipped weights load")
        .model
        .fold_weight_norm();
    (model, calibration)
}

fn verdicts(model: &RealNvp, calibration: &Calibration, crops: &[Crop]) -> Vec<(Verdict, f64)> {
    let size = model.config().image_size;
    block_on(score_crops(model, crops, false))
        .expect("scores")
        .iter()
        .zip(crops)
        .map(|(score, crop)| {
            let j = calibration
                .judge(score, crop.png_bits_per_dim(size))
                .expect("same model");
            (j.verdict, j.distance)
        })
        .collect()
}

#[test]
fn synthetic_non_faces_are_called_not_a_face() {
    let (model, calibration) = shipped();
    let size = model.config().image_size;
    let made = synthetic::non_faces(2, 99);
    let crops: Vec<Crop> = made
        .iter()
        .map(|(_, image)| Crop::centred(&Decoded::from_rgb(image.clone()), size).unwrap())
        .collect();
    for ((kind, _), (verdict, distance)) in made.iter().zip(verdicts(&model, &calibration, &crops))
    {
        assert_eq!(verdict, Verdict::NotAFace, "{kind}: distance {distance:.1}");
    }
}

/// Samples at temperature 1 have the faces' pattern of terms; at 0.7 they are far more
/// likely than any real face, which is itself atypical: "probably not a face".
#[test]
fn samples_at_temperature_one_pass_and_at_0_7_are_too_likely() {
    let (model, calibration) = shipped();
    let size = model.config().image_size;
    for t in [1.0f32, 0.7] {
        let latents = sampled_latents(&model, 6, t, 5, 0, 6).unwrap();
        let crops: Vec<Crop> = block_on(decode_faces(&model, latents))
            .unwrap()
            .into_iter()
            .map(|rgb| {
                let img = image::RgbImage::from_raw(size as u32, size as u32, rgb).unwrap();
                Crop::centred(&Decoded::from_rgb(img), size).unwrap()
            })
            .collect();
        for (verdict, distance) in verdicts(&model, &calibration, &crops) {
            if t == 1.0 {
                assert_ne!(verdict, Verdict::NotAFace, "T=1: distance {distance:.1}");
            } else {
                assert_eq!(verdict, Verdict::NotAFace, "T=0.7: distance {distance:.1}");
            }
        }
    }
}

#[test]
fn the_calibration_refuses_other_weights() {
    let json = std::fs::read(LIKENESS).unwrap();
    let err = Calibration::from_json(&json, b"other weights").unwrap_err();
    assert!(err.contains("other weights"), "{err}");
    assert!(Calibration::from_json(b"{}", &std::fs::read(WEIGHTS).unwrap()).is_err());
}
