// out = transform(image, transforms): output pixel (x, y) of image b samples
// the input at the projective map of transforms row b (row 0 when
// per_image is 0) [a0, a1, a2, b0, b1, b2, c0, c1]: ((a0 x + a1 y + a2) / k,
// (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1. A coordinate outside the
// image is brought back by FILL_MODE (TF's image_ops.h): 0 constant (left,
// read as fill_value), 1 reflect (dcba|abcd|dcba), 2 wrap (abcd|abcd), 3
// nearest (the edge). NEAREST rounds halves up (JS Math.round), else
// bilinear; reads outside the image, and k = 0, give fill_value. One thread
// per output element.
//
// Bindings (group 0): 0 image: storage read of f32 ([batch, in_h, in_w,
//   channels]); 1 transforms: storage read of f32 ([batch or 1, 8]); 2 out:
//   storage read_write of f32 ([batch, out_h, out_w, channels]); 3 params:
//   uniform.
// Params {
//   size: u32,                         output elements
//   in_h, in_w, channels: u32,
//   out_h, out_w: u32,
//   per_image: u32,                    1: a transform per image, 0: one for all
//   fill_value: f32,
// }
// Overrides: WORKGROUP_SIZE (64), NEAREST (true: nearest; false: bilinear),
//   FILL_MODE (0).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

override WORKGROUP_SIZE: u32 = 64u;
override NEAREST: bool = true;
override FILL_MODE: u32 = 0u;

struct Params {
  size: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  per_image: u32,
  fill_value: f32,
}

@group(0) @binding(0) var<storage, read> image: array<f32>;
@group(0) @binding(1) var<storage, read> transforms: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn map_coordinate(v: f32, size: u32) -> f32 {
  let last = f32(size) - 1.0;
  if (FILL_MODE == 0u) {
    return v;
  }
  if (FILL_MODE == 3u) {
    return clamp(v, 0.0, last);
  }
  var c = v;
  if (size <= 1u) {
    if (c < 0.0 || c > last) {
      c = 0.0;
    }
  } else if (FILL_MODE == 1u) {
    let period = 2.0 * f32(size);
    if (c < 0.0) {
      c = period * trunc(-c / period) + c;
      c = select(-c - 1.0, c + period, c < -f32(size));
    } else if (c > last) {
      c = c - period * trunc(c / period);
      if (c >= f32(size)) {
        c = period - c - 1.0;
      }
    }
  } else if (c < 0.0) {
    c = c + f32(size) * (trunc(-c / last) + 1.0);
  } else if (c > last) {
    c = c - f32(size) * trunc(c / last);
  }
  return clamp(c, 0.0, last);
}

fn sample(b: u32, y: f32, x: f32, c: u32) -> f32 {
  if (y < 0.0 || y >= f32(params.in_h) || x < 0.0 || x >= f32(params.in_w)) {
    return params.fill_value;
  }
  return image[((b * params.in_h + u32(y)) * params.in_w + u32(x)) * params.channels + c];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let x = f32((i / params.channels) % params.out_w);
  let y = f32((i / (params.channels * params.out_w)) % params.out_h);
  let b = i / (params.channels * params.out_w * params.out_h);
  let t = b * params.per_image * 8u;
  let k = transforms[t + 6u] * x + transforms[t + 7u] * y + 1.0;
  if (k == 0.0) {
    out[i] = params.fill_value;
    return;
  }
  let xi = map_coordinate((transforms[t] * x + transforms[t + 1u] * y + transforms[t + 2u]) / k, params.in_w);
  let yi = map_coordinate((transforms[t + 3u] * x + transforms[t + 4u] * y + transforms[t + 5u]) / k, params.in_h);
  if (NEAREST) {
    out[i] = sample(b, floor(yi + 0.5), floor(xi + 0.5), c);
    return;
  }
  let y0 = floor(yi);
  let x0 = floor(xi);
  let upper = (x0 + 1.0 - xi) * sample(b, y0, x0, c) + (xi - x0) * sample(b, y0, x0 + 1.0, c);
  let lower = (x0 + 1.0 - xi) * sample(b, y0 + 1.0, x0, c) + (xi - x0) * sample(b, y0 + 1.0, x0 + 1.0, c);
  out[i] = (y0 + 1.0 - yi) * upper + (yi - y0) * lower;
}
