//! Limits shared by the CLI and the page (which reads them through the wasm API's
//! `limits()`), so that both refuse the same requests with the same words.

use crate::RealNvpConfig;

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

pub fn check_edit_amounts(amounts: &[f32]) -> Result<(), String> {
    if amounts.is_empty() || amounts.len() > MAX_EDITS {
        return Err(format!(
            "give 1 to {MAX_EDITS} edit amounts, got {}",
            amounts.len()
        ));
    }
    match amounts
        .iter()
        .find(|a| !a.is_finite() || a.abs() > MAX_EDIT_AMOUNT)
    {
        Some(a) => Err(format!(
            "an edit amount must be a number from -{MAX_EDIT_AMOUNT} to {MAX_EDIT_AMOUNT}, got {a}"
        )),
        None => Ok(()),
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
