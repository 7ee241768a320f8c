// out[o, i] = the index r of the best x[o, r, i] (argMax, argMin) over one
// axis of x viewed as [outer, reduce_size, inner]; ties go to the smallest
// index, as in TensorFlow. One workgroup per output element: threads stride
// over the axis keeping (value, index), then a tree reduction.
//
// Bindings (group 0): 0 x: storage read of Elem; 1 out: storage read_write of
//   i32 ([outer, inner]); 2 params: uniform.
// Params { outer, reduce_size, inner: u32 }
// Overrides: WORKGROUP_SIZE (64, a power of two).
// Slots: `types` (Elem; f32 as written), `body` (better(candidate: Elem,
//   best: Elem) -> bool, strict; argMax as written: `candidate > best`; the
//   runtime calls one of the `<op>_<type>` functions below, whose float
//   forms count NaN as the extreme: the first NaN wins, as in numpy).
// Dispatch: outer * inner workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  outer: u32,
  reduce_size: u32,
  inner: u32,
}

@group(0) @binding(0) var<storage, read> x: array<Elem>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> best_values: array<Elem, WORKGROUP_SIZE>;
var<workgroup> best_indices: array<u32, WORKGROUP_SIZE>;

// @import common/is_nan.wgsl

fn argMax_f32(candidate: f32, best: f32) -> bool {
  return (is_nan(candidate) && !is_nan(best)) || candidate > best;
}

fn argMin_f32(candidate: f32, best: f32) -> bool {
  return (is_nan(candidate) && !is_nan(best)) || candidate < best;
}

fn argMax_i32(candidate: i32, best: i32) -> bool {
  return candidate > best;
}

fn argMin_i32(candidate: i32, best: i32) -> bool {
  return candidate < best;
}

fn argMax_u32(candidate: u32, best: u32) -> bool {
  return candidate > best;
}

fn argMin_u32(candidate: u32, best: u32) -> bool {
  return candidate < best;
}

fn better(candidate: Elem, best: Elem) -> bool {
  return candidate > best; // @body
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let output = wid.x + wid.y * groups.x;
  if (output >= params.outer * params.inner) {
    return;
  }
  let base = (output / params.inner) * params.reduce_size * params.inner + output % params.inner;
  // Lanes past the axis end hold index reduce_size, which never wins a tie.
  var best_index = min(lane, params.reduce_size);
  var best = x[base + min(lane, params.reduce_size - 1u) * params.inner];
  for (var r = lane + WORKGROUP_SIZE; r < params.reduce_size; r += WORKGROUP_SIZE) {
    let v = x[base + r * params.inner];
    if (better(v, best)) {
      best = v;
      best_index = r;
    }
  }
  best_values[lane] = best;
  best_indices[lane] = best_index;
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (lane < width) {
      let v = best_values[lane + width];
      let index = best_indices[lane + width];
      let current = best_values[lane];
      if (better(v, current) || (!better(current, v) && index < best_indices[lane])) {
        best_values[lane] = v;
        best_indices[lane] = index;
      }
    }
  }
  if (lane == 0u) {
    out[output] = i32(best_indices[0]);
  }
}
