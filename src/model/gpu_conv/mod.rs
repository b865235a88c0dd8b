//! The 3x3 convolution of a folded [`super::wn_conv::WnConv`] on the WebGPU device: one WGSL
//! kernel of ours (`conv3x3.wgsl`), NCHW in and out, with the ReLU of its input, the bias and
//! the residual sum of the s/t ResNet in the same pass.
//!
//! burn 0.22 runs every WebGPU convolution with cubecl's direct kernel: one output value per
//! invocation, each reading its inputs and weights from storage, a permute to NHWC before and
//! back after, and the ReLU, bias and residual as passes of their own (`fusion` is off). Here a
//! workgroup computes a tile of output (64 channels x 64 positions for the 64-channel layers)
//! as an implicit GEMM with 4 x 4 sums per invocation: 8 reads of workgroup memory for 16
//! multiply-adds, and each input or weight value read from storage once per tile.
//!
//! The kernel's shape constants (channels, map size, tile sizes) are written into its source,
//! so the WGSL compiler sees fixed loop bounds and divisors. A model has a handful of layer
//! shapes, each compiled once (cubecl keeps the pipeline by its kernel id); the batch is the
//! dispatch's third dimension, so a new batch size compiles nothing.
//!
//! This file is the part that needs no GPU (tiles and source text, tested natively);
//! `launch.rs` hands the kernel to burn's WebGPU backend (the page's full module only).

#[cfg(all(target_family = "wasm", feature = "webgpu"))]
mod launch;
#[cfg(all(target_family = "wasm", feature = "webgpu"))]
pub use launch::conv3x3;

/// Whether `device` runs this kernel: burn's WebGPU device in the page's full module; nothing
/// else (the CPU, training's autodiff device, a native GPU).
pub fn runs_on(device: &burn::tensor::Device) -> bool {
    #[cfg(all(target_family = "wasm", feature = "webgpu"))]
    {
        !device.is_autodiff()
            && matches!(device.as_dispatch(), burn::backend::DispatchDevice::Cube(_))
    }
    #[cfg(not(all(target_family = "wasm", feature = "webgpu")))]
    {
        let _ = device;
        false
    }
}

const SOURCE: &str = include_str!("conv3x3.wgsl");

/// WebGPU's default limits, which every adapter offers: 256 invocations and 16 KiB of
/// workgroup memory per workgroup.
const MAX_INVOCATIONS: usize = 256;
const WORKGROUP_FLOATS: usize = 16 * 1024 / 4;
/// Outputs per invocation along each side of the tile (the WGSL's four `vec4` sums).
const PER_INVOCATION: usize = 4;

/// One compiled kernel: a layer shape and what is fused into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    pub cin: usize,
    pub cout: usize,
    pub h: usize,
    pub w: usize,
    pub relu_input: bool,
    pub residual: bool,
    pub tile: Tile,
}

/// Output channels (`m`) by positions (`n`) per workgroup, and taps per slice (`k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub m: usize,
    pub n: usize,
    pub k: usize,
}

impl Tile {
    /// 64 x 64 for the 64-channel layers. A layer with few output channels (the last of an
    /// s/t network: twice the coupling's channels) gets a shorter, wider tile rather than a
    /// mostly idle one; no tile is much wider than the map; slices of taps as long as the
    /// workgroup memory holds, at most 16.
    pub fn for_layer(cout: usize, positions: usize) -> Self {
        let m = cout.next_power_of_two().clamp(PER_INVOCATION * 2, 64);
        let across = MAX_INVOCATIONS / (m / PER_INVOCATION);
        let n =
            (across * PER_INVOCATION).min(positions.next_power_of_two().max(PER_INVOCATION * 4));
        let k = (WORKGROUP_FLOATS / (m + n)).min(16);
        Self {
            m,
            n,
            k: 1 << k.ilog2(),
        }
    }
}

impl Variant {
    pub fn new(
        cin: usize,
        cout: usize,
        h: usize,
        w: usize,
        relu_input: bool,
        residual: bool,
    ) -> Self {
        Self {
            cin,
            cout,
            h,
            w,
            relu_input,
            residual,
            tile: Tile::for_layer(cout, h * w),
        }
    }

