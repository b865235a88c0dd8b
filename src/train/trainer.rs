//! The training loop: Adam with warm-up and cosine decay, gradient clipping, L2 on the
//! weight-norm scales, dequantisation noise and flips, validation and samples each epoch.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};

use super::checkpoint::{self, Progress};
use super::data::{self, ImageSet, progress_bar};
use crate::image::grid;
use crate::inference::{block_on, decode_faces, sampled_latents, values_now};
use crate::limits::{DEFAULT_TEMPERATURE, GRID_GAP};
use crate::param_path::{PathMapper, PathVisitor, leaf, map_with_paths, visit_with_paths};
use crate::rng::SeededRng;
use crate::weights::stable_param_id;
use crate::{RealNvp, RealNvpConfig};

/// What is trained and how: saved beside the checkpoints. Its defaults are the `train`
/// command's too (from [`TrainingConfig::new`]).
#[derive(Config, Debug, clap::Args)]
pub struct TrainingConfig {
    #[command(flatten)]
    pub model: RealNvpConfig,
    /// Images per optimizer step.
    #[config(default = 64)]
    #[arg(long, default_value_t = defaults().batch_size)]
    pub batch_size: usize,
    /// Adam's learning rate after the warm-up.
    #[config(default = 1e-3)]
    #[arg(long = "lr", default_value_t = defaults().learning_rate)]
    pub learning_rate: f64,
    /// Steps of linear learning-rate warm-up.
    #[config(default = 200)]
    #[arg(long, default_value_t = defaults().warmup_steps)]
    pub warmup_steps: usize,
    /// Per-parameter gradient-norm bound.
    #[config(default = 100.0)]
    #[arg(long, default_value_t = defaults().grad_clip)]
    pub grad_clip: f32,
    /// L2 penalty on the weight-norm scales `g`.
    #[config(default = 5e-5)]
    #[arg(long, default_value_t = defaults().l2_scale)]
    pub l2_scale: f64,
    /// Passes over the training images.
    #[config(default = 10)]
    #[arg(long, default_value_t = defaults().epochs)]
    pub epochs: usize,
    /// Seed of the initialisation, the batch order and the dequantisation noise.
    #[config(default = 0)]
    #[arg(long, default_value_t = defaults().seed)]
    pub seed: u64,
}

/// The defaults declared above, for the command-line flags.
fn defaults() -> TrainingConfig {
    TrainingConfig::new(RealNvpConfig::new())
}

/// How a run is carried out (not part of what is trained).
pub struct TrainOptions {
    pub data: PathBuf,
    pub out: PathBuf,
    pub cache: PathBuf,
    pub resume: bool,
    /// Stop (with a checkpoint) after this many optimizer steps in this run.
    pub max_steps: Option<usize>,
    /// Stop (with a checkpoint) after this many minutes in this run.
    pub max_minutes: Option<f64>,
    /// Use only the first N training images (smoke tests, tiny runs).
    pub limit: Option<usize>,
    pub device: Device,
    pub progress: bool,
}

/// Validation bits/dim of the model after training, plus where things were written.
pub struct TrainSummary {
    pub steps: usize,
    pub finished: bool,
    pub val_bits_per_dim: Option<f64>,
}

