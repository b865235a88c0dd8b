//! Whole-model and per-layer properties: exact inverses and log-determinants checked
//! against brute-force Jacobians, and bits/dim.
// Native only: `wasm-pack test` builds every test target for wasm; tests/wasm.rs is the
// browser's test file.
#![cfg(not(target_family = "wasm"))]

mod common;

use burn::tensor::{Tensor, TensorData};
use common::*;
use realnvp::RealNvpConfig;
use realnvp::model::batch_norm::FlowBatchNorm;
use realnvp::model::coupling::{Coupling, CouplingSpec};
use realnvp::model::cpu_conv::CpuConv;
use realnvp::model::mask::MaskKind;
use realnvp::model::preprocess::{to_logit, to_pixels};
use realnvp::model::squeeze::{squeeze, unsqueeze};
use realnvp::model::wn_conv::WeightInit;

fn tiny_config() -> RealNvpConfig {
    RealNvpConfig::new()
        .with_image_size(4)
        .with_num_scales(2)
        .with_width(8)
        .with_blocks(1)
}

fn coupling(
    kind: MaskKind,
    parity: usize,
    channels: usize,
    device: &burn::tensor::Device,
) -> Coupling {
    let spec = CouplingSpec {
        kind,
        parity,
        channels,
        width: 8,
        blocks: 1,
    };
    let mut init = WeightInit::Random(realnvp::rng::SeededRng::new(11 + parity as u64));
    perturb(
        Coupling::new(spec, &mut init, device),
        5 + parity as u64,
        0.3,
    )
}

const COUPLINGS: [(MaskKind, usize, usize); 4] = [
    (MaskKind::Checkerboard, 0, 3),
    (MaskKind::Checkerboard, 1, 3),
    (MaskKind::Channel, 0, 4),
    (MaskKind::Channel, 1, 4),
];

#[test]
fn coupling_inverts_and_is_not_identity() {
    let device = cpu();
    for (kind, parity, c) in COUPLINGS {
        let layer = coupling(kind, parity, c, &device);
        let x = random_input([2, c, 4, 4], 1, &device);
        let (y, _) = layer.forward(x.clone());
        assert!(
            max_abs_diff(x.clone(), y.clone()) > 1e-2,
            "{kind:?}/{parity}: random weights must change x"
        );
        let err = max_abs_diff(layer.inverse(y), x);
        assert!(err <= 1e-4, "{kind:?}/{parity}: inverse error {err}");
    }
}

#[test]
fn coupling_logdet_matches_brute_force() {
    let device = autodiff_cpu();
    for (kind, parity, c) in COUPLINGS {
        let layer = coupling(kind, parity, c, &device);
        let x = random_input([1, c, 4, 4], 2, &device);
        let claimed = values(layer.forward(x.clone()).1)[0] as f64;
        let brute = brute_force_logdet(|x| flat(layer.forward(x).0), x);
        assert!(
            (claimed - brute).abs() <= 1e-3,
            "{kind:?}/{parity}: {claimed} vs {brute}"
        );
    }
}

#[test]
fn batch_norm_eval_inverts_and_logdet_matches() {
    let device = autodiff_cpu();
    let bn = eval_flags(perturb(FlowBatchNorm::new(3, 1e-4, 0.05, &device), 3, 0.3));
    let x = random_input([1, 3, 4, 4], 3, &device);
    let (y, ld) = bn.forward(x.clone());
    assert!(max_abs_diff(bn.inverse(y), x.clone()) <= 1e-4);
    let brute = brute_force_logdet(|x| flat(bn.forward(x).0), x);
    let claimed = values(ld)[0] as f64;
    assert!((claimed - brute).abs() <= 1e-3, "{claimed} vs {brute}");
}

#[test]
fn batch_norm_training_uses_batch_statistics_and_updates_running_averages() {
    let device = autodiff_cpu();
    let bn = FlowBatchNorm::new(2, 1e-4, 0.5, &device);
    let x = random_input([8, 2, 4, 4], 4, &device) * 3.0 + 5.0;
    let (y, ld) = bn.forward(x.clone());
    let y = values(y.swap_dims(0, 1).reshape([2, 128]));
    for ch in 0..2 {
        let v = &y[ch * 128..(ch + 1) * 128];
        let mean = v.iter().sum::<f32>() / 128.0;
        let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / 128.0;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
            "channel {ch}: mean {mean} var {var}"
        );
    }
    // log-det = -0.5 * H*W * sum ln(var + eps), the same for every image, about -16 ln 3 per channel.
    let ld = values(ld);
    assert!(ld.iter().all(|&v| (v - ld[0]).abs() < 1e-4));
    assert!((ld[0] + 2.0 * 16.0 * 3f32.ln()).abs() < 2.0, "{}", ld[0]);
    // Running mean moved half way (momentum 0.5) towards the batch mean of about 5.
    use burn::module::Module;
    let running = values(bn.valid().running_mean.value());
    assert!(
        running.iter().all(|&m| (m - 2.5).abs() < 0.6),
        "{running:?}"
    );
}

