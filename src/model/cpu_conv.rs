//! The 3x3 convolution of a folded [`super::wn_conv::WnConv`] on burn's CPU backend (flex),
//! written straight into NCHW.
//!
//! burn-flex 0.22's `conv2d` copies the input to NHWC, builds im2col tiles with one row per
//! output position, multiplies, then scatters each tile back into NCHW one element at a
//! time with a stride of a whole plane: in a sampling pass that data movement cost about as
//! much as the multiply-adds themselves (BENCHMARKS.md, "Where the time goes"). Here the
//! im2col tile has one row per kernel tap `(ci, kh, kw)` (the order of the OIHW weights, so
//! the weight matrix is the folded kernel as it is), and one `gemm` per tile of output rows
//! writes `[out, positions]` into the output in place, on top of the bias. The ReLU that
//! precedes every inner convolution of the s/t ResNet, and the residual sum that follows
//! every second one, ride along for free.

use super::winograd::{TileSize, Winograd};

/// Which kernel runs the folded 3x3 convolutions on burn's CPU backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_family = "wasm"), derive(clap::ValueEnum))]
pub enum CpuConv {
    /// burn's own `conv2d` (to measure what the others buy).
    Burn,
    /// [`Conv3x3`]'s im2col + `gemm` everywhere.
    Im2col,
    /// [`Winograd`] F(2x2, 3x3) where it pays (see [`Conv3x3::new`]), im2col elsewhere.
    Winograd2,
    /// [`Winograd`] F(4x4, 3x3) where it pays, im2col elsewhere.
    Winograd4,
}

impl CpuConv {
    fn winograd_tile(self) -> Option<TileSize> {
        match self {
            CpuConv::Burn | CpuConv::Im2col => None,
            CpuConv::Winograd2 => Some(TileSize::Two),
            CpuConv::Winograd4 => Some(TileSize::Four),
        }
    }
}

/// Winograd runs where both channel counts reach this. Below it the per-frequency products
/// are too thin to pay for the transforms; the value is a judgement, not yet measured per
/// layer shape (the layers below it, the s/t networks' first and last, are a few percent of
/// the multiply-adds).
const WINOGRAD_MIN_CHANNELS: usize = 16;

/// A 3x3, stride 1, zero padding 1 convolution with its weights laid out for `gemm`.
#[derive(Debug, Clone)]
pub struct Conv3x3 {
    cin: usize,
    cout: usize,
    /// `[cout, cin * 9]`, row-major: the OIHW kernel flattened.
    weight: Vec<f32>,
    bias: Vec<f32>,
    /// The same kernel transformed for Winograd (a Winograd [`CpuConv`] and enough
    /// channels), run on the maps its tile size divides.
    winograd: Option<Winograd>,
}

/// Columns (output positions) per im2col tile, so that a tile of the widest layer
/// (64 channels: 576 rows) stays around half a megabyte, in the L2 cache.
const TILE_POSITIONS: usize = 256;

