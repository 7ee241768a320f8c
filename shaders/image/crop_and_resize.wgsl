// out = cropAndResize(image, boxes, box_index): for each box [y1, x1, y2, x2]
// (fractions of the image), a crop_h x crop_w grid spanning it corner to
// corner (a size of 1 samples the box's middle), sampled from image
// box_index[b] bilinearly or, with NEAREST, at the nearest pixel (halves
// round up, as JS Math.round). Samples outside the image are `extrapolation`;
// a box_index outside [0, batch) gives 0. One thread per output element.
//
// Bindings (group 0): 0 image: storage read of Elem ([batch, in_h, in_w,
//   channels]); 1 boxes: storage read of f32 ([boxes, 4]); 2 box_index:
//   storage read of i32 ([boxes]); 3 out: storage read_write of f32
//   ([boxes, crop_h, crop_w, channels]); 4 params: uniform.
// Params {
//   size: u32,                         output elements
//   batch, in_h, in_w, channels: u32,
//   crop_h, crop_w: u32,
//   extrapolation: f32,
// }
// Overrides: WORKGROUP_SIZE (64), NEAREST (false: bilinear).
// Slots: `types` (Elem: f32 or i32; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override NEAREST: bool = false;

struct Params {
  size: u32,
  batch: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  crop_h: u32,
  crop_w: u32,
  extrapolation: f32,
}

@group(0) @binding(0) var<storage, read> image: array<Elem>;
@group(0) @binding(1) var<storage, read> boxes: array<f32>;
@group(0) @binding(2) var<storage, read> box_index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn pixel(n: u32, y: u32, x: u32, c: u32) -> f32 {
  return f32(image[((n * params.in_h + y) * params.in_w + x) * params.channels + c]);
}

// The source coordinate of crop row (or column) o between box edges start and end.
fn coordinate(start: f32, end: f32, o: u32, crop: u32, size: u32) -> f32 {
  let extent = f32(size - 1u);
  if (crop > 1u) {
    return start * extent + f32(o) * ((end - start) * extent / f32(crop - 1u));
  }
  return 0.5 * (start + end) * extent;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let x = (i / params.channels) % params.crop_w;
  let y = (i / (params.channels * params.crop_w)) % params.crop_h;
  let b = i / (params.channels * params.crop_w * params.crop_h);
  let n = box_index[b];
  if (n < 0 || u32(n) >= params.batch) {
    out[i] = 0.0;
    return;
  }
  let yi = coordinate(boxes[b * 4u], boxes[b * 4u + 2u], y, params.crop_h, params.in_h);
  let xi = coordinate(boxes[b * 4u + 1u], boxes[b * 4u + 3u], x, params.crop_w, params.in_w);
  if (yi < 0.0 || yi > f32(params.in_h - 1u) || xi < 0.0 || xi > f32(params.in_w - 1u)) {
    out[i] = params.extrapolation;
    return;
  }
  if (NEAREST) {
    out[i] = pixel(u32(n), u32(floor(yi + 0.5)), u32(floor(xi + 0.5)), c);
    return;
  }
  let top = floor(yi);
  let left = floor(xi);
  let bottom = u32(ceil(yi));
  let right = u32(ceil(xi));
  let upper = mix(pixel(u32(n), u32(top), u32(left), c), pixel(u32(n), u32(top), right, c), xi - left);
  let lower = mix(pixel(u32(n), bottom, u32(left), c), pixel(u32(n), bottom, right, c), xi - left);
  out[i] = mix(upper, lower, yi - top);
}
