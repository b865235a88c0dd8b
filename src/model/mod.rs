//! The Real NVP model: preprocessing, multi-scale couplings and the Gaussian prior.
//! `docs/ARCHITECTURE.md` is the exact specification.

pub mod batch_norm;
pub mod cost;
pub mod coupling;
pub mod cpu_conv;
pub mod gpu_conv;
pub mod interpolate;
pub mod mask;
pub mod multiscale;
pub mod preprocess;
pub mod resnet;
pub mod squeeze;
pub mod winograd;
pub mod wn_conv;

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::SeededRng;
pub use cost::{BitsMap, CostMap, Likelihood};
use multiscale::{Scale, ScaleSpec};
use preprocess::{prior_cost_map, to_logit, to_logit_map, to_pixels};
use wn_conv::WeightInit;

/// Largest model a config may describe (the shipped one has 7.0 M): a weight file's header
/// cannot make the loader allocate more.
pub const MAX_PARAMETERS: u64 = 64_000_000;

/// The architecture. Its defaults (`#[config(default)]`) are the only ones: the CLI's flags
/// (`train`, `bench`) take theirs from [`RealNvpConfig::new`].
#[derive(Config, Debug, PartialEq)]
#[cfg_attr(not(target_family = "wasm"), derive(clap::Args))]
pub struct RealNvpConfig {
    /// Height and width of the (square) model input, in pixels.
    #[config(default = 64)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().image_size))]
    pub image_size: usize,
    /// Image channels (RGB: the only kind the weight files and the page take).
    #[config(default = 3)]
    #[cfg_attr(not(target_family = "wasm"), arg(skip = RealNvpConfig::new().channels))]
    pub channels: usize,
    /// Scale blocks of the multi-scale architecture, the last one included.
    #[config(default = 4)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().num_scales))]
    pub num_scales: usize,
    /// Feature maps of every s/t ResNet.
    #[config(default = 64)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().width))]
    pub width: usize,
    /// Residual blocks per s/t ResNet.
    #[config(default = 4)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().blocks))]
    pub blocks: usize,
    /// Alpha of the logit preprocessing.
    #[config(default = 0.05)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().logit_alpha))]
    pub logit_alpha: f64,
    /// Epsilon of the flow batch norm.
    #[config(default = 1e-4)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().bn_eps))]
    pub bn_eps: f64,
    /// Running-average momentum of the flow batch norm.
    #[config(default = 0.05)]
    #[cfg_attr(not(target_family = "wasm"), arg(long, default_value_t = RealNvpConfig::new().bn_momentum))]
    pub bn_momentum: f64,
}

impl RealNvpConfig {
    /// Checks what `init` relies on; a config read from a file goes through here first.
    pub fn validate(&self) -> Result<(), String> {
        if self.num_scales == 0 || self.num_scales > 8 {
            return Err(format!(
                "num_scales must be in 1..=8, got {}",
                self.num_scales
            ));
        }
        let factor = 1usize << (self.num_scales - 1);
        if self.image_size == 0 || !self.image_size.is_multiple_of(factor) || self.image_size > 1024
        {
            return Err(format!(
                "image_size {} must be a positive multiple of 2^(num_scales-1) = {factor}, at most 1024",
                self.image_size
            ));
        }
        // Images come in as RGB everywhere (CLI, page, trainer).
        if self.channels != 3 {
            return Err(format!(
                "channels must be 3 (images are read as RGB), got {}",
                self.channels
            ));
        }
        if self.width == 0 || self.width > 1024 || self.blocks > 64 {
            return Err(format!(
                "width {} / blocks {} out of range",
                self.width, self.blocks
            ));
        }
        let parameters = self.parameter_count();
        if parameters > MAX_PARAMETERS {
            return Err(format!(
                "the model would have {parameters} parameters, more than this build allows ({MAX_PARAMETERS})"
            ));
        }
        if !(self.logit_alpha > 0.0 && self.logit_alpha < 0.5) {
            return Err(format!(
                "logit_alpha must be in (0, 0.5), got {}",
                self.logit_alpha
            ));
        }
        if !(self.bn_eps > 0.0
            && self.bn_eps.is_finite()
            && (0.0..=1.0).contains(&self.bn_momentum))
        {
            return Err("bn_eps must be positive and bn_momentum in [0, 1]".into());
        }
        Ok(())
    }