#[test]
fn squeeze_layout_and_round_trip() {
    let device = cpu();
    let x = Tensor::<4>::from_data(
        TensorData::new((0..2 * 4 * 4).map(|v| v as f32).collect(), [1, 2, 4, 4]),
        &device,
    );
    let s = squeeze(x.clone());
    assert_eq!(s.dims(), [1, 8, 2, 2]);
    let v = values(s.clone());
    // output channel (dy*2+dx)*C + c at (i, j) holds input (c, 2i+dy, 2j+dx)
    for dy in 0..2 {
        for dx in 0..2 {
            for c in 0..2 {
                for i in 0..2 {
                    for j in 0..2 {
                        let out = ((dy * 2 + dx) * 2 + c) * 4 + i * 2 + j;
                        let inp = c * 16 + (2 * i + dy) * 4 + 2 * j + dx;
                        assert_eq!(v[out], inp as f32);
                    }
                }
            }
        }
    }
    assert_eq!(max_abs_diff(unsqueeze(s), x), 0.0);
}

#[test]
fn preprocessing_round_trips_pixels_and_its_logdet_matches() {
    let device = autodiff_cpu();
    let alpha = 0.05;
    let pixels = Tensor::<4>::from_data(
        TensorData::new((0..48).map(|v| (v * 5 + 2) as f32).collect(), [1, 3, 4, 4]),
        &device,
    );
    let noise = pixels.zeros_like().add_scalar(0.5);
    let (z, ld) = to_logit(pixels.clone(), noise.clone(), alpha);
    assert_eq!(max_abs_diff(to_pixels(z, alpha), pixels.clone()), 0.0);
    // log-det is w.r.t. x' = (x+u)/256: d/dx' = 256 * d/dpixel.
    let brute = brute_force_logdet(|p| flat(to_logit(p, noise.clone(), alpha).0), pixels)
        + 48.0 * 256f64.ln();
    let claimed = values(ld)[0] as f64;
    assert!((claimed - brute).abs() <= 1e-3, "{claimed} vs {brute}");
}

#[test]
fn whole_model_inverts() {
    let device = cpu();
    for config in [tiny_config(), small_config(16)] {
        let model = perturb(config.init_seeded(1, &device), 9, 0.2);
        let s = config.image_size;
        let x = random_input([2, 3, s, s], 7, &device);
        let latents = model.forward(x.clone()).latents;
        for (z, [c, h, w]) in latents.iter().zip(config.latent_shapes()) {
            assert_eq!(z.dims(), [2, c, h, w]);
        }
        let err = max_abs_diff(model.inverse(latents), x);
        assert!(err <= 1e-4, "image_size {s}: inverse error {err}");
    }
}

#[test]
fn whole_model_logdet_matches_brute_force_including_logit_jacobian() {
    let device = autodiff_cpu();
    let config = tiny_config();
    let model = eval_flags(perturb(config.init_seeded(2, &device), 10, 0.2));
    let pixels = random_pixels([1, 3, 4, 4], 8, &device);
    let noise = pixels.zeros_like().add_scalar(0.5);
    let alpha = config.logit_alpha;
    let all_latents = |p: Tensor<4>| {
        let (z, _) = to_logit(p, noise.clone(), alpha);
        Tensor::cat(model.forward(z).latents.into_iter().map(flat).collect(), 0)
    };
    let brute = brute_force_logdet(all_latents, pixels.clone()) + 48.0 * 256f64.ln();
    let (z, ld_pre) = to_logit(pixels, noise, alpha);
    let out = model.forward(z);
    let claimed = values(ld_pre)[0] as f64
        + out
            .logdet_totals()
            .into_iter()
            .map(|l| values(l)[0] as f64)
            .sum::<f64>();
    assert!((claimed - brute).abs() <= 1e-3, "{claimed} vs {brute}");
}

