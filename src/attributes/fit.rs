//! Fitting the directions on a face folder and checking them (native only): `realnvp
//! attributes-fit`. UTKFace's labelled training images give the directions; the labelled
//! validation images (never used to fit) give the measured check.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::stats::{auroc, spearman};
use super::{Attributes, Direction, age_group, fit_direction, flatten, utkface_labels};
use crate::RealNvp;
use crate::inference::{encode_pixels, values_now};
use crate::train::data::{decode_all, find_images, is_validation, progress_bar};

/// A labelled face, decoded to the model's input.
pub struct LabelledFace {
    pub path: PathBuf,
    pub age: u32,
    /// 0 or 1, as UTKFace labels it.
    pub gender: u8,
    pub pixels: Vec<u8>,
}

/// The labelled faces under `root`, split as training splits them (`is_validation`), each
/// split thinned to at most `limit` evenly spaced images.
pub fn labelled_faces(
    root: &Path,
    size: usize,
    limit: usize,
    progress: bool,
) -> Result<(Vec<LabelledFace>, Vec<LabelledFace>)> {
    let labelled: Vec<(PathBuf, (u32, u8))> = find_images(root)?
        .into_iter()
        .filter_map(|p| {
            let labels = utkface_labels(p.file_name()?.to_str()?)?;
            Some((p, labels))
        })
        .collect();
    if labelled.is_empty() {
        bail!(
            "no UTKFace-labelled images (AGE_GENDER_RACE_... file names) under {}",
            root.display()
        );
    }
    let (val, train): (Vec<_>, Vec<_>) = labelled.into_iter().partition(|(p, _)| is_validation(p));
    let decode = |split: Vec<(PathBuf, (u32, u8))>, what: &str| {
        let split = thin(split, limit);
        let files: Vec<PathBuf> = split.iter().map(|(p, _)| p.clone()).collect();
        if progress {
            eprintln!("decoding {} {what} images", files.len());
        }
        split
            .into_iter()
            .zip(decode_all(&files, size, progress))
            .filter_map(|((path, (age, gender)), pixels)| {
                Some(LabelledFace {
                    path,
                    age,
                    gender,
                    pixels: pixels.ok()?,
                })
            })
            .collect::<Vec<_>>()
    };
    Ok((decode(train, "training"), decode(val, "validation")))
}

/// At most `limit` items, evenly spaced (the folder is sorted by age: a prefix would not do).
fn thin<T>(items: Vec<T>, limit: usize) -> Vec<T> {
    if items.len() <= limit {
        return items;
    }
    let n = items.len();
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (i * limit) % n < limit)
        .map(|(_, item)| item)
        .take(limit)
        .collect()
}

/// Each face's concatenated latent, in batches, with a progress bar.
pub fn encode_all(
    model: &RealNvp,
    faces: &[LabelledFace],
    what: &str,
    progress: bool,
) -> Result<Vec<Vec<f32>>> {
    let bar = progress_bar(faces.len() as u64, what, progress);
    let mut out = Vec::with_capacity(faces.len());
    for chunk in faces.chunks(16) {
        let images: Vec<Vec<u8>> = chunk.iter().map(|f| f.pixels.clone()).collect();
        let per_scale: Vec<Vec<f32>> = encode_pixels(model, &images)
            .into_iter()
            .map(values_now)
            .collect::<Result<_, _>>()?;
        for i in 0..chunk.len() {
            let parts: Vec<Vec<f32>> = per_scale
                .iter()
                .map(|s| {
                    let n = s.len() / chunk.len();
                    s[i * n..(i + 1) * n].to_vec()
                })
                .collect();
            out.push(flatten(&parts));
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// The age and gender directions from training faces and their latents.
pub fn fit(model: &RealNvp, faces: &[LabelledFace], latents: &[Vec<f32>]) -> Result<Attributes> {
    let ages: Vec<Option<bool>> = faces.iter().map(|f| age_group(f.age)).collect();
    let genders: Vec<Option<bool>> = faces.iter().map(|f| Some(f.gender == 1)).collect();
    let young = format!("under-{}s", super::YOUNG_BELOW);
    let old = format!("{}-and-overs", super::OLD_FROM);
    let directions: Vec<Direction> = vec![
        fit_direction("age", latents, &ages, (&young, &old)).map_err(anyhow::Error::msg)?,
        fit_direction(
            "gender",
            latents,
            &genders,
            ("label-0 faces", "label-1 faces"),
        )
        .map_err(anyhow::Error::msg)?,
    ];
    let size = model.config().image_size;
    Ok(Attributes {
        image_size: size,
        latent_dims: 3 * size * size,
        directions,
    })
}

/// The measured check on held-out faces.
#[derive(Debug, serde::Serialize)]
pub struct Check {
    pub images: usize,
    /// How well the gender coordinate separates the two labels (0.5: chance).
    pub gender_auroc: f64,
    /// How well the age coordinate ranks the labelled ages (0: no relation).
    pub age_spearman: f64,
}

pub fn check(
    attributes: &Attributes,
    faces: &[LabelledFace],
    latents: &[Vec<f32>],
) -> Result<Check> {
    let along = |name: &str| -> Result<Vec<f32>> {
        let d = attributes
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("no {name} direction"))?;
        Ok(latents.iter().map(|z| d.coordinate(z)).collect())
    };
    let genders: Vec<bool> = faces.iter().map(|f| f.gender == 1).collect();
    let ages: Vec<f32> = faces.iter().map(|f| f.age as f32).collect();
    Ok(Check {
        images: faces.len(),
        gender_auroc: auroc(&along("gender")?, &genders),
        age_spearman: spearman(&along("age")?, &ages),
    })
}
