//! Batch normalisation as a flow layer (Real NVP section 3.7): an invertible per-channel
//! affine map whose statistics come from the batch in training and from running averages
//! in evaluation. Modelled on burn-nn's `BatchNorm`, plus the log-determinant.

use burn::module::{Flag, Module, Param, RunningState};
use burn::tensor::{Device, Tensor};

use super::cost::per_image;

#[derive(Module, Debug)]
pub struct FlowBatchNorm {
    pub log_gamma: Param<Tensor<1>>,
    pub beta: Param<Tensor<1>>,
    pub running_mean: RunningState<Tensor<1>>,
    pub running_var: RunningState<Tensor<1>>,
    /// On (and on an autodiff device): batch statistics. `Module::valid` turns it off.
    pub training: Param<Flag>,
    pub eps: f64,
    pub momentum: f64,
}

impl FlowBatchNorm {
    pub fn new(channels: usize, eps: f64, momentum: f64, device: &Device) -> Self {
        Self {
            log_gamma: Param::from_tensor(Tensor::zeros([channels], device)),
            beta: Param::from_tensor(Tensor::zeros([channels], device)),
            running_mean: RunningState::new(Tensor::zeros([channels], device)),
            running_var: RunningState::new(Tensor::ones([channels], device)),
            training: Param::from_bool(true),
            eps,
            momentum,
        }
    }

    fn uses_batch_stats(&self, x: &Tensor<4>) -> bool {
        x.device().is_autodiff() && self.training.is_enabled()
    }

    /// Batch mean and biased variance per channel; updates the running averages.
    fn batch_stats(&self, x: &Tensor<4>) -> (Tensor<1>, Tensor<1>) {
        let c = x.dims()[1];
        let flat = x.clone().swap_dims(0, 1).reshape([c as i64, -1]);
        let (var, mean) = flat.var_mean_bias(1);
        let (mean, var) = (mean.reshape([c]), var.reshape([c]));
        let m = self.momentum;
        let device = x.device();
        let running_mean = self.running_mean.value_sync().to_device(&device);
        let running_var = self.running_var.value_sync().to_device(&device);
        self.running_mean
            .update((running_mean * (1.0 - m) + mean.clone().detach() * m).detach());
        self.running_var
            .update((running_var * (1.0 - m) + var.clone().detach() * m).detach());
        (mean, var)
    }

    fn running_stats(&self, device: &Device) -> (Tensor<1>, Tensor<1>) {
        (
            self.running_mean.value().to_device(device),
            self.running_var.value().to_device(device),
        )
    }

    /// # Shapes
    /// `[B, C, H, W] -> ([B, C, H, W], [B])`
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<1>) {
        let (y, logdet) = self.forward_map(x);
        (y, per_image(logdet))
    }

    /// [`Self::forward`] with the log-det per position: the per-channel log-scales summed,
    /// the same at every position.
    ///
    /// # Shapes
    /// `[B, C, H, W] -> ([B, C, H, W], [B, H, W])`
    pub fn forward_map(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<3>) {
        let [batch, c, h, w] = x.dims();
        let (mean, var) = if self.uses_batch_stats(&x) {
            self.batch_stats(&x)
        } else {
            self.running_stats(&x.device())
        };
        let log_std = (var + self.eps).log() * 0.5;
        let log_scale = self.log_gamma.val() - log_std; // per channel
        let y = (x - mean.reshape([1, c, 1, 1])) * log_scale.clone().exp().reshape([1, c, 1, 1])
            + self.beta.val().reshape([1, c, 1, 1]);
        let logdet = log_scale.sum().reshape([1, 1, 1]).expand([batch, h, w]);
        (y, logdet)
    }

    /// The inverse of the evaluation-mode forward (running statistics).
    pub fn inverse(&self, y: Tensor<4>) -> Tensor<4> {
        let c = y.dims()[1];
        let (mean, var) = self.running_stats(&y.device());
        let log_std = (var + self.eps).log() * 0.5;
        let log_scale = self.log_gamma.val() - log_std;
        (y - self.beta.val().reshape([1, c, 1, 1])) * log_scale.neg().exp().reshape([1, c, 1, 1])
            + mean.reshape([1, c, 1, 1])
    }
}
