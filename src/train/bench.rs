//! Throughput of the burn model: training steps, scoring (forward) and sampling (inverse),
//! in images/s after warm-up, median of per-iteration times. Mirrors python/bench_torch.py
//! so both can be run on the same machine in the same run (scripts/bench.sh).

use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};

use crate::RealNvpConfig;
use crate::model::cpu_conv::CpuConv;
use crate::param_path::{PathMapper, map_with_paths};
use crate::rng::SeededRng;

pub struct BenchOptions {
    pub batch: usize,
    pub warmup: usize,
    pub seconds: f64,
    pub min_iters: usize,
    /// Score and sample with weight-normalised kernels folded once, as the CLI and the page
    /// do (off: rebuilt on every call, as in training).
    pub fold: bool,
    /// With `fold`: which kernel runs the convolutions on the CPU.
    pub cpu_conv: CpuConv,
    /// Skip the training steps (slow on a CPU) and time only scoring and sampling.
    pub inference_only: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct BenchResult {
    pub config: RealNvpConfig,
    pub params: usize,
    pub batch: usize,
    /// None with [`BenchOptions::inference_only`].
    pub train_img_s: Option<f64>,
    pub forward_img_s: f64,
    pub inverse_img_s: f64,
}

/// Median seconds per call of `f` (which must finish its device work before returning).
fn timed(mut f: impl FnMut(), warmup: usize, seconds: f64, min_iters: usize) -> f64 {
    for _ in 0..warmup {
        f();
    }
    let mut times = Vec::new();
    let end = Instant::now() + std::time::Duration::from_secs_f64(seconds);
    while times.len() < min_iters || Instant::now() < end {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Non-identity couplings, as after some training (fresh ones have a zero output layer).
fn randomize_output_scales<M: Module>(model: M) -> M {
    struct Outputs(SeededRng);
    impl PathMapper for Outputs {
        fn map_float<const D: usize>(
            &mut self,
            path: &str,
            param: Param<Tensor<D>>,
        ) -> Param<Tensor<D>> {
            if path == "output.g" || path.ends_with(".output.g") {
                let noise: Vec<f32> = self
                    .0
                    .normals(param.lazy_shape().num_elements())
                    .iter()
                    .map(|v| v * 0.05)
                    .collect();
                return param.map(|t| {
                    let grad = t.is_require_grad();
                    let out = Tensor::from_data(TensorData::new(noise, t.shape()), &t.device());
                    if grad { out.require_grad() } else { out }
                });
            }
            param
        }
    }
    map_with_paths(model, &mut Outputs(SeededRng::new(1)))
}

pub fn run(config: &RealNvpConfig, device: &Device, options: &BenchOptions) -> BenchResult {
    let b = options.batch;
    let s = config.image_size;
    let mut rng = SeededRng::new(0);
    let pixels: Vec<f32> = rng
        .uniforms(b * 3 * s * s)
        .into_iter()
        .map(|u| (u * 256.0).floor())
        .collect();
    let train_device = device.clone().autodiff();
    let mut model = randomize_output_scales(config.init_seeded(0, &train_device));
    let params = model.num_params();
    let mut optim = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(100.0)))
        .init();
    let x = Tensor::<4>::from_data(TensorData::new(pixels.clone(), [b, 3, s, s]), &train_device);
    let train = (!options.inference_only).then(|| {
        timed(
            || {
                let noise = x.random_like(burn::tensor::Distribution::Uniform(0.0, 1.0));
                let loss = model.likelihood(x.clone(), noise).bits_per_dim.mean();
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(1e-4, model.clone(), grads);
                // Reading the loss back waits for the step's device work.
                let _ = model.scales[0].checker[0]
                    .coupling
                    .s_scale
                    .val()
                    .sum()
                    .into_scalar::<f32>();
            },
            options.warmup,
            options.seconds,
            options.min_iters,
        )
    });
    let eval = if options.fold {
        model.valid().fold_weight_norm_with(options.cpu_conv)
    } else {
        model.valid()
    };
    let x = Tensor::<4>::from_data(TensorData::new(pixels, [b, 3, s, s]), device);
    let forward = timed(
        || {
            let _ = eval.score(x.clone()).bits_per_dim.into_data();
        },
        options.warmup,
        options.seconds / 2.0,
        options.min_iters,
    );
    let inverse = timed(
        || {
            let _ = eval
                .sample(b, crate::limits::DEFAULT_TEMPERATURE, 3)
                .into_data();
        },
        options.warmup,
        options.seconds / 2.0,
        options.min_iters,
    );
    BenchResult {
        config: config.clone(),
        params,
        batch: b,
        train_img_s: train.map(|t| b as f64 / t),
        forward_img_s: b as f64 / forward,
        inverse_img_s: b as f64 / inverse,
    }
}
