//! A Gaussian over feature vectors, fitted to faces only: how far a vector lies from them
//! (the squared Mahalanobis distance), with the covariance shrunk towards the identity so
//! that a few hundred faces give a stable inverse.

use serde::{Deserialize, Serialize};

/// Share of the identity mixed into the correlation matrix: features of one flow are
/// strongly correlated, and the smallest eigenvalues of a few hundred samples are noise.
pub const SHRINKAGE: f64 = 0.05;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gaussian {
    pub mean: Vec<f64>,
    /// Each feature's standard deviation (1 where a feature does not vary).
    pub scale: Vec<f64>,
    /// Lower-triangular Cholesky factor of the shrunk correlation matrix, row-major.
    pub cholesky: Vec<Vec<f64>>,
}

impl Gaussian {
    /// Fits `samples` (each of the same length, at least two of them).
    pub fn fit(samples: &[Vec<f64>]) -> Result<Gaussian, String> {
        let n = samples.len();
        let k = samples.first().map_or(0, Vec::len);
        if n < 2 || k == 0 || samples.iter().any(|s| s.len() != k) {
            return Err(format!(
                "a Gaussian needs at least two feature vectors of one length, got {n}"
            ));
        }
        let mean: Vec<f64> = (0..k)
            .map(|j| samples.iter().map(|s| s[j]).sum::<f64>() / n as f64)
            .collect();
        let scale: Vec<f64> = (0..k)
            .map(|j| {
                let var = samples
                    .iter()
                    .map(|s| (s[j] - mean[j]).powi(2))
                    .sum::<f64>()
                    / (n - 1) as f64;
                if var > 1e-18 { var.sqrt() } else { 1.0 }
            })
            .collect();
        let z: Vec<Vec<f64>> = samples
            .iter()
            .map(|s| (0..k).map(|j| (s[j] - mean[j]) / scale[j]).collect())
            .collect();
        let mut corr = vec![vec![0.0; k]; k];
        for (a, row) in corr.iter_mut().enumerate() {
            for (b, cell) in row.iter_mut().enumerate() {
                let c = z.iter().map(|v| v[a] * v[b]).sum::<f64>() / (n - 1) as f64;
                *cell = (1.0 - SHRINKAGE) * c + if a == b { SHRINKAGE } else { 0.0 };
            }
        }
        Ok(Gaussian {
            mean,
            scale,
            cholesky: cholesky(&corr)?,
        })
    }

    /// The squared Mahalanobis distance of `x` from the mean.
    pub fn distance2(&self, x: &[f64]) -> f64 {
        let k = self.mean.len();
        // Solve L y = (x - mean) / scale; the distance is |y|^2.
        let mut y = vec![0.0; k];
        for i in 0..k {
            let row = &self.cholesky[i];
            let known: f64 = row[..i].iter().zip(&y[..i]).map(|(l, y)| l * y).sum();
            y[i] = ((x[i] - self.mean[i]) / self.scale[i] - known) / row[i];
        }
        y.iter().map(|v| v * v).sum()
    }

    pub fn len(&self) -> usize {
        self.mean.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }
}

fn cholesky(a: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, String> {
    let k = a.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i][m] * l[j][m]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 0.0 {
                    return Err("the covariance of the features is not positive definite".into());
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_of_standard_normal_samples_is_about_their_dimension() {
        let mut rng = crate::rng::SeededRng::new(3);
        let samples: Vec<Vec<f64>> = (0..4000)
            .map(|_| {
                rng.normals(3)
                    .into_iter()
                    .map(|v| 2.0 + 5.0 * v as f64)
                    .collect()
            })
            .collect();
        let g = Gaussian::fit(&samples).unwrap();
        let mean = samples.iter().map(|s| g.distance2(s)).sum::<f64>() / samples.len() as f64;
        // E[chi^2_3] = 3, a little less with the shrinkage.
        assert!((mean - 3.0).abs() < 0.2, "{mean}");
        assert!(g.distance2(&[2.0, 2.0, 2.0]) < 0.01);
        assert!(g.distance2(&[2.0, 2.0, 32.0]) > 30.0);
    }

    #[test]
    fn correlated_features_are_measured_against_their_correlation() {
        // b follows a closely: (1, 1) is typical, (1, -1) is far off though each is usual.
        let mut rng = crate::rng::SeededRng::new(5);
        let samples: Vec<Vec<f64>> = (0..2000)
            .map(|_| {
                let v = rng.normals(2);
                vec![v[0] as f64, v[0] as f64 + 0.1 * v[1] as f64]
            })
            .collect();
        let g = Gaussian::fit(&samples).unwrap();
        assert!(g.distance2(&[1.0, -1.0]) > 10.0 * g.distance2(&[1.0, 1.0]));
    }

    #[test]
    fn constant_features_and_bad_input_do_not_break_it() {
        let samples = vec![vec![1.0, 7.0], vec![2.0, 7.0], vec![3.0, 7.0]];
        let g = Gaussian::fit(&samples).unwrap();
        assert!(g.distance2(&[2.0, 7.0]).is_finite());
        assert!(Gaussian::fit(&samples[..1]).is_err());
        assert!(Gaussian::fit(&[vec![1.0], vec![1.0, 2.0]]).is_err());
    }
}
