//! Affine coupling layer: half of the input conditions an affine map of the other half.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use super::cost::{channel_sum, per_image};
use super::cpu_conv::CpuConv;
use super::mask::{MaskKind, checkerboard};
use super::resnet::ResNet;
use super::wn_conv::WeightInit;

#[derive(Module, Debug)]
pub struct Coupling {
    pub net: ResNet,
    /// Per-channel bound of the log-scale: `s = s_scale * tanh(s_raw)` keeps exp(s) tame.
    pub s_scale: Param<Tensor<1>>,
    #[module(skip)]
    pub kind: MaskKind,
    #[module(skip)]
    pub parity: usize,
}

/// Shape-independent description of one coupling, enough to build it.
#[derive(Debug, Clone, Copy)]
pub struct CouplingSpec {
    pub kind: MaskKind,
    pub parity: usize,
    pub channels: usize,
    pub width: usize,
    pub blocks: usize,
}

impl Coupling {
    pub fn new(spec: CouplingSpec, init: &mut WeightInit, device: &Device) -> Self {
        let c = spec.channels;
        let (net_in, net_out, transformed) = match spec.kind {
            MaskKind::Checkerboard => (c + 1, 2 * c, c),
            MaskKind::Channel => {
                assert!(
                    c.is_multiple_of(2),
                    "a channel coupling needs an even channel count, got {c}"
                );
                (c / 2, c, c / 2)
            }
        };
        Self {
            net: ResNet::new(net_in, net_out, spec.width, spec.blocks, init, device),
            s_scale: Param::from_tensor(Tensor::ones([transformed], device)),
            kind: spec.kind,
            parity: spec.parity,
        }
    }

    /// The s/t network's kernels folded for inference.
    pub fn fold(self, cpu_conv: CpuConv) -> Self {
        Self {
            net: self.net.fold(cpu_conv),
            ..self
        }
    }

    /// `(s, t)` for the transformed part, from the conditioning part of `x` (equal in x and y).
    fn scale_shift(&self, conditioning: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let out = self.net.forward(conditioning);
        let n = out.dims()[1] / 2;
        let s_raw = out.clone().narrow(1, 0, n);
        let t = out.narrow(1, n, n);
        let s = s_raw.tanh() * self.s_scale.val().reshape([1, n, 1, 1]);
        (s, t)
    }

    /// Checkerboard mask for `x` and the net input `[x * b, b]`.
    fn checker_input(&self, x: &Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let [batch, _, h, w] = x.dims();
        let b = checkerboard(h, w, self.parity, &x.device());
        let input = Tensor::cat(
            vec![x.clone() * b.clone(), b.clone().expand([batch, 1, h, w])],
            1,
        );
        (b, input)
    }

    /// Channel halves `(conditioning, transformed)` of `x`.
    fn channel_halves(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let half = x.dims()[1] / 2;
        let first = x.clone().narrow(1, 0, half);
        let second = x.narrow(1, half, half);
        if self.parity == 0 {
            (first, second)
        } else {
            (second, first)
        }
    }

    fn join_halves(&self, conditioning: Tensor<4>, transformed: Tensor<4>) -> Tensor<4> {
        if self.parity == 0 {
            Tensor::cat(vec![conditioning, transformed], 1)
        } else {
            Tensor::cat(vec![transformed, conditioning], 1)
        }
    }

    /// x -> y and log|det dy/dx| per image.
    ///
    /// # Shapes
    /// `[B, C, H, W] -> ([B, C, H, W], [B])`
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<1>) {
        let (y, logdet) = self.forward_map(x);
        (y, per_image(logdet))
    }

    /// x -> y and log|det dy/dx| per position (the sum of `s` over its channels).
    ///
    /// # Shapes
    /// `[B, C, H, W] -> ([B, C, H, W], [B, H, W])`
    pub fn forward_map(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<3>) {
        match self.kind {
            MaskKind::Checkerboard => {
                let (b, input) = self.checker_input(&x);
                let (s, t) = self.scale_shift(input);
                let free = b.neg() + 1.0;
                let s = s * free.clone();
                let y = x * s.clone().exp() + t * free;
                (y, channel_sum(s))
            }
            MaskKind::Channel => {
                let (cond, trans) = self.channel_halves(x);
                let (s, t) = self.scale_shift(cond.clone());
                let y = trans * s.clone().exp() + t;
                (self.join_halves(cond, y), channel_sum(s))
            }
        }
    }

    /// y -> x, the exact inverse of [`Self::forward`].
    pub fn inverse(&self, y: Tensor<4>) -> Tensor<4> {
        match self.kind {
            MaskKind::Checkerboard => {
                let (b, input) = self.checker_input(&y);
                let (s, t) = self.scale_shift(input);
                let free = b.neg() + 1.0;
                (y - t * free.clone()) * (s * free).neg().exp()
            }
            MaskKind::Channel => {
                let (cond, trans) = self.channel_halves(y);
                let (s, t) = self.scale_shift(cond.clone());
                let x = (trans - t) * s.neg().exp();
                self.join_halves(cond, x)
            }
        }
    }
}
