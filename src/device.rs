//! The one place that picks a compute device.

use burn::tensor::Device;

/// The pure-Rust CPU device; works on every target.
pub fn cpu() -> Device {
    Device::flex()
}
