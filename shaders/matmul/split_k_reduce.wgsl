// Second pass of split-K matmul: out[i] = activation(sum over s of
// partials[s * size + i] + bias[i % n] + residual[i]).
//
// Bindings (group 0): 0 partials (splits x size), 1 bias ([n]), 2 residual
//   (out's layout): storage read of Elem; 3 out: storage read_write of Elem;
//   4 params: uniform. bias and residual are bound even when off.
//   5 prelu_weights ([n], prelu's slope per output column, with
//   HAS_PRELU): storage read of Elem, bound even when off.
// Params { size: u32 (output elements), n: u32 (output columns),
//   splits: u32, alpha: f32, beta: f32 }
// Overrides: WORKGROUP_SIZE (64), HAS_BIAS, HAS_RESIDUAL, HAS_PRELU (false).
// Slots: `types` (Elem; f32 as written), `body` (activation on v: f32).
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias Elem = f32; // @types

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override HAS_PRELU: bool = false;

struct Params {
  size: u32,
  n: u32,
  splits: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> partials: array<Elem>;
@group(0) @binding(1) var<storage, read> bias: array<Elem>;
@group(0) @binding(2) var<storage, read> residual: array<Elem>;
@group(0) @binding(3) var<storage, read_write> out: array<Elem>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read> prelu_weights: array<Elem>;

// @import common/activation.wgsl

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  var v = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    v += f32(partials[s * params.size + i]);
  }
  if (HAS_BIAS) {
    v += f32(bias[i % params.n]);
  }
  if (HAS_RESIDUAL) {
    v += f32(residual[i]);
  }
  if (HAS_PRELU) {
    v = select(v, v * f32(prelu_weights[i % params.n]), v < 0.0);
  }
  out[i] = Elem(activation(v));
}
