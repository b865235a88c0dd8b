//! Exactness of the Winograd convolutions on the shipped model (issue 23): against the
//! im2col kernel they replace, scores agree within 1e-4 bits/dim and sampled faces within
//! one level per sub-pixel, on synthetic images always and on faces of this repository's
//! own validation split (people the model never trained on) where `../shared/data/faces`
//! is present.

#![cfg(not(target_family = "wasm"))]

mod common;

use std::path::Path;

use common::{random_pixels, values};
use realnvp::image::{model_input, to_tensor};
use realnvp::model::cpu_conv::CpuConv;
use realnvp::train::data::{find_images, is_validation};
use realnvp::weights::load_model;
use realnvp::{RealNvp, device::cpu};

const WEIGHTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/model-weights/faces64.safetensors"
);
const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/faces");

/// Validation faces taken, spread over the split.
const FACES_TAKEN: usize = 24;

fn shipped(conv: CpuConv) -> RealNvp {
    let bytes = std::fs::read(WEIGHTS).expect("the shipped weights are committed");
    load_model(&bytes, &cpu())
        .expect("shipped weights load")
        .model
        .fold_weight_norm_with(conv)
}

/// Every k-th validation face, as model input (HWC bytes); none where the data is absent.
fn validation_faces(size: usize) -> Vec<Vec<u8>> {
    let root = Path::new(FACES);
    if !root.is_dir() {
        eprintln!("{FACES} absent: synthetic images only");
        return Vec::new();
    }
    let files: Vec<_> = find_images(root)
        .expect("the face folder lists")
        .into_iter()
        .filter(|p| is_validation(p))
        .collect();
    let step = (files.len() / FACES_TAKEN).max(1);
    files
        .iter()
        .step_by(step)
        .take(FACES_TAKEN)
        .filter_map(|p| model_input(&std::fs::read(p).ok()?, size).ok())
        .collect()
}

/// Uniform noise, flat grey, and smooth gradients: far from faces, where the flow's
/// activations are largest.
fn synthetic(size: usize) -> Vec<Vec<u8>> {
    let noise = values(random_pixels([2, 3, size, size], 7, &cpu()));
    let plane = 3 * size * size;
    let mut images: Vec<Vec<u8>> = noise
        .chunks_exact(plane)
        .map(|chw| {
            (0..plane)
                .map(|i| {
                    let (pixel, c) = (i / 3, i % 3);
                    chw[c * size * size + pixel].clamp(0.0, 255.0) as u8
                })
                .collect()
        })
        .collect();
    images.push(vec![128; plane]);
    images.push(
        (0..plane)
            .map(|i| ((i / 3 % size + i / 3 / size) * 255 / (2 * size - 2)) as u8)
            .collect(),
    );
    images
}

fn bits_per_dim(model: &RealNvp, images: &[Vec<u8>]) -> Vec<f32> {
    let size = model.config().image_size;
    values(
        model
            .score(to_tensor(images, size, &model.device()))
            .bits_per_dim,
    )
}

#[test]
fn winograd_scores_and_samples_match_im2col_on_the_shipped_model() {
    let reference = shipped(CpuConv::Im2col);
    let size = reference.config().image_size;
    let faces = validation_faces(size);
    let mut images = synthetic(size);
    images.extend(faces.iter().cloned());
    let want = bits_per_dim(&reference, &images);
    let samples_want = values(reference.sample(6, 0.7, 11));
    for conv in [CpuConv::Winograd2, CpuConv::Winograd4] {
        let model = shipped(conv);
        let got = bits_per_dim(&model, &images);
        let worst = want
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!(
            "{conv:?}: {} images ({} validation faces), bits/dim differ by at most {worst:.2e}",
            images.len(),
            faces.len()
        );
        assert!(worst <= 1e-4, "{conv:?}: bits/dim off by {worst}");
        let samples = values(model.sample(6, 0.7, 11));
        let diffs: Vec<f32> = samples_want
            .iter()
            .zip(&samples)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let off = diffs.iter().filter(|&&d| d > 0.0).count();
        let largest = diffs.iter().fold(0f32, |m, &d| m.max(d));
        eprintln!(
            "{conv:?}: {off} of {} sampled sub-pixels differ, by at most {largest}",
            diffs.len()
        );
        assert!(
            largest <= 1.0,
            "{conv:?}: a sampled sub-pixel moved {largest} levels"
        );
    }
}
