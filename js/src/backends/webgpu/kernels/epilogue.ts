// The fused ops' epilogue (bias, then activation) as the matmul and conv
// shaders take it: a bias of one value per output column goes to their
// `bias` binding, a bias shaped like the output to `residual`, and the
// activation into the `body` slot. What cannot be fused (another bias
// shape, prelu's weights) runs after the core op as elementwise kernels.
import type { DataId } from '../../../core/backend.js';
import { sizeFromShape } from '../../../core/dtype.js';
import type { WebGpuBackend } from '../backend.js';
import type { TensorInfo } from './common.js';
import { binaryBody, runBinary, runUnary, unaryBody } from './elementwise.js';

/** What the core kernel applies to each output value v (f32) before storing it. */
export interface Epilogue {
  body: string;
  alpha: number;
  beta: number;
  /** One value per output column (the last dim). */
  bias?: DataId;
  /** One value per output element. */
  residual?: DataId;
}

// Fused activations (TF.js's names) as the unary ops whose WGSL functions
// (elementwise/unary_ops.wgsl, imported by common/activation.wgsl) the
// epilogue calls, so a fused activation computes what the op alone does.
// linear, relu and relu6 are one clamp (clipByValue, its bounds in alpha and
// beta), so that a network's kernels fused with either share a pipeline:
// compiling one on SwiftShader takes up to a second.
const CLAMP_BODY = unaryBody('clipByValue');
const CLAMP_BOUNDS: Record<string, [number, number]> = { linear: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6] };
const ACTIVATION_BODIES: Record<string, string> = Object.fromEntries(
  Object.entries({ elu: 'elu', leakyrelu: 'leakyRelu', sigmoid: 'sigmoid' }).map(([activation, op]) => [activation, unaryBody(op)]));

/** The body and its attributes (alpha, beta) of a fused activation other than prelu; null where none fuses. */
function activationBody(activation: string, leakyreluAlpha: number): { body: string; alpha: number; beta: number } | null {
  const bounds = CLAMP_BOUNDS[activation];
  if (bounds) return { body: CLAMP_BODY, alpha: bounds[0], beta: bounds[1] };
  const body = ACTIVATION_BODIES[activation];
  return body ? { body, alpha: leakyreluAlpha, beta: 0 } : null;
}

/** No activation: the clamp without bounds (`linear`). */
export const NO_EPILOGUE: Epilogue = { body: CLAMP_BODY, alpha: -Infinity, beta: Infinity };

export interface EpiloguePlan {
  fused: Epilogue;
  /** A bias that broadcasts some other way: added after the core op. */
  biasAfter?: TensorInfo;
  /** Activation applied after that add (and prelu, whose weights broadcast). */
  activationAfter?: { body: string; alpha: number; beta: number; weights?: TensorInfo };
}

export interface FusedActivation {
  activation: string;
  leakyreluAlpha: number;
}

/** `residual`: whether the core kernel takes a per-element addend (the direct depthwise kernel does not). */
export function planEpilogue(outShape: readonly number[], bias: TensorInfo | undefined, weights: TensorInfo | undefined,
  { activation, leakyreluAlpha }: FusedActivation, residual = true): EpiloguePlan {
  const columns = outShape[outShape.length - 1];
  const perColumn = bias && sizeFromShape(bias.shape) === columns && (bias.shape.length === 0 || bias.shape[bias.shape.length - 1] === columns);
  const perElement = residual && bias && !perColumn && sizeFromShape(bias.shape) === sizeFromShape(outShape);
  const fusedBias = perColumn || perElement;
  const fusable = activation === 'prelu' ? null : activationBody(activation, leakyreluAlpha);
  const fuseActivation = activation === 'linear' || (fusable !== null && (!bias || fusedBias));
  return {
    fused: {
      ...(fuseActivation ? fusable! : NO_EPILOGUE),
      ...(perColumn ? { bias: bias!.dataId } : {}),
      ...(perElement ? { residual: bias!.dataId } : {}),
    },
    ...(bias && !fusedBias ? { biasAfter: bias } : {}),
    ...(fuseActivation ? {} : {
      activationAfter: activation === 'prelu' ? { body: binaryBody('prelu'), alpha: 0, beta: 0, weights } : fusable!,
    }),
  };
}

/** Applies what the core kernel did not: the broadcast bias, then the activation. */
export function finishEpilogue(backend: WebGpuBackend, core: DataId, outShape: readonly number[], plan: EpiloguePlan): DataId {
  let result = core;
  const replace = (next: DataId) => {
    backend.disposeData(result);
    result = next;
  };
  const info = (): TensorInfo => ({ dataId: result, shape: outShape, dtype: 'float32' });
  if (plan.biasAfter) replace(runBinary(backend, info(), plan.biasAfter, outShape, 'float32', binaryBody('add')));
  const after = plan.activationAfter;
  if (after?.weights) replace(runBinary(backend, info(), after.weights, outShape, 'float32', after.body));
  else if (after) replace(runUnary(backend, info(), 'float32', after.body, { alpha: after.alpha, beta: after.beta }));
  return result;
}
