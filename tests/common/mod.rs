//! Helpers shared by the integration tests: random non-trivial weights, evaluation-mode
//! switches and brute-force Jacobian log-determinants.
#![allow(dead_code)]

use burn::module::{Flag, Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor, TensorData};
use realnvp::rng::SeededRng;

/// Adds N(0, scale^2) noise to every float parameter, so couplings are not the identity.
/// Running variances stay positive because they start at 1 and `scale` is small.
pub fn perturb<M: Module>(module: M, seed: u64, scale: f32) -> M {
    struct Perturb {
        rng: SeededRng,
        scale: f32,
    }
    impl ModuleMapper for Perturb {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let noise = self.rng.normals(param.lazy_shape().num_elements());
            let scale = self.scale;
            param.map(|t| {
                let shape = t.shape();
                let device = t.device();
                let noise: Vec<f32> = noise.iter().map(|v| v * scale).collect();
                let grad = t.is_require_grad();
                // Detached so the perturbed weight is a leaf again, not a graph node.
                let out = (t + Tensor::from_data(TensorData::new(noise, shape), &device)).detach();
                if grad { out.require_grad() } else { out }
            })
        }
    }
    module.map(&mut Perturb {
        rng: SeededRng::new(seed),
        scale,
    })
}

/// Turns every training flag off (batch norm uses its running statistics) without leaving
/// the autodiff device, so Jacobians of the evaluation-mode map can be taken.
pub fn eval_flags<M: Module>(module: M) -> M {
    struct Off;
    impl ModuleMapper for Off {
        fn map_flag(&mut self, flag: Param<Flag>) -> Param<Flag> {
            flag.with_value(false)
        }
    }
    module.map(&mut Off)
}

/// The small model the tests and the committed fixture use: `size x size`, 3 scales,
/// width 8, one residual block.
pub fn small_config(size: usize) -> realnvp::RealNvpConfig {
    realnvp::RealNvpConfig::new()
        .with_image_size(size)
        .with_num_scales(3)
        .with_width(8)
        .with_blocks(1)
}

pub fn cpu() -> Device {
    Device::flex()
}

pub fn autodiff_cpu() -> Device {
    Device::flex().autodiff()
}

pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    realnvp::inference::values_now(t).expect("the CPU backend reads back")
}

pub fn max_abs_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    values(a)
        .iter()
        .zip(values(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A random tensor in logit-like range, from a seed.
pub fn random_input(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    let n = shape.iter().product();
    Tensor::from_data(
        TensorData::new(SeededRng::new(seed).normals(n), shape),
        device,
    )
}

/// Random 8-bit pixels (as floats).
pub fn random_pixels(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    let n = shape.iter().product();
    let v: Vec<f32> = SeededRng::new(seed)
        .uniforms(n)
        .into_iter()
        .map(|u| (u * 256.0).floor())
        .collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// log|det J| of `f` at `x` (batch 1), with J built row by row through autodiff, in f64.
/// `f` maps `[1, C, H, W]` to a flat `[D]` output of the same size.
pub fn brute_force_logdet(f: impl Fn(Tensor<4>) -> Tensor<1>, x: Tensor<4>) -> f64 {
    let d: usize = x.dims().iter().product();
    let mut jac = vec![0f64; d * d];
    for row in 0..d {
        let xi = x.clone().detach().require_grad();
        let y = f(xi.clone());
        assert_eq!(y.dims()[0], d, "the map must keep the dimension");
        let grads = y.narrow(0, row, 1).sum().backward();
        let g = xi.grad(&grads).expect("input takes part in the output");
        for (col, v) in values(g).into_iter().enumerate() {
            jac[row * d + col] = v as f64;
        }
    }
    log_abs_det(&mut jac, d)
}

/// log|det| of a dense row-major matrix by LU with partial pivoting.
pub fn log_abs_det(a: &mut [f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for k in 0..n {
        let pivot = (k..n)
            .max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs()))
            .unwrap();
        if pivot != k {
            for c in 0..n {
                a.swap(k * n + c, pivot * n + c);
            }
        }
        let p = a[k * n + k];
        assert!(p != 0.0, "singular Jacobian");
        sum += p.abs().ln();
        for i in k + 1..n {
            let factor = a[i * n + k] / p;
            for c in k..n {
                a[i * n + c] -= factor * a[k * n + c];
            }
        }
    }
    sum
}

/// Flattens a batch-1 tensor to `[D]`.
pub fn flat(t: Tensor<4>) -> Tensor<1> {
    let n: usize = t.dims().iter().product();
    t.reshape([n])
}
