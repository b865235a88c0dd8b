//! The s/t network of a coupling: a ResNet of weight-normalised 3x3 convolutions.

use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::wn_conv::WnConv;
use crate::rng::SeededRng;

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
        rng: &mut SeededRng,
        device: &Device,
    ) -> Self {
        Self {
            input: WnConv::new(channels_in, width, false, rng, device),
            blocks: (0..blocks)
                .map(|_| ResBlock {
                    conv1: WnConv::new(width, width, false, rng, device),
                    conv2: WnConv::new(width, width, false, rng, device),
                })
                .collect(),
            output: WnConv::new(width, channels_out, true, rng, device),
        }
    }

    /// # Shapes
    /// `[B, in, H, W] -> [B, out, H, W]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = self.input.forward(x);
        for block in &self.blocks {
            let inner = block.conv1.forward(relu(h.clone()));
            h = h + block.conv2.forward(relu(inner));
        }
        self.output.forward(relu(h))
    }
}
