//! Image file -> model input, shared by the trainer, the CLI and the page so that all three
//! see identical pixels: decode with size limits, centred square crop, box (area) resize.
//!
//! - `decode`: files -> upright RGB, refusing what `crate::limits` refuses;
//! - `container`: the JPEG/PNG structure walks behind those refusals;
//! - `crop`: the square the model sees and its resize;
//! - `warnings`: what a score of that square should be read with;
//! - `tensor`: pixels <-> tensors; `grid`: grids of faces and PNG bytes.

mod container;
mod crop;
mod decode;
mod grid;
mod tensor;
mod warnings;

pub use container::claimed_dimensions;
pub use crop::{Crop, centre_square, centred_crop, crop_resize, model_input};
pub use decode::{ALPHA_BACKGROUND, Decoded, ImageError, decode, decode_photo};
pub use grid::{grid, lossless_bits_per_dim, png_bytes, webp_bytes};
pub use tensor::{from_values, rgba, to_tensor};
pub use warnings::{UNIFORM_STD_LEVELS, crop_warnings};

#[cfg(test)]
mod tests;
