//! The 3x3 convolution by Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray, "Fast
//! algorithms for convolutional neural networks", CVPR 2016), for [`super::cpu_conv::Conv3x3`].
//!
//! Each m x m block of outputs ("tile") comes from the (m + 2) x (m + 2) input patch around
//! it: transformed (`V = Bᵀ d B`), multiplied frequency by frequency with the transformed
//! kernel (`U = G g Gᵀ`, computed once at load), and transformed back (`Y = Aᵀ M A`). The
//! `(m + 2)²` products are as many matrix products `[cout, cin] x [cin, tiles]`:
//! F(2x2, 3x3) does 16 multiply-adds per 4 outputs where im2col does 36 (2.25x fewer),
//! F(4x4, 3x3) 36 per 16 outputs (4x fewer). The transforms are additions and small
//! multiples, run on whole rows of a job's tiles so that they vectorise; the ReLU on the
//! input and the bias and residual on the output ride along as in the im2col kernel.
//!
//! F(2x2, 3x3)'s transforms hold only 0, ±1 and ±1/2, so its error in f32 is that of a
//! different summation order; F(4x4, 3x3)'s hold up to 8 and 1/24, which costs some
//! accuracy (BENCHMARKS.md and `tests/winograd.rs` measure both on the shipped model).

use std::marker::PhantomData;

use super::cpu_conv::{SendPtr, run_jobs};

/// Tiles per job, so that small maps (8x8) pool several images into one product. Measured
/// (BENCHMARKS.md, issue 23): 16 and 32 were slower, 128 no faster. A job's transformed
/// input and products take `(m + 2)² * (cin + cout) * tiles` floats: 1.2 MB for F(4x4, 3x3)
/// at 64 channels, about this machine's L2.
const TILES_PER_JOB: usize = 64;

/// Floats between one frequency's matrix and the next in a job's scratch. Unpadded, the 36
/// matrices of F(4x4, 3x3) at 64 channels and 64 tiles lie 16 KB apart, a multiple of the L1
/// cache's way size, so that the rows a transform reads or writes at one index all fall in
/// one cache set; a cache line more spreads them over the sets.
const PAD: usize = 16;

/// One F(m x m, 3x3), `A = m + 2` points: its three transforms, lane by lane, with the sums
/// that rows share computed once. The matrices are kept for the tests, which hold each
/// transform to its matrix.
trait Tiling<const M: usize, const A: usize> {
    /// The input transform's matrix: what [`Tiling::bt`] computes, which the tests check.
    #[cfg(test)]
    const BT: [[f32; A]; A];
    /// The kernel transform's matrix, likewise for [`Tiling::g`].
    #[cfg(test)]
    const G: [[f32; 3]; A];
    /// The output transform's matrix, likewise for [`Tiling::at`].
    #[cfg(test)]
    const AT: [[f32; A]; M];

    /// `Bᵀ x` lane by lane, factored into fewer operations than the matrix has non-zeros
    /// (the tests hold it to `BT`).
    fn bt<const L: usize>(x: &[[f32; L]; A]) -> [[f32; L]; A];

    /// `Aᵀ x` lane by lane, likewise (held to `AT`).
    fn at<const L: usize>(x: &[[f32; L]; A]) -> [[f32; L]; M];

    /// `G x` lane by lane, likewise (held to `G`).
    fn g<const L: usize>(x: &[[f32; L]; 3]) -> [[f32; L]; A];
}

/// F(2x2, 3x3), interpolation points 0, 1, -1, ∞.
struct F2;

impl Tiling<2, 4> for F2 {
    #[cfg(test)]
    const BT: [[f32; 4]; 4] = [
        [1.0, 0.0, -1.0, 0.0],
        [0.0, 1.0, 1.0, 0.0],
        [0.0, -1.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, -1.0],
    ];
    #[cfg(test)]
    const G: [[f32; 3]; 4] = [
        [1.0, 0.0, 0.0],
        [0.5, 0.5, 0.5],
        [0.5, -0.5, 0.5],
        [0.0, 0.0, 1.0],
    ];
    #[cfg(test)]
    const AT: [[f32; 4]; 2] = [[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]];

    #[inline(always)]
    fn bt<const L: usize>(x: &[[f32; L]; 4]) -> [[f32; L]; 4] {
        let mut o = [[0f32; L]; 4];
        for i in 0..L {
            let [d0, d1, d2, d3] = [x[0][i], x[1][i], x[2][i], x[3][i]];
            o[0][i] = d0 - d2;
            o[1][i] = d1 + d2;
            o[2][i] = d2 - d1;
            o[3][i] = d1 - d3;
        }
        o
    }

