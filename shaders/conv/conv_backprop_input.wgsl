// dx = the gradient of conv (conv/conv.wgsl: conv3d, conv2d with depth 1,
// conv1d) with respect to its input, which is also conv2dTranspose /
// conv3dTranspose of dy, as an implicit GEMM, with an optional fused bias and
// activation for the transposed convs. dy and dx are NDHWC, the weights
// DHWIO ([KD, KH, KW, Cin, Cout]); names follow the forward conv: `in_*` are
// dx's, `out_*` dy's.
//
// The GEMM: rows are dx pixels (M = batch * volume(in_size)), columns are
// input channels (N = Cin), and K = volume(kernel_size) * Cout runs over
// taps with the output channel fastest. A row of A gathers, for each tap,
// the dy pixel that tap connects to: o = (i + pad - k * dilation) / stride
// per dim when that divides exactly and lands inside dy, else 0. B[tap, ci]
// is the weight at (k, ci, co). Tiling as in matmul/matmul.wgsl.
//
// Bindings (group 0): 0 dy, 1 weights, 2 bias ([Cin]): storage read of Elem;
//   3 dx: storage read_write of Elem; 4 params: uniform. bias is bound even
//   when HAS_BIAS is off.
// Params {
//   batch, in_c, out_c: u32,
//   m_tiles: u32,                  ceil(batch * volume(in_size) / TILE_M)
//   in_size, out_size: vec3<u32>,  (depth, height, width) of dx and dy
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                (front, top, left) padding of the forward conv
//   alpha, beta: f32,              activation attributes
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS (false).
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: x = ceil(Cin / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;

struct Params {
  batch: u32,
  in_c: u32,
  out_c: u32,
  m_tiles: u32,
  in_size: vec3<u32>,
  out_size: vec3<u32>,
  kernel_size: vec3<u32>,
  stride: vec3<u32>,
  dilation: vec3<u32>,
  pad: vec3<u32>,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> dy: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read_write> dx: array<Elem>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

// @import common/activation.wgsl
// @import common/volume.wgsl

// dy at dx pixel `pixel` and tap = (kernel offset) * Cout + co; 0 where no dy
// pixel reaches it through that tap.
fn gathered_gradient(pixel: u32, tap: u32) -> f32 {
  let n = pixel / volume(params.in_size);
  let i = spatial(pixel % volume(params.in_size), params.in_size);
  let co = tap % params.out_c;
  let k = spatial(tap / params.out_c, params.kernel_size);
  let shifted = vec3<i32>(i + params.pad) - vec3<i32>(k * params.dilation);
  let stride = vec3<i32>(params.stride);
  let o = shifted / stride;
  if (any(shifted < vec3<i32>(0)) || any(shifted % stride != vec3<i32>(0)) ||
      any(o >= vec3<i32>(params.out_size))) {
    return 0.0;
  }
  let u = vec3<u32>(o);
  return f32(dy[(((n * params.out_size.x + u.x) * params.out_size.y + u.y) * params.out_size.z + u.z) * params.out_c + co]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let tile_m = WG_Y * ROWS_PER_THREAD;
  let tile_n = WG_X * COLS_PER_THREAD;
  let m_tile = wid.y + wid.z * groups.y;
  if (m_tile >= params.m_tiles) {
    return;
  }
  let m = params.batch * volume(params.in_size);
  let n = params.in_c;
  let k = volume(params.kernel_size) * params.out_c;
  let row0 = m_tile * tile_m;
  let col0 = wid.x * tile_n;
  let threads = WG_X * WG_Y;

  // Row r of this thread's 4 x 4 block; named, not an indexed array, so CPU
  // WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < k; k0 += TILE_K) {
    for (var e = local_index; e < tile_m * TILE_K; e += threads) {
      let row = row0 + e / TILE_K;
      let kk = k0 + e % TILE_K;
      var v = 0.0;
      if (row < m && kk < k) {
        v = gathered_gradient(row, kk);
      }
      a_tile[e] = v;
    }
    // Neighbouring threads take neighbouring taps: neighbouring output channels in memory.
    for (var e = local_index; e < TILE_K * tile_n; e += threads) {
      let kk = e % TILE_K;
      let col = e / TILE_K;
      var v = 0.0;
      if (k0 + kk < k && col0 + col < n) {
        let tap = k0 + kk;
        let khw = tap / params.out_c;
        v = f32(weights[(khw * params.in_c + col0 + col) * params.out_c + tap % params.out_c]);
      }
      b_tile[kk * tile_n + col] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let b_at = kk * tile_n + lid.x;
      let b_row = vec4<f32>(b_tile[b_at], b_tile[b_at + WG_X], b_tile[b_at + 2u * WG_X], b_tile[b_at + 3u * WG_X]);
      let a_at = lid.y * TILE_K + kk;
      let a_step = WG_Y * TILE_K;
      acc0 += a_tile[a_at] * b_row;
      acc1 += a_tile[a_at + a_step] * b_row;
      acc2 += a_tile[a_at + 2u * a_step] * b_row;
      acc3 += a_tile[a_at + 3u * a_step] * b_row;
    }
    workgroupBarrier();
  }
  var acc = array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3);

  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = col0 + lid.x + c * WG_X;
      if (row < m && col < n) {
        var v = acc[r][c];
        if (HAS_BIAS) {
          v += f32(bias[col]);
        }
        dx[row * n + col] = Elem(activation(v));
      }
    }
  }
}