pub fn train(config: TrainingConfig, options: TrainOptions) -> Result<TrainSummary> {
    config
        .model
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid model config: {e}"))?;
    if config.batch_size == 0 || config.epochs == 0 {
        bail!("batch size and epochs must be positive");
    }
    fs::create_dir_all(&options.out)
        .with_context(|| format!("creating {}", options.out.display()))?;
    let faces = data::load(
        &options.data,
        config.model.image_size,
        &options.cache,
        options.progress,
    )?;
    let mut train_set = faces.train;
    if let Some(limit) = options.limit {
        train_set.images.truncate(limit);
    }
    if !faces.skipped.is_empty() {
        eprintln!(
            "skipped {} unreadable files, e.g. {}: {}",
            faces.skipped.len(),
            faces.skipped[0].0.display(),
            faces.skipped[0].1
        );
    }
    if train_set.len() < config.batch_size {
        bail!(
            "{} training images, fewer than one batch of {}",
            train_set.len(),
            config.batch_size
        );
    }
    eprintln!(
        "{} training and {} validation images at {}x{}",
        train_set.len(),
        faces.val.len(),
        train_set.size,
        train_set.size
    );

    let device = options.device.clone().autodiff();
    let config_json = config.to_string();
    let optim = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(config.grad_clip)))
        .init();
    if options.resume && !checkpoint::exists(&options.out) {
        eprintln!(
            "--resume: no complete checkpoint in {}; starting from step 0",
            options.out.display()
        );
    }
    let (mut model, mut optim, mut progress) = if options.resume && checkpoint::exists(&options.out)
    {
        let (ck, from) = checkpoint::load(&options.out, optim, &device)?;
        if ck.config_json != config_json {
            bail!(
                "the checkpoint in {} was made with another training config; resume with the same flags or use a new --out",
                options.out.display()
            );
        }
        eprintln!(
            "resuming at step {} from {}",
            ck.progress.step,
            from.display()
        );
        (ck.model, ck.optim, ck.progress)
    } else {
        let model = with_stable_ids(config.model.init_seeded(config.seed, &device));
        (
            model,
            optim,
            Progress {
                step: 0,
                images_seen: 0,
                train_seconds: 0.0,
                last_val_bits_per_dim: None,
            },
        )
    };
    let _ = fs::write(options.out.join("config.json"), &config_json);

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second handler registration (tests run several trainings) is harmless to skip.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }

    let steps_per_epoch = train_set.len() / config.batch_size;
    let total_steps = steps_per_epoch * config.epochs;
    let bar = progress_bar(total_steps as u64, "training", options.progress);
    bar.set_position(progress.step as u64);
    let run_start = Instant::now();
    let mut segment_start = Instant::now();
    let mut segment_images = 0u64;
    let mut running_bpd: Option<f64> = None;
    let mut steps_this_run = 0;
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(options.out.join("train_log.jsonl"))?;

    while progress.step < total_steps {
        let step = progress.step;
        let (pixels, noise) = batch(&train_set, &config, step, steps_per_epoch, &device);
        let likelihood = model.likelihood(pixels, noise);
        let bpd = likelihood.bits_per_dim.mean();
        let loss = bpd.clone() + weight_norm_l2(&model).mul_scalar(config.l2_scale);
        let bpd_value = bpd.into_scalar::<f32>() as f64;
        if !bpd_value.is_finite() {
            bail!("training diverged at step {step} (bits/dim {bpd_value}); try a lower --lr");
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(learning_rate(&config, step, total_steps), model, grads);

        progress.step += 1;
        progress.images_seen += config.batch_size as u64;
        segment_images += config.batch_size as u64;
        steps_this_run += 1;
        running_bpd = Some(running_bpd.map_or(bpd_value, |r| 0.95 * r + 0.05 * bpd_value));
        let rate = segment_images as f64 / segment_start.elapsed().as_secs_f64().max(1e-9);
        bar.set_position(progress.step as u64);
        bar.set_message(format!(
            "{:.3} bpd {:.1} img/s",
            running_bpd.unwrap_or(bpd_value),
            rate
        ));

        let epoch_end = progress.step % steps_per_epoch == 0;
        let out_of_steps = options.max_steps.is_some_and(|m| steps_this_run >= m);
        let out_of_time = options
            .max_minutes
            .is_some_and(|m| run_start.elapsed().as_secs_f64() >= m * 60.0);
        let interrupted = stop.load(Ordering::SeqCst);
        if epoch_end || out_of_steps || out_of_time || interrupted || progress.step == total_steps {
            progress.train_seconds += segment_start.elapsed().as_secs_f64();
            if epoch_end || progress.step == total_steps {
                let valid = model.valid();
                let val = if faces.val.is_empty() {
                    None
                } else {
                    Some(evaluate(&valid, &faces.val, config.batch_size)?)
                };
                progress.last_val_bits_per_dim = val;
                write_samples(&valid, &options.out, progress.step / steps_per_epoch)?;
                let line = serde_json::json!({
                    "epoch": progress.step / steps_per_epoch,
                    "step": progress.step,
                    "train_bits_per_dim": running_bpd,
                    "val_bits_per_dim": val,
                    "images_per_second": rate,
                    "train_seconds": progress.train_seconds,
                });
                writeln!(log, "{line}")?;
                bar.println(format!(
                    "epoch {:>3}  step {:>6}  train {:.4}  val {}  {:.1} img/s",
                    progress.step / steps_per_epoch,
                    progress.step,
                    running_bpd.unwrap_or(f64::NAN),
                    val.map_or("-".into(), |v| format!("{v:.4}")),
                    rate
                ));
            }
            checkpoint::save(&options.out, &model, &optim, &progress, &config_json)?;
            segment_start = Instant::now();
            segment_images = 0;
            if (out_of_steps || out_of_time || interrupted) && progress.step < total_steps {
                bar.abandon_with_message(format!(
                    "stopped at step {}; continue with --resume",
                    progress.step
                ));
                return Ok(TrainSummary {
                    steps: progress.step,
                    finished: false,
                    val_bits_per_dim: progress.last_val_bits_per_dim,
                });
            }
        }
    }
    bar.finish_with_message("done");
    let final_path = options.out.join("final.safetensors");
    fs::write(
        &final_path,
        crate::weights::to_bytes(&model, crate::weights::Precision::F32, None)?,
    )?;
    eprintln!("wrote {}", final_path.display());
    Ok(TrainSummary {
        steps: progress.step,
        finished: true,
        val_bits_per_dim: progress.last_val_bits_per_dim,
    })
}

