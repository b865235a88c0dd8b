//! The face-likeness side file shipped with the weights (`face_likeness.json`): the
//! Gaussian fitted to one part of the validation faces, the distances of another part (the
//! reference a crop is placed among), and the threshold past which a crop is called not a
//! face. No non-face image is used to make it.

use serde::{Deserialize, Serialize};

use super::{FeatureSet, Gaussian};
use crate::inference::CropScore;

/// Below this share of reference faces being less typical, a crop is "unusual for a face".
pub const UNUSUAL_BELOW: f64 = 0.05;
/// The share of reference faces allowed past the "probably not a face" threshold.
pub const NOT_A_FACE_QUANTILE: f64 = 0.995;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calibration {
    pub features: FeatureSet,
    /// How many score terms the model has: a score of another architecture is refused.
    pub terms: usize,
    /// FNV-1a-64 (hex) of the weight file it was made for.
    pub weights_fnv1a64: String,
    pub gaussian: Gaussian,
    /// Distances of the reference faces (validation faces not in the fit), ascending.
    pub reference: Vec<f64>,
    /// Past this distance: "probably not a face".
    pub not_a_face_above: f64,
    /// Validation faces in the fit.
    pub fitted_faces: usize,
}

/// What the page and `realnvp score` say of a crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Typical,
    Unusual,
    NotAFace,
}

impl Verdict {
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Typical => "looks like the faces it was trained on",
            Verdict::Unusual => "unusual for a face",
            Verdict::NotAFace => "probably not a face",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Judgement {
    /// Squared distance from the faces' pattern of score terms (lower: more face-like).
    pub distance: f64,
    /// Share of reference faces that are less typical (further) than this crop.
    pub percentile: f64,
    pub verdict: Verdict,
    /// The verdict in words ([`Verdict::words`]).
    pub says: &'static str,
}

impl Calibration {
    /// Fits on `fit` (feature vectors of validation faces) and places `reference` (those of
    /// other validation faces) as the crops' yardstick.
    pub fn fit(
        features: FeatureSet,
        terms: usize,
        weights_fnv1a64: String,
        fit: &[Vec<f64>],
        reference: &[Vec<f64>],
    ) -> Result<Calibration, String> {
        if reference.is_empty() {
            return Err("no reference faces to calibrate against".into());
        }
        let gaussian = Gaussian::fit(fit)?;
        let mut distances: Vec<f64> = reference.iter().map(|x| gaussian.distance2(x)).collect();
        distances.sort_by(f64::total_cmp);
        let not_a_face_above = quantile(&distances, NOT_A_FACE_QUANTILE);
        Ok(Calibration {
            features,
            terms,
            weights_fnv1a64,
            gaussian,
            reference: distances,
            not_a_face_above,
            fitted_faces: fit.len(),
        })
    }

    /// Reads a side file, refusing one made for other weights.
    pub fn from_json(json: &[u8], weights: &[u8]) -> Result<Calibration, String> {
        Calibration::for_fingerprint(json, &fingerprint(weights))
    }

    /// [`Calibration::from_json`] for the weight file whose [`fingerprint`] is `fnv`.
    pub fn for_fingerprint(json: &[u8], fnv: &str) -> Result<Calibration, String> {
        let calibration: Calibration =
            serde_json::from_slice(json).map_err(|e| format!("not a face-likeness file: {e}"))?;
        if calibration.weights_fnv1a64 != fnv {
            return Err(format!(
                "the face-likeness file was made for other weights (FNV-1a {}, these are {fnv}): run `realnvp likeness` for them",
                calibration.weights_fnv1a64
            ));
        }
        if calibration.reference.is_empty() || !calibration.not_a_face_above.is_finite() {
            return Err("the face-likeness file has no reference faces".into());
        }
        Ok(calibration)
    }

    /// Where a scored crop stands; an error if its model is not the one calibrated.
    pub fn judge(&self, score: &CropScore, png_bits_per_dim: f64) -> Result<Judgement, String> {
        let features = self.features.of(score, png_bits_per_dim);
        if score.terms.len() != self.terms || features.len() != self.gaussian.len() {
            return Err(format!(
                "the face-likeness file expects {} score terms, this score has {}",
                self.terms,
                score.terms.len()
            ));
        }
        let distance = self.gaussian.distance2(&features);
        let less_typical = self.reference.iter().filter(|&&d| d >= distance).count();
        let percentile = less_typical as f64 / self.reference.len() as f64;
        let verdict = if distance > self.not_a_face_above {
            Verdict::NotAFace
        } else if percentile < UNUSUAL_BELOW {
            Verdict::Unusual
        } else {
            Verdict::Typical
        };
        Ok(Judgement {
            distance,
            percentile,
            verdict,
            says: verdict.words(),
        })
    }
}

/// The weight file's fingerprint, as the side file records it.
pub fn fingerprint(weights: &[u8]) -> String {
    format!("{:016x}", crate::weights::fnv1a64(weights))
}

/// Linear interpolation between order statistics of `sorted` (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}
