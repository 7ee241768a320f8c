// out = mirrorPad(x): REFLECT, the edge not repeated, or SYMMETRIC, the edge
// repeated. One thread per output element maps its coordinates
// back into x. The padding must be smaller than the dim (REFLECT) or at most
// the dim (SYMMETRIC), as TensorFlow requires. (A constant pad is a fill and
// a strided_copy.wgsl of x into the interior.)
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   Elem; 2 params: uniform.
// Params {
//   size: u32,                        output elements
//   rank: u32,                        up to 8
//   in_shape: array<vec4<u32>, 2>,
//   out_shape: array<vec4<u32>, 2>,
//   pad_before: array<vec4<u32>, 2>,
// }
// Overrides: WORKGROUP_SIZE (64), SYMMETRIC (false: REFLECT).
// Slots: `types` (Elem, a 32-bit type; f32 as written).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override SYMMETRIC: bool = false;

struct Params {
  size: u32,
  rank: u32,
  in_shape: array<vec4<u32>, 2>,
  out_shape: array<vec4<u32>, 2>,
  pad_before: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<Elem>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  // Mirror offsets: REFLECT maps -1 to 1 and size to size - 2; SYMMETRIC maps -1 to 0.
  let mirror_shift = select(1, 0, SYMMETRIC);
  var in_index = 0u;
  var in_step = 1u;
  var rest = i;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let out_dim = params.out_shape[d / 4][d % 4];
    let in_dim = i32(params.in_shape[d / 4][d % 4]);
    let raw = i32(rest % out_dim) - i32(params.pad_before[d / 4][d % 4]);
    rest /= out_dim;
    var coord = raw;
    if (raw < 0) {
      coord = -raw - 1 + mirror_shift;
    } else if (raw >= in_dim) {
      coord = 2 * in_dim - raw - 1 - mirror_shift;
    }
    in_index += u32(clamp(coord, 0, in_dim - 1)) * in_step;
    in_step *= u32(in_dim);
  }
  out[i] = x[in_index];
}
