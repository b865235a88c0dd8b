//! Real NVP (Dinh, Sohl-Dickstein & Bengio, ICLR 2017) on burn.
//!
//! One model tree serves the native trainer and CLI, the tests and the WebGPU page.
//! `docs/ARCHITECTURE.md` is the exact contract the model follows.

pub mod attributes;
pub mod device;
pub mod heatmap;
pub mod image;
pub mod inference;
pub mod likeness;
pub mod limits;
pub mod model;
pub mod param_path;
pub mod rng;
pub mod weights;

#[cfg(not(target_family = "wasm"))]
pub mod train;

#[cfg(target_family = "wasm")]
pub mod web;

pub use model::{RealNvp, RealNvpConfig};