    /// Name and shape of every tensor of the model as the weight file stores it
    /// (docs/ARCHITECTURE.md section 10), from the config alone: a file is checked against
    /// it before anything is allocated. `tests/weights.rs` checks it against a built model.
    pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out = Vec::new();
        let w = self.width;
        let mut conv = |prefix: &str, cin: usize, cout: usize| {
            out.push((format!("{prefix}.v"), vec![cout, cin, 3, 3]));
            out.push((format!("{prefix}.g"), vec![cout]));
            out.push((format!("{prefix}.bias"), vec![cout]));
        };
        let mut rest = Vec::new();
        let mut c = self.channels;
        for i in 0..self.num_scales {
            let last = i + 1 == self.num_scales;
            // (group, steps, channels, net in, net out, transformed channels)
            let mut groups = vec![("checker", if last { 4 } else { 3 }, c, c + 1, 2 * c, c)];
            if !last {
                groups.push(("channel", 3, 4 * c, 2 * c, 4 * c, 2 * c));
            }
            for (group, steps, ch, net_in, net_out, transformed) in groups {
                for j in 0..steps {
                    let step = format!("scales.{i}.{group}.{j}");
                    let net = format!("{step}.coupling.net");
                    conv(&format!("{net}.input"), net_in, w);
                    for k in 0..self.blocks {
                        conv(&format!("{net}.blocks.{k}.conv1"), w, w);
                        conv(&format!("{net}.blocks.{k}.conv2"), w, w);
                    }
                    conv(&format!("{net}.output"), w, net_out);
                    rest.push((format!("{step}.coupling.s_scale"), vec![transformed]));
                    for name in ["log_gamma", "beta", "running_mean", "running_var"] {
                        rest.push((format!("{step}.norm.{name}"), vec![ch]));
                    }
                }
            }
            c *= 2;
        }
        out.extend(rest);
        out
    }

    /// Values in the weight file (parameters and batch-norm statistics).
    /// u64: the config's bounds allow counts beyond wasm32's usize.
    pub fn parameter_count(&self) -> u64 {
        self.tensor_shapes()
            .iter()
            .map(|(_, shape)| shape.iter().map(|&d| d as u64).product::<u64>())
            .sum()
    }

    /// Sub-pixels per image, `D = C*H*W`.
    pub fn dims(&self) -> usize {
        self.channels * self.image_size * self.image_size
    }

    /// Shapes `[C, H, W]` of the latent of every scale, in order.
    pub fn latent_shapes(&self) -> Vec<[usize; 3]> {
        let (mut c, mut s) = (self.channels, self.image_size);
        let mut shapes = Vec::with_capacity(self.num_scales);
        for i in 0..self.num_scales {
            if i + 1 == self.num_scales {
                shapes.push([c, s, s]);
            } else {
                c *= 2;
                s /= 2;
                shapes.push([c, s, s]);
            }
        }
        shapes
    }

    /// A model with weights drawn from `seed`; couplings start as the identity.
    pub fn init_seeded(&self, seed: u64, device: &Device) -> RealNvp {
        self.build(&mut WeightInit::Random(SeededRng::new(seed)), device)
    }

    /// A model of this shape with zero weights, to be filled from a weight file (cheap: no
    /// random draws).
    pub fn init_for_loading(&self, device: &Device) -> RealNvp {
        self.build(&mut WeightInit::Zeros, device)
    }

    fn build(&self, init: &mut WeightInit, device: &Device) -> RealNvp {
        if let Err(e) = self.validate() {
            panic!("invalid RealNvpConfig: {e}");
        }
        let mut channels = self.channels;
        let scales = (0..self.num_scales)
            .map(|i| {
                let spec = ScaleSpec {
                    channels,
                    last: i + 1 == self.num_scales,
                    width: self.width,
                    blocks: self.blocks,
                    bn_eps: self.bn_eps,
                    bn_momentum: self.bn_momentum,
                };
                channels *= 2;
                Scale::new(spec, init, device)
            })
            .collect();
        RealNvp {
            scales,
            config: self.clone(),
        }
    }

    /// # Panics
    /// If the config is invalid (see [`Self::validate`]).
    pub fn init(&self, device: &Device) -> RealNvp {
        self.init_seeded(0, device)
    }
}

