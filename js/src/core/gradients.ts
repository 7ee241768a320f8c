// The autodiff API, with TF.js's signatures: grad, grads, valueAndGrad,
// valueAndGrads, variableGrads, customGrad; and variableGradsAsync, for an
// async function (a graph model's executeAsync, through control flow).
import { type TensorLike, toTensor } from './convert.js';
import { type Gradients, getEngine } from './engine.js';
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
  const variables = varList ?? trainableVariables();
  return byVariable(getEngine().gradients(f, variables, undefined, true), variables, 'variableGrads');
}

/**
 * variableGrads of an async f, such as one that awaits a graph model's
 * executeAsync: gradients flow through the if branches taken and every loop
 * iteration, not through a condition or trip count, as in TensorFlow and
 * PyTorch. While f runs, assigning one of the variables and a second
 * variableGradsAsync are refused, and ops other code runs on them are
 * recorded (Engine.gradientsAsync). A variable whose only way to the value is
 * a condition or trip count gets no gradient, with a warning naming them
 * (once); if no variable gets one, it throws.
 */
export async function variableGradsAsync(f: () => Promise<Tensor>, varList?: Variable[]):
  Promise<{ value: Tensor; grads: Record<string, Tensor> }> {
  const variables = varList ?? trainableVariables();
  return byVariable(await getEngine().gradientsAsync(f, variables, undefined, true), variables, 'variableGradsAsync');
}

const trainableVariables = () => [...getEngine().registeredVariables().values()].filter((v) => v.trainable);

/** (variable, read back) pairs already warned about: a training loop warns once, as Python's warnings do. */
const warnedBlocked = new Set<string>();

/** The gradients keyed by variable name, f's value checked to be a scalar; variables stopped at a read-back are reported. */
function byVariable({ value, grads, blockedBy }: Gradients, variables: Variable[], fn: string):
  { value: Tensor; grads: Record<string, Tensor> } {
  const engine = getEngine();
  if (value.rank !== 0) {
    engine.dispose([value, grads as Tensor[]]);
    throw new Error(`tensorweb: ${fn}: f must return a scalar, got shape [${value.shape}]`);
  }
  const blocked = variables.flatMap((v, i) => (blockedBy[i] ? [`'${v.name}' (only through ${blockedBy[i]})`] : []));
  if (blocked.length > 0 && grads.every((g) => g === null)) {
    value.dispose();
    throw new Error(`tensorweb: ${fn}: no variable gets a gradient: ${blocked.join(', ')}; no gradient flows through ` +
      'a condition or a trip count (as in TensorFlow and PyTorch)');
  }
  const unwarned = blocked.filter((line) => !warnedBlocked.has(line));
  if (unwarned.length > 0) {
    unwarned.forEach((line) => warnedBlocked.add(line));
    console.warn(`tensorweb: ${fn}: no gradient for ${unwarned.join(', ')}: no gradient flows through a condition or ` +
      'a trip count (as in TensorFlow and PyTorch)');
  }
  const named: Record<string, Tensor> = {};
  variables.forEach((v, i) => {
    if (grads[i]) named[v.name] = grads[i]!;
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
