//! Is this a face? A flow's bits/dim is not face-likeness: a likelihood model gives simple
//! images a high density whatever they show (Nalisnick et al., ICLR 2019), because the
//! likelihood is dominated by how compressible an image is (Serrà et al., ICLR 2020). What
//! separates faces from other images is the *pattern* of the score's parts: each term of
//! `-log2 p(x)` (each scale's prior, each step's log-det, the preprocessing) takes values in
//! a narrow, correlated band on faces, and other images fall outside that band even when
//! their total is ordinary. So face-likeness is the distance of a crop's terms (and its PNG
//! code length) from those of faces the model never saw: a Gaussian fitted to validation
//! faces only, read as a percentile among other validation faces ("density of states",
//! Morningstar et al., AISTATS 2021). `realnvp likeness` fits it and measures it
//! (docs/ARCHITECTURE.md, "Is this a face?").
//!
//! - `features`: the vectors a crop's score gives, by candidate;
//! - `gaussian`: the fit and the distance;
//! - `calibration`: the side file shipped with the weights, and the verdicts;
//! - `auroc`, `synthetic`: how it is measured.

pub mod auroc;
mod calibration;
mod features;
mod gaussian;
pub mod synthetic;

pub use calibration::{
    Calibration, Judgement, NOT_A_FACE_QUANTILE, UNUSUAL_BELOW, Verdict, fingerprint, quantile,
};
pub use features::FeatureSet;
pub use gaussian::{Gaussian, SHRINKAGE};

/// The side file's name beside the weight file.
pub const LIKENESS_FILE: &str = "face_likeness.json";
