// texels = an image tensor as a canvas's bgra8unorm texels with premultiplied
// alpha (tf.browser.draw on WebGPU), to be copied into the canvas's texture:
// one word a pixel (B in the low byte, then G, R, A), each row starting
// `row_words` words after the last (copies need rows of 256 bytes). A pixel's
// channels are scaled by `scale` (1 for float32 values in [0, 1], 1/255 for
// int32 values in [0, 255]): one channel is grey, three are red, green and
// blue with alpha `alpha`, four carry their own alpha. One thread per pixel.
//
// Bindings (group 0): 0 image: storage read of Elem ([height, width,
//   channels]); 1 texels: storage read_write of u32 ([height, row_words]);
//   2 params: uniform.
// Params {
//   size: u32,                         pixels
//   width: u32,                        pixels a row
//   channels: u32,                     1, 3 or 4
//   row_words: u32,                    words from one row of texels to the next
//   alpha: f32,                        alpha of one- and three-channel images
//   scale: f32,                        what a value is multiplied by to make 1 full intensity
// }
// Overrides: WORKGROUP_SIZE (64).
// Slots: `types` (Elem: f32 or i32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
  width: u32,
  channels: u32,
  row_words: u32,
  alpha: f32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> image: array<Elem>;
@group(0) @binding(1) var<storage, read_write> texels: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  var rgba = vec4<f32>(0.0, 0.0, 0.0, params.alpha);
  if (params.channels == 1u) {
    let grey = f32(image[i]) * params.scale;
    rgba = vec4<f32>(grey, grey, grey, params.alpha);
  } else {
    for (var c = 0u; c < params.channels; c++) {
      rgba[c] = f32(image[i * params.channels + c]) * params.scale;
    }
  }
  let premultiplied = vec4<f32>(rgba.xyz * rgba.w, rgba.w);
  texels[(i / params.width) * params.row_words + i % params.width] = pack4x8unorm(premultiplied.zyxw);
}
