// The public entry of the tensorweb runtime: `import * as tw from 'tensorweb'`.
// Functions follow TensorFlow.js's names, argument order and options.
import './backends/cpu/register.js';
import './backends/webgpu/register.js';

export { VERSION as version } from 'tensorweb:build-info';
export { fillSlots, listShaders, repeatTemplates, shaderSource, substituteBody } from './shaders.js';
// The depthwise tile kernel's written-out taps, for tests/fixtures/make_depthwise_taps.mjs.
export { depthwiseTapItems } from './backends/webgpu/kernels/conv.js';

export { Tensor, Variable } from './core/tensor.js';
export { TensorBuffer, buffer } from './core/tensor_buffer.js';
export type { DataType, TypedArray, NestedArray } from './core/dtype.js';
export { DATA_TYPES } from './core/dtype.js';
export type { TensorLike } from './core/convert.js';
export type { KernelBackend, BackendFactory, BackendMemory, DataId, TensorInfo, TensorSpec } from './core/backend.js';
export { BackendUnavailableError } from './core/backend.js';
export type { MemoryInfo, ProfileInfo, TensorContainer } from './core/engine.js';
export { tidy, keep, dispose, disposeVariables, memory, nextFrame, print, setBackend, getBackend, ready, engine, backend } from './core/globals.js';
export { env, type Environment, type FlagValue } from './core/environment.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, variableGradsAsync, customGrad } from './core/gradients.js';
export { philox4x32, seedKey } from './core/random.js';
export { CpuBackend } from './backends/cpu/backend.js';
export { WebGpuBackend, type WebGpuFlags } from './backends/webgpu/backend.js';
export { profile, time } from './backends/webgpu/profile.js';
export * from './ops/index.js';
export * as train from './train/index.js';
export * as losses from './train/weighted_losses.js';
export { Reduction } from './train/weighted_losses.js';
export * as metrics from './train/metrics.js';
export * as data from './data/index.js';
export * as io from './io/index.js';
export { GraphModel, loadGraphModel, type GraphInputs, type GraphLoadOptions, type NamedTensorMap } from './graph/graph_model.js';
export type { FitArgs, FitCallbacks, History } from './graph/fit.js';
export * as layers from './layers/index.js';
export { sequential, model, input, loadLayersModel } from './layers/index.js';
export * as callbacks from './layers/callbacks.js';
export { initializers, constraints } from './layers/index.js';
export * as regularizers from './layers/regularizers.js';
export { logMelSpectrogram, melWeightMatrix } from './ops/audio.js';
export * as text from './text/index.js';
export * as test_util from './test_util.js';
export * as util from './util.js';
export * from './worker/index.js';