#[derive(Module, Debug)]
pub struct RealNvp {
    pub scales: Vec<Scale>,
    #[module(skip)]
    pub config: RealNvpConfig,
}

/// The result of the forward pass in logit space.
pub struct FlowOutput {
    /// One latent per scale, shapes as in [`RealNvpConfig::latent_shapes`].
    pub latents: Vec<Tensor<4>>,
    /// log|det| of each scale's steps per position, as in [`multiscale::ScaleOutput`].
    pub logdets: Vec<Vec<Tensor<3>>>,
}

impl FlowOutput {
    /// log|det| of each scale's steps per image.
    pub fn logdet_totals(&self) -> Vec<Tensor<1>> {
        self.logdets
            .iter()
            .map(|maps| {
                maps.iter()
                    .map(|m| cost::per_image(m.clone()))
                    .reduce(|a, b| a + b)
                    .expect("every scale has steps")
            })
            .collect()
    }
}

impl RealNvp {
    pub fn config(&self) -> &RealNvpConfig {
        &self.config
    }

    /// The model for inference only: each weight-normalised kernel `g * v / ||v||` is
    /// computed once here instead of on every call. Scores, samples and latents are those
    /// of the unfolded model (up to float rounding); never train the result, whose
    /// gradients would not reach `v` and `g`.
    /// On burn's CPU backend the convolutions then run with
    /// [`cpu_conv::Conv3x3`] (Winograd where it pays), which is faster than burn-flex's own.
    pub fn fold_weight_norm(self) -> Self {
        self.fold_weight_norm_with(cpu_conv::CpuConv::Winograd4)
    }

    /// [`Self::fold_weight_norm`] with another CPU convolution (to measure what each buys,
    /// or to check one against another).
    pub fn fold_weight_norm_with(self, cpu_conv: cpu_conv::CpuConv) -> Self {
        Self {
            scales: self.scales.into_iter().map(|s| s.fold(cpu_conv)).collect(),
            config: self.config,
        }
    }

    pub fn device(&self) -> Device {
        self.scales[0].checker[0].coupling.s_scale.val().device()
    }

    /// Logit-space input to latents.
    ///
    /// # Shapes
    /// `[B, C, S, S]` -> latents as in [`RealNvpConfig::latent_shapes`], log-dets `[B]`.
    pub fn forward(&self, x: Tensor<4>) -> FlowOutput {
        let mut latents = Vec::with_capacity(self.scales.len());
        let mut logdets = Vec::with_capacity(self.scales.len());
        let mut h = Some(x);
        for scale in &self.scales {
            let input = h
                .take()
                .expect("every scale but the last passes its input on");
            let out = scale.forward(input);
            latents.push(out.latent);
            logdets.push(out.logdets);
            h = out.next;
        }
        FlowOutput { latents, logdets }
    }

    /// Latents back to logit space (evaluation-mode batch norm).
    pub fn inverse(&self, latents: Vec<Tensor<4>>) -> Tensor<4> {
        assert_eq!(latents.len(), self.scales.len(), "one latent per scale");
        let mut next = None;
        for (scale, latent) in self.scales.iter().zip(latents).rev() {
            next = Some(scale.inverse(next, latent));
        }
        next.expect("at least one scale")
    }

    /// Likelihood of 8-bit pixels (floats in {0..255}) dequantised with `noise` in [0,1).
    pub fn likelihood(&self, pixels: Tensor<4>, noise: Tensor<4>) -> Likelihood {
        Likelihood::of(&self.costs(pixels, noise), self.config.dims())
    }

