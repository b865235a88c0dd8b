//! Attribute directions in the latent space, for editing a face along age and gender
//! (Glow's method, Kingma & Dhariwal 2018, section 5.2: the difference of class means).
//!
//! A direction lives in the concatenated latent space: every scale's latent, in order, each
//! flattened `C, H, W` row-major ([`flatten`]). An edit decodes `z + amount * shift * unit`,
//! where `shift` is the length of the class-mean difference, so amount 1 moves a face by a
//! typical difference between the two groups and amount 0 gives the face back (encoding is
//! exact). The labels are the data set's (UTKFace's file names), not the people's own.

mod file;
#[cfg(not(target_family = "wasm"))]
pub mod fit;
pub mod stats;

use burn::tensor::{Device, Tensor, TensorData};

pub use file::{AttributesError, FILE_FORMAT};

/// One fitted direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Direction {
    /// `age` or `gender`.
    pub name: String,
    /// Unit vector over the concatenated latents.
    pub unit: Vec<f32>,
    /// Length of the class-mean difference: what amount 1 adds along `unit`.
    pub shift: f32,
    /// Mean and standard deviation of the fitting images' projections `z . unit`: a
    /// coordinate is reported as `(z . unit - mean) / spread`.
    pub mean: f32,
    pub spread: f32,
    /// How it was fitted, in words (groups and their sizes).
    pub how: String,
}

impl Direction {
    /// The standardised coordinate of a latent along this direction.
    pub fn coordinate(&self, z: &[f32]) -> f32 {
        (dot(z, &self.unit) - self.mean) / self.spread
    }

    /// The direction as one tensor per scale (`shapes`: the model's latent shapes) on
    /// `device`, to edit and project latents there.
    pub fn on_device(&self, shapes: &[[usize; 3]], device: &Device) -> DeviceDirection {
        DeviceDirection {
            unit: unflatten(&self.unit, shapes, device),
            shift: self.shift,
            mean: self.mean,
            spread: self.spread,
        }
    }
}

/// A [`Direction`] on a device: what the CLI and the page edit faces with.
pub struct DeviceDirection {
    unit: Vec<Tensor<4>>,
    shift: f32,
    mean: f32,
    spread: f32,
}

impl DeviceDirection {
    /// Latents (one tensor per scale, any batch) moved by `amount` typical shifts.
    pub fn edit(&self, latents: Vec<Tensor<4>>, amount: f32) -> Vec<Tensor<4>> {
        let step = (amount * self.shift) as f64;
        latents
            .into_iter()
            .zip(&self.unit)
            .map(|(z, u)| z + u.clone().mul_scalar(step))
            .collect()
    }

    /// The standardised coordinate of each image of a batch of latents, `[B]`.
    pub fn coordinates(&self, latents: &[Tensor<4>]) -> Tensor<1> {
        let batch = latents[0].dims()[0];
        latents
            .iter()
            .zip(&self.unit)
            .map(|(z, u)| {
                (z.clone() * u.clone())
                    .reshape([batch as i64, -1])
                    .sum_dim(1)
                    .reshape([batch])
            })
            .reduce(|a, b| a + b)
            .expect("at least one scale")
            .sub_scalar(self.mean as f64)
            .div_scalar(self.spread as f64)
    }
}

/// The directions shipped beside a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes {
    /// The model's input size and latent dimension (`3 x size^2`) they were fitted for.
    pub image_size: usize,
    pub latent_dims: usize,
    pub directions: Vec<Direction>,
}

