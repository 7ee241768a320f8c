// Prelude: the workgroup-tiled GEMM core of the vec4 implicit-GEMM
// convolutions (conv/conv_vec4.wgsl, conv/conv_backprop_input_vec4.wgsl,
// conv/conv_backprop_filter_vec4.wgsl; `// @import
// conv/gemm_tiles_vec4.wgsl`). A workgroup computes TILE_M = WG_Y * 8 rows by
// TILE_N = WG_X * 4 columns of A @ B, walking K in TILE_K-deep slices staged
// in workgroup memory: A as scalars (gathered from a tensor by the kernel), B
// as vec4s of 4 neighbouring columns. Each thread owns 8 consecutive rows of
// one vec4 column and per K step does 8 vec4 multiply-adds from one vec4 of B
// and 8 staged A values.
//
// Needs from the importing kernel: the overrides WG_X, WG_Y and TILE_K
// (WG_X * WG_Y a multiple of TILE_K), and
//   fn a_value(row: u32, column: AColumn) -> f32: A at tile row `row`
//     (0 .. TILE_M) and the K column `column` was made for, 0 for rows past
//     tile.m (K columns past tile.k_end never reach it);
//   fn a_column(k: u32) -> AColumn, with `struct AColumn`: what a_value needs
//     of K column k, worked out once per K slice for all the rows a thread
//     stages there;
//   fn b_value(k: u32, col4: u32) -> vec4<f32>: B's row k at vec4 column col4.

const ROWS_PER_THREAD = 8u;

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<vec4<f32>, TILE_K * WG_X>;  // [TILE_K][TILE_N / 4]

// Where a workgroup's tile lies: its first row and first vec4 column, and the
// extent of A @ B (K runs to k_end from the k_begin given to gemm_block).
struct GemmTile {
  row0: u32,
  col4_0: u32,
  m: u32,
  n4: u32,
  k_end: u32,
}

fn tile_rows() -> u32 {
  return WG_Y * ROWS_PER_THREAD;
}

// Stages the K slice at k0: each thread always fills the same column of
// a_tile (so a_column runs once per slice), every TILE_K-th row.
fn stage_tiles(tile: GemmTile, k0: u32, local_index: u32) {
  let threads = WG_X * WG_Y;
  let column = local_index % TILE_K;
  let k = k0 + column;
  let about = a_column(k);
  for (var r = local_index / TILE_K; r < tile_rows(); r += threads / TILE_K) {
    var v = 0.0;
    if (k < tile.k_end) {
      v = a_value(r, about);
    }
    a_tile[r * TILE_K + column] = v;
  }
  for (var e = local_index; e < TILE_K * WG_X; e += threads) {
    let kk = k0 + e / WG_X;
    let col = tile.col4_0 + e % WG_X;
    var v = vec4<f32>(0.0);
    if (kk < tile.k_end && col < tile.n4) {
      v = b_value(kk, col);
    }
    b_tile[e] = v;
  }
}

// The thread's 8 rows (tile.row0 + lid.y * 8 + r) of vec4 column
// tile.col4_0 + lid.x over K from k_begin to tile.k_end. Every thread of the
// workgroup must call it (it holds barriers).
fn gemm_block(tile: GemmTile, k_begin: u32, lid: vec3<u32>, local_index: u32) -> array<vec4<f32>, ROWS_PER_THREAD> {
  // Named rows, not an indexed array, so CPU WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var k0 = k_begin; k0 < tile.k_end; k0 += TILE_K) {
    stage_tiles(tile, k0, local_index);
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
  return array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
}
