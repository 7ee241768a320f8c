// Prelude: the epilogue switched by params (`// @import
// common/epilogue_in_params.wgsl`), for the kernels that may take their
// bias, residual and prelu from a params field instead of pipeline
// constants, and apply the clamp to [alpha, beta] as the activation (none,
// relu, relu6), then hardswish's gate where params say so, instead of the
// body slot (EPILOGUE_IN_PARAMS: one pipeline for every combination,
// kernels/matmul.ts `epilogueInParams`). Imports common/activation.wgsl.
//
// Needs from the importing kernel: `params`, a uniform struct with fields
//   alpha: f32, beta: f32 (the clamp's bounds) and epilogue: u32 (bits 1
//   bias, 2 residual, 4 prelu, 8 hardswish); the override
//   EPILOGUE_IN_PARAMS: bool.

// @import common/activation.wgsl

// Whether the epilogue part whose knob is `knob` (and bit `bit` of params.epilogue) is on.
fn epilogue_has(knob: bool, bit: u32) -> bool {
  return knob || (EPILOGUE_IN_PARAMS && (params.epilogue & bit) != 0u);
}

// The activation of 4 values: the body slot's, or with EPILOGUE_IN_PARAMS the clamp to [alpha, beta], then with
// bit 8 hardswish (hardSwish_f32's v * clamp(v + 3, 0, 6) / 6), NaN kept as clipByValue and hardSwish keep it
// (branch-free: CPU adapters run every branch under a lane mask).
fn activate4(v: vec4<f32>) -> vec4<f32> {
  if (!EPILOGUE_IN_PARAMS) {
    return vec4<f32>(activation(v.x), activation(v.y), activation(v.z), activation(v.w));
  }
  let nan = (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
  let clamped = clamp(v, vec4<f32>(params.alpha), vec4<f32>(params.beta));
  let swished = clamped * clamp(clamped + vec4<f32>(3.0), vec4<f32>(0.0), vec4<f32>(6.0)) / vec4<f32>(6.0);
  return select(select(clamped, swished, vec4<bool>((params.epilogue & 8u) != 0u)), v, nan);
}
