//! Non-faces made in code, the kinds a likelihood is known to misjudge: blank images,
//! gradients, noise, textures, and tiny images enlarged (as CIFAR-10's 32x32 images are when
//! scored by a 64x64 model). Seeded, so every run measures the same images.

use image::{Rgb, RgbImage};

use crate::rng::SeededRng;

/// `(kind, image)` pairs, `per_kind` of each kind.
pub fn non_faces(per_kind: usize, seed: u64) -> Vec<(&'static str, RgbImage)> {
    let mut rng = SeededRng::new(seed);
    let mut out = Vec::new();
    for _ in 0..per_kind {
        let colour = random_colour(&mut rng);
        out.push(("blank", RgbImage::from_pixel(96, 96, Rgb(colour))));
        out.push(("gradient", gradient(&mut rng)));
        out.push(("noise", noise(&mut rng)));
        out.push(("texture", texture(&mut rng)));
        out.push(("enlarged tiny image", enlarged_tiny(&mut rng)));
    }
    out
}

/// The kinds [`non_faces`] makes, in order.
pub const KINDS: [&str; 5] = [
    "blank",
    "gradient",
    "noise",
    "texture",
    "enlarged tiny image",
];

fn random_colour(rng: &mut SeededRng) -> [u8; 3] {
    [0, 1, 2].map(|_| (rng.uniform() * 255.0) as u8)
}

fn mix(a: [u8; 3], b: [u8; 3], t: f64) -> Rgb<u8> {
    Rgb([0, 1, 2].map(|c| (a[c] as f64 * (1.0 - t) + b[c] as f64 * t).round() as u8))
}

fn gradient(rng: &mut SeededRng) -> RgbImage {
    let (a, b) = (random_colour(rng), random_colour(rng));
    let angle = rng.uniform() * std::f64::consts::TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    RgbImage::from_fn(96, 96, |x, y| {
        let t = ((x as f64 - 48.0) * dx + (y as f64 - 48.0) * dy) / 136.0 + 0.5;
        mix(a, b, t.clamp(0.0, 1.0))
    })
}

fn noise(rng: &mut SeededRng) -> RgbImage {
    let amplitude = 20.0 + rng.uniform() * 235.0;
    let mean = random_colour(rng);
    RgbImage::from_fn(96, 96, |_, _| {
        Rgb([0, 1, 2]
            .map(|c| (mean[c] as f64 + amplitude * (rng.uniform() - 0.5)).clamp(0.0, 255.0) as u8))
    })
}

/// Stripes, checks or waves of two colours at a random period.
fn texture(rng: &mut SeededRng) -> RgbImage {
    let (a, b) = (random_colour(rng), random_colour(rng));
    let period = 2.0 + rng.uniform() * 22.0;
    let kind = (rng.uniform() * 3.0) as u32;
    RgbImage::from_fn(96, 96, |x, y| {
        let (u, v) = (x as f64 / period, y as f64 / period);
        let t = match kind {
            0 => (u.floor() as i64 % 2) as f64,
            1 => ((u.floor() + v.floor()) as i64 % 2) as f64,
            _ => 0.5 + 0.5 * (u * std::f64::consts::TAU).sin() * (v * 2.1).cos(),
        };
        mix(a, b, t)
    })
}

/// Smooth random blobs at 8 to 32 pixels, scored through the crop's enlargement.
fn enlarged_tiny(rng: &mut SeededRng) -> RgbImage {
    let side = [8, 16, 32][(rng.uniform() * 3.0) as usize % 3];
    let blobs: Vec<(f64, f64, f64, [u8; 3])> = (0..4)
        .map(|_| {
            let (x, y) = (rng.uniform() * side as f64, rng.uniform() * side as f64);
            (
                x,
                y,
                side as f64 * (0.15 + 0.3 * rng.uniform()),
                random_colour(rng),
            )
        })
        .collect();
    let background = random_colour(rng);
    RgbImage::from_fn(side, side, |x, y| {
        let mut px = Rgb(background);
        for &(bx, by, r, colour) in &blobs {
            let d = ((x as f64 - bx).powi(2) + (y as f64 - by).powi(2)).sqrt();
            if d < r {
                px = mix(px.0, colour, 1.0 - d / r);
            }
        }
        px
    })
}
