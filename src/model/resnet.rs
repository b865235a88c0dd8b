//! The s/t network of a coupling: a ResNet of weight-normalised 3x3 convolutions.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::cpu_conv::CpuConv;
use super::wn_conv::WeightInit;
use super::wn_conv::WnConv;

#[derive(Module, Debug)]
pub struct ResBlock {
    pub conv1: WnConv,
    pub conv2: WnConv,
}

#[derive(Module, Debug)]
pub struct ResNet {
    pub input: WnConv,
    pub blocks: Vec<ResBlock>,
    pub output: WnConv,
}

impl ResNet {
    pub fn new(
        channels_in: usize,
        channels_out: usize,
        width: usize,
        blocks: usize,
        init: &mut WeightInit,
        device: &Device,
    ) -> Self {
        Self {
            input: WnConv::new(channels_in, width, false, init, device),
            blocks: (0..blocks)
                .map(|_| ResBlock {
                    conv1: WnConv::new(width, width, false, init, device),
                    conv2: WnConv::new(width, width, false, init, device),
                })
                .collect(),
            output: WnConv::new(width, channels_out, true, init, device),
        }
    }

    /// Every kernel folded for inference (see [`WnConv::fold`]).
    pub fn fold(self, cpu_conv: CpuConv) -> Self {
        Self {
            input: self.input.fold(cpu_conv),
            blocks: self
                .blocks
                .into_iter()
                .map(|b| ResBlock {
                    conv1: b.conv1.fold(cpu_conv),
                    conv2: b.conv2.fold(cpu_conv),
                })
                .collect(),
            output: self.output.fold(cpu_conv),
        }
    }

    /// # Shapes
    /// `[B, in, H, W] -> [B, out, H, W]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = self.input.forward(x);
        for block in &self.blocks {
            let inner = block.conv1.forward_fused(h.clone(), true, None);
            h = block.conv2.forward_fused(inner, true, Some(h));
        }
        self.output.forward_fused(h, true, None)
    }
}
