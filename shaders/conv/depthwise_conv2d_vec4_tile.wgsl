// out = activation(depthwiseConv2d(x, weights) + bias + residual) with channel
// multiplier 1 and a channel count that is a multiple of 4: one thread per 4
// channels of a tile of TILE_ROWS x 4 output pixels (4 or 8 rows of 4
// neighbouring pixels), reading each input column it needs once for all the
// tile's pixels and taps that read it, where depthwise_conv2d_vec4.wgsl loads a column and
// a weight per pixel and tap. The runtime writes the loops over the window
// out (the `taps` slot, from this file's templates): each weight loaded once, each input row the tile
// needs visited once (with stride 1 dilation 1, tile row r + 1 at tap row kh
// reads the row tile row r reads at tap row kh + 1), and along it each
// distinct column loaded once. The loops as written (for windows too large
// to write out) need the width dilation to equal the width stride: they
// slide a window of 4 columns along each tile row's input row, pixel p + 1
// at tap kw reading the column pixel p reads at tap kw + 1.
// On SwiftShader, which gathers every storage load lane by lane, loads are
// most of the time (3x3, stride 1, 4 rows: 36 column and 9 weight loads for 16
// pixels, against 9 + 9 per pixel one pixel per thread); it also runs both
// sides of a branch, so padding is handled by selects, and runs loops slowly.
// Layouts as depthwise_conv2d.wgsl: x and out NHWC, weights [KH, KW, C, 1].
//
// Bindings (group 0): 0 x, 1 weights, 2 bias ([channels]): storage read of
//   vec4<Elem>; 3 out: storage read_write of vec4<Elem>; 4 params: uniform;
//   5 residual (out's layout): storage read of vec4<Elem>. bias and residual
//   are bound even when their knob is off.
// Params {
//   size: u32,                     thread count: batch * ceil(out_h / TILE_ROWS) * ceil(out_w / 4) * channels / 4
//   batch, in_h, in_w, channels: u32,  (channels a multiple of 4)
//   out_h, out_w: u32,
//   kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w: u32,
//   pad_top, pad_left: u32,
//   alpha, beta: f32,              activation attributes
// }
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS, HAS_RESIDUAL, RESIDUAL_AFTER_ACTIVATION
//   (false; conv/depthwise_store.wgsl), TILE_ROWS (4 or 8; 4):
//   8 rows load 2.2 input columns per pixel for a 3x3 stride-1 window
//   instead of 2.8, ~15% faster on SwiftShader, but compile ~2x longer there
//   (1.7 s for 3x3 stride 2, 3.9 s for 5x5 stride 2), so conv.ts takes them
//   for stride-1 windows of up to 9 taps only.
// Slots: `types` (Elem, the storage scalar type; f32 as written; arithmetic
//   is f32), `body` (the activation on v: f32; identity as written), `taps`
//   (the loops over the window, as written over params.kernel_h/w, which then
//   must have dilation_w == stride_w; conv.ts fills it with them written out
//   from the `// @repeat taps.<part>:` templates below the loop line, giving
//   only integers: a `weight` per tap, then per input row the tile reads a
//   `row` (its offset r * stride_h + kh * dilation_h from tile row 0's first
//   row), a `column` per distinct column the row's taps read (its offset o =
//   p * stride_w + kw * dilation_w), a `sum` per (tile row r, tap row kh, tap
//   column kw, pixel p) that reads the row, and an `end`).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RESIDUAL_AFTER_ACTIVATION: bool = false;
override TILE_ROWS: u32 = 4u;

struct Params {
  size: u32,
  batch: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  kernel_h: u32,
  kernel_w: u32,
  stride_h: u32,
  stride_w: u32,
  dilation_h: u32,
  dilation_w: u32,
  pad_top: u32,
  pad_left: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<Elem>>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<Elem>>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read> residual: array<vec4<Elem>>;

// @import conv/depthwise_store.wgsl

// An input row: the index in x of the tile's channels at its column 0, and
// whether it lies in the input at all (rows above or below it are read as
// zeros). Indices outside x are never clamped here: every load outside the
// input is discarded by a select, and WebGPU's robust buffer access keeps
// the load itself in bounds (a second select clamping the index cost
// SwiftShader 3-13% of this kernel).
struct InputRow {
  start: u32,
  inside: bool,
}

// Row `ih` of image n (negative rows wrapped to huge unsigned ones).
fn input_row(tile: Tile, ih: u32) -> InputRow {
  return InputRow((tile.n * params.in_h + ih) * params.in_w * tile.c4 + tile.c, ih < params.in_h);
}

// The tile's channels of input column `iw` of `row`; zero outside the input.
fn load_column(row: InputRow, iw: u32, tile: Tile) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(x[row.start + iw * tile.c4]), row.inside && iw < params.in_w);
}

// What a thread carries through the taps: where its tile is, the input row
// it is reading, and its pixels' sums (per tile row, per pixel; rows past
// TILE_ROWS are never touched, and compile away). Indexed by constants only: SwiftShader keeps such arrays in registers, but gathers
// lane by lane from ones indexed by a variable.
struct Tile {
  n: u32,
  ih0: u32,                      // the input row tile row 0 reads at tap row 0 (wrapped when negative)
  iw0: u32,                      // the input column pixel 0 reads at tap column 0 (wrapped when negative)
  c4: u32,
  c: u32,
  row: InputRow,
  sums: array<array<vec4<f32>, 4>, 8>,
}

