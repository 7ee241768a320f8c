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
// while staging (zero outside the input). Tiling: matmul/gemm_tiles.wgsl's,
// TILE_M = WG_Y * 4 pixels by TILE_N = WG_X * 4 channels per workgroup,
// TILE_K-deep slices in workgroup memory, 4 x 4 outputs per thread.
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([Cout]), 3 residual (out's
//   layout): storage read of Elem; 4 out: storage read_write of Elem;
//   5 params: uniform. bias and residual are bound even when their knob is off.
//   6 prelu_weights ([Cout], prelu's slope per output column, with
//   HAS_PRELU): storage read of Elem, bound even when off.
// Params {
//   batch, in_c, out_c: u32,
//   m_tiles: u32,                    ceil(batch * volume(out_size) / TILE_M)
//   in_size, out_size: vec3<u32>,   (depth, height, width) of x and out
//   kernel_size, stride, dilation: vec3<u32>,  (depth, height, width)
//   pad: vec3<u32>,                  (front, top, left) padding of the forward conv
//   alpha, beta: f32,            activation attributes
// }
// Overrides: WG_X, WG_Y (16, 16), TILE_K (16), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
// Slots: `types` (Elem, the storage type; f32 as written; arithmetic is f32),
//   `body` (the activation on v: f32; identity as written).
// Dispatch: x = ceil(Cout / TILE_N); y and z hold m_tiles workgroups as a 2-D
// grid (y first).

alias Elem = f32; // @types

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
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
@group(0) @binding(1) var<storage, read> weights: array<Elem>;
@group(0) @binding(2) var<storage, read> bias: array<Elem>;
@group(0) @binding(3) var<storage, read> residual: array<Elem>;
@group(0) @binding(4) var<storage, read_write> out: array<Elem>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> prelu_weights: array<Elem>;

// @import common/activation.wgsl
// @import common/volume.wgsl
// @import matmul/gemm_tiles.wgsl
// @import conv/receptive_field.wgsl

// A: x over the pixel's receptive field.
fn a_element(pixel: u32, tap: u32) -> f32 {
  return receptive_field(pixel, tap);
}

// Neighbouring threads stage neighbouring taps of A (input channels in
// memory) and output channels of B.
const A_ALONG_K = true;
const B_ALONG_K = false;

// B: the weights themselves, [taps, Cout].
fn b_element(tap: u32, co: u32) -> f32 {
  return f32(weights[tap * params.out_c + co]);
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
  let n = params.out_c;
  let tile = GemmTile(m_tile * tile_rows(), wid.x * tile_columns(), m, n, volume(params.kernel_size) * params.in_c);
  var acc = gemm_block(tile, 0u, lid, local_index);

  for (var r = 0u; r < ROWS_PER_THREAD; r++) {
    let row = tile.row0 + lid.y + r * WG_Y;
    for (var c = 0u; c < COLS_PER_THREAD; c++) {
      let col = tile.col0 + lid.x + c * WG_X;
      if (row < m && col < n) {
        let index = row * n + col;
        var v = acc[r][c];
        if (HAS_BIAS) {
          v += f32(bias[col]);
        }
        if (HAS_RESIDUAL) {
          v += f32(residual[index]);
        }
        if (HAS_PRELU) {
          v = select(v, v * f32(prelu_weights[col]), v < 0.0);
        }
        out[index] = Elem(activation(v));
      }
    }
  }
}
