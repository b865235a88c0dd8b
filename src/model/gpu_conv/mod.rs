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

/// Output channels (`m`) by rows (`h`) by columns (`w`) per workgroup, rows per invocation
/// (`rows`), and input channels per slice (`c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub m: usize,
    pub h: usize,
    pub w: usize,
    pub rows: usize,
    pub c: usize,
}

impl Tile {
    /// For the 64-channel layers, 64 channels of a 16 x 16 patch: 256 invocations of 16 rows
    /// by 4 channels (on SwiftShader 8 rows ran at 0.8x and 4 rows at 0.7x the speed of 16, and
    /// 32 no faster: each weight read from workgroup memory serves more multiply-adds). A layer
    /// with few output channels (the last of an s/t network: twice the coupling's channels)
    /// gets fewer channels and a taller patch rather than a mostly idle
    /// tile; no patch is much wider or taller than the map; as many input channels per slice
    /// as the workgroup memory holds, at most 8.
    pub fn for_layer(cin: usize, cout: usize, h: usize, w: usize) -> Self {
        let m = cout.next_power_of_two().clamp(PER_INVOCATION, 64);
        let w = w.min(16);
        let rows = h.min(16);
        let quads = m / PER_INVOCATION;
        let row_blocks = (MAX_INVOCATIONS / (w * quads)).clamp(1, h.div_ceil(rows));
        let h = row_blocks * rows;
        let per_channel = (h + 2) * (w + 2) + 9 * m;
        let c = (WORKGROUP_FLOATS / per_channel).clamp(1, 8).min(cin);
        Self { m, h, w, rows, c }
    }

    fn invocations(&self) -> usize {
        self.w * (self.h / self.rows) * (self.m / PER_INVOCATION)
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
            tile: Tile::for_layer(cin, cout, h, w),
        }
    }

    /// Invocations per workgroup along the columns, and along row blocks and channels.
    pub fn invocations(&self) -> (u32, u32) {
        let t = self.tile;
        (t.w as u32, (t.invocations() / t.w) as u32)
    }

    /// Workgroups along the positions (patches), the channels and the batch.
    pub fn workgroups(&self, batch: usize) -> (u32, u32, u32) {
        (
            (self.h.div_ceil(self.tile.h) * self.w.div_ceil(self.tile.w)) as u32,
            self.cout.div_ceil(self.tile.m) as u32,
            batch as u32,
        )
    }

    /// The kernel's WGSL. Bindings: input, weight, bias, (residual), output, in that order.
    pub fn source(&self) -> String {
        let (_, wgy) = self.invocations();
        let t = self.tile;
        let residual_binding =
            "@group(0) @binding(3) var<storage, read> residual: array<f32>; // [B, COUT, H, W]";
        SOURCE
            .replace("{{CIN}}", &self.cin.to_string())
            .replace("{{COUT}}", &self.cout.to_string())
            .replace("{{H}}", &self.h.to_string())
            .replace("{{W}}", &self.w.to_string())
            .replace("{{TM}}", &t.m.to_string())
            .replace("{{RN}}", &t.rows.to_string())
            .replace(
                "{{ACC_DECL}}",
                &unrolled(t.rows, |j| format!("    var acc{j} = vec4<f32>(0.0);")),
            )
            .replace("{{MULTIPLY_ADD}}", &multiply_add(t.rows))
            .replace(
                "{{STORE}}",
                &unrolled(t.rows, |j| {
                    format!("    put(image, m0 + quad * 4u, y0 + rows + {j}u, x, acc{j});")
                }),
            )
            .replace("{{TH}}", &t.h.to_string())
            .replace("{{TW}}", &t.w.to_string())
            .replace("{{CIC}}", &t.c.to_string())
            .replace("{{THREADS}}", &t.invocations().to_string())
            .replace("{{WGY}}", &wgy.to_string())
            .replace("{{WINDOW}}", &(t.c * (t.h + 2) * (t.w + 2)).to_string())
            .replace("{{TAPS}}", &(t.c * 9 * t.m / PER_INVOCATION).to_string())
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

/// `line(j)` for each of `n` rows, one per line.
fn unrolled(n: usize, line: impl Fn(usize) -> String) -> String {
    (0..n).map(line).collect::<Vec<_>>().join("\n")
}

/// The inner step for `rows` rows of one column: read rows .. rows + 2 of the input window,
/// then each row's sums take its three kernel rows.
fn multiply_add(rows: usize) -> String {
    let read = unrolled(rows + 2, |r| {
        format!("                let r{r} = window[base + {r}u * PW];")
    });
    let add = unrolled(rows, |j| {
        format!(
            "                acc{j} += w0 * r{j} + w1 * r{} + w2 * r{};",
            j + 1,
            j + 2
        )
    });
    format!("{read}\n{add}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_fit_webgpu_default_limits_and_cover_every_output() {
        for cin in [3, 6, 12, 64] {
            for cout in [1, 3, 6, 12, 24, 48, 64, 100, 128] {
                for (h, w) in [
                    (1, 1),
                    (2, 3),
                    (4, 4),
                    (8, 8),
                    (16, 16),
                    (32, 32),
                    (64, 64),
                    (5, 70),
                ] {
                    let v = Variant::new(cin, cout, h, w, true, false);
                    let t = v.tile;
                    let (x, y) = v.invocations();
                    assert!((x * y) as usize <= MAX_INVOCATIONS, "{t:?}");
                    let floats = t.c * (t.h + 2) * (t.w + 2) + t.c * 9 * t.m;
                    assert!(floats <= WORKGROUP_FLOATS, "{t:?}");
                    assert!(
                        t.m.is_multiple_of(PER_INVOCATION) && t.h.is_multiple_of(t.rows),
                        "{t:?}"
                    );
                    assert!(t.c >= 1 && t.c <= cin, "{t:?}");
                    let (gx, gy, _) = v.workgroups(1);
                    let patches = h.div_ceil(t.h) * w.div_ceil(t.w);
                    assert!(gx as usize == patches && gy as usize * t.m >= cout, "{t:?}");
                }
            }
        }
        // The model's inner layers: 64 channels of a 16 x 16 patch, 256 invocations.
        let inner = Tile::for_layer(64, 64, 64, 64);
        assert_eq!(
            (inner.m, inner.h, inner.w, inner.rows, inner.c),
            (64, 16, 16, 16, 4)
        );
        assert_eq!(inner.invocations(), 256);
    }

    /// What Chromium's and Firefox's WGSL compilers would say of a variant, checked here with
    /// naga (wgpu's): a shader that fails to compile fails only when a page runs it.
    #[cfg(not(target_family = "wasm"))]
    #[test]
    fn every_variant_is_valid_wgsl() {
        use naga::valid::{Capabilities, ValidationFlags, Validator};
        for (cin, cout, h, w) in [
            (64, 64, 64, 64),
            (3, 64, 32, 32),
            (64, 6, 8, 8),
            (5, 7, 5, 9),
            (12, 70, 2, 3),
        ] {
            for relu in [false, true] {
                for residual in [false, true] {
                    let src = Variant::new(cin, cout, h, w, relu, residual).source();
                    let module = naga::front::wgsl::parse_str(&src)
                        .unwrap_or_else(|e| panic!("{}", e.emit_to_string(&src)));
                    Validator::new(ValidationFlags::all(), Capabilities::empty())
                        .validate(&module)
                        .unwrap_or_else(|e| panic!("{}", e.emit_to_string(&src)));
                }
            }
        }
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
