//! Weight-normalised 3x3 convolution (Salimans & Kingma, 2016), as the Real NVP authors used.
//! burn has no built-in weight norm, so `v` and `g` are kept here and the kernel is
//! rebuilt on every call; the conv itself is burn's functional `conv2d`.

use burn::module::{Module, Param};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::SeededRng;

#[derive(Module, Debug)]
pub struct WnConv {
    /// Direction of each output filter, `[out, in, 3, 3]`.
    pub v: Param<Tensor<4>>,
    /// Norm of each output filter, `[out]`.
    pub g: Param<Tensor<1>>,
    pub bias: Param<Tensor<1>>,
}

impl WnConv {
    /// A filter bank with `g = ||v||` (so `w = v` at start), or `g = 0` when `zero` is set,
    /// which makes the layer output its bias (0): couplings start as the identity.
    pub fn new(
        channels_in: usize,
        channels_out: usize,
        zero: bool,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Self {
        let fan_in = channels_in * 9;
        let std = (2.0 / fan_in as f64).sqrt() as f32;
        let values: Vec<f32> = rng
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
        }
    }

    /// The effective kernel `g * v / ||v||`.
    pub fn weight(&self) -> Tensor<4> {
        let v = self.v.val();
        let [out, _, _, _] = v.dims();
        let norm = v.clone().square().sum_dim(1).sum_dim(2).sum_dim(3).sqrt();
        let g = self.g.val().reshape([out, 1, 1, 1]);
        v * (g / norm)
    }

    /// # Shapes
    /// `[B, in, H, W] -> [B, out, H, W]` (stride 1, zero padding 1).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv2d(
            x,
            self.weight(),
            Some(self.bias.val()),
            ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
        )
    }
}
