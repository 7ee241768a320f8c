// dweights = the gradient of conv (conv/conv.wgsl) with respect to its
// weights, with vec4 loads of dy and vec4 stores: the fast path when out_c is
// a multiple of 4 (else conv/conv_backprop_filter.wgsl, whose GEMM, layouts
// and split-K this shares). Rows are weight taps (M = volume(kernel_size) *
// Cin), columns output channels, and K runs over dy's pixels. Each thread
// owns 8 consecutive taps of one vec4 of output channels: per pixel it reads
// one vec4 of dy and 8 x values and does 8 vec4 multiply-adds.
// Staging: the taps' kernel offsets are split once per workgroup into
// workgroup memory, and each thread stages one pixel column of the x tile
// per K slice, so it splits that pixel once per slice.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 dy: storage read of
//   vec4<Elem>; 2 dweights: storage read_write of vec4<Elem>; 3 params: uniform.
// Params {
//   batch, in_c, out_c: u32,       (out_c a multiple of 4)
//   m_tiles: u32,                  ceil(volume(kernel_size) * Cin / TILE_M), TILE_M = WG_Y * 8
//   in_size, out_size: vec3<u32>,  (depth, height, width) of x and dy
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                (front, top, left)
//   splits: u32,                   1 unless split-K
//   k_chunk: u32,                  pixels per split (batch * volume(out_size) when splits == 1)
// }
// Overrides: WG_X, WG_Y (8, 8), TILE_K (32); WG_X * WG_Y must be a multiple
//   of TILE_K. Workgroup memory: (WG_Y * 8 * TILE_K + TILE_K * WG_X * 4 +
//   WG_Y * 8 * 4) * 4 bytes, 13 KiB by default.
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: x = ceil(Cout / (WG_X * 4)); y and z hold m_tiles * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 32u;

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
  splits: u32,
  k_chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read> dy: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read_write> dweights: array<vec4<Elem>>;
@group(0) @binding(3) var<uniform> params: Params;

// @import common/volume.wgsl
// @import conv/gemm_tiles_vec4.wgsl

var<workgroup> tap_offsets: array<vec4<i32>, WG_Y * ROWS_PER_THREAD>;  // tap_offset of each tile row

// Tap `tap` = (kernel offset) * Cin + ci as (ci, kernel offset * dilation);
// taps past the last get an offset no pixel reaches.
fn tap_offset(tap: u32) -> vec4<i32> {
  if (tap >= volume(params.kernel_size) * params.in_c) {
    return vec4<i32>(0, -0x40000000i, -0x40000000i, -0x40000000i);
  }
  let k = vec3<i32>(spatial(tap / params.in_c, params.kernel_size) * params.dilation);
  return vec4<i32>(i32(tap % params.in_c), k);
}

// What the tile rows need of K column (dy pixel) k: its image's offset in x
// and its window start (which may lie in the padding).
struct AColumn {
  image: u32,
  start: vec3<i32>,
}

fn a_column(k: u32) -> AColumn {
  let out_volume = volume(params.out_size);
  return AColumn((k / out_volume) * volume(params.in_size) * params.in_c,
                 vec3<i32>(spatial(k % out_volume, params.out_size) * params.stride) - vec3<i32>(params.pad));
}

// x under tap row `row` at the column's pixel; 0 in the padding.
fn a_value(row: u32, column: AColumn) -> f32 {
  let tap = tap_offsets[row];
  // Negative coordinates wrap to huge unsigned ones: one comparison per dim.
  let at = vec3<u32>(column.start + tap.yzw);
  if (!all(at < params.in_size)) {
    return 0.0;
  }
  return f32(x[column.image + ((at.x * params.in_size.y + at.y) * params.in_size.z + at.z) * params.in_c + u32(tap.x)]);
}

fn b_value(k: u32, col4: u32) -> vec4<f32> {
  return vec4<f32>(dy[k * (params.out_c / 4u) + col4]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let split = flat / params.m_tiles;
  if (split >= params.splits) {
    return;
  }
  let m = volume(params.kernel_size) * params.in_c;
  let n4 = params.out_c / 4u;
  let k_begin = split * params.k_chunk;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * WG_X, m, n4,
                      min(params.batch * volume(params.out_size), k_begin + params.k_chunk));
  for (var r = local_index; r < tile_rows(); r += WG_X * WG_Y) {
    tap_offsets[r] = tap_offset(tile.row0 + r);
  }
  workgroupBarrier();
  var acc = gemm_block(tile, k_begin, lid, local_index);

  let col4 = tile.col4_0 + lid.x;
  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y * ROWS_PER_THREAD + r;
    if (row < m && col4 < n4) {
      dweights[(split * m + row) * n4 + col4] = vec4<Elem>(acc[r]);
    }
  }
}
