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
//   6 prelu_weights ([Cout], prelu's slope per output column, with
//   HAS_PRELU): storage read of vec4<Elem>, bound even when off.
// Params {
//   batch, in_c, out_c: u32,           (out_c a multiple of 4)
//   m_tiles: u32,                      ceil(batch * volume(out_size) / TILE_M)
//   in_size, out_size: vec3<u32>,      (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,  (depth, height, width)
//   pad: vec3<u32>,                    (front, top, left)
//   alpha, beta: f32,                  activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8), TILE_K (16), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false);
//   WG_X * WG_Y must be a multiple of TILE_K. Workgroup memory: (WG_Y * 8 *
//   TILE_K + TILE_K * WG_X * 4 + WG_Y * 8 * 4) * 4 bytes, 7 KiB by default.
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;

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
@group(0) @binding(6) var<storage, read> prelu_weights: array<vec4<Elem>>;

// @import common/activation.wgsl
// @import common/volume.wgsl
// @import conv/gemm_tiles_vec4.wgsl

var<workgroup> row_origin: array<vec4<i32>, WG_Y * ROWS_PER_THREAD>;  // pixel_origin of each tile row

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

// What the tile rows need of K column (tap) k: its input channel, and its
// kernel offset times the dilation.
struct AColumn {
  ci: u32,
  offset: vec3<i32>,
}

fn a_column(k: u32) -> AColumn {
  return AColumn(k % params.in_c, vec3<i32>(spatial(k / params.in_c, params.kernel_size) * params.dilation));
}

fn a_value(row: u32, column: AColumn) -> f32 {
  return gather(row_origin[row], column.offset, column.ci);
}

fn b_value(k: u32, col4: u32) -> vec4<f32> {
  return vec4<f32>(weights[k * (params.out_c / 4u) + col4]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let m_tile = wid.y + wid.z * groups.y;
  if (m_tile >= params.m_tiles) {
    return;
  }
  let m = params.batch * volume(params.out_size);
  let n4 = params.out_c / 4u;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * WG_X, m, n4, volume(params.kernel_size) * params.in_c);
  for (var r = local_index; r < tile_rows(); r += WG_X * WG_Y) {
    row_origin[r] = pixel_origin(tile.row0 + r);
  }
  workgroupBarrier();
  var acc = gemm_block(tile, 0u, lid, local_index);

  let col4 = tile.col4_0 + lid.x;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y * ROWS_PER_THREAD + r;
    if (row < m && col4 < n4) {
      let index = row * n4 + col4;
      var v = acc[r];
      if (HAS_BIAS) {
        v += vec4<f32>(bias[col4]);
      }
      if (HAS_RESIDUAL) {
        v += vec4<f32>(residual[index]);
      }
      if (HAS_PRELU) {
        v = select(v, v * vec4<f32>(prelu_weights[col4]), v < vec4<f32>(0.0));
      }
      out[index] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
    }
  }
}