    #[inline(always)]
    fn at<const L: usize>(x: &[[f32; L]; 4]) -> [[f32; L]; 2] {
        let mut o = [[0f32; L]; 2];
        for i in 0..L {
            let [m0, m1, m2, m3] = [x[0][i], x[1][i], x[2][i], x[3][i]];
            o[0][i] = m0 + m1 + m2;
            o[1][i] = m1 - m2 - m3;
        }
        o
    }

    #[inline(always)]
    fn g<const L: usize>(x: &[[f32; L]; 3]) -> [[f32; L]; 4] {
        let mut o = [[0f32; L]; 4];
        for i in 0..L {
            let [g0, g1, g2] = [x[0][i], x[1][i], x[2][i]];
            let (p, q) = ((g0 + g2) * 0.5, g1 * 0.5);
            o[0][i] = g0;
            o[1][i] = p + q;
            o[2][i] = p - q;
            o[3][i] = g2;
        }
        o
    }
}

/// F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2, ∞.
struct F4;

impl Tiling<4, 6> for F4 {
    #[cfg(test)]
    const BT: [[f32; 6]; 6] = [
        [4.0, 0.0, -5.0, 0.0, 1.0, 0.0],
        [0.0, -4.0, -4.0, 1.0, 1.0, 0.0],
        [0.0, 4.0, -4.0, -1.0, 1.0, 0.0],
        [0.0, -2.0, -1.0, 2.0, 1.0, 0.0],
        [0.0, 2.0, -1.0, -2.0, 1.0, 0.0],
        [0.0, 4.0, 0.0, -5.0, 0.0, 1.0],
    ];
    #[cfg(test)]
    const G: [[f32; 3]; 6] = [
        [1.0 / 4.0, 0.0, 0.0],
        [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
        [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
        [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
        [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
        [0.0, 0.0, 1.0],
    ];
    #[cfg(test)]
    const AT: [[f32; 6]; 4] = [
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.0],
        [0.0, 1.0, -1.0, 2.0, -2.0, 0.0],
        [0.0, 1.0, 1.0, 4.0, 4.0, 0.0],
        [0.0, 1.0, -1.0, 8.0, -8.0, 1.0],
    ];

    /// 14 operations where `BT` has 22 non-zeros (sums shared between rows 1-2 and 3-4).
    #[inline(always)]
    fn bt<const L: usize>(x: &[[f32; L]; 6]) -> [[f32; L]; 6] {
        let mut o = [[0f32; L]; 6];
        for i in 0..L {
            let [d0, d1, d2, d3, d4, d5] = [x[0][i], x[1][i], x[2][i], x[3][i], x[4][i], x[5][i]];
            let (f, g) = (d4 - d2, d3 - d1);
            o[0][i] = 4.0 * d0 - 5.0 * d2 + d4;
            o[1][i] = (d3 + d4) - 4.0 * (d1 + d2);
            o[2][i] = (d4 - d3) + 4.0 * (d1 - d2);
            o[3][i] = f + 2.0 * g;
            o[4][i] = f - 2.0 * g;
            o[5][i] = 4.0 * d1 - 5.0 * d3 + d5;
        }
        o
    }

    /// 10 operations where `AT` has 18 non-zeros.
    #[inline(always)]
    fn at<const L: usize>(x: &[[f32; L]; 6]) -> [[f32; L]; 4] {
        let mut o = [[0f32; L]; 4];
        for i in 0..L {
            let [m0, m1, m2, m3, m4, m5] = [x[0][i], x[1][i], x[2][i], x[3][i], x[4][i], x[5][i]];
            let (a, b, c, d) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4);
            o[0][i] = m0 + a + c;
            o[1][i] = b + 2.0 * d;
            o[2][i] = a + 4.0 * c;
            o[3][i] = b + 8.0 * d + m5;
        }
        o
    }

    #[inline(always)]
    fn g<const L: usize>(x: &[[f32; L]; 3]) -> [[f32; L]; 6] {
        let mut o = [[0f32; L]; 6];
        for i in 0..L {
            let [g0, g1, g2] = [x[0][i], x[1][i], x[2][i]];
            let (p, q) = (-(g0 + g2) * (1.0 / 6.0), g1 * (1.0 / 6.0));
            let (r, s) = (g0 * (1.0 / 24.0) + g2 * (1.0 / 6.0), g1 * (1.0 / 12.0));
            o[0][i] = g0 * (1.0 / 4.0);
            o[1][i] = p - q;
            o[2][i] = p + q;
            o[3][i] = r + s;
            o[4][i] = r - s;
            o[5][i] = g2;
        }
        o
    }
}

/// Output tile size: F(2x2, 3x3) or F(4x4, 3x3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileSize {
    Two,
    Four,
}

impl TileSize {
    /// Outputs per tile side: the map's height and width must be multiples of it.
    pub fn side(self) -> usize {
        match self {
            TileSize::Two => 2,
            TileSize::Four => 4,
        }
    }
}

/// A 3x3 kernel transformed for F(m x m, 3x3).
#[derive(Debug, Clone)]
pub struct Winograd {
    tile: TileSize,
    isa: Isa,
    cin: usize,
    cout: usize,
    /// `U[ξ][co][ci]`, `ξ = A * row + column` of the A x A transformed kernel.
    u: Vec<f32>,
}

impl Winograd {
    /// `weight` is OIHW `[cout, cin, 3, 3]`.
    pub fn new(weight: &[f32], cin: usize, cout: usize, tile: TileSize) -> Self {
        assert_eq!(
            weight.len(),
            cout * cin * 9,
            "weight must be [cout, cin, 3, 3]"
        );
        let u = match tile {
            TileSize::Two => transform_kernel::<2, 4, F2>(weight, cin, cout),
            TileSize::Four => transform_kernel::<4, 6, F4>(weight, cin, cout),
        };
        Self {
            tile,
            isa: Isa::detect(),
            cin,
            cout,
            u,
        }
    }

