// The fused ops' epilogue (bias, addend, then activation; or the addend after
// the activation) as the matmul and conv shaders take it: a bias of one value
// per output column goes to their `bias` binding, an addend (or a bias shaped
// like the output) to `residual` (the vec4 depthwise kernels' also after the
// activation, RESIDUAL_AFTER_ACTIVATION),
// prelu's weights of one value per output column to `prelu_weights`, and
// the other activations into the `body` slot. What cannot be fused (another
// bias shape, prelu's weights broadcast otherwise, what a kernel lacks the
// slot for) runs after the core op as elementwise kernels.
import type { DataId } from '../../../core/backend.js';
import { sizeFromShape } from '../../../core/dtype.js';
import { ACTIVATION_OPS, type FusedExtras } from '../../cpu/nn.js';
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
  /** The residual is added after the activation (the fused ops' addendAfterActivation), where the kernel takes it so. */
  residualAfterActivation?: boolean;
  /** prelu's slope, one per output column, applied after bias and residual (the body is then the identity). */
  prelu?: DataId;
  /** The fused activation the body applies, by its name ('linear' for none), for kernels that take it as a number. */
  activation?: string;
}

/** The override constants that switch a kernel's epilogue inputs on (all off where `fused` is false: split-K's partials). */
export function epilogueConstants(epilogue: Epilogue, fused = true): Record<string, boolean> {
  return { HAS_BIAS: fused && !!epilogue.bias, HAS_RESIDUAL: fused && !!epilogue.residual, HAS_PRELU: fused && !!epilogue.prelu };
}

/** The epilogue's bindings (what is absent is bound to a placeholder by the backend). */
export function epilogueBindings(epilogue: Epilogue, fused = true): Record<string, DataId> {
  if (!fused) return {};
  return {
    ...(epilogue.bias ? { bias: epilogue.bias } : {}),
    ...(epilogue.residual ? { residual: epilogue.residual } : {}),
    ...(epilogue.prelu ? { prelu_weights: epilogue.prelu } : {}),
  };
}

// Fused activations (TF.js's names) as the unary ops whose WGSL functions
// (elementwise/unary_ops.wgsl, imported by common/activation.wgsl) the
// epilogue calls, so a fused activation computes what the op alone does.
// linear, relu and relu6 are one clamp (clipByValue, its bounds in alpha and
// beta), so that a network's kernels fused with either share a pipeline:
// compiling one on SwiftShader takes up to a second.
const CLAMP_BODY = unaryBody('clipByValue');
const CLAMP_BOUNDS: Record<string, [number, number]> = { linear: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6] };
// The others' bodies (relu and relu6 take the clamp's first).
const ACTIVATION_BODIES: Record<string, string> = Object.fromEntries(
  Object.entries(ACTIVATION_OPS).map(([activation, op]) => [activation, unaryBody(op)]));

/** The body and its attributes (alpha, beta) of a fused activation other than prelu; null where none fuses. */
function activationBody(activation: string, leakyreluAlpha: number): { body: string; alpha: number; beta: number } | null {
  const bounds = CLAMP_BOUNDS[activation];
  if (bounds) return { body: CLAMP_BODY, alpha: bounds[0], beta: bounds[1] };
  const body = ACTIVATION_BODIES[activation];
  return body ? { body, alpha: leakyreluAlpha, beta: 0 } : null;
}

/** Whether the epilogue's activation is the clamp to [alpha, beta] (linear, relu, relu6, and none before prelu). */
export function clampActivation(epilogue: Epilogue): boolean {
  return epilogue.body === CLAMP_BODY;
}

/** No activation: the clamp without bounds (`linear`). */
export const NO_EPILOGUE: Epilogue = { body: CLAMP_BODY, alpha: -Infinity, beta: Infinity, activation: 'linear' };

export interface EpiloguePlan {
  fused: Epilogue;
  /** A bias that broadcasts some other way: added after the core op. */
  biasAfter?: TensorInfo;
  /** An addend the core kernel does not take: added after the bias. */
  addendAfter?: TensorInfo;
  /** Activation applied after those adds (and prelu, whose weights broadcast). */
  activationAfter?: { body: string; alpha: number; beta: number; weights?: TensorInfo };
  /** An addend that comes after the activation (addendAfterActivation) where the core kernel does not take it so. */
  addendAfterActivation?: TensorInfo;
}

