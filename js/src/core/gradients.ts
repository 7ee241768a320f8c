// The autodiff API, with TF.js's signatures: grad, grads, valueAndGrad,
// valueAndGrads, variableGrads, customGrad.
import { type TensorLike, toTensor } from './convert.js';
import { getEngine } from './engine.js';
import { Tensor, type Variable } from './tensor.js';

function assertTensors(values: unknown[], what: string): void {
  values.forEach((v, i) => {
    if (!(v instanceof Tensor)) throw new Error(`tensorweb: ${what}: argument ${i} must be a Tensor`);
  });
}

/** tw.grad(f): x => df/dx (f must return a tensor; dy seeds the backward pass, ones by default). */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  return (x, dy) => {
    const { value, grad: g } = valueAndGrad(f)(x, dy);
    value.dispose();
    return g;
  };
}

/** tw.grads(f): args => the gradient of f with respect to each arg. */
export function grads(f: (...args: Tensor[]) => Tensor): (args: TensorLike[], dy?: TensorLike) => Tensor[] {
  return (args, dy) => {
    const { value, grads: result } = valueAndGrads(f)(args, dy);
    value.dispose();
    return result;
  };
}

/**
 * Runs `body` on `values` as tensors: TensorLikes are converted as TF.js's
 * gradient functions convert them (its names: 'x' of 'tf.grad', 'args[i]' of
 * 'tf.grads') and disposed after.
 */
function withSources<T>(values: readonly TensorLike[], names: (i: number) => string, fn: string, body: (xs: Tensor[]) => T): T {
  const created: Tensor[] = [];
  try {
    return body(values.map((v, i) => {
      const { tensor, created: isNew } = toTensor(v, names(i), fn);
      if (isNew) created.push(tensor);
      return tensor;
    }));
  } finally {
    getEngine().dispose(created);
  }
}

/** f's value, copied when f returned a source itself (withSources disposes the sources it converted). */
const ownValue = (value: Tensor, sources: Tensor[]) => (sources.includes(value) ? value.clone() : value);

/** tw.valueAndGrad(f): x => {value: f(x), grad: df/dx} (TF.js's names: `grad` here, `grads` for valueAndGrads). */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => { value: Tensor; grad: Tensor } {
  return (x, dy) => withSources(dy === undefined ? [x] : [x, dy], (i) => (i === 0 ? 'x' : 'dy'), 'tf.grad', ([tx, tdy]) => {
    const { value, grads: [g] } = getEngine().gradients(() => f(tx), [tx], tdy);
    return { value: ownValue(value, [tx]), grad: g! };
  });
}

export function valueAndGrads(f: (...args: Tensor[]) => Tensor):
  (args: TensorLike[], dy?: TensorLike) => { value: Tensor; grads: Tensor[] } {
  return (args, dy) => {
    if (!Array.isArray(args)) throw new Error('tensorweb: valueAndGrads: args must be an array of tensors');
    const all = dy === undefined ? args : [...args, dy];
    return withSources(all, (i) => (i < args.length ? `args[${i}]` : 'dy'), 'tf.grads', (tensors) => {
      const sources = tensors.slice(0, args.length);
      const { value, grads: result } = getEngine().gradients(() => f(...sources), sources, tensors[args.length]);
      return { value: ownValue(value, sources), grads: result as Tensor[] };
    });
  };
}

/**
 * tw.variableGrads(f, varList): the value of the scalar f() and its gradient
 * with respect to each trainable variable (default: all of them) that f uses,
 * keyed by variable name.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const engine = getEngine();
  const variables = varList ?? [...engine.registeredVariables().values()].filter((v) => v.trainable);
  const { value, grads: result } = engine.gradients(f, variables, undefined, true);
  if (value.rank !== 0) {
    engine.dispose([value, result as Tensor[]]);
    throw new Error(`tensorweb: variableGrads: f must return a scalar, got shape [${value.shape}]`);
  }
  const named: Record<string, Tensor> = {};
  variables.forEach((v, i) => {
    if (result[i]) named[v.name] = result[i]!;
  });
  return { value, grads: named };
}

export interface CustomGradResult {
  value: Tensor;
  /** Gradients of the inputs given dy and the tensors passed to `save`. */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * tw.customGrad(f): f(...inputs, save) returns {value, gradFunc}; the ops
 * inside f are not recorded, gradFunc defines the gradient instead.
 */
export function customGrad(f: (...args: never[]) => CustomGradResult): (...inputs: Tensor[]) => Tensor {
  return (...inputs) => {
    assertTensors(inputs, 'customGrad');
    const engine = getEngine();
    let saved: Tensor[] = [];
    const save = (tensors: Tensor[]) => {
      saved = tensors;
    };
    const call = f as unknown as (...args: unknown[]) => CustomGradResult;
    const { value, gradFunc } = engine.withoutTape(() => call(...inputs, save));
    if (!(value instanceof Tensor)) throw new Error('tensorweb: customGrad: f must return {value: Tensor, gradFunc}');
    engine.record('customGrad', ([dy], held) => {
      const result = gradFunc(dy, held.saved ?? []);
      const list = Array.isArray(result) ? result : [result];
      if (list.length !== inputs.length) {
        throw new Error(`tensorweb: customGrad: gradFunc returned ${list.length} gradients for ${inputs.length} inputs`);
      }
      return list;
    }, null, inputs, [value], saved);
    return value;
  };
}
