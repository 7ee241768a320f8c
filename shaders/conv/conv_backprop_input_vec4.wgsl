// dx = the gradient of conv (conv/conv.wgsl) with respect to its input, also
// conv2dTranspose / conv3dTranspose of dy, with vec4 weight loads and vec4
// stores: the fast path when in_c is a multiple of 4 (else
// conv/conv_backprop_input.wgsl, whose GEMM and names this shares: rows are
// dx pixels, columns input channels, K runs over (kernel offset, output
// channel)). The weights come pre-transposed to [*kernel, Cout, Cin] (one
// shape/strided_copy.wgsl), so a row of B is Cin / 4 vec4s. Each thread owns
// 8 consecutive dx pixels of one vec4 of input channels.
// Staging: each tile row's (pixel + padding) coordinates are computed once
// per workgroup in workgroup memory, and each thread stages one K column of
// the dy tile per K slice, so it splits that tap once per slice.
//
// Bindings (group 0): 0 dy: storage read of Elem; 1 weights_t ([*kernel,
//   Cout, Cin]), 2 bias ([Cin]): storage read of vec4<Elem>; 3 dx: storage
//   read_write of vec4<Elem>; 4 params: uniform. bias is bound even when
//   HAS_BIAS is off.
// Params {
//   batch, in_c, out_c: u32,       (in_c a multiple of 4)
//   m_tiles: u32,                  ceil(batch * volume(in_size) / TILE_M), TILE_M = WG_Y * 8
//   in_size, out_size: vec3<u32>,  (depth, height, width) of dx and dy
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                (front, top, left) padding of the forward conv
//   alpha, beta: f32,              activation attributes
// }
// Overrides: WG_X, WG_Y (8, 8), TILE_K (32), HAS_BIAS (false); WG_X * WG_Y
//   must be a multiple of TILE_K. Workgroup memory: (WG_Y * 8 * TILE_K +
//   TILE_K * WG_X * 4 + WG_Y * 8 * 4) * 4 bytes, 13 KiB by default.
// Slots: `types` (Elem; f32 as written; arithmetic is f32), `body` (the
//   activation on v: f32; identity as written).
// Dispatch: x = ceil(Cin / (WG_X * 4)); y and z hold m_tiles workgroups as a
// 2-D grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 32u;
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
@group(0) @binding(1) var<storage, read> weights_t: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<Elem>>;
@group(0) @binding(4) var<uniform> params: Params;

// @import common/activation.wgsl
// @import common/volume.wgsl
// @import conv/gemm_tiles_vec4.wgsl

var<workgroup> row_origin: array<vec4<i32>, WG_Y * ROWS_PER_THREAD>;  // pixel_origin of each tile row

// dx pixel `pixel` as (element offset of its image in dy, its coordinates
// plus the padding); rows past the last pixel reach no dy pixel.
fn pixel_origin(pixel: u32) -> vec4<i32> {
  let in_volume = volume(params.in_size);
  if (pixel >= params.batch * in_volume) {
    return vec4<i32>(0, -0x40000000i, -0x40000000i, -0x40000000i);
  }
  let shifted = vec3<i32>(spatial(pixel % in_volume, params.in_size) + params.pad);
  return vec4<i32>(i32((pixel / in_volume) * volume(params.out_size) * params.out_c), shifted);
}

// What the tile rows need of K column k: its output channel, and how far
// its kernel offset reaches (times the dilation).
struct AColumn {
  co: u32,
  reach: vec3<i32>,
}

fn a_column(k: u32) -> AColumn {
  return AColumn(k % params.out_c, vec3<i32>(spatial(k / params.out_c, params.kernel_size) * params.dilation));
}

// dy at the pixel that reaches tile row `row` through the column's kernel
// offset; 0 where none does (off the stride grid, or outside dy).
fn a_value(row: u32, column: AColumn) -> f32 {
  let origin = row_origin[row];
  let stride = vec3<i32>(params.stride);
  let shifted = origin.yzw - column.reach;
  let o = shifted / stride;
  if (!(all(shifted >= vec3<i32>(0)) && all(shifted % stride == vec3<i32>(0)) && all(vec3<u32>(o) < params.out_size))) {
    return 0.0;
  }
  let u = vec3<u32>(o);
  return f32(dy[u32(origin.x) + ((u.x * params.out_size.y + u.y) * params.out_size.z + u.z) * params.out_c + column.co]);
}

fn b_value(k: u32, col4: u32) -> vec4<f32> {
  return vec4<f32>(weights_t[k * (params.in_c / 4u) + col4]);
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
  let m = params.batch * volume(params.in_size);
  let n4 = params.in_c / 4u;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * WG_X, m, n4, volume(params.kernel_size) * params.out_c);
  for (var r = local_index; r < tile_rows(); r += WG_X * WG_Y) {
    row_origin[r] = pixel_origin(tile.row0 + r);
  }
  workgroupBarrier();
  var acc = gemm_block(tile, 0u, lid, local_index);

  let col4 = tile.col4_0 + lid.x;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y * ROWS_PER_THREAD + r;
    if (row < m && col4 < n4) {
      var v = acc[r];
      if (HAS_BIAS) {
        v += vec4<f32>(bias[col4]);
      }
      dx[row * n4 + col4] = vec4<Elem>(vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w)));
    }
  }
}
