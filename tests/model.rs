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
use realnvp::model::mask::MaskKind;
use realnvp::model::preprocess::{bits_per_dim, to_logit, to_pixels};
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
    for config in [
        tiny_config(),
        RealNvpConfig::new()
            .with_image_size(16)
            .with_num_scales(3)
            .with_width(8)
            .with_blocks(1),
    ] {
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
            .logdets
            .into_iter()
            .map(|l| values(l)[0] as f64)
            .sum::<f64>();
    assert!((claimed - brute).abs() <= 1e-3, "{claimed} vs {brute}");
}

#[test]
fn uniform_density_is_eight_bits_per_dim() {
    let device = cpu();
    let bpd = values(bits_per_dim(Tensor::<1>::zeros([3], &device), 12288));
    assert!(bpd.iter().all(|&b| (b - 8.0).abs() < 1e-6), "{bpd:?}");
}

#[test]
fn bits_per_dim_matches_hand_computation_for_identity_couplings() {
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
    let mut log_p = d * ((1.0 - 2.0 * a).ln() - y.ln() - (1.0 - y).ln());
    let mut steps = 0.0;
    for (i, [c, h, w]) in config.latent_shapes().into_iter().enumerate() {
        steps += if i + 1 == config.num_scales { 4.0 } else { 6.0 };
        let n = (c * h * w) as f64;
        let zi = z0 * (steps * ln_k).exp();
        log_p += -0.5 * n * (zi * zi + (2.0 * std::f64::consts::PI).ln()) + n * steps * ln_k;
    }
    let expected = (-log_p + d * 256f64.ln()) / (d * 2f64.ln());
    let pixels = Tensor::<4>::full([1, 3, 8, 8], value, &device);
    let got = values(model.score(pixels).bits_per_dim)[0] as f64;
    assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
}

#[test]
fn batch_score_equals_single_scores_and_per_scale_sums_to_total() {
    let device = cpu();
    let config = RealNvpConfig::new()
        .with_image_size(8)
        .with_num_scales(3)
        .with_width(8)
        .with_blocks(1);
    let model = perturb(config.init_seeded(3, &device), 12, 0.2);
    let pixels = random_pixels([3, 3, 8, 8], 9, &device);
    let batch = model.score(pixels.clone());
    let total = values(batch.bits_per_dim.clone());
    let parts: Vec<Vec<f32>> = batch
        .per_scale_bits_per_dim
        .into_iter()
        .map(values)
        .collect();
    for (i, t) in total.iter().enumerate() {
        let alone = values(model.score(pixels.clone().narrow(0, i, 1)).bits_per_dim)[0];
        assert!(
            (alone - t).abs() < 1e-5,
            "image {i}: alone {alone}, in batch {t}"
        );
        let sum: f32 = parts.iter().map(|p| p[i]).sum();
        assert!(
            (sum - t).abs() < 1e-4,
            "image {i}: parts sum {sum}, total {t}"
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
    let config = RealNvpConfig::new()
        .with_image_size(16)
        .with_num_scales(3)
        .with_width(8)
        .with_blocks(1);
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
    // The fold is a cached kernel, not a different one.
    let conv = &model.scales[0].checker[0].coupling.net.input;
    let folded_conv = &folded.scales[0].checker[0].coupling.net.input;
    assert!(conv.folded.is_none());
    // On the CPU device the folded model runs the model's own convolution (cpu_conv.rs), so
    // the comparisons above check it against burn's conv2d.
    assert!(folded_conv.cpu.is_some());
    assert_eq!(max_abs_diff(conv.weight(), folded_conv.weight()), 0.0);
}