#[test]
fn bits_per_dim_and_its_scales_match_hand_computation_for_identity_couplings() {
    // Fresh weights: every coupling is the identity and every batch norm (running mean 0,
    // var 1, gamma 1) scales by k = (1+eps)^(-1/2). A constant image then has a closed form.
    let device = cpu();
    let config = RealNvpConfig::new()
        .with_image_size(8)
        .with_num_scales(3)
        .with_width(4)
        .with_blocks(1);
    let model = config.init(&device);
    let value = 100.0f64;
    let a = config.logit_alpha;
    let y = a + (1.0 - 2.0 * a) * (value + 0.5) / 256.0;
    let z0 = (y / (1.0 - y)).ln();
    let ln_k = -0.5 * (1.0 + config.bn_eps).ln();
    let d = config.dims() as f64;
    let nats_to_bits_per_dim = |nats: f64| nats / (d * 2f64.ln());
    // Scale i: the prior of its latent and the log-det of its steps over every element it
    // transforms (d / 2^i of them); scale 0 also the logit Jacobian and the 8-bit bins.
    let mut expected_parts = Vec::new();
    let mut steps_so_far = 0.0;
    for (i, [c, h, w]) in config.latent_shapes().into_iter().enumerate() {
        let steps = if i + 1 == config.num_scales { 4.0 } else { 6.0 };
        steps_so_far += steps;
        let n = (c * h * w) as f64;
        let zi = z0 * (steps_so_far * ln_k).exp();
        let transformed = d / 2f64.powi(i as i32);
        let mut nats =
            0.5 * n * (zi * zi + (2.0 * std::f64::consts::PI).ln()) - transformed * steps * ln_k;
        if i == 0 {
            nats += d * 256f64.ln() - d * ((1.0 - 2.0 * a).ln() - y.ln() - (1.0 - y).ln());
        }
        expected_parts.push(nats_to_bits_per_dim(nats));
    }
    let expected: f64 = expected_parts.iter().sum();
    let pixels = Tensor::<4>::full([1, 3, 8, 8], value, &device);
    let score = model.score(pixels);
    let got = values(score.bits_per_dim)[0] as f64;
    assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
    for (s, (part, want)) in score
        .per_scale_bits_per_dim
        .into_iter()
        .zip(&expected_parts)
        .enumerate()
    {
        let part = values(part)[0] as f64;
        assert!((part - want).abs() < 1e-4, "scale {s}: {part} vs {want}");
    }
}

#[test]
fn batch_score_equals_single_scores() {
    let device = cpu();
    let config = small_config(8);
    let model = perturb(config.init_seeded(3, &device), 12, 0.2);
    let pixels = random_pixels([3, 3, 8, 8], 9, &device);
    let total = values(model.score(pixels.clone()).bits_per_dim);
    for (i, t) in total.iter().enumerate() {
        let alone = values(model.score(pixels.clone().narrow(0, i, 1)).bits_per_dim)[0];
        assert!(
            (alone - t).abs() < 1e-5,
            "image {i}: alone {alone}, in batch {t}"
        );
    }
}

#[test]
fn samples_are_valid_pixels_and_seeded() {
    let device = cpu();
    let model = perturb(tiny_config().init_seeded(4, &device), 13, 0.1);
    let a = values(model.sample(3, 0.7, 42));
    let b = values(model.sample(3, 0.7, 42));
    let c = values(model.sample(3, 0.7, 43));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        a.iter()
            .all(|&v| (0.0..=255.0).contains(&v) && v.fract() == 0.0)
    );
}

#[test]
fn folded_weight_norm_and_cpu_conv_give_the_same_scores_latents_and_samples() {
    let device = cpu();
    let config = small_config(16);
    // perturb moves every g away from ||v||, so the fold has real work to do.
    let model = perturb(config.init_seeded(5, &device), 14, 0.2);
    let folded = model.clone().fold_weight_norm();
    let pixels = random_pixels([2, 3, 16, 16], 9, &device);
    let (a, b) = (
        values(model.score(pixels.clone()).bits_per_dim),
        values(folded.score(pixels.clone()).bits_per_dim),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-5, "bits/dim {x} unfolded vs {y} folded");
    }
    for (z, zf) in model
        .encode(pixels.clone())
        .into_iter()
        .zip(folded.encode(pixels))
    {
        // Another summation order in f32: relative to the latents' size (they reach ~10).
        let scale = values(z.clone()).iter().fold(1f32, |m, v| m.max(v.abs()));
        let err = max_abs_diff(z, zf);
        assert!(
            err <= 2e-6 * scale,
            "latents differ by {err} (largest {scale})"
        );
    }
    let sample = values(model.sample(2, 0.7, 3));
    let sample_folded = values(folded.sample(2, 0.7, 3));
    let off = sample
        .iter()
        .zip(&sample_folded)
        .filter(|(x, y)| (*x - *y).abs() > 1.0)
        .count();
    assert_eq!(off, 0, "{off} sub-pixels differ by more than 1");
    let conv = &model.scales[0].checker[0].coupling.net.input;
    let folded_conv = &folded.scales[0].checker[0].coupling.net.input;
    assert!(conv.folded.is_none());
    // On the CPU device the folded model runs the model's own convolution (cpu_conv.rs), so
    // the comparisons above check it against burn's conv2d; the kernel is kept there alone.
    assert!(folded_conv.cpu.is_some());
    assert!(folded_conv.folded.is_none());
    // With burn's conv2d the fold is a cached kernel, not a different one.
    let burn_folded = model.clone().fold_weight_norm_with(CpuConv::Burn);
    let burn_conv = &burn_folded.scales[0].checker[0].coupling.net.input;
    assert!(burn_conv.cpu.is_none());
    assert!(burn_conv.folded.is_some());
    assert_eq!(max_abs_diff(conv.weight(), burn_conv.weight()), 0.0);
}

