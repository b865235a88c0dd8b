//! Weight-normalised 3x3 convolution (Salimans & Kingma, 2016), as the Real NVP authors used.
//! burn has no built-in weight norm, so `v` and `g` are kept here and, in training, the
//! kernel is rebuilt on every call (the gradient flows through it); for inference
//! [`WnConv::fold`] computes it once. The conv itself is burn's functional `conv2d`.

use std::sync::Arc;

use burn::module::{Module, Param};
use burn::tensor::activation::relu;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::cpu_conv::{Conv3x3, CpuConv};
use crate::rng::SeededRng;

/// Where a new model's weights come from: a seeded draw (training starts here), or zeros
/// for a model whose every tensor is about to be replaced by a weight file's, which skips
/// drawing millions of normals the file would overwrite.
pub enum WeightInit {
    Random(SeededRng),
    Zeros,
}

impl WeightInit {
    fn normals(&mut self, n: usize) -> Vec<f32> {
        match self {
            WeightInit::Random(rng) => rng.normals(n),
            WeightInit::Zeros => vec![0.0; n],
        }
    }
}

#[derive(Module, Debug)]
pub struct WnConv {
    /// Direction of each output filter, `[out, in, 3, 3]`.
    pub v: Param<Tensor<4>>,
    /// Norm of each output filter, `[out]`.
    pub g: Param<Tensor<1>>,
    pub bias: Param<Tensor<1>>,
    /// The kernel `g * v / ||v||` computed once by [`WnConv::fold`] for inference; `None`
    /// while training, and where `cpu` holds it. Not a parameter: the weight file holds `v`
    /// and `g`.
    #[module(skip)]
    pub folded: Option<Tensor<4>>,
    /// On burn's CPU backend, the folded kernel laid out for [`Conv3x3`], which runs this
    /// layer faster than burn-flex's `conv2d` (see `cpu_conv.rs`).
    #[module(skip)]
    pub cpu: Option<Arc<Conv3x3>>,
    /// On the WebGPU device, run by `gpu_conv.rs`'s kernel rather than burn's `conv2d`.
    #[module(skip)]
    pub gpu: bool,
}

impl WnConv {
    /// A filter bank with `g = ||v||` (so `w = v` at start), or `g = 0` when `zero` is set,
    /// which makes the layer output its bias (0): couplings start as the identity.
    pub fn new(
        channels_in: usize,
        channels_out: usize,
        zero: bool,
        init: &mut WeightInit,
        device: &Device,
    ) -> Self {
        let fan_in = channels_in * 9;
        let std = (2.0 / fan_in as f64).sqrt() as f32;
        let values: Vec<f32> = init
            .normals(channels_out * fan_in)
            .into_iter()
            .map(|x| x * std)
            .collect();
        let norms: Vec<f32> = values
            .chunks(fan_in)
            .map(|filter| {
                if zero {
                    0.0
                } else {
                    filter.iter().map(|x| x * x).sum::<f32>().sqrt()
                }
            })
            .collect();
        let v = Tensor::<4>::from_data(
            TensorData::new(values, [channels_out, channels_in, 3, 3]),
            device,
        );
        let g = Tensor::<1>::from_data(TensorData::new(norms, [channels_out]), device);
        Self {
            v: Param::from_tensor(v),
            g: Param::from_tensor(g),
            bias: Param::from_tensor(Tensor::zeros([channels_out], device)),
            folded: None,
            cpu: None,
            gpu: false,
        }
    }

    /// The same layer with its kernel computed once, for inference: every later call
    /// skips the norm. Gradients would no longer reach `v` and `g`, so never train it.
    /// `cpu_conv`: on burn's CPU backend, which kernel runs it ([`Conv3x3`] unless
    /// [`CpuConv::Burn`]: burn's `conv2d`); on the WebGPU device, [`CpuConv::Burn`] keeps
    /// burn's `conv2d` and any other choice runs `gpu_conv.rs`'s kernel.
    pub fn fold(self, cpu_conv: CpuConv) -> Self {
        let kernel = self.kernel();
        let device = kernel.device();
        let on_cpu = device == crate::device::cpu() && !device.is_autodiff();
        let gpu = cpu_conv != CpuConv::Burn && super::gpu_conv::runs_on(&device);
        if cpu_conv != CpuConv::Burn && on_cpu {
            let [cout, cin, _, _] = kernel.dims();
            // The kernel goes into `Conv3x3` whole, not kept beside it: the page's model
            // load spends its time touching fresh memory (BENCHMARKS.md, issue 26), and
            // `weight()` recomputes the kernel from `v` and `g` if anything asks.
            let cpu = Conv3x3::new(
                f32_values(kernel),
                f32_values(self.bias.val()),
                cin,
                cout,
                cpu_conv,
            );
            return Self {
                cpu: Some(Arc::new(cpu)),
                ..self
            };
        }
        Self {
            folded: Some(kernel),
            gpu,
            ..self
        }
    }

    /// The effective kernel `g * v / ||v||`.
    pub fn weight(&self) -> Tensor<4> {
        match &self.folded {
            Some(kernel) => kernel.clone(),
            None => self.kernel(),
        }
    }

    fn kernel(&self) -> Tensor<4> {
        let v = self.v.val();
        let [out, _, _, _] = v.dims();
        let norm = v.clone().square().sum_dim(1).sum_dim(2).sum_dim(3).sqrt();
        let g = self.g.val().reshape([out, 1, 1, 1]);
        v * (g / norm)
    }

    /// # Shapes
    /// `[B, in, H, W] -> [B, out, H, W]` (stride 1, zero padding 1).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_fused(x, false, None)
    }

    /// `conv(relu(x)) (+ residual)` when `relu_input` (and a residual) are given: one pass
    /// on the CPU path, the separate ops elsewhere.
    ///
    /// # Shapes
    /// `[B, in, H, W]` (and residual `[B, out, H, W]`) `-> [B, out, H, W]`
    pub fn forward_fused(
        &self,
        x: Tensor<4>,
        relu_input: bool,
        residual: Option<Tensor<4>>,
    ) -> Tensor<4> {
        if let Some(cpu) = &self.cpu {
            let [batch, _, h, w] = x.dims();
            let device = x.device();
            let input = f32_values(x);
            let residual = residual.map(f32_values);
            let out = cpu.run(&input, batch, h, w, relu_input, residual);
            return Tensor::from_data(
                TensorData::new(out, [batch, cpu.channels_out(), h, w]),
                &device,
            );
        }
        #[cfg(all(target_family = "wasm", feature = "webgpu"))]
        if self.gpu {
            return super::gpu_conv::conv3x3(
                x,
                self.weight(),
                self.bias.val(),
                relu_input,
                residual,
            );
        }
        let x = if relu_input { relu(x) } else { x };
        let y = conv2d(
            x,
            self.weight(),
            Some(self.bias.val()),
            ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
        );
        match residual {
            Some(r) => r + y,
            None => y,
        }
    }
}

/// The values of a tensor on burn's CPU backend (a synchronous read, which the CPU backend
/// answers at once, in wasm too).
fn f32_values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("a CPU tensor converted to f32 reads back as f32")
}
