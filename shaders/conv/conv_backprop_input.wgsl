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
// is the weight at (k, ci, co). Tiling: matmul/gemm_tiles.wgsl.
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

// @import common/activation.wgsl
// @import common/volume.wgsl
// @import matmul/gemm_tiles.wgsl

// dy at dx pixel `pixel` and tap = (kernel offset) * Cout + co; 0 where no dy
// pixel reaches it through that tap.
fn a_element(pixel: u32, tap: u32) -> f32 {
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

// Neighbouring threads stage neighbouring taps of A and of B: neighbouring
// output channels in memory, in dy and in the weights.
const A_ALONG_K = true;
const B_ALONG_K = true;

// B: the weight at kernel offset tap / Cout, input channel ci, output channel tap % Cout.
fn b_element(tap: u32, ci: u32) -> f32 {
  return f32(weights[((tap / params.out_c) * params.in_c + ci) * params.out_c + tap % params.out_c]);
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
  let n = params.in_c;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * tile_columns(), m, n, volume(params.kernel_size) * params.out_c);
  var acc = gemm_block(tile, 0u, lid, local_index);

  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = tile.col0 + lid.x + c * WG_X;
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