/// Linear warm-up, then cosine decay to 5% of the peak.
pub fn learning_rate(config: &TrainingConfig, step: usize, total: usize) -> f64 {
    let peak = config.learning_rate;
    if step < config.warmup_steps {
        return peak * (step + 1) as f64 / config.warmup_steps as f64;
    }
    let span = total.saturating_sub(config.warmup_steps).max(1) as f64;
    let t = ((step - config.warmup_steps) as f64 / span).min(1.0);
    peak * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// The batch of `step`: a fresh permutation per epoch, random flips and uniform
/// dequantisation noise, all derived from (seed, step) so that a resume is exact.
fn batch(
    set: &ImageSet,
    config: &TrainingConfig,
    step: usize,
    steps_per_epoch: usize,
    device: &Device,
) -> (Tensor<4>, Tensor<4>) {
    let epoch = step / steps_per_epoch;
    let mut order: Vec<usize> = (0..set.len()).collect();
    let mut rng = SeededRng::new(
        config.seed
            ^ 0xE90C_0000u64
                .wrapping_add(epoch as u64)
                .wrapping_mul(0x9E37_79B9),
    );
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    let start = (step % steps_per_epoch) * config.batch_size;
    let mut rng = SeededRng::new(config.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ step as u64);
    let size = set.size;
    let images: Vec<Vec<u8>> = order[start..start + config.batch_size]
        .iter()
        .map(|&i| {
            let img = &set.images[i];
            if rng.next_u64() & 1 == 0 {
                return img.clone();
            }
            let mut flipped = vec![0u8; img.len()];
            for y in 0..size {
                for x in 0..size {
                    let (s, d) = ((y * size + x) * 3, (y * size + size - 1 - x) * 3);
                    flipped[d..d + 3].copy_from_slice(&img[s..s + 3]);
                }
            }
            flipped
        })
        .collect();
    let pixels = crate::image::to_tensor(&images, size, device);
    let n = config.batch_size * 3 * size * size;
    let noise = Tensor::from_data(
        TensorData::new(rng.uniforms(n), [config.batch_size, 3, size, size]),
        device,
    );
    (pixels, noise)
}

/// Mean bits/dim (u = 0.5, evaluation mode) over a set.
pub fn evaluate(model: &RealNvp, set: &ImageSet, batch_size: usize) -> Result<f64> {
    Ok(evaluate_each(model, set, batch_size)?.mean())
}

/// Each image's bits/dim over a set, and the per-scale parts' means.
pub struct Evaluation {
    pub bits_per_dim: Vec<f64>,
    /// Mean of each scale's part, finest scale first (they sum to the mean).
    pub per_scale_mean: Vec<f64>,
}

impl Evaluation {
    pub fn mean(&self) -> f64 {
        self.bits_per_dim.iter().sum::<f64>() / self.bits_per_dim.len().max(1) as f64
    }

    /// The statistics a weight file ships (`stats`, read by the page's web/stats.js), with
    /// the keys and quantiles python/train_torch.py's final evaluation writes.
    pub fn stats_json(&self) -> serde_json::Value {
        let mut sorted = self.bits_per_dim.clone();
        sorted.sort_by(f64::total_cmp);
        let quantiles: serde_json::Map<String, serde_json::Value> = if sorted.is_empty() {
            serde_json::Map::new()
        } else {
            [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]
                .iter()
                .map(|&q| (q.to_string(), crate::likeness::quantile(&sorted, q).into()))
                .collect()
        };
        serde_json::json!({
            "val_bpd": self.mean(),
            "val_per_scale": self.per_scale_mean,
            "val_bpd_quantiles": quantiles,
            "val_images": self.bits_per_dim.len(),
        })
    }
}

/// [`evaluate`], image by image and scale by scale.
pub fn evaluate_each(model: &RealNvp, set: &ImageSet, batch_size: usize) -> Result<Evaluation> {
    let device = model.device();
    let mut bits_per_dim = Vec::with_capacity(set.len());
    let mut per_scale_sum: Vec<f64> = Vec::new();
    for chunk in set.images.chunks(batch_size) {
        let pixels = crate::image::to_tensor(chunk, set.size, &device);
        let score = model.score(pixels);
        bits_per_dim.extend(values_now(score.bits_per_dim)?.iter().map(|&v| v as f64));
        per_scale_sum.resize(score.per_scale_bits_per_dim.len(), 0.0);
        for (sum, part) in per_scale_sum.iter_mut().zip(score.per_scale_bits_per_dim) {
            *sum += values_now(part)?.iter().map(|&v| v as f64).sum::<f64>();
        }
    }
    let count = bits_per_dim.len().max(1) as f64;
    Ok(Evaluation {
        bits_per_dim,
        per_scale_mean: per_scale_sum.iter().map(|s| s / count).collect(),
    })
}

fn write_samples(model: &RealNvp, out: &Path, epoch: usize) -> Result<()> {
    let size = model.config().image_size;
    let latents = sampled_latents(model, 36, DEFAULT_TEMPERATURE, 1, 0, 36)?;
    let faces = block_on(decode_faces(model, latents))?;
    let dir = out.join("samples");
    fs::create_dir_all(&dir)?;
    grid(&faces, size, 6, GRID_GAP).save(dir.join(format!("epoch-{epoch:03}.png")))?;
    Ok(())
}

/// Sum of squares of every weight-norm scale `g` (the L2 term of the loss).
fn weight_norm_l2(model: &RealNvp) -> Tensor<1> {
    struct Collect(Option<Tensor<1>>);
    impl PathVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, path: &str, param: &Param<Tensor<D>>) {
            if leaf(path) == "g" {
                let sq = param.val().square().sum();
                self.0 = Some(match self.0.take() {
                    Some(s) => s + sq,
                    None => sq,
                });
            }
        }
    }
    let mut c = Collect(None);
    visit_with_paths(model, &mut c);
    c.0.expect("every model has weight-normalised convolutions")
}

/// Gives every parameter the id its path implies, so optimizer state survives a reload.
pub fn with_stable_ids(model: RealNvp) -> RealNvp {
    struct Ids;
    impl PathMapper for Ids {
        fn map_float<const D: usize>(
            &mut self,
            path: &str,
            param: Param<Tensor<D>>,
        ) -> Param<Tensor<D>> {
            let value = param.val();
            param.transform_for_load(value, stable_param_id(path))
        }
    }
    map_with_paths(model, &mut Ids)
}
