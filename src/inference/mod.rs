//! The work a user asks of a loaded model, written once for the CLI and the page: score a
//! crop (bits/dim, per-scale parts, bits maps, PNG bits/dim, warnings), encode pixels to
//! latents, decode latents to faces (sampled, interpolated, reconstructed), edit along
//! attribute directions. `src/bin/realnvp/` and `src/web/` only parse their inputs, call
//! these and print or post the results.
//!
//! Everything that reads tensor data back is async: on WebGPU `into_data_async` is the only
//! way. Natively, [`block_on`] runs such a call to its end (the CPU backend never waits).

mod edit;
mod faces;
mod read;
mod score;

pub use edit::{coordinates, edited_faces};
pub use faces::{
    Latents, decode_faces, encode_pixels, interpolated_latents, narrow, round_trip, sampled_latents,
};
pub use read::values;
#[cfg(not(target_family = "wasm"))]
pub use read::{block_on, values_now};
pub use score::{CropScore, score_crops};

#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    #[error("reading a tensor back from the device failed: {0}")]
    ReadBack(String),
    #[error(
        "the model computed a non-finite score (NaN or infinity): the device's results, or the weights, cannot be trusted"
    )]
    NonFinite,
    /// A request outside `crate::limits`, in the limit's own words.
    #[error("{0}")]
    Limit(String),
}
