//! The feature vector of a scored crop, for each candidate `realnvp likeness` compares.

use serde::{Deserialize, Serialize};

use crate::inference::CropScore;

/// The candidates; natively also `realnvp likeness --features`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_family = "wasm"), derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum FeatureSet {
    /// Each scale's share of bits/dim.
    PerScale,
    /// Every term of the score (see [`CropScore::terms`]).
    Terms,
    /// Every term, and the crop's PNG code length (its complexity, Serrà et al.).
    TermsAndPng,
}

impl FeatureSet {
    pub const ALL: [FeatureSet; 3] = [
        FeatureSet::PerScale,
        FeatureSet::Terms,
        FeatureSet::TermsAndPng,
    ];

    pub fn of(self, score: &CropScore, png_bits_per_dim: f64) -> Vec<f64> {
        match self {
            FeatureSet::PerScale => score.per_scale.clone(),
            FeatureSet::Terms => score.terms.clone(),
            FeatureSet::TermsAndPng => {
                let mut v = score.terms.clone();
                v.push(png_bits_per_dim);
                v
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::PerScale => "Gaussian on the per-scale parts",
            FeatureSet::Terms => "Gaussian on every term",
            FeatureSet::TermsAndPng => "Gaussian on every term and the PNG code length",
        }
    }
}