impl Conv3x3 {
    /// `weight` is OIHW `[cout, cin, 3, 3]`, `bias` `[cout]`; a Winograd `kernel` transforms
    /// it for Winograd too where both channel counts reach `WINOGRAD_MIN_CHANNELS`.
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, cin: usize, cout: usize, kernel: CpuConv) -> Self {
        assert_eq!(
            weight.len(),
            cout * cin * 9,
            "weight must be [cout, cin, 3, 3]"
        );
        assert_eq!(bias.len(), cout, "bias must be [cout]");
        let winograd = kernel
            .winograd_tile()
            .filter(|_| cin.min(cout) >= WINOGRAD_MIN_CHANNELS)
            .map(|tile| Winograd::new(&weight, cin, cout, tile));
        Self {
            cin,
            cout,
            weight,
            bias,
            winograd,
        }
    }

    pub fn channels_out(&self) -> usize {
        self.cout
    }

    /// `out = conv(relu?(x)) + bias (+ residual)` for `x` `[batch, cin, h, w]` (NCHW,
    /// contiguous) and `residual` `[batch, cout, h, w]`.
    pub fn run(
        &self,
        x: &[f32],
        batch: usize,
        h: usize,
        w: usize,
        relu_input: bool,
        residual: Option<Vec<f32>>,
    ) -> Vec<f32> {
        let plane = h * w;
        assert_eq!(x.len(), batch * self.cin * plane, "input shape");
        // The residual's own buffer becomes the output: no copy, no fresh allocation.
        let mut out = match residual {
            Some(r) => {
                assert_eq!(r.len(), batch * self.cout * plane, "residual shape");
                r
            }
            None => vec![0f32; batch * self.cout * plane],
        };
        for image in out.chunks_exact_mut(self.cout * plane) {
            for (channel, &b) in image.chunks_exact_mut(plane).zip(&self.bias) {
                channel.iter_mut().for_each(|v| *v += b);
            }
        }
        if let Some(winograd) = self.winograd.as_ref().filter(|wg| wg.tiles(h, w)) {
            winograd.run(x, batch, h, w, relu_input, &mut out);
            return out;
        }
        let rows_per_tile = (TILE_POSITIONS / w).clamp(1, h);
        let tiles_per_image = h.div_ceil(rows_per_tile);
        let jobs = batch * tiles_per_image;
        let out_ptr = SendPtr::new(&mut out);
        let job = |index: usize, col: &mut Vec<f32>| {
            let (b, tile) = (index / tiles_per_image, index % tiles_per_image);
            let y0 = tile * rows_per_tile;
            let y1 = (y0 + rows_per_tile).min(h);
            let input = &x[b * self.cin * plane..(b + 1) * self.cin * plane];
            let n = (y1 - y0) * w;
            im2col(input, self.cin, h, w, y0, y1, relu_input, col);
            // SAFETY: jobs write disjoint column ranges [y0*w, y1*w) of image b's output.
            let dst = unsafe { out_ptr.get().add(b * self.cout * plane + y0 * w) };
            unsafe {
                gemm::gemm(
                    self.cout,
                    n,
                    self.cin * 9,
                    dst,
                    1,
                    plane as isize,
                    true,
                    self.weight.as_ptr(),
                    1,
                    (self.cin * 9) as isize,
                    col.as_ptr(),
                    1,
                    n as isize,
                    1.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
            }
        };
        run_jobs(jobs, job);
        out
    }
}

