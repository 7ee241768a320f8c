// out = resizeBilinear or resizeNearestNeighbor of NHWC images, with
// TensorFlow.js's alignCorners and halfPixelCenters rules. One thread per
// output element, or per 4 channels of an output pixel where the `types`
// slot makes Elem and Value vec4s (channels a multiple of 4; params count
// channels in vec4s then): one set of coordinates and 4 loads for 4 values.
// Source coordinate of output row r: (r + 0.5) * scale_h - 0.5 with
// HALF_PIXEL_CENTERS for bilinear ((r + 0.5) * scale_h for nearest), else
// r * scale_h; the caller computes scale_h as (in_h - 1) / (out_h - 1) with
// alignCorners (and out_h > 1), else in_h / out_h; columns alike. Nearest
// rounds halves up with alignCorners, else floors.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem; 2 params: uniform.
// Params {
//   size: u32,                         output elements (vec4s of them with vec4 types)
//   in_h, in_w, channels: u32,         (channels in vec4s with vec4 types)
//   out_h, out_w: u32,
//   scale_h, scale_w: f32,
// }
// Overrides: WORKGROUP_SIZE (64), BILINEAR (true; false: nearest),
//   ALIGN_CORNERS (false), HALF_PIXEL_CENTERS (false).
// Slots: `types` (Elem, the array item, and Value, what is computed: f32 as
//   written; vec4<f32> both for 4 channels a thread; arithmetic is f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; alias Value = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override BILINEAR: bool = true;
override ALIGN_CORNERS: bool = false;
override HALF_PIXEL_CENTERS: bool = false;

struct Params {
  size: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  scale_h: f32,
  scale_w: f32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

fn pixel(n: u32, row: u32, col: u32, c: u32) -> Value {
  return Value(x[((n * params.in_h + row) * params.in_w + col) * params.channels + c]);
}

// The source row (or column) of output coordinate `o` for nearest neighbour.
fn nearest(o: u32, scale: f32, size: u32) -> u32 {
  let source = (f32(o) + select(0.0, 0.5, HALF_PIXEL_CENTERS)) * scale;
  let picked = floor(source + select(0.0, 0.5, ALIGN_CORNERS));  // JS Math.round: halves go up
  return u32(clamp(picked, 0.0, f32(size - 1u)));
}

// (first source index, second source index, weight of the second) for bilinear.
fn bilinear(o: u32, scale: f32, size: u32) -> vec3<f32> {
  let source = select(f32(o) * scale, (f32(o) + 0.5) * scale - 0.5, HALF_PIXEL_CENTERS);
  let low = max(floor(source), 0.0);
  let high = min(ceil(source), f32(size - 1u));
  return vec3<f32>(low, high, source - low);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  let c = i % params.channels;
  let ow = (i / params.channels) % params.out_w;
  let oh = (i / (params.channels * params.out_w)) % params.out_h;
  let n = i / (params.channels * params.out_w * params.out_h);
  if (!BILINEAR) {
    out[i] = Elem(pixel(n, nearest(oh, params.scale_h, params.in_h), nearest(ow, params.scale_w, params.in_w), c));
    return;
  }
  let rows = bilinear(oh, params.scale_h, params.in_h);
  let cols = bilinear(ow, params.scale_w, params.in_w);
  let top = mix(pixel(n, u32(rows.x), u32(cols.x), c), pixel(n, u32(rows.x), u32(cols.y), c), Value(cols.z));
  let bottom = mix(pixel(n, u32(rows.y), u32(cols.x), c), pixel(n, u32(rows.y), u32(cols.y), c), Value(cols.z));
  out[i] = Elem(mix(top, bottom, Value(rows.z)));
}
