//! Where the bits go (`RealNvp::bits_map`): the map accounts for the whole score, and every
//! term lands on the pixels it belongs to.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use burn::tensor::{Tensor, TensorData};
use common::*;
use realnvp::RealNvpConfig;
use realnvp::model::CostMap;
use realnvp::weights::load_model;

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-9)
}

#[test]
fn the_map_and_its_scales_sum_to_the_score_on_random_weights() {
    let device = cpu();
    let config = small_config(16);
    let model = perturb(config.init_seeded(5, &device), 6, 0.2);
    let pixels = random_pixels([2, 3, 16, 16], 7, &device);
    let score = model.score(pixels.clone());
    let map = model.bits_map(pixels);
    let dims = config.dims() as f64;
    let bpd = values(score.bits_per_dim);
    let totals = values(map.total.clone());
    for (i, b) in bpd.iter().enumerate() {
        let sum: f64 = totals[i * 256..(i + 1) * 256]
            .iter()
            .map(|&v| v as f64)
            .sum();
        let want = *b as f64 * dims;
        assert!(relative(sum, want) < 1e-4, "image {i}: map {sum} vs {want}");
    }
    let mut scales_sum = vec![0.0f64; totals.len()];
    for (s, (part, scale_map)) in score
        .per_scale_bits_per_dim
        .into_iter()
        .zip(map.per_scale)
        .enumerate()
    {
        let part = values(part);
        let scale_map = values(scale_map);
        for i in 0..2 {
            let sum: f64 = scale_map[i * 256..(i + 1) * 256]
                .iter()
                .map(|&v| v as f64)
                .sum();
            let want = part[i] as f64 * dims;
            // Relative to the whole score: a scale's part can be near zero.
            assert!(
                (sum - want).abs() < 1e-4 * bpd[i] as f64 * dims,
                "image {i} scale {s}: map {sum} vs {want}"
            );
        }
        for (acc, v) in scales_sum.iter_mut().zip(scale_map) {
            *acc += v as f64;
        }
    }
    for (a, t) in scales_sum.iter().zip(&totals) {
        assert!((a - *t as f64).abs() < 1e-3, "scales sum {a} vs map {t}");
    }
}

#[test]
fn a_cell_is_shared_evenly_by_the_pixels_of_its_block() {
    let device = cpu();
    // A 2x2 map of an 8-pixel-wide image: cells of 4x4 pixels; one term planted at (1, 0).
    let mut cells = vec![0.0f32; 4];
    cells[2] = 32.0;
    let map = CostMap::new(
        Tensor::from_data(TensorData::new(cells, [1, 2, 2]), &device),
        8,
    );
    assert_eq!(map.block, 4);
    let pixels = values(map.per_pixel());
    for r in 0..8 {
        for c in 0..8 {
            let want = if r >= 4 && c < 4 { 2.0 } else { 0.0 };
            assert_eq!(pixels[r * 8 + c], want, "pixel ({r}, {c})");
        }
    }
    assert_eq!(values(map.total()), [32.0]);
}

