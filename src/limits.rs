//! Every limit and default shared by the CLI, the trainer and the page, in one place: the
//! page reads them through the wasm API's `limits()` ([`PageLimits`], one plain object), and
//! the end-to-end test reads them from the page, so that all refuse the same requests with
//! the same words and draw the same grids.

use serde::Serialize;

use crate::RealNvpConfig;

/// The image formats a photo may come in, as refusals and the page name them.
pub const READ_FORMATS: &str = "JPEG, PNG, WebP, GIF, BMP or TIFF";

/// Larger image files are refused before decoding.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Larger images (by their header) are refused before decoding.
pub const MAX_SIDE: u32 = 12_000;
pub const MAX_PIXELS: u64 = 60_000_000;

/// Most faces one sample request draws (a 16x16 grid).
pub const MAX_FACES: usize = 256;
/// Most rows (and columns) of an interpolation grid.
pub const MAX_STEPS: usize = 16;
/// Highest sampling temperature; beyond it samples are noise.
pub const MAX_TEMPERATURE: f32 = 4.0;
/// Largest edit amount (in typical shifts along an attribute direction); beyond it a face
/// stops looking like one.
pub const MAX_EDIT_AMOUNT: f32 = 3.0;
/// Most edits in one strip.
pub const MAX_EDITS: usize = 16;
/// Largest image side of a model the page loads: a 1024x1024 model would load, then draw
/// nothing for minutes. The CLI has no such limit.
pub const PAGE_MAX_IMAGE_SIZE: usize = 128;
/// Most parameters of a model the page loads (about 4x the shipped one).
pub const PAGE_MAX_PARAMETERS: u64 = 32_000_000;
/// Most CPU workers the page starts (each holds its own model, ~200 MB).
pub const PAGE_MAX_CPU_WORKERS: usize = 8;

/// Sampling temperature of every grid unless asked otherwise: samples at 1.0 are noisier
/// (the paper's figures and Glow's use 0.7 too).
pub const DEFAULT_TEMPERATURE: f32 = 0.7;
/// Faces in the page's first grid (the CLI's `sample` draws an 8x8 grid by default).
pub const PAGE_DEFAULT_FACES: usize = 16;
/// Rows (and columns) of an interpolation grid unless asked otherwise.
pub const DEFAULT_STEPS: usize = 8;
/// White pixels around each face of a grid, in the CLI's PNGs and on the page's canvases
/// (the end-to-end test compares the two).
pub const GRID_GAP: usize = 2;
/// The amounts of an edit strip (`realnvp edit` and the page's download), in typical shifts.
pub const STRIP_AMOUNTS: [f32; 5] = [-2.0, -1.0, 0.0, 1.0, 2.0];
/// Longest side of the photo preview the page shows under the crop box.
pub const PAGE_PREVIEW_SIDE: u32 = 512;

/// The limits and defaults the page needs, as the one object `limits()` hands to JS.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageLimits {
    pub max_faces: usize,
    pub max_steps: usize,
    pub max_temperature: f32,
    pub max_edit_amount: f32,
    pub max_edits: usize,
    pub max_file_bytes: usize,
    /// Largest image side of a model the page loads.
    pub max_image_size: usize,
    pub max_cpu_workers: usize,
    pub default_faces: usize,
    pub default_temperature: f32,
    pub default_steps: usize,
    pub grid_gap: usize,
    pub strip_amounts: Vec<f32>,
    pub preview_side: u32,
    pub read_formats: &'static str,
}

impl PageLimits {
    pub fn get() -> PageLimits {
        PageLimits {
            max_faces: MAX_FACES,
            max_steps: MAX_STEPS,
            max_temperature: MAX_TEMPERATURE,
            max_edit_amount: MAX_EDIT_AMOUNT,
            max_edits: MAX_EDITS,
            max_file_bytes: MAX_FILE_BYTES,
            max_image_size: PAGE_MAX_IMAGE_SIZE,
            max_cpu_workers: PAGE_MAX_CPU_WORKERS,
            default_faces: PAGE_DEFAULT_FACES,
            default_temperature: DEFAULT_TEMPERATURE,
            default_steps: DEFAULT_STEPS,
            grid_gap: GRID_GAP,
            strip_amounts: STRIP_AMOUNTS.to_vec(),
            preview_side: PAGE_PREVIEW_SIDE,
            read_formats: READ_FORMATS,
        }
    }
}

pub fn check_faces(n: usize) -> Result<(), String> {
    if (1..=MAX_FACES).contains(&n) {
        Ok(())
    } else {
        Err(format!(
            "the number of faces must be from 1 to {MAX_FACES}, got {n}"
        ))
    }
}

pub fn check_steps(steps: usize) -> Result<(), String> {
    if (2..=MAX_STEPS).contains(&steps) {
        Ok(())
    } else {
        Err(format!(
            "the grid must have 2 to {MAX_STEPS} steps per side, got {steps}"
        ))
    }
}

pub fn check_temperature(temperature: f32) -> Result<(), String> {
    if temperature.is_finite() && (0.0..=MAX_TEMPERATURE).contains(&temperature) {
        Ok(())
    } else {
        Err(format!(
            "the temperature must be a number from 0 to {MAX_TEMPERATURE}, got {temperature}"
        ))
    }
}

pub fn check_edit_count(edits: usize) -> Result<(), String> {
    if (1..=MAX_EDITS).contains(&edits) {
        Ok(())
    } else {
        Err(format!("give 1 to {MAX_EDITS} edit amounts, got {edits}"))
    }
}

pub fn check_edit_amount(amount: f32) -> Result<(), String> {
    if amount.is_finite() && amount.abs() <= MAX_EDIT_AMOUNT {
        Ok(())
    } else {
        Err(format!(
            "an edit amount must be a number from -{MAX_EDIT_AMOUNT} to {MAX_EDIT_AMOUNT}, got {amount}"
        ))
    }
}

/// Whether the page can run a model of this config in reasonable time and memory.
pub fn check_page_model(config: &RealNvpConfig) -> Result<(), String> {
    if config.image_size > PAGE_MAX_IMAGE_SIZE {
        return Err(format!(
            "this weight file describes {0}x{0} images; the page runs models of at most {PAGE_MAX_IMAGE_SIZE}x{PAGE_MAX_IMAGE_SIZE} (use the realnvp CLI for larger ones)",
            config.image_size
        ));
    }
    let parameters = config.parameter_count();
    if parameters > PAGE_MAX_PARAMETERS {
        return Err(format!(
            "this weight file describes a model of {parameters} parameters; the page runs models of at most {PAGE_MAX_PARAMETERS} (use the realnvp CLI for larger ones)"
        ));
    }
    Ok(())
}