    /// Invocations per workgroup along the positions and along the channels.
    pub fn invocations(&self) -> (u32, u32) {
        (
            (self.tile.n / PER_INVOCATION) as u32,
            (self.tile.m / PER_INVOCATION) as u32,
        )
    }

    /// Workgroups along the positions, the channels and the batch.
    pub fn workgroups(&self, batch: usize) -> (u32, u32, u32) {
        (
            (self.h * self.w).div_ceil(self.tile.n) as u32,
            self.cout.div_ceil(self.tile.m) as u32,
            batch as u32,
        )
    }

    /// The kernel's WGSL. Bindings: input, weight, bias, (residual), output, in that order.
    pub fn source(&self) -> String {
        let (wgx, wgy) = self.invocations();
        let residual_binding =
            "@group(0) @binding(3) var<storage, read> residual: array<f32>; // [B, COUT, H, W]";
        SOURCE
            .replace("{{CIN}}", &self.cin.to_string())
            .replace("{{COUT}}", &self.cout.to_string())
            .replace("{{H}}", &self.h.to_string())
            .replace("{{W}}", &self.w.to_string())
            .replace("{{TM}}", &self.tile.m.to_string())
            .replace("{{TN}}", &self.tile.n.to_string())
            .replace("{{TK}}", &self.tile.k.to_string())
            .replace("{{WGX}}", &wgx.to_string())
            .replace("{{WGY}}", &wgy.to_string())
            .replace("{{A_TILE}}", &(self.tile.k * self.tile.m).to_string())
            .replace("{{B_TILE}}", &(self.tile.k * self.tile.n).to_string())
            .replace(
                "{{RESIDUAL_BINDING}}",
                if self.residual { residual_binding } else { "" },
            )
            .replace("{{OUTPUT_BINDING}}", if self.residual { "4" } else { "3" })
            .replace(
                "{{RELU}}",
                if self.relu_input {
                    "v = max(v, 0.0);"
                } else {
                    ""
                },
            )
            .replace(
                "{{ADD_RESIDUAL}}",
                if self.residual {
                    "v += residual[o];"
                } else {
                    ""
                },
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_fit_webgpu_default_limits_and_cover_every_channel() {
        for cout in [1, 3, 6, 12, 24, 48, 64, 100, 128] {
            for side in [1, 2, 3, 4, 8, 16, 32, 64] {
                let v = Variant::new(8, cout, side, side, true, false);
                let t = v.tile;
                let (x, y) = v.invocations();
                assert!((x * y) as usize <= MAX_INVOCATIONS, "{t:?}");
                assert!(t.k * (t.m + t.n) <= WORKGROUP_FLOATS, "{t:?}");
                assert!(t.k.is_power_of_two(), "{t:?}");
                let (gx, gy, _) = v.workgroups(1);
                assert!(
                    gx as usize * t.n >= side * side && gy as usize * t.m >= cout,
                    "{t:?}"
                );
            }
        }
        // The model's inner layers: 64 x 64 tiles, 256 invocations.
        assert_eq!(
            Tile::for_layer(64, 64 * 64),
            Tile {
                m: 64,
                n: 64,
                k: 16
            }
        );
    }

    #[test]
    fn source_has_every_placeholder_filled_and_the_bindings_it_uses() {
        for residual in [false, true] {
            for relu in [false, true] {
                let src = Variant::new(64, 12, 16, 16, relu, residual).source();
                assert!(!src.contains("{{"), "a placeholder left:\n{src}");
                assert_eq!(src.contains("var<storage, read> residual"), residual);
                assert_eq!(src.contains("residual[o]"), residual);
                assert_eq!(src.contains("max(v, 0.0)"), relu);
                let output = if residual {
                    "@binding(4)"
                } else {
                    "@binding(3)"
                };
                assert!(src.contains(&format!("{output} var<storage, read_write> output")));
            }
        }
    }
}