impl Attributes {
    pub fn get(&self, name: &str) -> Option<&Direction> {
        self.directions.iter().find(|d| d.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.directions.iter().map(|d| d.name.clone()).collect()
    }

    /// Every direction on `model`'s device, in file order: done once per loaded file, not
    /// once per edit.
    pub fn on_device(&self, model: &crate::RealNvp) -> Vec<DeviceDirection> {
        let shapes = model.config().latent_shapes();
        let device = model.device();
        self.directions
            .iter()
            .map(|d| d.on_device(&shapes, &device))
            .collect()
    }
}

/// Glow's direction: the mean latent of the `positive` images minus that of the negative
/// ones (images labelled `None` are in neither group but count for the spread).
pub fn fit_direction(
    name: &str,
    latents: &[Vec<f32>],
    groups: &[Option<bool>],
    group_names: (&str, &str),
) -> Result<Direction, String> {
    assert_eq!(latents.len(), groups.len(), "one group label per latent");
    let dims = latents.first().map_or(0, Vec::len);
    let mut sums = [vec![0f64; dims], vec![0f64; dims]];
    let mut counts = [0usize; 2];
    for (z, group) in latents.iter().zip(groups) {
        if let Some(positive) = group {
            let k = *positive as usize;
            counts[k] += 1;
            for (s, v) in sums[k].iter_mut().zip(z) {
                *s += *v as f64;
            }
        }
    }
    if counts[0] < 2 || counts[1] < 2 {
        return Err(format!(
            "{name}: need at least 2 images in each group, found {} {} and {} {}",
            counts[0], group_names.0, counts[1], group_names.1
        ));
    }
    let diff: Vec<f64> = sums[1]
        .iter()
        .zip(&sums[0])
        .map(|(p, n)| p / counts[1] as f64 - n / counts[0] as f64)
        .collect();
    let shift = diff.iter().map(|d| d * d).sum::<f64>().sqrt();
    if shift == 0.0 || !shift.is_finite() {
        return Err(format!("{name}: the two groups have the same mean latent"));
    }
    let unit: Vec<f32> = diff.iter().map(|d| (d / shift) as f32).collect();
    let projections: Vec<f64> = latents.iter().map(|z| dot(z, &unit) as f64).collect();
    let mean = projections.iter().sum::<f64>() / projections.len() as f64;
    let var = projections.iter().map(|p| (p - mean).powi(2)).sum::<f64>()
        / projections.len().max(2).saturating_sub(1) as f64;
    Ok(Direction {
        name: name.to_string(),
        unit,
        shift: shift as f32,
        mean: mean as f32,
        spread: var.sqrt().max(1e-6) as f32,
        how: format!(
            "mean latent of {} {} minus that of {} {}",
            counts[1], group_names.1, counts[0], group_names.0
        ),
    })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One image's latents (batch 1, one tensor per scale) as one vector.
pub fn flatten(values_per_scale: &[Vec<f32>]) -> Vec<f32> {
    values_per_scale.concat()
}

/// A concatenated latent vector back to one `[1, C, H, W]` tensor per scale.
pub fn unflatten(z: &[f32], shapes: &[[usize; 3]], device: &Device) -> Vec<Tensor<4>> {
    let mut start = 0;
    shapes
        .iter()
        .map(|&[c, h, w]| {
            let n = c * h * w;
            let part = z[start..start + n].to_vec();
            start += n;
            Tensor::from_data(TensorData::new(part, [1, c, h, w]), device)
        })
        .collect()
}

/// UTKFace's labels from a file name `AGE_GENDER_RACE_DATE...` (gender 0 male, 1 female as
/// the data set labels it); `None` for any other name.
pub fn utkface_labels(file_name: &str) -> Option<(u32, u8)> {
    let mut parts = file_name.split('_');
    let age: u32 = parts.next()?.parse().ok()?;
    let gender: u8 = parts.next()?.parse().ok()?;
    let race = parts.next()?;
    (gender <= 1 && (1..=116).contains(&age) && race.parse::<u8>().is_ok()).then_some((age, gender))
}

/// The age groups of the age direction: under 25 against 50 and over.
pub const YOUNG_BELOW: u32 = 25;
pub const OLD_FROM: u32 = 50;

/// Which age group an age is in (`None`: in between, in neither).
pub fn age_group(age: u32) -> Option<bool> {
    if age < YOUNG_BELOW {
        Some(false)
    } else if age >= OLD_FROM {
        Some(true)
    } else {
        None
    }
}

// Native only: they read tensors back synchronously (`values_now`).
#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;
    use crate::inference::values_now;

    #[test]
    fn a_planted_direction_is_recovered() {
        // 400 noisy latents of 50 dims; the positive group is shifted by 0.8 along `planted`.
        let mut rng = crate::rng::SeededRng::new(9);
        let dims = 50;
        let planted: Vec<f32> = {
            let raw = rng.normals(dims);
            let n = dot(&raw, &raw).sqrt();
            raw.iter().map(|v| v / n).collect()
        };
        let groups: Vec<Option<bool>> = (0..400)
            .map(|i| match i % 3 {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            })
            .collect();
        let latents: Vec<Vec<f32>> = groups
            .iter()
            .map(|g| {
                let noise = rng.normals(dims);
                let amount = if *g == Some(true) { 0.8 } else { 0.0 };
                noise
                    .iter()
                    .zip(&planted)
                    .map(|(n, p)| 0.3 * n + amount * p)
                    .collect()
            })
            .collect();
        let d = fit_direction("test", &latents, &groups, ("a", "b")).unwrap();
        let cosine = dot(&d.unit, &planted);
        assert!(cosine > 0.9, "recovered direction is off: cosine {cosine}");
        assert!((d.shift - 0.8).abs() < 0.2, "shift {}", d.shift);
        assert!(
            d.how.contains("133 b") && d.how.contains("134 a"),
            "{}",
            d.how
        );
        // On a device: amount 0 leaves a latent alone, amount 1 moves it by one shift,
        // which moves its coordinate by shift / spread.
        let device = Device::flex();
        let shapes = [[2, 5, 5]];
        let on_device = d.on_device(&shapes, &device);
        let z = unflatten(&latents[0], &shapes, &device);
        let read = |t: Tensor<4>| values_now(t).unwrap();
        assert_eq!(read(on_device.edit(z.clone(), 0.0).remove(0)), latents[0]);
        let moved = on_device.edit(z.clone(), 1.0);
        let along = dot(&read(moved[0].clone()), &d.unit) - dot(&latents[0], &d.unit);
        assert!(
            (along - d.shift).abs() < 1e-4,
            "moved {along}, shift {}",
            d.shift
        );
        let before = values_now(on_device.coordinates(&z)).unwrap()[0];
        let after = values_now(on_device.coordinates(&moved)).unwrap()[0];
        assert!((before - d.coordinate(&latents[0])).abs() < 1e-4);
        assert!((after - before - d.shift / d.spread).abs() < 1e-3);
    }

    #[test]
    fn one_sided_groups_are_an_error() {
        let latents = vec![vec![1.0, 0.0]; 4];
        let groups = vec![Some(true); 4];
        let err = fit_direction("age", &latents, &groups, ("young", "old")).unwrap_err();
        assert!(err.contains("0 young"), "{err}");
    }

    #[test]
    fn utkface_names_are_parsed() {
        assert_eq!(
            utkface_labels("26_1_0_20170116.jpg.chip.jpg"),
            Some((26, 1))
        );
        assert_eq!(
            utkface_labels("100_0_2_20170105174847679.jpg.chip.jpg"),
            Some((100, 0))
        );
        assert_eq!(utkface_labels("Aaron_Eckhart_0001.jpg"), None);
        assert_eq!(utkface_labels("26_3_0_x.jpg"), None);
        assert_eq!(age_group(24), Some(false));
        assert_eq!(age_group(30), None);
        assert_eq!(age_group(50), Some(true));
    }

    #[test]
    fn flatten_and_unflatten_agree() {
        let device = Device::flex();
        let shapes = [[2, 2, 2], [4, 1, 1]];
        let z: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let tensors = unflatten(&z, &shapes, &device);
        let back: Vec<Vec<f32>> = tensors
            .into_iter()
            .map(|t| values_now(t).unwrap())
            .collect();
        assert_eq!(flatten(&back), z);
    }
}
