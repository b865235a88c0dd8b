//! Training (native only): data set and cache, the loop, checkpoints, validation bits/dim.

pub mod bench;
pub mod checkpoint;
pub mod data;
pub mod trainer;

pub use trainer::{TrainOptions, TrainingConfig, train};