/// Rows `[y0, y1)` of the output as im2col columns: `col[(ci*9 + kh*3 + kw), j]` for output
/// position `j` (row-major within the tile) is input `(ci, y + kh - 1, x + kw - 1)`, zero
/// outside the image; ReLU applied on the way when asked.
#[allow(clippy::too_many_arguments)]
fn im2col(
    input: &[f32],
    cin: usize,
    h: usize,
    w: usize,
    y0: usize,
    y1: usize,
    relu: bool,
    col: &mut Vec<f32>,
) {
    let n = (y1 - y0) * w;
    col.clear();
    col.resize(cin * 9 * n, 0.0);
    for ci in 0..cin {
        let channel = &input[ci * h * w..(ci + 1) * h * w];
        for kh in 0..3 {
            for kw in 0..3 {
                let row = &mut col[((ci * 9) + kh * 3 + kw) * n..][..n];
                for y in y0..y1 {
                    let dst = &mut row[(y - y0) * w..(y - y0 + 1) * w];
                    let sy = y + kh;
                    if sy < 1 || sy > h {
                        continue; // padding row: stays zero
                    }
                    let src = &channel[(sy - 1) * w..sy * w];
                    // dst[x] = src[x + kw - 1] where that is inside the row.
                    let (d, s) = match kw {
                        0 => (&mut dst[1..], &src[..w - 1]),
                        1 => (&mut dst[..], src),
                        _ => (&mut dst[..w - 1], &src[1..]),
                    };
                    if relu {
                        for (o, &v) in d.iter_mut().zip(s) {
                            *o = v.max(0.0);
                        }
                    } else {
                        d.copy_from_slice(s);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(super) struct SendPtr(*mut f32);
// SAFETY: only used to hand disjoint output ranges to the jobs of one `run`.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    pub(super) fn new(out: &mut [f32]) -> Self {
        Self(out.as_mut_ptr())
    }

    pub(super) fn get(self) -> *mut f32 {
        self.0
    }
}

/// Runs `job(0..jobs)`, each with a scratch buffer: on every core natively (rayon), one
/// after another in wasm (no threads there on stable Rust).
///
/// The buffer is the running thread's own and outlives the call: a job's buffer is about a
/// megabyte, which a fresh allocation would have the kernel map and zero page by page on
/// every convolution (rayon's `for_each_init` makes one per split, not per thread).
pub(super) fn run_jobs(jobs: usize, job: impl Fn(usize, &mut Vec<f32>) + Sync + Send) {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let run = |index: usize| {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => job(index, &mut scratch),
            // Only if a job itself ran a convolution on this thread: give it its own.
            Err(_) => job(index, &mut Vec::new()),
        })
    };
    #[cfg(not(target_family = "wasm"))]
    {
        use rayon::prelude::*;
        (0..jobs).into_par_iter().for_each(run);
    }
    #[cfg(target_family = "wasm")]
    {
        (0..jobs).for_each(run);
    }
}

/// The largest difference between two equally long outputs (the kernels' tests).
#[cfg(test)]
pub(super) fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "outputs of different sizes");
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one multiply-add at a time.
    fn naive(x: &[f32], c: &Conv3x3, batch: usize, h: usize, w: usize, relu: bool) -> Vec<f32> {
        let mut out = vec![0f32; batch * c.cout * h * w];
        for b in 0..batch {
            for o in 0..c.cout {
                for y in 0..h {
                    for xx in 0..w {
                        let mut acc = c.bias[o] as f64;
                        for i in 0..c.cin {
                            for kh in 0..3 {
                                for kw in 0..3 {
                                    let (sy, sx) = (y + kh, xx + kw);
                                    if sy < 1 || sx < 1 || sy > h || sx > w {
                                        continue;
                                    }
                                    let mut v = x[((b * c.cin + i) * h + sy - 1) * w + sx - 1];
                                    if relu {
                                        v = v.max(0.0);
                                    }
                                    acc +=
                                        (v * c.weight[((o * c.cin + i) * 3 + kh) * 3 + kw]) as f64;
                                }
                            }
                        }
                        out[((b * c.cout + o) * h + y) * w + xx] = acc as f32;
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::rng::SeededRng::new(seed);
        rng.normals(n)
    }

    #[test]
    fn matches_the_definition_on_odd_shapes_with_relu_and_residual() {
        // im2col: widths that do not divide the tile, a single row, a single column, several
        // tiles. Winograd: a job pooling several 8x8 images, tile rows that do not divide a
        // job, a job of one tile row, uneven channel counts; odd maps and few channels fall
        // back to im2col.
        for (batch, cin, cout, h, w, kernel) in [
            (2, 3, 5, 7, 9, CpuConv::Im2col),
            (1, 4, 2, 1, 6, CpuConv::Im2col),
            (1, 2, 3, 5, 1, CpuConv::Im2col),
            (3, 6, 4, 40, 33, CpuConv::Im2col),
            (5, 16, 20, 8, 8, CpuConv::Winograd2),
            (2, 17, 16, 6, 10, CpuConv::Winograd2),
            (1, 16, 18, 4, 130, CpuConv::Winograd2),
            (2, 20, 16, 2, 2, CpuConv::Winograd2),
            (1, 16, 16, 5, 7, CpuConv::Winograd2),
            (1, 4, 16, 8, 8, CpuConv::Winograd2),
            (5, 16, 20, 8, 8, CpuConv::Winograd4),
            (2, 17, 16, 4, 12, CpuConv::Winograd4),
            (1, 16, 18, 4, 132, CpuConv::Winograd4),
            (3, 20, 16, 4, 4, CpuConv::Winograd4),
            (1, 16, 16, 6, 10, CpuConv::Winograd4),
        ] {
            let conv = Conv3x3::new(
                values(cout * cin * 9, 1),
                values(cout, 2),
                cin,
                cout,
                kernel,
            );
            let winograd = kernel.winograd_tile().is_some() && cin.min(cout) >= 16;
            assert_eq!(
                conv.winograd.is_some(),
                winograd,
                "{kernel:?} {cin}->{cout}"
            );
            let x = values(batch * cin * h * w, 3);
            let residual = values(batch * cout * h * w, 4);
            // F(4x4, 3x3)'s transforms (entries up to 8 and 1/24) round more than a plain
            // sum: bounds relative to the outputs' size.
            let bound = match kernel {
                CpuConv::Winograd4 => 1e-5,
                _ => 2e-6,
            };
            for relu in [false, true] {
                let want = naive(&x, &conv, batch, h, w, relu);
                let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
                let got = conv.run(&x, batch, h, w, relu, None);
                let err = max_abs_diff(&want, &got);
                assert!(
                    err <= bound * scale,
                    "{kernel:?} {batch}x{cin}->{cout} {h}x{w} relu {relu}: error {err} (largest {scale})"
                );
                let got = conv.run(&x, batch, h, w, relu, Some(residual.clone()));
                let err = want
                    .iter()
                    .zip(&residual)
                    .zip(&got)
                    .map(|((a, r), b)| (a + r - b).abs())
                    .fold(0f32, f32::max);
                assert!(
                    err <= bound * scale,
                    "with residual: error {err} (largest {scale})"
                );
            }
        }
    }
}