    /// Whether this tile size tiles an `h x w` map.
    pub fn tiles(&self, h: usize, w: usize) -> bool {
        let side = self.tile.side();
        h.is_multiple_of(side) && w.is_multiple_of(side)
    }

    /// `out += conv(relu?(x))` for `x` `[batch, cin, h, w]` and `out` `[batch, cout, h, w]`
    /// (NCHW, contiguous; `out` already holds the bias and any residual). `h` and `w` are
    /// multiples of the tile side.
    pub fn run(&self, x: &[f32], batch: usize, h: usize, w: usize, relu: bool, out: &mut [f32]) {
        match self.tile {
            TileSize::Two => self.run_tiled::<2, 4, F2>(x, batch, h, w, relu, out),
            TileSize::Four => self.run_tiled::<4, 6, F4>(x, batch, h, w, relu, out),
        }
    }

    fn run_tiled<const M: usize, const A: usize, T: Tiling<M, A>>(
        &self,
        x: &[f32],
        batch: usize,
        h: usize,
        w: usize,
        relu: bool,
        out: &mut [f32],
    ) {
        assert!(
            h.is_multiple_of(M) && w.is_multiple_of(M),
            "F({M}x{M}, 3x3) tiles the map"
        );
        let (cin, cout, plane) = (self.cin, self.cout, h * w);
        assert_eq!(x.len(), batch * cin * plane, "input shape");
        assert_eq!(out.len(), batch * cout * plane, "output shape");
        let tiles_high = h / M;
        let rows = batch * tiles_high;
        let rows_per_job = (TILES_PER_JOB / (w / M)).clamp(1, rows);
        let jobs = rows.div_ceil(rows_per_job);
        let layer = Layer {
            x,
            u: &self.u,
            cin,
            cout,
            h,
            w,
            relu,
            out: SendPtr::new(out),
        };
        let isa = self.isa;
        run_jobs(jobs, |index, scratch| {
            let first = index * rows_per_job;
            let tile_rows = first..(first + rows_per_job).min(rows);
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Isa::detect` found these features on this CPU.
                Isa::Avx512 => unsafe { job_avx512::<M, A, T>(&layer, tile_rows, scratch) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                Isa::Avx2 => unsafe { job_avx2::<M, A, T>(&layer, tile_rows, scratch) },
                Isa::Baseline => job::<M, A, T, false>(&layer, tile_rows, scratch),
            }
        });
    }
}

/// The instruction sets the job bodies are compiled for, best first; natively the CPU's
/// best is found at load, in wasm there is one (simd128, fixed at build time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Baseline,
}

impl Isa {
    /// The instruction sets this CPU runs, best first (`Baseline` always last).
    fn available() -> Vec<Self> {
        let all = [
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2,
            Isa::Baseline,
        ];
        all.into_iter().filter(|isa| isa.runs_here()).collect()
    }

    fn runs_here(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
            }
            Isa::Baseline => true,
        }
    }

    fn detect() -> Self {
        Self::available()[0]
    }
}

/// What every job of one convolution shares.
struct Layer<'a> {
    x: &'a [f32],
    u: &'a [f32],
    cin: usize,
    cout: usize,
    h: usize,
    w: usize,
    relu: bool,
    out: SendPtr,
}

// The job body compiled for AVX-512 and for AVX2: the transforms inlined into them vectorise
// 16 and 8 wide instead of the baseline's 4.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
fn job_avx512<const M: usize, const A: usize, T: Tiling<M, A>>(
    layer: &Layer,
    tile_rows: std::ops::Range<usize>,
    scratch: &mut Vec<f32>,
) {
    job::<M, A, T, true>(layer, tile_rows, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn job_avx2<const M: usize, const A: usize, T: Tiling<M, A>>(
    layer: &Layer,
    tile_rows: std::ops::Range<usize>,
    scratch: &mut Vec<f32>,
) {
    job::<M, A, T, false>(layer, tile_rows, scratch)
}

/// One job: the tiles of `tile_rows` (rows of tiles counted across the batch), all input
/// channels transformed, the `A²` products (`AVX512`: by [`avx512::matmul`], else by
/// `gemm`), all output channels transformed back and added to the output.
#[inline(always)]
fn job<const M: usize, const A: usize, T: Tiling<M, A>, const AVX512: bool>(
    layer: &Layer,
    tile_rows: std::ops::Range<usize>,
    scratch: &mut Vec<f32>,
) {
    let &Layer {
        x,
        u,
        cin,
        cout,
        h,
        w,
        relu,
        out,
    } = layer;
    let (plane, points) = (h * w, A * A);
    let (tiles_high, tiles_wide) = (h / M, w / M);
    let n = tile_rows.len() * tiles_wide;
    // Phases of the rows a job reads: M arrays of (rows * tiles) values, a guard either end.
    let phase_len = (tile_rows.len() * M + 2) * tiles_wide + 2;
    // Every value is written before it is read: grow the buffer, never clear it.
    let (v_stride, m_stride) = (cin * n + PAD, cout * n + PAD);
    let need = points * (v_stride + m_stride) + 2 * points * n + M * phase_len;
    if scratch.len() < need {
        scratch.resize(need, 0.0);
    }
    let (v, rest) = scratch.split_at_mut(points * v_stride);
    let (m, rest) = rest.split_at_mut(points * m_stride);
    // The transforms' halfway values (the output side also holds its results there).
    let (half, rest) = rest.split_at_mut(2 * points * n);
    let phases = &mut rest[..M * phase_len];
    for ci in 0..cin {
        // Tile rows of one image at a time: their input rows are one contiguous range.
        let mut j = 0;
        while j < tile_rows.len() {
            let row = tile_rows.start + j;
            let (b, ty0) = (row / tiles_high, row % tiles_high);
            let count = (tiles_high - ty0).min(tile_rows.len() - j);
            let channel = &x[(b * cin + ci) * plane..][..plane];
            if relu {
                deinterleave::<M, true>(channel, w, ty0, count, phases, phase_len);
            } else {
                deinterleave::<M, false>(channel, w, ty0, count, phases, phase_len);
            }
            for jj in 0..count {
                columns_down::<M, A, T>(phases, phase_len, tiles_wide, jj, half, n, j + jj);
            }
            j += count;
        }
        across::<M, A, T>(half, &mut v[ci * n..], v_stride, n);
    }
    for xi in 0..points {
        let (u, v) = (
            &u[xi * cout * cin..][..cout * cin],
            &v[xi * v_stride..][..cin * n],
        );
        let m = &mut m[xi * m_stride..][..cout * n];
        #[cfg(target_arch = "x86_64")]
        if AVX512 {
            // SAFETY: AVX512 is set only in `job_avx512`, which runs where the CPU has it.
            unsafe { avx512::matmul(cout, n, cin, u, v, m) };
            continue;
        }
        matmul_gemm(cout, n, cin, u, v, m);
    }
    let (y, half) = half.split_at_mut(M * M * n);
    for co in 0..cout {
        transform_output::<M, A, T>(&m[co * n..], m_stride, half, y, n);
        for (j, row) in tile_rows.clone().enumerate() {
            let (b, ty) = (row / tiles_high, row % tiles_high);
            // SAFETY: this job alone writes output rows M ty .. M ty + M of image b.
            let rows_out = unsafe {
                std::slice::from_raw_parts_mut(
                    out.get().add(((b * cout + co) * h + M * ty) * w),
                    M * w,
                )
            };
            scatter_tiles::<M>(y, n, j * tiles_wide, rows_out, w);
        }
    }
}

/// `c = a b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`, by the `gemm` crate.
fn matmul_gemm(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: the three matrices lie inside the slices checked above.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The per-frequency products on AVX-512: `gemm` 0.19 on stable Rust stops at AVX2 (its
/// AVX-512 kernels need its `nightly` feature), half of what these cores multiply per cycle.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Output rows per block: 6 rows x 4 vectors of 16 columns hold 24 of the 32 registers.
    const ROWS: usize = 6;
    /// Columns per block: 4 vectors.
    const COLUMNS: usize = 64;

    /// `c = a b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn matmul(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
        for j0 in (0..n).step_by(COLUMNS) {
            let cols = (n - j0).min(COLUMNS);
            let mut i = 0;
            while i < m {
                // Blocks of ROWS rows, then the tail in blocks of 4, 2 and 1.
                let rows = match m - i {
                    r if r >= ROWS => ROWS,
                    r if r >= 4 => 4,
                    r if r >= 2 => 2,
                    _ => 1,
                };
                let vectors = cols.div_ceil(16);
                // SAFETY: rows i .. i + rows of `a` and `c`, columns j0 .. j0 + cols of `b`
                // and `c`, all inside the slices checked above.
                unsafe {
                    let (a, b, c) = (a.as_ptr().add(i * k), b.as_ptr().add(j0), c.as_mut_ptr());
                    let c = c.add(i * n + j0);
                    match rows {
                        ROWS => dispatch_vectors::<ROWS>(vectors, k, a, b, n, c, cols),
                        4 => dispatch_vectors::<4>(vectors, k, a, b, n, c, cols),
                        2 => dispatch_vectors::<2>(vectors, k, a, b, n, c, cols),
                        _ => dispatch_vectors::<1>(vectors, k, a, b, n, c, cols),
                    }
                }
                i += rows;
            }
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn dispatch_vectors<const R: usize>(
        vectors: usize,
        k: usize,
        a: *const f32,
        b: *const f32,
        ld: usize,
        c: *mut f32,
        cols: usize,
    ) {
        // SAFETY: passed on from `matmul`.
        unsafe {
            match vectors {
                4 => block::<R, 4>(k, a, b, ld, c, cols),
                3 => block::<R, 3>(k, a, b, ld, c, cols),
                2 => block::<R, 2>(k, a, b, ld, c, cols),
                _ => block::<R, 1>(k, a, b, ld, c, cols),
            }
        }
    }

    /// `R` rows of `c` (`cols <= 16 V` columns from `c`, row stride `ld`) = the `R` rows of
    /// `a` from `a` (row stride `k`) times `b`'s `k` rows (stride `ld`) from `b`. Columns past
    /// `cols` are masked: neither read nor written.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn block<const R: usize, const V: usize>(
        k: usize,
        a: *const f32,
        b: *const f32,
        ld: usize,
        c: *mut f32,
        cols: usize,
    ) {
        // Plain loops rather than `array::from_fn`, which does not always inline.
        let mut masks: [__mmask16; V] = [0; V];
        for (v, mask) in masks.iter_mut().enumerate() {
            let valid = cols.saturating_sub(16 * v).min(16);
            *mask = ((1u32 << valid) - 1) as __mmask16;
        }
        let mut acc = [[_mm512_setzero_ps(); V]; R];
        for p in 0..k {
            // SAFETY: row p of b (V masked vectors) and column p of a's R rows.
            unsafe {
                let row = b.add(p * ld);
                let mut bv = [_mm512_setzero_ps(); V];
                for (v, bv) in bv.iter_mut().enumerate() {
                    *bv = _mm512_maskz_loadu_ps(masks[v], row.add(16 * v));
                }
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*a.add(r * k + p));
                    for v in 0..V {
                        acc[v] = _mm512_fmadd_ps(av, bv[v], acc[v]);
                    }
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for v in 0..V {
                // SAFETY: row r of c, masked to its `cols` columns.
                unsafe { _mm512_mask_storeu_ps(c.add(r * ld + 16 * v), masks[v], acc[v]) };
            }
        }
    }
}

/// `U = G g Gᵀ` for every (co, ci), laid out `[ξ][co][ci]`.
///
/// Sixteen (co, ci) pairs at a time, lane by lane: the 3x3 kernels' columns through
/// [`Tiling::g`], then the rows of the result. This runs at every load, in every page worker
/// too: done as a small f64 matrix product per pair it took a quarter of a one-face `realnvp
/// sample`, and pass by pass over blocks of pairs in f64 still 18% (BENCHMARKS.md, issue 23).
fn transform_kernel<const M: usize, const A: usize, T: Tiling<M, A>>(
    weight: &[f32],
    cin: usize,
    cout: usize,
) -> Vec<f32> {
    const L: usize = 16;
    let plane = cout * cin;
    let mut u = vec![0f32; A * A * plane];
    for first in (0..plane).step_by(L) {
        let n = L.min(plane - first);
        // taps[3 k + c][i]: row k, column c of pair first + i's kernel (zero past the end).
        let mut taps = [[0f32; L]; 9];
        for (i, g) in weight[9 * first..9 * (first + n)]
            .chunks_exact(9)
            .enumerate()
        {
            for (tap, &value) in taps.iter_mut().zip(g) {
                tap[i] = value;
            }
        }
        // gg[c][r] = (G g)[r][c]: G applied to each column of the kernel.
        let gg: [[[f32; L]; A]; 3] =
            std::array::from_fn(|c| T::g(&[taps[c], taps[3 + c], taps[6 + c]]));
        // U[r][c] = Σ_k (G g)[r][k] G[c][k]: G applied to each row of G g.
        for r in 0..A {
            let row = T::g(&[gg[0][r], gg[1][r], gg[2][r]]);
            for (c, values) in row.iter().enumerate() {
                u[(A * r + c) * plane + first..][..n].copy_from_slice(&values[..n]);
            }
        }
    }
    u
}

/// Input rows `M ty0 - 1 ..= M (ty0 + count)` of one channel (zero outside the map, ReLU
/// applied when `RELU`), split by column phase: `phases[p * phase_len + 1 + i]` is the
/// row range's flat value `M i + p`, so that tile t of a row reads its patch's columns
/// 1 ..= M from the M phases at the same index, and columns 0 and M + 1 one index before
/// and after (see [`columns_down`]).
#[inline(always)]
fn deinterleave<const M: usize, const RELU: bool>(
    channel: &[f32],
    w: usize,
    ty0: usize,
    count: usize,
    phases: &mut [f32],
    phase_len: usize,
) {
    let (h, tiles) = (channel.len() / w, w / M);
    let rows = M * count + 2;
    let mut outs: [&mut [f32]; M] = split_rows(phases, phase_len, phase_len);
    let (top, bottom) = (M * ty0, M * (ty0 + count) + 1);
    // The padding rows above and below the map, where the range reaches them.
    let first = usize::from(top == 0);
    let last = if bottom > h { rows - 1 } else { rows };
    for out in outs.iter_mut() {
        out[1..1 + first * tiles].fill(0.0);
        out[1 + last * tiles..1 + rows * tiles].fill(0.0);
    }
    let source = &channel[(top + first - 1) * w..(top + last - 1) * w];
    let relu = |v: f32| if RELU { v.max(0.0) } else { v };
    // Zipped slices and fixed-size chunks: the loops carry no bounds checks and vectorise.
    let at = 1 + first * tiles..1 + last * tiles;
    match &mut outs[..] {
        [a, b] => {
            let outs = a[at.clone()].iter_mut().zip(b[at].iter_mut());
            for (pair, (a, b)) in source.chunks_exact(2).zip(outs) {
                (*a, *b) = (relu(pair[0]), relu(pair[1]));
            }
        }
        [a, b, c, d] => {
            let (a, b, c, d) = (
                &mut a[at.clone()],
                &mut b[at.clone()],
                &mut c[at.clone()],
                &mut d[at],
            );
            let outs = a
                .iter_mut()
                .zip(b.iter_mut())
                .zip(c.iter_mut())
                .zip(d.iter_mut());
            for (four, (((a, b), c), d)) in source.chunks_exact(4).zip(outs) {
                (*a, *b) = (relu(four[0]), relu(four[1]));
                (*c, *d) = (relu(four[2]), relu(four[3]));
            }
        }
        _ => unreachable!("tiles are 2 or 4 wide"),
    }
}

/// The first half of `V = Bᵀ d B` for tile row `jj` of a [`deinterleave`]d range, written
/// as the job's tile row `j`: `half[(A k + c) * n + j * tiles + t] = Σ_r Bᵀ[k][r] d[r][c]`.
#[inline(always)]
fn columns_down<const M: usize, const A: usize, T: Tiling<M, A>>(
    phases: &[f32],
    phase_len: usize,
    tiles: usize,
    jj: usize,
    half: &mut [f32],
    n: usize,
    j: usize,
) {
    let n_at = j * tiles;
    // Patch row r of tile t: flat row M jj + r of the range, index (M jj + r) tiles + t.
    let start = 1 + M * jj * tiles;
    for c in 0..A {
        // Column c is phase c - 1 at the tile's own index; column 0 is phase M - 1 one
        // index before, column M + 1 phase 0 one after.
        let (phase, at) = match c {
            0 => (M - 1, start - 1),
            c if c <= M => (c - 1, start),
            _ => (0, start + 1),
        };
        let src = &phases[phase * phase_len + at..];
        lanewise::<A, A, InputSide<M, A, T>>(src, tiles, &mut half[c * n + n_at..], A * n, tiles);
        // The first tile's column 0 and the last tile's column M + 1 lie outside the map
        // (the indices read there belong to the neighbouring row): their sums are zero.
        if c == 0 || c == A - 1 {
            let t = if c == 0 { 0 } else { tiles - 1 };
            for k in 0..A {
                half[(A * k + c) * n + n_at + t] = 0.0;
            }
        }
    }
}

/// The second half of `V = Bᵀ d B` over a job's `n` tiles: `v[(A k + l) * v_stride + i] =
/// Σ_c Bᵀ[l][c] half[(A k + c) * n + i]`.
#[inline(always)]
fn across<const M: usize, const A: usize, T: Tiling<M, A>>(
    half: &[f32],
    v: &mut [f32],
    v_stride: usize,
    n: usize,
) {
    for k in 0..A {
        lanewise::<A, A, InputSide<M, A, T>>(
            &half[A * k * n..],
            n,
            &mut v[A * k * v_stride..],
            v_stride,
            n,
        );
    }
}

/// One of a tiling's transforms, applied lane by lane: `R` rows in, `K` rows out.
trait Lanewise<const R: usize, const K: usize> {
    fn apply<const L: usize>(rows: &[[f32; L]; R]) -> [[f32; L]; K];
}

/// `Bᵀ x` of tiling `T`.
struct InputSide<const M: usize, const A: usize, T>(PhantomData<T>);

impl<const M: usize, const A: usize, T: Tiling<M, A>> Lanewise<A, A> for InputSide<M, A, T> {
    #[inline(always)]
    fn apply<const L: usize>(rows: &[[f32; L]; A]) -> [[f32; L]; A] {
        T::bt(rows)
    }
}

/// `Aᵀ x` of tiling `T`.
struct OutputSide<const M: usize, const A: usize, T>(PhantomData<T>);

impl<const M: usize, const A: usize, T: Tiling<M, A>> Lanewise<A, M> for OutputSide<M, A, T> {
    #[inline(always)]
    fn apply<const L: usize>(rows: &[[f32; L]; A]) -> [[f32; L]; M] {
        T::at(rows)
    }
}

/// `out[k * out_stride + i] = F(src[r * stride + i] for r < R)[k]` for `i < len`: `R` rows of
/// `len` values in, `K` rows out.
///
/// These passes run on every channel of every tile, with a handful of operations per value:
/// indexing checked value by value cost more than the arithmetic (the first version, with
/// slices, ran 3.7x slower on data in L1). So the extents are checked once here, and the
/// steps read and write through pointers, 16 lanes at a time (one AVX-512 register, four
/// wasm SIMD ones), then 8, 4 and 1 for the rest.
#[inline(always)]
fn lanewise<const R: usize, const K: usize, F: Lanewise<R, K>>(
    src: &[f32],
    stride: usize,
    out: &mut [f32],
    out_stride: usize,
    len: usize,
) {
    assert!(
        src.len() >= (R - 1) * stride + len,
        "source rows out of range"
    );
    assert!(
        out.len() >= (K - 1) * out_stride + len && (K == 1 || len <= out_stride),
        "output rows out of range or overlapping"
    );
    let (src, out) = (src.as_ptr(), out.as_mut_ptr());
    let mut i = 0;
    // SAFETY (every step): lanes i .. i + L with i + L <= len, so rows r < R and k < K lie
    // inside the extents asserted above.
    while i + 16 <= len {
        unsafe { lanewise_step::<R, K, F, 16>(src, stride, out, out_stride, i) };
        i += 16;
    }
    if i + 8 <= len {
        unsafe { lanewise_step::<R, K, F, 8>(src, stride, out, out_stride, i) };
        i += 8;
    }
    if i + 4 <= len {
        unsafe { lanewise_step::<R, K, F, 4>(src, stride, out, out_stride, i) };
        i += 4;
    }
    while i < len {
        unsafe { lanewise_step::<R, K, F, 1>(src, stride, out, out_stride, i) };
        i += 1;
    }
}

/// Lanes `i .. i + L` of [`lanewise`].
///
/// # Safety
/// `src + r * stride + i + L` (r < R) and `out + k * out_stride + i + L` (k < K) stay inside
/// their allocations, and the source and output do not overlap.
#[inline(always)]
unsafe fn lanewise_step<const R: usize, const K: usize, F: Lanewise<R, K>, const L: usize>(
    src: *const f32,
    stride: usize,
    out: *mut f32,
    out_stride: usize,
    i: usize,
) {
    let mut rows = [[0f32; L]; R];
    for (r, row) in rows.iter_mut().enumerate() {
        // SAFETY: in range by the caller's contract; unaligned reads of plain floats.
        *row = unsafe { src.add(r * stride + i).cast::<[f32; L]>().read_unaligned() };
    }
    for (k, row) in F::apply(&rows).iter().enumerate() {
        // SAFETY: as above.
        unsafe {
            out.add(k * out_stride + i)
                .cast::<[f32; L]>()
                .write_unaligned(*row)
        };
    }
}

/// `K` disjoint rows of `len` values, `stride` apart (`len <= stride`), of `out`.
#[inline(always)]
fn split_rows<const K: usize>(out: &mut [f32], stride: usize, len: usize) -> [&mut [f32]; K] {
    let mut rest = out;
    std::array::from_fn(|k| {
        let taken = std::mem::take(&mut rest);
        if k + 1 < K {
            let (row, tail) = taken.split_at_mut(stride);
            rest = tail;
            &mut row[..len]
        } else {
            &mut taken[..len]
        }
    })
}

/// `Y = Aᵀ M A` of one output channel's tiles: `m[ξ * m_stride + i]` ->
/// `y[(M k + l) * n + i]`; `half` holds `M * A * n` floats.
#[inline(always)]
fn transform_output<const M: usize, const A: usize, T: Tiling<M, A>>(
    m: &[f32],
    m_stride: usize,
    half: &mut [f32],
    y: &mut [f32],
    n: usize,
) {
    // Down the rows: half[A k + c] = Σ_r Aᵀ[k][r] m[A r + c].
    for c in 0..A {
        lanewise::<A, M, OutputSide<M, A, T>>(
            &m[c * m_stride..],
            A * m_stride,
            &mut half[c * n..],
            A * n,
            n,
        );
    }
    // Across: y[M k + l] = Σ_c Aᵀ[l][c] half[A k + c].
    for k in 0..M {
        lanewise::<A, M, OutputSide<M, A, T>>(&half[A * k * n..], n, &mut y[M * k * n..], n, n);
    }
}

/// Adds the M x M outputs `y[(M k + l) * n + first + t]` of one tile row to the M output
/// rows `rows` (`M * w` values) they cover: the reverse of [`deinterleave`].
#[inline(always)]
fn scatter_tiles<const M: usize>(y: &[f32], n: usize, first: usize, rows: &mut [f32], w: usize) {
    let tiles = w / M;
    for k in 0..M {
        let row = &mut rows[k * w..][..w];
        let values = |l: usize| &y[(M * k + l) * n + first..][..tiles];
        match M {
            2 => {
                for ((pair, a), b) in row.chunks_exact_mut(2).zip(values(0)).zip(values(1)) {
                    pair[0] += a;
                    pair[1] += b;
                }
            }
            4 => {
                let values = values(0)
                    .iter()
                    .zip(values(1))
                    .zip(values(2))
                    .zip(values(3));
                for (four, (((a, b), c), d)) in row.chunks_exact_mut(4).zip(values) {
                    four[0] += a;
                    four[1] += b;
                    four[2] += c;
                    four[3] += d;
                }
            }
            _ => unreachable!("tiles are 2 or 4 wide"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cpu_conv::{Conv3x3, CpuConv, max_abs_diff};

    /// The factored transforms compute their matrices: each unit vector in, the matrix's
    /// column out, on every lane count the passes use (and the kernel transform's).
    #[test]
    fn factored_transforms_match_their_matrices() {
        fn check<const M: usize, const A: usize, T: Tiling<M, A>>() {
            check_lanes::<M, A, T, 1>();
            check_lanes::<M, A, T, 4>();
            check_lanes::<M, A, T, 16>();
        }
        fn check_lanes<const M: usize, const A: usize, T: Tiling<M, A>, const L: usize>() {
            for j in 0..A {
                let mut unit = [[0f32; L]; A];
                unit[j] = [1.0; L];
                let (bt, at) = (T::bt(&unit), T::at(&unit));
                if j < 3 {
                    let mut unit = [[0f32; L]; 3];
                    unit[j] = [1.0; L];
                    for (k, (got, want)) in T::g(&unit).iter().zip(&T::G).enumerate() {
                        assert!(
                            got.iter().all(|&v| v == want[j]),
                            "F({M}x{M}) G[{k}][{j}]: {got:?}"
                        );
                    }
                }
                for i in 0..L {
                    for (k, (got, want)) in bt.iter().zip(&T::BT).enumerate() {
                        assert_eq!(got[i], want[j], "F({M}x{M}) Bᵀ[{k}][{j}], lane {i}");
                    }
                    for (k, (got, want)) in at.iter().zip(&T::AT).enumerate() {
                        assert_eq!(got[i], want[j], "F({M}x{M}) Aᵀ[{k}][{j}], lane {i}");
                    }
                }
            }
        }
        check::<2, 4, F2>();
        check::<4, 6, F4>();
    }

    /// Every instruction set this CPU has gives the im2col kernel's result, for both tile
    /// sizes, over uneven channel counts (the product kernel's row tails) and job sizes
    /// (its masked column tails).
    #[test]
    fn every_instruction_set_matches_im2col() {
        let isas = Isa::available();
        let mut rng = crate::rng::SeededRng::new(5);
        for (batch, cin, cout, h, w) in [(3, 19, 23, 8, 8), (1, 16, 17, 4, 28), (2, 21, 64, 16, 12)]
        {
            let weight = rng.normals(cout * cin * 9);
            let x = rng.normals(batch * cin * h * w);
            let reference =
                Conv3x3::new(weight.clone(), vec![0.0; cout], cin, cout, CpuConv::Im2col);
            let want = reference.run(&x, batch, h, w, true, None);
            let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
            for tile in [TileSize::Two, TileSize::Four] {
                for &isa in &isas {
                    let winograd = Winograd {
                        isa,
                        ..Winograd::new(&weight, cin, cout, tile)
                    };
                    let mut got = vec![0f32; want.len()];
                    winograd.run(&x, batch, h, w, true, &mut got);
                    let err = max_abs_diff(&want, &got);
                    assert!(
                        err <= 1e-5 * scale,
                        "{tile:?} {isa:?} {batch}x{cin}->{cout} {h}x{w}: error {err} (largest {scale})"
                    );
                }
            }
        }
    }
}
