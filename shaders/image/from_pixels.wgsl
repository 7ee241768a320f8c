// out = an image's pixels as int32 channel values 0-255 (tf.browser.fromPixels
// on WebGPU): the image was copied into an rgba8unorm texture and from there
// into `texels`, one word a pixel (R in the low byte, then G, B, A), each row
// starting `row_words` words after the last (copies pad rows to 256 bytes).
// Output element (y, x, c) is byte c of pixel (y, x). One thread per output
// element.
//
// Bindings (group 0): 0 texels: storage read of u32 ([height, row_words]);
//   1 out: storage read_write of i32 ([height, width, channels]); 2 params:
//   uniform.
// Params {
//   size: u32,                         output elements
//   width: u32,                        pixels a row
//   channels: u32,                     1 to 4, the first bytes of each pixel
//   row_words: u32,                    words from one row of texels to the next
// }
// Overrides: WORKGROUP_SIZE (64).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  width: u32,
  channels: u32,
  row_words: u32,
}

@group(0) @binding(0) var<storage, read> texels: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let pixel = i / params.channels;
  let word = texels[(pixel / params.width) * params.row_words + pixel % params.width];
  out[i] = i32((word >> (8u * c)) & 255u);
}
