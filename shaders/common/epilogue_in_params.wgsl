// Prelude: the epilogue switched by params (`// @import
// common/epilogue_in_params.wgsl`), for the kernels that may take their
// bias, residual, prelu and activation from a params field instead of
// pipeline constants and the body slot (EPILOGUE_IN_PARAMS: one pipeline for
// every combination, kernels/matmul.ts `epilogueInParams`). Imports
// common/activation.wgsl.
//
// Needs from the importing kernel: `params`, a uniform struct with fields
//   alpha: f32, beta: f32 and epilogue: u32 (bits 1 bias, 2 residual,
//   4 prelu, and from bit 4 the activation: 0 none, 1 relu, 2 relu6, 3 elu,
//   4 leakyrelu, 5 sigmoid); the override EPILOGUE_IN_PARAMS: bool.

// @import common/activation.wgsl

// Whether the epilogue part whose knob is `knob` (and bit `bit` of params.epilogue) is on.
fn epilogue_has(knob: bool, bit: u32) -> bool {
  return knob || (EPILOGUE_IN_PARAMS && (params.epilogue & bit) != 0u);
}

// The activation: the body slot's, or with EPILOGUE_IN_PARAMS the one params.epilogue names from bit 4 on, the
// unary ops' own functions.
fn activate(v: f32) -> f32 {
  if (!EPILOGUE_IN_PARAMS) {
    return activation(v);
  }
  switch (params.epilogue >> 4u) {
    case 1u: { return relu_f32(v); }
    case 2u: { return relu6_f32(v); }
    case 3u: { return elu_f32(v); }
    case 4u: { return leakyRelu_f32(v); }
    case 5u: { return sigmoid_f32(v); }
    default: { return v; }
  }
}
