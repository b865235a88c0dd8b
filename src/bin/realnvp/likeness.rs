//! `realnvp likeness`: fit face-likeness on validation faces, measure it against non-faces
//! (AUROC, beside raw bits/dim and Serrà's complexity-corrected score), and with `--write`
//! ship it beside the weights. Validation people are split by identity: half fit the
//! Gaussian, a quarter are the reference a crop is placed among (and set the threshold),
//! a quarter only measure. No non-face image goes into the file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use image::RgbImage;
use realnvp::RealNvp;
use realnvp::image::{Crop, Decoded, centre_square, crop_resize, decode_photo};
use realnvp::inference::{CropScore, block_on, score_crops};
use realnvp::likeness::{Calibration, FeatureSet, Verdict, auroc::auroc, fingerprint, synthetic};
use realnvp::train::data::{find_images, identity_key, is_validation, progress_bar};
use realnvp::weights::fnv1a64;

use crate::common::{Backend, WeightFile, read_file};

/// Synthetic non-faces of each kind.
const PER_KIND: usize = 40;
/// Side of the tiny copies of the non-face photos (CIFAR-10's), enlarged when scored.
const TINY: usize = 32;

#[derive(Args)]
pub struct LikenessArgs {
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long, default_value = "../shared/data/faces")]
    data: PathBuf,
    /// A folder of non-face photos to measure against (none are used in the fit).
    #[arg(long, default_value = "../shared/data/nonfaces")]
    nonfaces: PathBuf,
    /// The features of the shipped score.
    #[arg(long, value_enum, default_value_t = FeatureSet::TermsAndPng)]
    features: FeatureSet,
    /// Write the calibration to face_likeness.json beside the weight file.
    #[arg(long)]
    write: bool,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

/// A score's name and how it rates a crop (higher: less face-like).
type Candidate = (String, Box<dyn Fn(&Scored) -> f64>);

/// A scored crop and its PNG code length.
struct Scored {
    score: CropScore,
    png: f64,
}