    /// Each scale's terms of `-log p(x)` in nats, placed in the image ([`cost`]): the prior
    /// of its latent and the log-dets of its steps; scale 0 also holds the preprocessing's
    /// (the logit Jacobian and the width of the 8-bit bins, per sub-pixel).
    pub fn costs(&self, pixels: Tensor<4>, noise: Tensor<4>) -> Vec<Vec<CostMap>> {
        let size = self.config.image_size;
        let channels = pixels.dims()[1] as f64;
        let (z, logdet_pre) = to_logit_map(pixels, noise, self.config.logit_alpha);
        let mut preprocessing = Some(CostMap::new(
            logdet_pre.neg().add_scalar(channels * 256f64.ln()),
            size,
        ));
        let out = self.forward(z);
        out.latents
            .into_iter()
            .zip(out.logdets)
            .map(|(latent, logdets)| {
                let mut terms = vec![CostMap::new(prior_cost_map(latent), size)];
                terms.extend(logdets.into_iter().map(|ld| CostMap::new(ld.neg(), size)));
                terms.extend(preprocessing.take());
                terms
            })
            .collect()
    }

    /// [`BitsMap`] of 8-bit pixels, scored as [`Self::score`] scores them.
    pub fn bits_map(&self, pixels: Tensor<4>) -> BitsMap {
        BitsMap::of(&self.costs_at_bin_centres(pixels))
    }

    /// [`Self::costs`] with the noise at the centre of every bin (u = 0.5): the terms of
    /// [`Self::score`] and [`Self::bits_map`].
    pub fn costs_at_bin_centres(&self, pixels: Tensor<4>) -> Vec<Vec<CostMap>> {
        let noise = pixels.zeros_like().add_scalar(0.5);
        self.costs(pixels, noise)
    }

    /// Deterministic score: noise at the centre of every bin (u = 0.5).
    pub fn score(&self, pixels: Tensor<4>) -> Likelihood {
        Likelihood::of(&self.costs_at_bin_centres(pixels), self.config.dims())
    }

    /// Pixels to latents (u = 0.5), for interpolation and reconstruction.
    pub fn encode(&self, pixels: Tensor<4>) -> Vec<Tensor<4>> {
        let noise = pixels.zeros_like().add_scalar(0.5);
        let (z, _) = to_logit(pixels, noise, self.config.logit_alpha);
        self.forward(z).latents
    }

    /// Latents to 8-bit pixels (floats in {0..255}).
    pub fn decode(&self, latents: Vec<Tensor<4>>) -> Tensor<4> {
        to_pixels(self.inverse(latents), self.config.logit_alpha)
    }

    /// Latents drawn from N(0, temperature^2) with a seeded generator (same on every target).
    pub fn sample_latents(&self, n: usize, temperature: f32, seed: u64) -> Vec<Tensor<4>> {
        let device = self.device();
        let mut rng = SeededRng::new(seed);
        self.config
            .latent_shapes()
            .into_iter()
            .map(|[c, h, w]| {
                let values: Vec<f32> = rng
                    .normals(n * c * h * w)
                    .into_iter()
                    .map(|v| v * temperature)
                    .collect();
                Tensor::from_data(TensorData::new(values, [n, c, h, w]), &device)
            })
            .collect()
    }

    /// `n` images (floats in {0..255}, `[n, C, S, S]`) at `temperature`.
    pub fn sample(&self, n: usize, temperature: f32, seed: u64) -> Tensor<4> {
        self.decode(self.sample_latents(n, temperature, seed))
    }
}

/// `n` deterministic test images (`[n, 3, size, size]` pixel values): smooth gradients plus
/// seeded noise, identical on every target, for fixtures shared by native and browser tests.
pub fn fixture_pixels(n: usize, size: usize, device: &Device) -> Tensor<4> {
    let mut rng = SeededRng::new(123);
    let mut values = Vec::with_capacity(n * 3 * size * size);
    for i in 0..n {
        for c in 0..3 {
            for y in 0..size {
                for x in 0..size {
                    let base = 40.0
                        + 150.0 * ((x + y + 7 * c + 13 * i) % (2 * size)) as f64
                            / (2 * size) as f64;
                    let v = (base + 30.0 * (rng.uniform() - 0.5))
                        .floor()
                        .clamp(0.0, 255.0);
                    values.push(v as f32);
                }
            }
        }
    }
    Tensor::from_data(TensorData::new(values, [n, 3, size, size]), device)
}
