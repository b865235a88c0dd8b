//! The page's wasm module for visitors on the CPU backend (Firefox and Safari today, machines
//! without a usable GPU): the binding of `src/web/` as the full module has it, built without
//! burn's WebGPU backend, so about a quarter of the download. `web/worker/boot.js` picks it
//! when the backend choice says CPU; `Backend.init` here never tries WebGPU.

#[cfg(target_family = "wasm")]
pub use realnvp::web::*;
