// out = rotateWithOffset(image): output pixel (x, y) takes the input pixel
// at ((x - cx) cos - (y - cy) sin + cx, (x - cx) sin + (y - cy) cos + cy),
// rounded to the nearest pixel (halves up, as JS Math.round); outside the
// image, the fill: `fill.x` for every channel, or with PER_CHANNEL
// fill.xyz for channels 0 to 2 and 255 (opaque) from channel 3 on. One
// thread per output element.
//
// Bindings (group 0): 0 image: storage read of f32 ([batch, height, width,
//   channels]); 1 out: storage read_write of f32 (the same shape); 2 params:
//   uniform.
// Params {
//   size: u32,                         output elements
//   height, width, channels: u32,
//   fill: vec4<f32>,
//   center_x, center_y: f32,           in pixels
//   sin, cos: f32,                     of the angle
// }
// Overrides: WORKGROUP_SIZE (64), PER_CHANNEL (false).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override PER_CHANNEL: bool = false;

struct Params {
  size: u32,
  height: u32,
  width: u32,
  channels: u32,
  fill: vec4<f32>,
  center_x: f32,
  center_y: f32,
  sin: f32,
  cos: f32,
}

@group(0) @binding(0) var<storage, read> image: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let x = f32((i / params.channels) % params.width) - params.center_x;
  let y = f32((i / (params.channels * params.width)) % params.height) - params.center_y;
  let b = i / (params.channels * params.width * params.height);
  let sx = floor(x * params.cos - y * params.sin + params.center_x + 0.5);
  let sy = floor(x * params.sin + y * params.cos + params.center_y + 0.5);
  if (sx >= 0.0 && sx < f32(params.width) && sy >= 0.0 && sy < f32(params.height)) {
    out[i] = image[((b * params.height + u32(sy)) * params.width + u32(sx)) * params.channels + c];
    return;
  }
  if (!PER_CHANNEL) {
    out[i] = params.fill.x;
  } else if (c < 3u) {
    out[i] = params.fill[c];
  } else {
    out[i] = 255.0;
  }
}
