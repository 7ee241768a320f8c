// out = activation(conv(x, weights) + bias + residual) as an implicit GEMM
// with vec4 weight loads and vec4 stores: the fast path when out_c is a
// multiple of 4, whatever in_c (else conv/conv.wgsl). Layouts (conv3d,
// conv2d with depth 1, conv1d), padding and the GEMM as in conv/conv.wgsl:
// rows are output pixels, columns output channels, and K runs over taps with
// the input channel fastest, so a row of the weights is out_c / 4 vec4s.
// Tiling: TILE_M = WG_Y * 8 pixels by TILE_N = WG_X * 4 channels per
// workgroup, TILE_K-deep slices in workgroup memory; each thread owns 8
// consecutive pixels of one vec4 column and per tap does 8 vec4
// multiply-adds from one vec4 of weights and 8 staged x values. (Staging x
// as scalars measured as fast as vec4 gathers on SwiftShader, and frees in_c.)
//
// Bindings (group 0): 0 x: storage read of Elem; 1 weights, 2 bias ([Cout]),
//   3 residual (out's layout): storage read of vec4<Elem>; 4 out: storage
//   read_write of vec4<Elem>; 5 params: uniform. bias and residual are bound
//   even when their knob is off.
// Params {
//   batch, in_c, out_c: u32,           (out_c a multiple of 4)
//   m_tiles: u32,                      ceil(batch * volume(out_size) / TILE_M)
//   in_size, out_size: vec3<u32>,      (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,  (depth, height, width)
//   pad: vec3<u32>,                    (front, top, left)
//   alpha, beta: f32,                  activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8), TILE_K (16), HAS_BIAS, HAS_RESIDUAL (false);
//   WG_X * WG_Y must be a multiple of TILE_K. Workgroup memory: (WG_Y * 8 *
//   TILE_K + TILE_K * WG_X * 4 + WG_Y * 8 * 4) * 4 bytes, 7 KiB by default.
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

const ROWS_PER_THREAD = 8u;

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
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
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<vec4<f32>, TILE_K * WG_X>;  // [TILE_K][TILE_N / 4]
var<workgroup> row_origin: array<vec4<i32>, WG_Y * ROWS_PER_THREAD>;  // pixel_origin of each tile row

// @import common/activation.wgsl
// @import common/volume.wgsl

// A pixel's window start far outside any input, for tile rows past the last pixel.
const OUTSIDE = -0x40000000i;

// Where output pixel `pixel` reads x: (element offset of its image, then
// the (d, h, w) of its window's first tap, which may lie in the padding).
fn pixel_origin(pixel: u32) -> vec4<i32> {
  let out_volume = volume(params.out_size);
  if (pixel >= params.batch * out_volume) {
    return vec4<i32>(0, OUTSIDE, OUTSIDE, OUTSIDE);
  }
  let start = vec3<i32>(spatial(pixel % out_volume, params.out_size) * params.stride) - vec3<i32>(params.pad);
  return vec4<i32>(i32((pixel / out_volume) * volume(params.in_size) * params.in_c), start);
}

// x at channel ci of the pixel `offset` (a kernel offset times the dilation)
// away from a window start; 0 in the padding.
fn gather(origin: vec4<i32>, offset: vec3<i32>, ci: u32) -> f32 {
  // Negative coordinates wrap to huge unsigned ones: one comparison per dim.
  let u = vec3<u32>(origin.yzw + offset);
  if (!all(u < params.in_size)) {
    return 0.0;
  }
  return f32(x[u32(origin.x) + ((u.x * params.in_size.y + u.y) * params.in_size.z + u.z) * params.in_c + ci]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let tile_m = WG_Y * ROWS_PER_THREAD;
  let m_tile = wid.y + wid.z * groups.y;
  if (m_tile >= params.m_tiles) {
    return;
  }
  let m = params.batch * volume(params.out_size);
  let n4 = params.out_c / 4u;
  let k = volume(params.kernel_size) * params.in_c;
  let row0 = m_tile * tile_m;
  let col4 = wid.x * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  for (var r = local_index; r < tile_m; r += threads) {
    row_origin[r] = pixel_origin(row0 + r);
  }
  workgroupBarrier();
  // Each thread stages the same tap column of A in every K slice, so it
  // splits its tap into channel and kernel offset once per slice.
  let a_column = local_index % TILE_K;
  let a_row_step = threads / TILE_K;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < k; k0 += TILE_K) {
    let tap = k0 + a_column;
    let ci = tap % params.in_c;
    let offset = vec3<i32>(spatial(tap / params.in_c, params.kernel_size) * params.dilation);
    for (var r = local_index / TILE_K; r < tile_m; r += a_row_step) {
      var v = 0.0;
      if (tap < k) {
        v = gather(row_origin[r], offset, ci);
      }
      a_tile[r * TILE_K + a_column] = v;
    }
    for (var e = local_index; e < TILE_K * WG_X; e += threads) {
      let kk = k0 + e / WG_X;
      let col = wid.x * WG_X + e % WG_X;
      var v = vec4<f32>(0.0);
      if (kk < k && col < n4) {
        v = vec4<f32>(weights[kk * n4 + col]);
      }
      b_tile[e] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let b_row = b_tile[kk * WG_X + lid.x];
      let a_at = lid.y * ROWS_PER_THREAD * TILE_K + kk;
      acc0 += a_tile[a_at] * b_row;
      acc1 += a_tile[a_at + TILE_K] * b_row;
      acc2 += a_tile[a_at + 2u * TILE_K] * b_row;
      acc3 += a_tile[a_at + 3u * TILE_K] * b_row;
      acc4 += a_tile[a_at + 4u * TILE_K] * b_row;
      acc5 += a_tile[a_at + 5u * TILE_K] * b_row;
      acc6 += a_tile[a_at + 6u * TILE_K] * b_row;
      acc7 += a_tile[a_at + 7u * TILE_K] * b_row;
    }
    workgroupBarrier();
  }

  var acc = array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = row0 + lid.y * ROWS_PER_THREAD + r;
    if (row < m && col4 < n4) {
      let index = row * n4 + col4;
      var v = acc[r];
      if (HAS_BIAS) {
        v += vec4<f32>(bias[col4]);
      }
      if (HAS_RESIDUAL) {
        v += vec4<f32>(residual[index]);
      }
      out[index] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
    }
  }
}
