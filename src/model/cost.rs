//! Where the bits go: an image's cost `-log p(x)` as a sum of terms, each at a place in the
//! image (docs/ARCHITECTURE.md, "Where the bits go").
//!
//! Every term of the likelihood is per element of some tensor of the flow: the logit
//! Jacobian and the 8-bit bin width per sub-pixel, a coupling's `s` per element, the prior
//! per latent element. Squeezes only move a 2x2 block of positions into channels, so a
//! position of a tensor at `S/f x S/f` is the `f x f` block of pixels it came from. Summing a
//! tensor's terms over its channels gives a map of that tensor's resolution; sharing each
//! cell evenly among its block's pixels gives a map of the input's. Batch norm's log-det is
//! per channel, the same at every position, so it is spread evenly too.

use burn::tensor::Tensor;

/// One part of an image's cost in nats, per cell of a grid whose cells each cover a
/// `block x block` square of input pixels.
#[derive(Clone, Debug)]
pub struct CostMap {
    /// `[B, S / block, S / block]`
    pub nats: Tensor<3>,
    pub block: usize,
}

impl CostMap {
    /// `nats` at its own resolution, for an input `image_size` pixels wide.
    pub fn new(nats: Tensor<3>, image_size: usize) -> Self {
        let cells = nats.dims()[2];
        assert!(
            cells > 0 && image_size.is_multiple_of(cells),
            "a {cells}-cell map does not tile a {image_size}-pixel image"
        );
        Self {
            nats,
            block: image_size / cells,
        }
    }

    /// The cost per image, `[B]`.
    pub fn total(&self) -> Tensor<1> {
        per_image(self.nats.clone())
    }

    /// Each cell's cost shared evenly among the pixels of its block, `[B, S, S]`.
    pub fn per_pixel(&self) -> Tensor<3> {
        let f = self.block;
        if f == 1 {
            return self.nats.clone();
        }
        let [b, h, w] = self.nats.dims();
        self.nats
            .clone()
            .reshape([b, h, 1, w, 1])
            .expand([b, h, f, w, f])
            .reshape([b, h * f, w * f])
            .div_scalar((f * f) as f64)
    }
}

/// `[B, C, H, W]` -> `[B, H, W]`: what a position holds, over all its channels.
pub fn channel_sum(x: Tensor<4>) -> Tensor<3> {
    let [b, _, h, w] = x.dims();
    x.sum_dim(1).reshape([b, h, w])
}

/// `[B, H, W]` -> `[B]`.
pub fn per_image(map: Tensor<3>) -> Tensor<1> {
    let b = map.dims()[0];
    map.reshape([b as i64, -1]).sum_dim(1).reshape([b])
}

/// Per-image likelihood of 8-bit images.
pub struct Likelihood {
    pub bits_per_dim: Tensor<1>,
    /// Contribution of each scale; sums to `bits_per_dim` (docs/ARCHITECTURE.md section 9).
    pub per_scale_bits_per_dim: Vec<Tensor<1>>,
}

impl Likelihood {
    /// Each scale's terms ([`super::RealNvp::costs`]) summed per image, in bits per sub-pixel.
    pub fn of(costs: &[Vec<CostMap>], dims: usize) -> Self {
        let bits = dims as f64 * std::f64::consts::LN_2;
        let per_scale: Vec<Tensor<1>> = costs
            .iter()
            .map(|terms| sum_all(terms.iter().map(CostMap::total)).div_scalar(bits))
            .collect();
        Self {
            bits_per_dim: sum_all(per_scale.iter().cloned()),
            per_scale_bits_per_dim: per_scale,
        }
    }
}

/// Where an image's bits go: bits per pixel position (its three sub-pixels together), each
/// term of `-log2 p(x)` at the pixels it belongs to (see the module docs). Sums to bits/dim x C x S^2.
pub struct BitsMap {
    /// `[B, S, S]`
    pub total: Tensor<3>,
    /// Each scale's part, `[B, S, S]` each; they sum to `total`.
    pub per_scale: Vec<Tensor<3>>,
}

impl BitsMap {
    /// Each scale's terms ([`super::RealNvp::costs`]) at the pixels they belong to, in bits.
    pub fn of(costs: &[Vec<CostMap>]) -> Self {
        let per_scale: Vec<Tensor<3>> = costs
            .iter()
            .map(|terms| {
                sum_all(terms.iter().map(CostMap::per_pixel)).div_scalar(std::f64::consts::LN_2)
            })
            .collect();
        Self {
            total: sum_all(per_scale.iter().cloned()),
            per_scale,
        }
    }
}

fn sum_all<const D: usize>(terms: impl Iterator<Item = Tensor<D>>) -> Tensor<D> {
    terms.reduce(|a, b| a + b).expect("at least one term")
}