#[test]
fn a_changed_sub_pixel_moves_bits_only_inside_the_block_of_its_latent() {
    // Fresh weights: every coupling is the identity and batch norm is one affine map per
    // channel, so a sub-pixel reaches exactly one latent element. Where the squeezes put
    // that element decides which block of pixels its prior term is shared by.
    let device = cpu();
    let size = 16;
    let config = RealNvpConfig::new()
        .with_image_size(size)
        .with_num_scales(3)
        .with_width(4)
        .with_blocks(1);
    let model = config.init(&device);
    let base = random_pixels([1, 3, size, size], 11, &device);
    let base_latents: Vec<Vec<f32>> = model.encode(base.clone()).into_iter().map(values).collect();
    let base_map = values(model.bits_map(base.clone()).total);
    let mut blocks_seen = std::collections::BTreeSet::new();
    for (ch, r, c) in [
        (0, 5, 2),
        (1, 0, 15),
        (2, 9, 9),
        (0, 14, 7),
        (1, 3, 12),
        (2, 12, 1),
    ] {
        let mut data = values(base.clone());
        let at = (ch * size + r) * size + c;
        data[at] = (data[at] + 128.0) % 256.0;
        let changed = Tensor::<4>::from_data(TensorData::new(data, [1, 3, size, size]), &device);
        // The one latent element that moved, and its cell.
        let mut moved = Vec::new();
        for (s, z) in model.encode(changed.clone()).into_iter().enumerate() {
            let [_, zc, zh, zw] = z.dims();
            for (k, (a, b)) in values(z).iter().zip(&base_latents[s]).enumerate() {
                if (a - b).abs() > 1e-4 {
                    moved.push((s, k / (zh * zw) % zc, k / zw % zh, k % zw, size / zh));
                }
            }
        }
        assert_eq!(moved.len(), 1, "pixel ({ch}, {r}, {c}) moved {moved:?}");
        let (scale, _, i, j, block) = moved[0];
        assert!(
            (i * block..(i + 1) * block).contains(&r) && (j * block..(j + 1) * block).contains(&c),
            "pixel ({r}, {c}) went to scale {scale} cell ({i}, {j}) of {block}x{block} pixels"
        );
        blocks_seen.insert(block);
        let map = values(model.bits_map(changed).total);
        let mut inside = Vec::new();
        for y in 0..size {
            for x in 0..size {
                let d = map[y * size + x] - base_map[y * size + x];
                let in_block = y / block == i && x / block == j;
                if !in_block {
                    assert!(
                        d.abs() < 1e-3,
                        "pixel ({y}, {x}) outside the block changed by {d}"
                    );
                } else if (y, x) != (r, c) {
                    inside.push(d);
                }
            }
        }
        // The prior's change is shared evenly; only the changed pixel adds its Jacobian.
        assert!(
            inside
                .iter()
                .all(|d| (d - inside[0]).abs() < 1e-3 && d.abs() > 1e-3)
        );
    }
    assert!(
        blocks_seen.len() >= 2,
        "the cases must reach several scales: {blocks_seen:?}"
    );
}

const SHIPPED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/model-weights/faces64.safetensors"
);

#[test]
fn on_the_shipped_model_a_noisy_half_holds_most_of_the_bits() {
    let device = cpu();
    let bytes = std::fs::read(SHIPPED).expect("model-weights/faces64.safetensors is committed");
    let model = load_model(&bytes, &device)
        .expect("shipped weights load")
        .model
        .fold_weight_norm();
    let size = model.config().image_size;
    let face = model.sample(1, 0.7, 3);
    let half = size / 2;
    // The right half of the face replaced by uniform noise.
    let mut data = values(face.clone());
    let noise = values(random_pixels([1, 3, size, size], 4, &device));
    for ch in 0..3 {
        for y in 0..size {
            for x in half..size {
                let at = (ch * size + y) * size + x;
                data[at] = noise[at];
            }
        }
    }
    let noisy = Tensor::<4>::from_data(TensorData::new(data, [1, 3, size, size]), &device);
    for (label, pixels, noisy_half) in [("face", face, false), ("half noise", noisy, true)] {
        let bpd = values(model.score(pixels.clone()).bits_per_dim)[0] as f64;
        let map = values(model.bits_map(pixels).total);
        let sum: f64 = map.iter().map(|&v| v as f64).sum();
        let want = bpd * (3 * size * size) as f64;
        assert!(relative(sum, want) < 1e-4, "{label}: map {sum} vs {want}");
        if noisy_half {
            let right: f64 = (0..size)
                .flat_map(|y| (half..size).map(move |x| y * size + x))
                .map(|k| map[k] as f64)
                .sum();
            assert!(
                right > 0.75 * sum,
                "{label}: the noisy half holds {right} of {sum} bits"
            );
        } else {
            assert!(
                (1.0..5.0).contains(&bpd),
                "{label}: a sampled face scores {bpd} bits/dim"
            );
        }
    }
}
