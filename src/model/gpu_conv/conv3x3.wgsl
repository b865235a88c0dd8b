// A 3x3, stride 1, zero padding 1 convolution of NCHW f32 maps, direct. A workgroup owns TM
// output channels of a TH x TW patch of one image (wid.z). Each invocation owns one column
// (x0 + lid.x) of RN rows for 4 output channels: acc{j} holds row j's 4 channels, 4 * RN sums
// in registers. Neighbouring invocations own neighbouring columns, so every read of the input
// window and every write of the output is of consecutive addresses across them (coalesced on a
// GPU; one vector access on a SIMD CPU such as SwiftShader), while the weights they read are
// the same for all of them (a broadcast).
// The input channels go by in slices of CIC: the slice's (TH + 2) x (TW + 2) window (zero
// outside the map, the ReLU of the input applied there) and its weights are read into
// workgroup memory once; then, per channel and kernel column, an invocation reads RN + 2 inputs
// and 3 weight vectors for 3 * RN vector multiply-adds. The RN rows are written out one by one
// (named sums, no arrays): a loop over an array indexed by its counter left SwiftShader
// reading and writing the sums through memory.
// src/model/gpu_conv/mod.rs fills in the placeholders in double braces per layer shape.

const CIN: u32 = {{CIN}}u;
const COUT: u32 = {{COUT}}u;
const H: u32 = {{H}}u;
const W: u32 = {{W}}u;
const HW: u32 = H * W;
const K: u32 = CIN * 9u;
const TM: u32 = {{TM}}u; // output channels per workgroup, a multiple of 4
const RN: u32 = {{RN}}u; // rows per invocation
const TH: u32 = {{TH}}u; // rows per workgroup, a multiple of RN
const TW: u32 = {{TW}}u; // columns per workgroup: one per invocation along x
const CIC: u32 = {{CIC}}u; // input channels per slice
const PH: u32 = TH + 2u;
const PW: u32 = TW + 2u;
const ROW_BLOCKS: u32 = TH / RN;
const THREADS: u32 = {{THREADS}}u; // TW * ROW_BLOCKS * TM / 4
const TILES_X: u32 = (W + TW - 1u) / TW;

@group(0) @binding(0) var<storage, read> input: array<f32>; // [B, CIN, H, W]
@group(0) @binding(1) var<storage, read> weight: array<f32>; // [COUT, CIN, 3, 3]
@group(0) @binding(2) var<storage, read> bias: array<f32>; // [COUT]
{{RESIDUAL_BINDING}}
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>; // [B, COUT, H, W]

var<workgroup> window: array<f32, {{WINDOW}}>; // [CIC][PH][PW]
var<workgroup> taps: array<vec4<f32>, {{TAPS}}>; // [CIC * 9][TM / 4]: 4 output channels each

@compute @workgroup_size({{TW}}, {{WGY}}, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let y0 = (wid.x / TILES_X) * TH;
    let x0 = (wid.x % TILES_X) * TW;
    let m0 = wid.y * TM;
    let image = wid.z;
    let in_base = image * CIN * HW;
    let rows = (lid.y % ROW_BLOCKS) * RN; // this invocation's first row in the patch
    let quad = lid.y / ROW_BLOCKS; // its 4 output channels: m0 + 4 * quad ..

{{ACC_DECL}}
    for (var c0 = 0u; c0 < CIN; c0 += CIC) {
        for (var i = t; i < CIC * PH * PW; i += THREADS) {
            let c = c0 + i / (PH * PW);
            let py = (i % (PH * PW)) / PW;
            let px = i % PW;
            let y = i32(y0 + py) - 1;
            let x = i32(x0 + px) - 1;
            var v = 0.0;
            if (c < CIN && y >= 0 && y < i32(H) && x >= 0 && x < i32(W)) {
                v = input[in_base + c * HW + u32(y) * W + u32(x)];
                {{RELU}}
            }
            window[i] = v;
        }
        for (var i = t; i < CIC * 9u * TM; i += THREADS) {
            let kk = i % (CIC * 9u);
            let mm = i / (CIC * 9u);
            let k = c0 * 9u + kk;
            let m = m0 + mm;
            var v = 0.0;
            if (k < K && m < COUT) {
                v = weight[m * K + k];
            }
            taps[kk * (TM / 4u) + mm / 4u][mm % 4u] = v;
        }
        workgroupBarrier();
        let slice = min(CIC, CIN - c0);
        for (var c = 0u; c < slice; c++) {
            for (var kx = 0u; kx < 3u; kx++) {
                let base = (c * PH + rows) * PW + lid.x + kx;
                let w = (c * 9u + kx) * (TM / 4u) + quad;
                let w0 = taps[w]; // ky = 0
                let w1 = taps[w + 3u * (TM / 4u)]; // ky = 1
                let w2 = taps[w + 6u * (TM / 4u)]; // ky = 2
{{MULTIPLY_ADD}}
            }
        }
        workgroupBarrier();
    }

    let x = x0 + lid.x;
    if (x >= W) {
        return;
    }
{{STORE}}
}

// Row y's sums for the 4 channels from m_first, onto the bias (and the residual).
fn put(image: u32, m_first: u32, y: u32, x: u32, sums: vec4<f32>) {
    if (y >= H) {
        return;
    }
    for (var i = 0u; i < 4u; i++) {
        let m = m_first + i;
        if (m < COUT) {
            let o = image * COUT * HW + m * HW + y * W + x;
            var v = sums[i] + bias[m];
            {{ADD_RESIDUAL}}
            output[o] = v;
        }
    }
}