impl LikenessArgs {
    pub fn run(self) -> Result<ExitCode> {
        let weights = WeightFile::read(self.weights.clone())?;
        let model = weights.model(self.backend)?;
        let size = model.config().image_size;
        let progress = !self.quiet;

        let mut parts: [Vec<Crop>; 3] = Default::default();
        for file in find_images(&self.data)?
            .into_iter()
            .filter(|f| is_validation(f))
        {
            let part = match fnv1a64(identity_key(&file).as_bytes()) / 20 % 4 {
                0 | 1 => 0,
                2 => 1,
                _ => 2,
            };
            match crop_of(&file, size) {
                Ok(crop) => parts[part].push(crop),
                Err(e) => eprintln!("skipping {}: {e:#}", file.display()),
            }
        }
        let [fit, reference, report] =
            parts.map(|crops| score_all(&model, crops, "faces", progress));
        let (fit, reference, report) = (fit?, reference?, report?);
        if fit.len() < 50 || reference.len() < 20 || report.is_empty() {
            bail!("too few validation faces under {}", self.data.display());
        }

        let mut groups: Vec<(String, Vec<Scored>)> = Vec::new();
        if self.nonfaces.is_dir() {
            let files = find_images(&self.nonfaces)?;
            let photos: Vec<Decoded> = files
                .iter()
                .filter_map(|f| decode_photo(&read_file(f).ok()?).ok())
                .collect();
            let natural = photos
                .iter()
                .map(|p| Crop::centred(p, size))
                .collect::<Result<Vec<_>, _>>()?;
            let tiny = photos
                .iter()
                .map(|p| tiny_copy(p, size))
                .collect::<Result<Vec<_>, _>>()?;
            let label = self.nonfaces.display();
            groups.push((
                format!("photos ({label})"),
                score_all(&model, natural, "non-faces", progress)?,
            ));
            groups.push((
                format!("photos at {TINY}x{TINY}, enlarged"),
                score_all(&model, tiny, "tiny", progress)?,
            ));
        }
        let made = synthetic::non_faces(PER_KIND, 11);
        for kind in synthetic::KINDS {
            let crops = made
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, image)| Crop::centred(&Decoded::from_rgb(image.clone()), size))
                .collect::<Result<Vec<_>, _>>()?;
            groups.push((
                format!("synthetic: {kind}"),
                score_all(&model, crops, kind, progress)?,
            ));
        }

        let terms = fit[0].score.terms.len();
        let fnv = fingerprint(&weights.bytes);
        let calibrations = FeatureSet::ALL.map(|set| {
            let vectors = |s: &[Scored]| {
                s.iter()
                    .map(|x| set.of(&x.score, x.png))
                    .collect::<Vec<_>>()
            };
            Calibration::fit(
                set,
                terms,
                fnv.clone(),
                &vectors(&fit),
                &vectors(&reference),
            )
        });
        let mut candidates: Vec<Candidate> = vec![
            (
                "raw bits/dim".into(),
                Box::new(|s: &Scored| s.score.bits_per_dim),
            ),
            (
                "bits/dim minus PNG's (Serrà's S)".into(),
                Box::new(|s: &Scored| s.score.bits_per_dim - s.png),
            ),
        ];
        for c in &calibrations {
            let c = c.clone().map_err(anyhow::Error::msg)?;
            candidates.push((
                c.features.name().to_string(),
                Box::new(move |s: &Scored| {
                    c.judge(&s.score, s.png).map_or(f64::NAN, |j| j.distance)
                }),
            ));
        }
        print_table(&candidates, &report, &groups);

        let shipped = calibrations[FeatureSet::ALL
            .iter()
            .position(|&s| s == self.features)
            .unwrap_or(0)]
        .clone()
        .map_err(anyhow::Error::msg)?;
        print_verdicts(&shipped, &report, &groups);
        if self.write {
            let path = weights.beside(realnvp::likeness::LIKENESS_FILE);
            std::fs::write(&path, serde_json::to_string(&shipped)?)
                .with_context(|| format!("writing {}", path.display()))?;
            println!(
                "\nwrote {} ({}, {} faces in the fit, {} reference faces)",
                path.display(),
                shipped.features.name(),
                shipped.fitted_faces,
                shipped.reference.len()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn crop_of(file: &Path, size: usize) -> Result<Crop> {
    Crop::centred(
        &decode_photo(&read_file(file).map_err(anyhow::Error::msg)?)?,
        size,
    )
    .with_context(|| format!("cropping {}", file.display()))
}

/// The photo's centred square at `TINY x TINY`, scored as a `TINY`-pixel image would be.
fn tiny_copy(photo: &Decoded, size: usize) -> Result<Crop> {
    let (x, y, side) = centre_square(photo.image.width(), photo.image.height());
    let pixels = crop_resize(&photo.image, x, y, side, TINY)?;
    let tiny = RgbImage::from_raw(TINY as u32, TINY as u32, pixels).context("a tiny crop")?;
    Ok(Crop::centred(&Decoded::from_rgb(tiny), size)?)
}

fn score_all(model: &RealNvp, crops: Vec<Crop>, what: &str, progress: bool) -> Result<Vec<Scored>> {
    let bar = progress_bar(crops.len() as u64, what, progress);
    let size = model.config().image_size;
    let mut out = Vec::with_capacity(crops.len());
    for chunk in crops.chunks(16) {
        for (score, crop) in block_on(score_crops(model, chunk, false))?
            .into_iter()
            .zip(chunk)
        {
            out.push(Scored {
                png: crop.png_bits_per_dim(size),
                score,
            });
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// AUROC of each candidate, non-faces (higher) against the report faces.
fn print_table(candidates: &[Candidate], faces: &[Scored], groups: &[(String, Vec<Scored>)]) {
    println!(
        "AUROC, non-faces against {} validation faces of people in neither the fit nor the reference (1 = always told apart, 0.5 = chance):\n",
        faces.len()
    );
    let header: Vec<String> = groups
        .iter()
        .map(|(g, s)| format!("{g} ({})", s.len()))
        .collect();
    println!("| score | {} | all synthetic |", header.join(" | "));
    println!("|---|{}---|", "---|".repeat(groups.len()));
    for (name, value) in candidates {
        let faces: Vec<f64> = faces.iter().map(value).collect();
        let mut row = Vec::new();
        let mut synthetic = Vec::new();
        for (group, scored) in groups {
            let v: Vec<f64> = scored.iter().map(value).collect();
            if group.starts_with("synthetic") {
                synthetic.extend_from_slice(&v);
            }
            row.push(fmt(auroc(&v, &faces)));
        }
        println!(
            "| {name} | {} | {} |",
            row.join(" | "),
            fmt(auroc(&synthetic, &faces))
        );
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

/// How the shipped calibration's verdicts fall on each group.
fn print_verdicts(c: &Calibration, faces: &[Scored], groups: &[(String, Vec<Scored>)]) {
    println!("\nVerdicts of the shipped score ({}):\n", c.features.name());
    println!(
        "Thresholds: unusual below the {:.0}th percentile of reference faces, not a face past distance {:.1}.\n",
        100.0 * realnvp::likeness::UNUSUAL_BELOW,
        c.not_a_face_above
    );
    println!(
        "| images | looks like the faces | unusual for a face | probably not a face | distance: 5% / median / 95% |"
    );
    println!("|---|---|---|---|---|");
    let row = |name: &str, scored: &[Scored]| {
        let judged: Vec<_> = scored.iter().map(|s| c.judge(&s.score, s.png)).collect();
        let mut counts = [0usize; 3];
        for j in &judged {
            match j.as_ref().map(|j| j.verdict) {
                Ok(Verdict::Typical) => counts[0] += 1,
                Ok(Verdict::Unusual) => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        let pct = |k: usize| format!("{:.1}%", 100.0 * k as f64 / scored.len().max(1) as f64);
        let mut d: Vec<f64> = judged
            .iter()
            .filter_map(|j| j.as_ref().ok().map(|j| j.distance))
            .collect();
        d.sort_by(f64::total_cmp);
        let at = |q: f64| {
            d.get(((d.len() as f64 - 1.0) * q).round() as usize)
                .map_or("-".into(), |v| format!("{v:.0}"))
        };
        println!(
            "| {name} ({}) | {} | {} | {} | {} / {} / {} |",
            scored.len(),
            pct(counts[0]),
            pct(counts[1]),
            pct(counts[2]),
            at(0.05),
            at(0.5),
            at(0.95)
        );
    };
    row("validation faces (report part)", faces);
    for (group, scored) in groups {
        row(group, scored);
    }
}
