// dweights = the gradient of conv (conv/conv.wgsl: conv3d, conv2d with depth
// 1, conv1d) with respect to its weights, as an implicit GEMM with split-K
// over the long pixel dimension. x and dy are NDHWC; dweights is DHWIO
// ([KD, KH, KW, Cin, Cout]); `in_*` are x's, `out_*` dy's.
//
// The GEMM: rows are weight taps (M = volume(kernel_size) * Cin, input
// channel fastest), columns are output channels (N = Cout), and K = batch *
// volume(out_size) runs over dy's pixels. A[tap, pixel] is the x value that
// tap reads for that pixel (0 in the padding), B is dy as a [pixels, Cout]
// matrix. Tiling as in matmul/matmul.wgsl.
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

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

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

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

// @import common/volume.wgsl

// x read by weight tap `tap` = (kernel offset) * Cin + ci at dy pixel
// `pixel`; 0 in the padding.
fn tap_input(tap: u32, pixel: u32) -> f32 {
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
  let flat = wid.y + wid.z * groups.y;
  let m_tile = flat % params.m_tiles;
  let split = flat / params.m_tiles;
  if (split >= params.splits) {
    return;
  }
  let m = volume(params.kernel_size) * params.in_c;
  let n = params.out_c;
  let k = params.batch * volume(params.out_size);
  let row0 = m_tile * tile_m;
  let col0 = wid.x * tile_n;
  let k_begin = split * params.k_chunk;
  let k_end = min(k, k_begin + params.k_chunk);
  let threads = WG_X * WG_Y;

  // Row r of this thread's 4 x 4 block; named, not an indexed array, so CPU
  // WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    // Neighbouring threads take neighbouring taps: neighbouring input channels in memory.
    for (var e = local_index; e < tile_m * TILE_K; e += threads) {
      let row = e % tile_m;
      let kk = e / tile_m;
      var v = 0.0;
      if (row0 + row < m && k0 + kk < k_end) {
        v = tap_input(row0 + row, k0 + kk);
      }
      a_tile[row * TILE_K + kk] = v;
    }
    for (var e = local_index; e < TILE_K * tile_n; e += threads) {
      let kk = k0 + e / tile_n;
      let col = col0 + e % tile_n;
      var v = 0.0;
      if (kk < k_end && col < n) {
        v = f32(dy[kk * n + col]);
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
        dweights[(split * m + row) * n + col] = Elem(acc[r][c]);
      }
    }
  }
}
