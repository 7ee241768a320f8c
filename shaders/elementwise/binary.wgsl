// out = op(a, b) with numpy broadcasting, rank up to 8.
//
// Bindings (group 0): 0 a: storage read; 1 b: storage read;
//   2 out: storage read_write; 3 params: uniform Params.
// Params {
//   size: u32,                       output element count
//   rank: u32,                       output rank (0 to 8)
//   out_shape: array<vec4<u32>, 2>,  output dims, outermost first
//   a_strides: array<vec4<u32>, 2>,  a's element strides per output dim, 0
//   b_strides: array<vec4<u32>, 2>,  where that input is broadcast
//   op: u32,                         the op of the `arithmetic` body (0 add,
//                                    1 sub, 2 mul, 3 div); else unread
//   a_splat, b_splat: u32,           1 where the `either` read of apply
//                                    splats that operand (reads an element
//                                    and repeats it), 0 where it reads a vec4;
//                                    else unread
// }
// Overrides: WORKGROUP_SIZE (64); BROADCAST (true): false when a, b and out
//   have one shape, so indices are flat and the strides are not read.
// Slots: `types` (In for a and b, Out for out; f32 as written), `body` (the
//   op on `a: In, b: In` returning Out; `a` as written; the runtime calls
//   one function of elementwise/binary_ops.wgsl, `return add_f32(a, b);`,
//   or on CPU adapters `return arithmetic(a, b);` for add, sub, mul and div),
//   `items` (InItem and OutItem, the array items of a and b, and of out:
//   the elements as written) and `apply` (out's item from a's item at a_index and b's at
//   b_index; binary_op as written). The runtime's vec4 variant (out's last
//   dim a multiple of 4) makes the items vec4s and applies binary_op per
//   component. An operand with out's last dim is read a vec4 at a time; one
//   broadcast along it (its last dim 1, or a scalar) an element at a time,
//   splat, so its index and strides count elements, where the other
//   operand's, `size` and out_shape's last dim count vec4s. On CPU adapters
//   the runtime reads both operands with the `either` templates, the splat
//   chosen by params, so that one pipeline serves every layout of a type.
// Dispatch: ceil(size / WORKGROUP_SIZE) workgroups laid out 2-D (x, then y).

alias In = f32; alias Out = f32; // @types
alias InItem = In; alias OutItem = Out; // @items
// The vec4 variant's `items` and `apply` slots (js/src/shaders.ts's repeatTemplates writes them out): each
// operand read a vec4 at a time (`a`, `b`) or an element at its index and splat (`a_splat`, `b_splat`), then
// `result`.
// @repeat items.vec4: alias InItem = vec4<In>; alias OutItem = vec4<Out>;
// @repeat apply.a: let a_value = a[a_index];
// @repeat apply.a_splat: let a_value = vec4<In>(a[a_index / 4u][a_index % 4u]);
// @repeat apply.b: let b_value = b[b_index];
// @repeat apply.b_splat: let b_value = vec4<In>(b[b_index / 4u][b_index % 4u]);
// @repeat apply.a_either: let a_item = a[select(a_index, a_index / 4u, params.a_splat != 0u)]; let a_value = select(a_item, vec4<In>(a_item[a_index % 4u]), params.a_splat != 0u);
// @repeat apply.b_either: let b_item = b[select(b_index, b_index / 4u, params.b_splat != 0u)]; let b_value = select(b_item, vec4<In>(b_item[b_index % 4u]), params.b_splat != 0u);
// @repeat apply.result: return OutItem(binary_op(a_value.x, b_value.x), binary_op(a_value.y, b_value.y), binary_op(a_value.z, b_value.z), binary_op(a_value.w, b_value.w));

override WORKGROUP_SIZE: u32 = 64u;
override BROADCAST: bool = true;

struct Params {
  size: u32,
  rank: u32,
  out_shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
  op: u32,
  a_splat: u32,
  b_splat: u32,
}

@group(0) @binding(0) var<storage, read> a: array<InItem>;
@group(0) @binding(1) var<storage, read> b: array<InItem>;
@group(0) @binding(2) var<storage, read_write> out: array<OutItem>;
@group(0) @binding(3) var<uniform> params: Params;

// @import elementwise/binary_ops.wgsl

// The arithmetic op params.op names, so that one pipeline serves add, sub, mul and div of a type: on CPU adapters,
// where each op's own took ~30 ms to compile on SwiftShader before a model's first result (MiniLM has eleven).
// Branch-free, as SwiftShader runs every branch under a lane mask anyway; the same IEEE results as
// binary_ops.wgsl's add, sub, mul and div (div only for floats: integer division is not a plain `/`).
fn arithmetic(a: In, b: In) -> In {
  let op = params.op;
  return select(select(a + b, a - b, op == 1u), select(a * b, a / b, op == 3u), op >= 2u);
}

fn binary_op(a: In, b: In) -> Out {
  return a; // @body
}

fn apply(a_index: u32, b_index: u32) -> OutItem {
  return binary_op(a[a_index], b[b_index]); // @apply
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.size) {
    return;
  }
  var a_index = i;
  var b_index = i;
  if (BROADCAST) {
    a_index = 0u;
    b_index = 0u;
    // The outermost coordinate is what the inner ones leave (i < size), so it takes no integer division (lane by
    // lane on CPU adapters): operands shaped alike (one merged dim) take none.
    var rest = i;
    for (var d = i32(params.rank) - 1; d >= 1; d--) {
      let dim = params.out_shape[d / 4][d % 4];
      let coord = rest % dim;
      rest /= dim;
      a_index += coord * params.a_strides[d / 4][d % 4];
      b_index += coord * params.b_strides[d / 4][d % 4];
    }
    a_index += rest * params.a_strides[0][0];
    b_index += rest * params.b_strides[0][0];
  }
  out[i] = apply(a_index, b_index);
}
