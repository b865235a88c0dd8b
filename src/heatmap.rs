//! Pictures of a bits map ([`crate::model::BitsMap`]): one colour map (viridis: perceptually
//! uniform, readable in grey and by most colour-blind people) for the CLI's heat-map figure
//! and the page's overlay, so both show the same colours for the same numbers.

use image::{Rgb, RgbImage};

/// Viridis at `t` in [0, 1] (clamped): a degree-6 polynomial fit of matplotlib's table,
/// within about 1/100 of it everywhere.
pub fn viridis(t: f32) -> [u8; 3] {
    const C: [[f32; 3]; 7] = [
        [0.277_727_33, 0.005_407_344_5, 0.334_099_8],
        [0.105_093_04, 1.404_613_5, 1.384_590_2],
        [-0.330_861_83, 0.214_847_56, 0.095_095_16],
        [-4.634_230_5, -5.799_101, -19.332_441],
        [6.228_27, 14.179_933, 56.690_55],
        [4.776_385, -13.745_145, -65.353_03],
        [-5.435_456, 4.645_852_7, 26.312_435],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut rgb = [0u8; 3];
    for (ch, out) in rgb.iter_mut().enumerate() {
        let v = C.iter().rev().fold(0.0, |acc, c| acc * t + c[ch]);
        *out = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
    rgb
}

/// The range a map is drawn with: its smallest and largest value (never an empty range).
pub fn range(values: &[f32]) -> (f32, f32) {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else if hi - lo < 1e-6 {
        (lo, lo + 1e-6)
    } else {
        (lo, hi)
    }
}

/// Each value's colour between `lo` and `hi`, as RGBA with `alpha` (the page's overlay).
pub fn rgba(values: &[f32], lo: f32, hi: f32, alpha: u8) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| {
            let [r, g, b] = viridis((v - lo) / (hi - lo));
            [r, g, b, alpha]
        })
        .collect()
}

const ZOOM_TO: u32 = 256;
const GAP: u32 = 8;
const BAR_WIDTH: u32 = 16;
const TEXT_SCALE: u32 = 2;

/// The CLI's figure: the crop (`size x size` RGB) beside its bits map, both enlarged to about
/// 256 pixels, and a colour bar labelled with the map's range in bits per pixel position.
pub fn figure(crop: &[u8], map: &[f32], size: usize) -> RgbImage {
    let size = size as u32;
    let zoom = (ZOOM_TO / size).max(1);
    let side = size * zoom;
    let (lo, hi) = range(map);
    let (top, bottom) = (label(hi), label(lo));
    let unit = "bits/px";
    let text_width = [&top, &bottom, unit]
        .iter()
        .map(|t| text_width(t))
        .max()
        .unwrap_or(0);
    let width = side * 2 + GAP * 4 + BAR_WIDTH + text_width;
    let height = side + GAP * 2;
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let map_left = GAP * 2 + side;
    for y in 0..side {
        for x in 0..side {
            let i = ((y / zoom) * size + x / zoom) as usize;
            let c = &crop[i * 3..i * 3 + 3];
            img.put_pixel(GAP + x, GAP + y, Rgb([c[0], c[1], c[2]]));
            let t = (map[i] - lo) / (hi - lo);
            img.put_pixel(map_left + x, GAP + y, Rgb(viridis(t)));
        }
    }
    let bar_left = map_left + side + GAP;
    for y in 0..side {
        let colour = Rgb(viridis(1.0 - y as f32 / (side - 1).max(1) as f32));
        for x in 0..BAR_WIDTH {
            img.put_pixel(bar_left + x, GAP + y, colour);
        }
    }
    let text_left = bar_left + BAR_WIDTH + GAP / 2;
    let line = 5 * TEXT_SCALE;
    draw_text(&mut img, &top, text_left, GAP);
    draw_text(&mut img, unit, text_left, GAP + side / 2 - line / 2);
    draw_text(&mut img, &bottom, text_left, GAP + side - line);
    img
}

fn label(v: f32) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A 3x5 pixel font for the labels (digits and the few letters they use).
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0, 0, 0, 0, 0b010],
        '-' => [0, 0, 0b111, 0, 0],
        'b' => [0b100, 0b100, 0b111, 0b101, 0b111],
        'i' => [0b010, 0, 0b010, 0b010, 0b010],
        't' => [0b010, 0b111, 0b010, 0b010, 0b011],
        's' => [0b011, 0b100, 0b010, 0b001, 0b110],
        'p' => [0, 0b111, 0b101, 0b111, 0b100],
        'x' => [0, 0b101, 0b010, 0b101, 0],
        '/' => [0b001, 0b001, 0b010, 0b100, 0b100],
        _ => [0; 5],
    }
}

fn text_width(text: &str) -> u32 {
    text.chars().count() as u32 * 4 * TEXT_SCALE
}

fn draw_text(img: &mut RgbImage, text: &str, left: u32, top: u32) {
    for (n, c) in text.chars().enumerate() {
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..3u32 {
                if bits & (0b100 >> col) == 0 {
                    continue;
                }
                for dy in 0..TEXT_SCALE {
                    for dx in 0..TEXT_SCALE {
                        let x = left + (n as u32 * 4 + col) * TEXT_SCALE + dx;
                        let y = top + row as u32 * TEXT_SCALE + dy;
                        if x < img.width() && y < img.height() {
                            img.put_pixel(x, y, Rgb([0, 0, 0]));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_middle_match_matplotlib() {
        // matplotlib's viridis at 0, 0.5 and 1, x 255.
        for (t, want) in [
            (0.0, [68, 1, 84]),
            (0.5, [33, 145, 140]),
            (1.0, [253, 231, 37]),
        ] {
            let got = viridis(t);
            for ch in 0..3 {
                assert!(
                    (got[ch] as i32 - want[ch]).abs() <= 6,
                    "t={t}: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn figure_shows_crop_map_and_bar() {
        let size = 8;
        let crop: Vec<u8> = (0..size * size * 3).map(|i| (i * 7 % 256) as u8).collect();
        let map: Vec<f32> = (0..size * size).map(|i| i as f32 / 10.0).collect();
        let img = figure(&crop, &map, size);
        let zoom = 256 / size as u32;
        assert_eq!(img.height(), 256 + 2 * GAP);
        // The crop's first pixel, enlarged.
        assert_eq!(img.get_pixel(GAP, GAP).0, [crop[0], crop[1], crop[2]]);
        // The map's last cell is the top of the scale, its first the bottom.
        let map_left = 2 * GAP + 256;
        assert_eq!(img.get_pixel(map_left, GAP).0, viridis(0.0));
        assert_eq!(
            img.get_pixel(map_left + 256 - 1, GAP + 256 - 1).0,
            viridis(1.0)
        );
        assert_eq!(img.get_pixel(map_left + zoom, GAP).0, viridis(1.0 / 63.0));
    }

    #[test]
    fn flat_and_non_finite_maps_still_draw() {
        assert_eq!(range(&[2.0, 2.0]).0, 2.0);
        assert!(range(&[2.0, 2.0]).1 > 2.0);
        assert_eq!(range(&[f32::NAN]), (0.0, 1.0));
        assert_eq!(rgba(&[f32::NAN], 0.0, 1.0, 200), {
            let [r, g, b] = viridis(0.0);
            vec![r, g, b, 200]
        });
    }
}
