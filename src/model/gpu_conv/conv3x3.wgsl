// A 3x3, stride 1, zero padding 1 convolution of NCHW f32 maps as one implicit GEMM per image:
// output[b, m, n] = bias[m] + sum_k weight[m, k] * patch[b, k, n] (+ residual[b, m, n]), with
// m the output channel, n = y * W + x the position and k = ci * 9 + ky * 3 + kx the tap (the
// order of the OIHW weight as stored, so the kernel is the matrix as it is). A workgroup owns a
// TM x TN tile of output for image wid.z; each invocation 4 channels by 4 positions,
// 16 sums in registers. The taps go by in slices of TK: the weight slice and the im2col slice
// are read into workgroup memory once (zero outside the map; the ReLU of the input applied
// there), then every invocation reads 4 + 4 values of them for 16 multiply-adds.
// src/model/gpu_conv/mod.rs fills in the placeholders in double braces per layer shape.

const CIN: u32 = {{CIN}}u;
const COUT: u32 = {{COUT}}u;
const H: u32 = {{H}}u;
const W: u32 = {{W}}u;
const HW: u32 = H * W;
const K: u32 = CIN * 9u;
const TM: u32 = {{TM}}u;
const TN: u32 = {{TN}}u;
const TK: u32 = {{TK}}u;
const WGX: u32 = {{WGX}}u; // invocations along the positions: TN / 4
const WGY: u32 = {{WGY}}u; // invocations along the channels: TM / 4
const THREADS: u32 = WGX * WGY;

@group(0) @binding(0) var<storage, read> input: array<f32>; // [B, CIN, H, W]
@group(0) @binding(1) var<storage, read> weight: array<f32>; // [COUT, CIN, 3, 3]
@group(0) @binding(2) var<storage, read> bias: array<f32>; // [COUT]
{{RESIDUAL_BINDING}}
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>; // [B, COUT, H, W]

var<workgroup> a_tile: array<f32, {{A_TILE}}>; // [TK][TM]: weight[m0 + m, k0 + k]
var<workgroup> b_tile: array<f32, {{B_TILE}}>; // [TK][TN]: patch[k0 + k, n0 + n]

@compute @workgroup_size({{WGX}}, {{WGY}}, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let n0 = wid.x * TN;
    let m0 = wid.y * TM;
    let image = wid.z;
    let in_base = image * CIN * HW;

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);

    for (var k0 = 0u; k0 < K; k0 += TK) {
        // Consecutive invocations read consecutive taps of one filter (coalesced).
        for (var i = t; i < TK * TM; i += THREADS) {
            let kk = i % TK;
            let mm = i / TK;
            let k = k0 + kk;
            let m = m0 + mm;
            var v = 0.0;
            if (k < K && m < COUT) {
                v = weight[m * K + k];
            }
            a_tile[kk * TM + mm] = v;
        }
        // Consecutive invocations read consecutive positions of one row (coalesced).
        for (var i = t; i < TK * TN; i += THREADS) {
            let kk = i / TN;
            let nn = i % TN;
            let k = k0 + kk;
            let n = n0 + nn;
            var v = 0.0;
            if (k < K && n < HW) {
                let ci = k / 9u;
                let tap = k % 9u;
                let y = i32(n / W) + i32(tap / 3u) - 1;
                let x = i32(n % W) + i32(tap % 3u) - 1;
                if (y >= 0 && y < i32(H) && x >= 0 && x < i32(W)) {
                    v = input[in_base + ci * HW + u32(y) * W + u32(x)];
                    {{RELU}}
                }
            }
            b_tile[i] = v;
        }
        workgroupBarrier();
        let steps = min(TK, K - k0);
        for (var kk = 0u; kk < steps; kk++) {
            let a = kk * TM + lid.y * 4u;
            let b = kk * TN + lid.x;
            let p = vec4<f32>(b_tile[b], b_tile[b + WGX], b_tile[b + 2u * WGX], b_tile[b + 3u * WGX]);
            acc0 = fma(vec4<f32>(a_tile[a]), p, acc0);
            acc1 = fma(vec4<f32>(a_tile[a + 1u]), p, acc1);
            acc2 = fma(vec4<f32>(a_tile[a + 2u]), p, acc2);
            acc3 = fma(vec4<f32>(a_tile[a + 3u]), p, acc3);
        }
        workgroupBarrier();
    }

    // Adjacent invocations write adjacent positions (coalesced).
    let out_base = image * COUT * HW;
    let m_first = m0 + lid.y * 4u;
    for (var i = 0u; i < 4u; i++) {
        let m = m_first + i;
        if (m >= COUT) {
            break;
        }
        var row = acc0;
        if (i == 1u) {
            row = acc1;
        } else if (i == 2u) {
            row = acc2;
        } else if (i == 3u) {
            row = acc3;
        }
        for (var j = 0u; j < 4u; j++) {
            let n = n0 + lid.x + j * WGX;
            if (n < HW) {
                let o = out_base + m * HW + n;
                var v = row[j] + bias[m];
                {{ADD_RESIDUAL}}
                output[o] = v;
            }
        }
    }
}