#[test]
fn interpolation_keeps_the_corners_follows_the_formula_and_keeps_the_norm() {
    use realnvp::model::interpolate::interpolate_latents;
    let device = cpu();
    // Four orthogonal corners of equal norm (one scale of 8 values, two of 4): the grid's
    // every cell then has that norm too, since cos^2 + sin^2 = 1 at both angles.
    let corner = |k: usize| -> Vec<Tensor<4>> {
        [8usize, 4, 4]
            .iter()
            .enumerate()
            .map(|(s, &n)| {
                let mut v = vec![0.0f32; n];
                v[(k + s) % n] = 2.0;
                Tensor::from_data(TensorData::new(v, [1, n, 1, 1]), &device)
            })
            .collect()
    };
    let corners = [corner(0), corner(1), corner(2), corner(3)];
    let steps = 5;
    let grid = interpolate_latents(&corners, steps);
    let cell = |s: usize, i: usize| values(grid[s].clone().narrow(0, i, 1));
    for s in 0..3 {
        let wanted_corners = [0, steps - 1, steps * (steps - 1), steps * steps - 1];
        for (k, i) in wanted_corners.into_iter().enumerate() {
            // cos(pi/2) in floating point is 6e-17, not 0.
            let err = max_abs_diff(grid[s].clone().narrow(0, i, 1), corners[k][s].clone());
            assert!(err < 1e-6, "scale {s} corner {k}: off by {err}");
        }
        for i in 0..steps * steps {
            let norm: f32 = cell(s, i).iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - 2.0).abs() < 1e-5, "scale {s} cell {i}: norm {norm}");
        }
    }
    // Row 1, column 3 of 5: a = pi/8, b = 3pi/8.
    let (a, b) = (std::f64::consts::PI / 8.0, 3.0 * std::f64::consts::PI / 8.0);
    let want = [
        a.cos() * b.cos(),
        a.cos() * b.sin(),
        a.sin() * b.cos(),
        a.sin() * b.sin(),
    ];
    let got = cell(0, steps + 3);
    for (k, w) in want.iter().enumerate() {
        assert!(
            (got[k] as f64 - 2.0 * w).abs() < 1e-6,
            "weight {k}: {} vs {}",
            got[k],
            2.0 * w
        );
    }
}

#[test]
fn interpolating_encoded_photos_decodes_them_at_the_corners() {
    use realnvp::model::interpolate::interpolate_latents;
    let device = cpu();
    let model = perturb(tiny_config().init_seeded(21, &device), 22, 0.2);
    let size = tiny_config().image_size;
    let photos = random_pixels([4, 3, size, size], 23, &device);
    let corners: Vec<Vec<Tensor<4>>> = (0..4)
        .map(|i| model.encode(photos.clone().narrow(0, i, 1)))
        .collect();
    let corners: [Vec<Tensor<4>>; 4] = corners.try_into().unwrap();
    let steps = 3;
    let decoded = model.decode(interpolate_latents(&corners, steps));
    for (k, i) in [0, steps - 1, steps * (steps - 1), steps * steps - 1]
        .into_iter()
        .enumerate()
    {
        let err = max_abs_diff(
            decoded.clone().narrow(0, i, 1),
            photos.clone().narrow(0, k, 1),
        );
        assert!(
            err <= 1.0,
            "corner {k}: decoded differs from the photo by {err}"
        );
    }
}
