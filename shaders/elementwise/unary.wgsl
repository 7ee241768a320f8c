// y[i] = op(x[i]) for every element of a flat tensor.
//
// Bindings (group 0): 0 x: storage read; 1 y: storage read_write;
//   2 params: uniform Params; 3 scalars: uniform Scalars, used only by bodies
//   that call alpha() or beta(), so a pipeline without them may leave it out.
// Params { size: u32 }: the element count.
// Scalars { alpha: f32, beta: f32 }: op attributes (leakyRelu's alpha,
//   clipByValue's bounds, step's alpha, hardSigmoid's alpha and beta).
// Overrides: WORKGROUP_SIZE (64).
// Functions a body may call: alpha() and beta() (f32), convert(v) (In to Out
//   as WGSL converts numbers: cast between float32, int32 and float16, and
//   from bool), and the op functions
//   of elementwise/unary_ops.wgsl (`relu_f32(v)`, ...), which the runtime's
//   bodies call: `return relu_f32(v);`.
// Slots: `types` names the element types In and Out (f32 as written; with
//   f16, prefix `enable f16;`); `body` is the op on `v: In` returning Out
//   (the identity as written; the runtime calls one op function); `items`
//   names InItem and OutItem, the types of x's and y's array items (the
//   elements themselves as written), and `apply`
//   maps one item of x to one of y (unary_op as written). The runtime's vec4
//   variant makes the items vec4<In> and vec4<Out> and applies unary_op to
//   each component, so any scalar body runs 4 elements per thread; `size`
//   then counts vec4s. (SwiftShader pays per invocation and per gathered
//   load: a 4-element thread is several times faster there.)
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D, x first,
// then rows of y, so sizes past 65,535 workgroups fit.

alias In = f32; alias Out = f32; // @types
alias InItem = In; alias OutItem = Out; // @items
// The vec4 variant's `items` and `apply` slots (js/src/shaders.ts's repeatTemplates writes them out):
// @repeat items.vec4: alias InItem = vec4<In>; alias OutItem = vec4<Out>;
// @repeat apply.vec4: return OutItem(unary_op(v.x), unary_op(v.y), unary_op(v.z), unary_op(v.w));

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  size: u32,
}

struct Scalars {
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<InItem>;
@group(0) @binding(1) var<storage, read_write> y: array<OutItem>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> scalars: Scalars;

fn alpha() -> f32 {
  return scalars.alpha;
}

fn beta() -> f32 {
  return scalars.beta;
}

// cast's numeric conversion (to bool is castToBool_<In> of unary_ops.wgsl).
fn convert(v: In) -> Out {
  return Out(v);
}

// @import elementwise/unary_ops.wgsl

fn unary_op(v: In) -> Out {
  return v; // @body
}

fn apply(v: InItem) -> OutItem {
  return unary_op(v); // @apply
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  y[i] = apply(x[i]);
}
