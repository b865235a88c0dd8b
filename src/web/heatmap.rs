//! The page's heat-map colours, from the same code as the CLI's figure (`crate::heatmap`).

use wasm_bindgen::prelude::*;

use crate::heatmap;

/// `[lo, hi]`: the range a bits map is drawn with (its smallest and largest value).
#[wasm_bindgen(js_name = heatmapRange)]
pub fn heatmap_range(values: &[f32]) -> Vec<f32> {
    let (lo, hi) = heatmap::range(values);
    vec![lo, hi]
}

/// The map's colours (viridis from `lo` to `hi`) as RGBA with `alpha`, for an overlay.
#[wasm_bindgen(js_name = heatmapRgba)]
pub fn heatmap_rgba(values: &[f32], lo: f32, hi: f32, alpha: u8) -> Vec<u8> {
    heatmap::rgba(values, lo, hi, alpha)
}

/// `stops` colours from the bottom of the scale to the top, RGB, for the colour bar.
#[wasm_bindgen(js_name = heatmapStops)]
pub fn heatmap_stops(stops: usize) -> Vec<u8> {
    let last = stops.max(2) - 1;
    (0..=last)
        .flat_map(|i| heatmap::viridis(i as f32 / last as f32))
        .collect()
}
