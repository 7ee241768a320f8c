// dweights = the gradient of conv (conv/conv.wgsl: conv3d, conv2d with depth
// 1, conv1d) with respect to its weights, as an implicit GEMM with split-K
// over the long pixel dimension. x and dy are NDHWC; dweights is DHWIO
// ([KD, KH, KW, Cin, Cout]); `in_*` are x's, `out_*` dy's.
//
// The GEMM: rows are weight taps (M = volume(kernel_size) * Cin, input
// channel fastest), columns are output channels (N = Cout), and K = batch *
// volume(out_size) runs over dy's pixels. A[tap, pixel] is the x value that
// tap reads for that pixel (0 in the padding), B is dy as a [pixels, Cout]
// matrix. Tiling: matmul/gemm_tiles.wgsl.
// Split-K: split s covers pixels [s * k_chunk, (s + 1) * k_chunk) and writes
// dweights[s] (dweights holds splits x KD x KH x KW x Cin x Cout values); with
// splits > 1, matmul/split_k_reduce.wgsl (identity body) sums them.
//
// Bindings (group 0): 0 x, 1 dy: storage read of Elem; 2 dweights: storage
//   read_write of Elem; 3 params: uniform.
// Params {
//   batch, in_c, out_c: u32,
//   m_tiles: u32,                  ceil(volume(kernel_size) * Cin / TILE_M)
//   in_size, out_size: vec3<u32>,  (depth, height, width) of x and dy
//   kernel_size, stride, dilation: vec3<u32>,
//   pad: vec3<u32>,                (front, top, left)
//   splits: u32,                   1 unless split-K
//   k_chunk: u32,                  pixels per split (batch * volume(out_size) when splits == 1)
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16).
// Slots: `types` (Elem; f32 as written; arithmetic is f32).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles * splits
// workgroups as a 2-D grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;

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
@group(0) @binding(1) var<storage, read> dy: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dweights: array<Elem>;
@group(0) @binding(3) var<uniform> params: Params;

// @import common/volume.wgsl
// @import matmul/gemm_tiles.wgsl
// @import conv/receptive_field.wgsl

// A: x read by weight tap `tap` at dy pixel `pixel`.
fn a_element(tap: u32, pixel: u32) -> f32 {
  return receptive_field(pixel, tap);
}

// Neighbouring threads stage neighbouring taps of A (input channels in x)
// and output channels of B (in dy).
const A_ALONG_K = false;
const B_ALONG_K = false;

// B: dy, [pixels, Cout].
fn b_element(pixel: u32, co: u32) -> f32 {
  return f32(dy[pixel * params.out_c + co]);
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
  let n = params.out_c;
  let k = params.batch * volume(params.out_size);
  let k_begin = split * params.k_chunk;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * tile_columns(), m, n, min(k, k_begin + params.k_chunk));
  var acc = gemm_block(tile, k_begin, lid, local_index);

  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = tile.col0 + lid.x + c * WG_X;
      if (row < m && col < n) {
        dweights[(split * m + row) * n + col] = Elem(acc[r][c]);
      }
    }
  }
}
