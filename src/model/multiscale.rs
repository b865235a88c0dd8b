//! One scale of the multi-scale architecture: checkerboard couplings, squeeze, channel
//! couplings, then half of the channels are factored out as this scale's latent.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::batch_norm::FlowBatchNorm;
use super::coupling::{Coupling, CouplingSpec};
use super::cpu_conv::CpuConv;
use super::mask::MaskKind;
use super::squeeze::{squeeze, unsqueeze};
use super::wn_conv::WeightInit;

/// A coupling followed by a flow batch norm.
#[derive(Module, Debug)]
pub struct FlowStep {
    pub coupling: Coupling,
    pub norm: FlowBatchNorm,
}

impl FlowStep {
    pub fn new(
        spec: CouplingSpec,
        bn_eps: f64,
        bn_momentum: f64,
        init: &mut WeightInit,
        device: &Device,
    ) -> Self {
        Self {
            coupling: Coupling::new(spec, init, device),
            norm: FlowBatchNorm::new(spec.channels, bn_eps, bn_momentum, device),
        }
    }

    fn fold(self, cpu_conv: CpuConv) -> Self {
        Self {
            coupling: self.coupling.fold(cpu_conv),
            ..self
        }
    }

    /// x -> y and the log-det per position.
    ///
    /// # Shapes
    /// `[B, C, H, W] -> ([B, C, H, W], [B, H, W])`
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<3>) {
        let (h, ld_coupling) = self.coupling.forward_map(x);
        let (y, ld_norm) = self.norm.forward_map(h);
        (y, ld_coupling + ld_norm)
    }

    pub fn inverse(&self, y: Tensor<4>) -> Tensor<4> {
        self.coupling.inverse(self.norm.inverse(y))
    }
}

/// Hyper-parameters shared by every step of a scale.
#[derive(Debug, Clone, Copy)]
pub struct ScaleSpec {
    pub channels: usize,
    pub last: bool,
    pub width: usize,
    pub blocks: usize,
    pub bn_eps: f64,
    pub bn_momentum: f64,
}

#[derive(Module, Debug)]
pub struct Scale {
    pub checker: Vec<FlowStep>,
    /// Empty in the last scale, which neither squeezes nor factors out.
    pub channel: Vec<FlowStep>,
}

/// What a scale passes on: the part that continues to the next scale (none after the
/// last scale), this scale's latent, and the log-det of its steps per position: `[B, H, W]`
/// for the checkerboard steps, then `[B, H/2, W/2]` for the channel steps after the squeeze.
pub struct ScaleOutput {
    pub next: Option<Tensor<4>>,
    pub latent: Tensor<4>,
    pub logdets: Vec<Tensor<3>>,
}

impl Scale {
    pub fn new(spec: ScaleSpec, init: &mut WeightInit, device: &Device) -> Self {
        let mut step = |kind, parity, channels| {
            let coupling = CouplingSpec {
                kind,
                parity,
                channels,
                width: spec.width,
                blocks: spec.blocks,
            };
            FlowStep::new(coupling, spec.bn_eps, spec.bn_momentum, init, device)
        };
        let checker_count = if spec.last { 4 } else { 3 };
        let checker = (0..checker_count)
            .map(|i| step(MaskKind::Checkerboard, i % 2, spec.channels))
            .collect();
        let channel = if spec.last {
            Vec::new()
        } else {
            (0..3)
                .map(|i| step(MaskKind::Channel, i % 2, 4 * spec.channels))
                .collect()
        };
        Self { checker, channel }
    }

    /// Every kernel folded for inference (see [`super::wn_conv::WnConv::fold`]).
    pub fn fold(self, cpu_conv: CpuConv) -> Self {
        let fold = |steps: Vec<FlowStep>| steps.into_iter().map(|s| s.fold(cpu_conv)).collect();
        Self {
            checker: fold(self.checker),
            channel: fold(self.channel),
        }
    }

    pub fn is_last(&self) -> bool {
        self.channel.is_empty()
    }

    /// # Shapes
    /// `[B, C, H, W]` -> next `[B, 2C, H/2, W/2]` and latent `[B, 2C, H/2, W/2]`, or, in the
    /// last scale, latent `[B, C, H, W]`.
    pub fn forward(&self, x: Tensor<4>) -> ScaleOutput {
        let (h, checker_logdet) = run_steps(&self.checker, x);
        if self.is_last() {
            return ScaleOutput {
                next: None,
                latent: h,
                logdets: vec![checker_logdet],
            };
        }
        let (h, channel_logdet) = run_steps(&self.channel, squeeze(h));
        let half = h.dims()[1] / 2;
        let next = h.clone().narrow(1, 0, half);
        let latent = h.narrow(1, half, half);
        ScaleOutput {
            next: Some(next),
            latent,
            logdets: vec![checker_logdet, channel_logdet],
        }
    }

    /// The inverse: from the next scale's reconstructed input (none for the last scale) and
    /// this scale's latent back to this scale's input.
    pub fn inverse(&self, next: Option<Tensor<4>>, latent: Tensor<4>) -> Tensor<4> {
        let mut h = match next {
            Some(next) => Tensor::cat(vec![next, latent], 1),
            None => latent,
        };
        if !self.is_last() {
            for step in self.channel.iter().rev() {
                h = step.inverse(h);
            }
            h = unsqueeze(h);
        }
        for step in self.checker.iter().rev() {
            h = step.inverse(h);
        }
        h
    }
}

/// `steps` in turn, with their log-dets per position summed (they share one resolution).
fn run_steps(steps: &[FlowStep], x: Tensor<4>) -> (Tensor<4>, Tensor<3>) {
    let [batch, _, h, w] = x.dims();
    let mut logdet = Tensor::zeros([batch, h, w], &x.device());
    let mut y = x;
    for step in steps {
        let (next, ld) = step.forward(y);
        y = next;
        logdet = logdet + ld;
    }
    (y, logdet)
}