fn tap_weight(tile: Tile, kh: u32, kw: u32) -> vec4<f32> {
  return vec4<f32>(weights[(kh * params.kernel_w + kw) * tile.c4 + tile.c]);
}

// Goes to input row ih0 + offset: the row tile row r reads at tap row kh
// for offset r * stride_h + kh * dilation_h.
fn go_to_row(tile: ptr<function, Tile>, offset: u32) {
  (*tile).row = input_row(*tile, (*tile).ih0 + offset);
}

// Column iw0 + offset of the current row: the column pixel p reads at tap
// column kw for offset p * stride_w + kw * dilation_w.
fn column(tile: Tile, offset: u32) -> vec4<f32> {
  return load_column(tile.row, tile.iw0 + offset, tile);
}

// Tap row kh for tile row r as the loops as written run it: slides a window
// of 4 columns along the row (dilation_w == stride_w), returning what it
// adds to the row's 4 sums.
fn tap_row(tile: ptr<function, Tile>, r: u32, kh: u32) -> array<vec4<f32>, 4> {
  go_to_row(tile, r * params.stride_h + kh * params.dilation_h);
  let step = params.stride_w;
  var window = array<vec4<f32>, 4>(column(*tile, 0u), column(*tile, step), column(*tile, 2u * step), vec4<f32>(0.0));
  var sums: array<vec4<f32>, 4>;
  for (var kw = 0u; kw < params.kernel_w; kw++) {
    // The column pixel 3 reads at this tap.
    window[3] = column(*tile, kw * params.dilation_w + 3u * step);
    sums = accumulate(sums, window, tap_weight(*tile, kh, kw));
    window = slide(window);
  }
  return sums;
}

fn add(a: array<vec4<f32>, 4>, b: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]);
}

// Tap row kh for every tile row.
fn tap_rows(tile: ptr<function, Tile>, kh: u32) {
  (*tile).sums[0] = add((*tile).sums[0], tap_row(tile, 0u, kh));
  (*tile).sums[1] = add((*tile).sums[1], tap_row(tile, 1u, kh));
  (*tile).sums[2] = add((*tile).sums[2], tap_row(tile, 2u, kh));
  (*tile).sums[3] = add((*tile).sums[3], tap_row(tile, 3u, kh));
  if (TILE_ROWS == 8u) {
    (*tile).sums[4] = add((*tile).sums[4], tap_row(tile, 4u, kh));
    (*tile).sums[5] = add((*tile).sums[5], tap_row(tile, 5u, kh));
    (*tile).sums[6] = add((*tile).sums[6], tap_row(tile, 6u, kh));
    (*tile).sums[7] = add((*tile).sums[7], tap_row(tile, 7u, kh));
  }
}

// Adds tap weight w times the window's columns to the 4 pixels' sums.
fn accumulate(sums: array<vec4<f32>, 4>, window: array<vec4<f32>, 4>, w: vec4<f32>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(fma(window[0], w, sums[0]), fma(window[1], w, sums[1]),
                             fma(window[2], w, sums[2]), fma(window[3], w, sums[3]));
}

// The window one column on: pixel p now reads what pixel p + 1 read (the last column is loaded next tap).
fn slide(window: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(window[1], window[2], window[3], vec4<f32>(0.0));
}

// Output vec4 `index` (channels c of one pixel) with the epilogue.
// The 4 pixels of tile row `oh` from column ow0 on, those inside the output.
fn store_row(oh: u32, n: u32, ow0: u32, c4: u32, c: u32, sums: array<vec4<f32>, 4>) {
  if (oh >= params.out_h) {
    return;
  }
  let base = ((n * params.out_h + oh) * params.out_w + ow0) * c4 + c;
  for (var p = 0u; p < 4u; p++) {
    if (ow0 + p < params.out_w) {
      store(base + p * c4, c, sums[p]);
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let t = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (t >= params.size) {
    return;
  }
  let c4 = params.channels / 4u;
  let column_tiles = (params.out_w + 3u) / 4u;
  let row_tiles = (params.out_h + TILE_ROWS - 1u) / TILE_ROWS;
  let tile_index = t / c4;
  let c = t - tile_index * c4;
  let tile_row = tile_index / column_tiles;
  let ow0 = (tile_index - tile_row * column_tiles) * 4u;
  let n = tile_row / row_tiles;
  let oh0 = (tile_row - n * row_tiles) * TILE_ROWS;
  var tile: Tile;
  tile.n = n;
  tile.ih0 = oh0 * params.stride_h - params.pad_top;
  tile.iw0 = ow0 * params.stride_w - params.pad_left;
  tile.c4 = c4;
  tile.c = c;
  for (var kh = 0u; kh < params.kernel_h; kh++) { tap_rows(&tile, kh); } // @taps
  // @repeat taps.weight: let w{kh}_{kw} = tap_weight(tile, {kh}u, {kw}u);
  // @repeat taps.row: { go_to_row(&tile, {offset}u);
  // @repeat taps.column: let x{o} = column(tile, {o}u);
  // @repeat taps.sum: tile.sums[{r}][{p}] = fma(x{o}, w{kh}_{kw}, tile.sums[{r}][{p}]);
  // @repeat taps.end: }
  // The rows pass through an indexed copy so that the epilogue is compiled once, not once a pixel.
  let sums = tile.sums;
  for (var r = 0u; r < TILE_ROWS; r++) {
    store_row(oh0 + r, n, ow0, c4, c, sums[r]);
  }
}