export interface FusedActivation {
  activation: string;
  leakyreluAlpha: number;
  addendAfterActivation: boolean;
}

/**
 * What the core kernel takes: a per-element addend (the scalar depthwise kernel does not), one added after the
 * activation (the vec4 depthwise kernels only), prelu's weights.
 */
export interface EpilogueSlots {
  residual: boolean;
  residualAfterActivation: boolean;
  prelu: boolean;
}

const MATMUL_SLOTS: EpilogueSlots = { residual: true, residualAfterActivation: false, prelu: true };

export function planEpilogue(outShape: readonly number[], { bias, weights, addend: anyAddend }: FusedExtras<TensorInfo>,
  { activation, leakyreluAlpha, addendAfterActivation }: FusedActivation, slots: EpilogueSlots = MATMUL_SLOTS): EpiloguePlan {
  const addend = addendAfterActivation ? undefined : anyAddend;
  const addendLast = addendAfterActivation ? anyAddend : undefined;
  const columns = outShape[outShape.length - 1];
  const perColumn = (t: TensorInfo | undefined) =>
    !!t && sizeFromShape(t.shape) === columns && (t.shape.length === 0 || t.shape[t.shape.length - 1] === columns);
  const biasPerColumn = perColumn(bias);
  const fusedAddend = slots.residual && !!addend;
  // The residual slot takes one of: the addend, a bias shaped like the output, the addend after the activation.
  const biasPerElement = slots.residual && !addend && !!bias && !biasPerColumn && sizeFromShape(bias.shape) === sizeFromShape(outShape);
  const fusedBias = biasPerColumn || biasPerElement;
  // The activation runs in the kernel when everything before it does.
  const beforeFused = (!bias || fusedBias) && (!addend || fusedAddend);
  const fusedPrelu = activation === 'prelu' && slots.prelu && perColumn(weights) && beforeFused;
  const fusable = activation === 'prelu' ? null : activationBody(activation, leakyreluAlpha);
  const fuseActivation = activation === 'linear' || fusedPrelu || (fusable !== null && beforeFused);
  const fusedLast = !!addendLast && slots.residualAfterActivation && fuseActivation && !biasPerElement;
  return {
    fused: {
      ...(fuseActivation && fusable ? { ...fusable, activation } : NO_EPILOGUE),
      ...(biasPerColumn ? { bias: bias!.dataId } : {}),
      ...(fusedAddend ? { residual: addend!.dataId } : biasPerElement ? { residual: bias!.dataId } : {}),
      ...(fusedLast ? { residual: addendLast!.dataId, residualAfterActivation: true } : {}),
      ...(fusedPrelu ? { prelu: weights!.dataId } : {}),
    },
    ...(bias && !fusedBias ? { biasAfter: bias } : {}),
    ...(addend && !fusedAddend ? { addendAfter: addend } : {}),
    ...(fuseActivation ? {} : {
      activationAfter: activation === 'prelu' ? { body: binaryBody('prelu'), alpha: 0, beta: 0, weights } : fusable!,
    }),
    ...(addendLast && !fusedLast ? { addendAfterActivation: addendLast } : {}),
  };
}

/** Applies what the core kernel did not: the broadcast bias, the addend, then the activation. */
export function finishEpilogue(backend: WebGpuBackend, core: DataId, outShape: readonly number[], plan: EpiloguePlan): DataId {
  let result = core;
  const replace = (next: DataId) => {
    backend.disposeData(result);
    result = next;
  };
  const info = (): TensorInfo => ({ dataId: result, shape: outShape, dtype: 'float32' });
  if (plan.biasAfter) replace(runBinary(backend, info(), plan.biasAfter, outShape, 'float32', binaryBody('add')));
  if (plan.addendAfter) replace(runBinary(backend, info(), plan.addendAfter, outShape, 'float32', binaryBody('add')));
  const after = plan.activationAfter;
  if (after?.weights) replace(runBinary(backend, info(), after.weights, outShape, 'float32', after.body));
  else if (after) replace(runUnary(backend, info(), 'float32', after.body, { alpha: after.alpha, beta: after.beta }));
  if (plan.addendAfterActivation) replace(runBinary(backend, info(), plan.addendAfterActivation, outShape, 'float32', binaryBody('add')));
  return result;
}
