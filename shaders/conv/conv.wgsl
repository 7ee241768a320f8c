// out = activation(conv(x, weights) + bias + residual) as an implicit GEMM,
// over three spatial dims: conv3d (x NDHWC, weights DHWIO [KD, KH, KW, Cin,
// Cout]), conv2d with depth 1 (NHWC, HWIO) and conv1d with depth and height
// 1. Stride, dilation and explicit padding per dim (SAME padding is computed
// by the caller). A 1x1 convolution with stride 1 and no padding should run
// as matmul/matmul_vec4.wgsl instead.
//
// The GEMM: rows are output pixels (M = batch * volume(out_size)), columns
// are output channels (N = Cout), and K = volume(kernel_size) * Cin runs over
// filter taps with the input channel fastest, so B is the weights tensor
// itself and a row of A is the receptive field of one pixel, gathered from x
// while staging (zero outside the input). Tiling as in matmul/matmul.wgsl: TILE_M = WG_Y * 4 pixels by
// TILE_N = WG_X * 4 channels per workgroup, TILE_K-deep slices in workgroup
// memory, 4 x 4 outputs per thread.
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([Cout]), 3 residual (out's
//   layout): storage read of Elem; 4 out: storage read_write of Elem;
//   5 params: uniform. bias and residual are bound even when their knob is off.
// Params {
//   batch, in_c, out_c: u32,
//   m_tiles: u32,                    ceil(batch * volume(out_size) / TILE_M)
//   in_size, out_size: vec3<u32>,   (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,  (depth, height, width)
//   pad: vec3<u32>,                  (front, top, left) padding of the forward conv
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS, HAS_RESIDUAL (false).
// Slots: `types` (Elem, the storage type; f32 as written; arithmetic is f32),
//   `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;

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

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read> residual: array<Elem>;
@group(0) @binding(4) var<storage, read_write> out: array<Elem>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

// @import common/activation.wgsl
// @import common/volume.wgsl

// x at output pixel `pixel` and filter tap `tap` = (kernel offset) * Cin + ci,
// the kernel offset running over (kd, kh, kw); 0 in the padding.
fn receptive_field(pixel: u32, tap: u32) -> f32 {
  let n = pixel / volume(params.out_size);
  let o = spatial(pixel % volume(params.out_size), params.out_size);
  let ci = tap % params.in_c;
  let k = spatial(tap / params.in_c, params.kernel_size);
  let signed = vec3<i32>(o * params.stride + k * params.dilation) - vec3<i32>(params.pad);
  if (any(signed < vec3<i32>(0)) || any(signed >= vec3<i32>(params.in_size))) {
    return 0.0;
  }
  let i = vec3<u32>(signed);
  return f32(x[(((n * params.in_size.x + i.x) * params.in_size.y + i.y) * params.in_size.z + i.z) * params.in_c + ci]);
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
  let m = params.batch * volume(params.out_size);
  let n = params.out_c;
  let k = volume(params.kernel_size) * params.in_c;
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
        v = receptive_field(row, kk);
      }
      a_tile[e] = v;
    }
    for (var e = local_index; e < TILE_K * tile_n; e += threads) {
      let kk = k0 + e / tile_n;
      let col = col0 + e % tile_n;
      var v = 0.0;
      if (kk < k && col < n) {
        v = f32(weights[kk * n + col]);
      }
      b_tile[e] = v;
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
        let index = row * n + col;
        var v = acc[r][c];
        if (HAS_BIAS) {
          v += f32(bias[col]);
        }
        if (HAS_RESIDUAL) {
          v += f32(residual[index]);
        }
        out[index] = Elem(activation(v));
      }
    }
  }
}
