// Prelude: the workgroup-tiled GEMM core of the scalar kernels
// (matmul/matmul.wgsl, conv/conv.wgsl, conv/conv_backprop_input.wgsl,
// conv/conv_backprop_filter.wgsl; `// @import matmul/gemm_tiles.wgsl`). A
// workgroup computes a TILE_M x TILE_N tile of A @ B (TILE_M = WG_Y * 4,
// TILE_N = WG_X * 4), walking K in TILE_K-deep slices staged in workgroup
// memory; each thread accumulates 4 x 4 outputs in registers, rows
// lid.y + r * WG_Y and columns lid.x + c * WG_X of the tile, so neighbouring
// threads read and write neighbouring addresses.
//
// Needs from the importing kernel: the overrides WG_X, WG_Y and TILE_K;
//   fn a_element(row: u32, k: u32) -> f32 and fn b_element(k: u32, col: u32)
//   -> f32, A and B inside their extent (the stager gives zeros outside);
//   and const A_ALONG_K, B_ALONG_K: bool, whether neighbouring threads stage
//   neighbouring K of A (else neighbouring rows) and of B (else neighbouring
//   columns): whichever reads neighbouring addresses.

const ROWS_PER_THREAD = 4u;
const COLS_PER_THREAD = 4u;  // the lanes of one vec4 accumulator

var<workgroup> a_tile: array<f32, WG_Y * ROWS_PER_THREAD * TILE_K>;  // [TILE_M][TILE_K]
var<workgroup> b_tile: array<f32, TILE_K * WG_X * COLS_PER_THREAD>;  // [TILE_K][TILE_N]

// Where a workgroup's tile lies: its first row and column, and the extent of
// A @ B (K runs to k_end from the k_begin given to gemm_block).
struct GemmTile {
  row0: u32,
  col0: u32,
  m: u32,
  n: u32,
  k_end: u32,
}

fn tile_rows() -> u32 {
  return WG_Y * ROWS_PER_THREAD;
}

fn tile_columns() -> u32 {
  return WG_X * COLS_PER_THREAD;
}

// Fills a_tile with A's rows tile.row0 .. + TILE_M at K k0 .. + TILE_K and
// b_tile with B's K rows k0 .. + TILE_K at columns tile.col0 .. + TILE_N,
// zeros outside A and B (rows past tile.m, K past tile.k_end, columns past
// tile.n).
fn stage_tiles(tile: GemmTile, k0: u32, local_index: u32) {
  for (var e = local_index; e < tile_rows() * TILE_K; e += WG_X * WG_Y) {
    let row = select(e % tile_rows(), e / TILE_K, A_ALONG_K);
    let kk = select(e / tile_rows(), e % TILE_K, A_ALONG_K);
    var v = 0.0;
    if (tile.row0 + row < tile.m && k0 + kk < tile.k_end) {
      v = a_element(tile.row0 + row, k0 + kk);
    }
    a_tile[row * TILE_K + kk] = v;
  }
  for (var e = local_index; e < TILE_K * tile_columns(); e += WG_X * WG_Y) {
    let kk = select(e / tile_columns(), e % TILE_K, B_ALONG_K);
    let col = select(e % tile_columns(), e / TILE_K, B_ALONG_K);
    var v = 0.0;
    if (k0 + kk < tile.k_end && tile.col0 + col < tile.n) {
      v = b_element(k0 + kk, tile.col0 + col);
    }
    b_tile[kk * tile_columns() + col] = v;
  }
}

// The thread's 4 x 4 block over K from k_begin to tile.k_end: element [r][c]
// is row tile.row0 + lid.y + r * WG_Y, column tile.col0 + lid.x + c * WG_X.
// Every thread of the workgroup must call it (it holds barriers).
fn gemm_block(tile: GemmTile, k_begin: u32, lid: vec3<u32>, local_index: u32) -> array<vec4<f32>, ROWS_PER_THREAD> {
  // Named rows, not an indexed array, so CPU WebGPU implementations keep them in registers.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let tile_n = tile_columns();
  for (var k0 = k_begin; k0 < tile.k_end; k0 += TILE_K) {
    stage_tiles(tile, k0, local_index);
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
  return array<vec4<f32>, ROWS_PER_THREAD>(acc0, acc1, acc2, acc3);
}
