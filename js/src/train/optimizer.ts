// The optimizer base: gradients in, in-place variable updates out, with TF.js's
// minimize / computeGradients / applyGradients, gradient clipping, a learning
// rate that may follow a schedule, and lazily created per-variable slots.
import { getEngine } from '../core/engine.js';
import { variableGrads, variableGradsAsync } from '../core/gradients.js';
import { Tensor, Variable } from '../core/tensor.js';
import { add, clipByValue, div, maximum, mul, sqrt, square, sum, zerosLike, fill, variable, scalar } from '../ops/index.js';
import { type LearningRate, learningRateAt } from './schedules.js';

export interface ClipOptions {
  /** Each gradient is rescaled so that its own L2 norm is at most clipNorm (Keras's clipnorm). */
  clipNorm?: number;
  /** All gradients are rescaled together so that their joint L2 norm is at most globalClipNorm. */
  globalClipNorm?: number;
  /** Each gradient element is clipped to [-clipValue, clipValue]. */
  clipValue?: number;
}

export type NamedGradients = Record<string, Tensor> | { name: string; tensor: Tensor }[];

export interface NamedWeight {
  name: string;
  tensor: Tensor;
}

/** Rescales `gradients` by the clip options (the inputs are left as they are). */
export function clipGradients(gradients: Tensor[], options: ClipOptions): Tensor[] {
  const { clipNorm, globalClipNorm, clipValue } = options;
  let result = gradients;
  if (clipValue !== undefined) result = result.map((g) => clipByValue(g, -clipValue, clipValue));
  const scaled = (g: Tensor, norm: Tensor, limit: number) => mul(g, div(limit, maximum(norm, limit)));
  if (clipNorm !== undefined) result = result.map((g) => scaled(g, sqrt(sum(square(g))), clipNorm));
  if (globalClipNorm !== undefined && result.length > 0) {
    const norm = sqrt(result.map((g) => sum(square(g))).reduce((a, b) => add(a, b)));
    result = result.map((g) => scaled(g, norm, globalClipNorm));
  }
  return result;
}

export abstract class Optimizer {
  /** Keras's class name, used by serialization and `compile({optimizer: 'adam'})`. */
  abstract readonly className: string;
  /** Updates applied so far. */
  iterations = 0;
  learningRate: LearningRate;
  readonly clip: ClipOptions;
  /** Slot variables (moments, accumulators) per variable, in creation order. */
  private slots = new Map<Variable, Map<string, Variable>>();

  constructor(learningRate: LearningRate, clip: ClipOptions = {}) {
    if (typeof learningRate === 'number' && !(learningRate >= 0)) {
      throw new Error(`tensorweb: optimizer: learningRate must be a non-negative number or a schedule, got ${learningRate}`);
    }
    for (const [key, value] of Object.entries(clip)) {
      if (value !== undefined && !(value > 0)) throw new Error(`tensorweb: optimizer: ${key} must be positive, got ${value}`);
    }
    this.learningRate = learningRate;
    this.clip = { ...clip };
  }

  /** The update of one variable from its (clipped) gradient; runs inside a tidy scope. */
  protected abstract updateVariable(variable: Variable, gradient: Tensor, learningRate: number, step: number): void;

  /** Constructor arguments (besides learningRate and clipping) for serialization. */
  abstract getConfig(): Record<string, unknown>;

  /**
   * Minimizes f() (a scalar) over varList (default: every trainable
   * variable); returns the cost when returnCost is set, else null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    return this.step(this.computeGradients(f, varList), returnCost);
  }

  /**
   * minimize for an async f (one that awaits a graph model's executeAsync);
   * what may happen while f runs is variableGradsAsync's rule.
   */
  async minimizeAsync(f: () => Promise<Tensor>, returnCost = false, varList?: Variable[]): Promise<Tensor | null> {
    return this.step(await variableGradsAsync(f, varList), returnCost);
  }

  /** Applies `grads`, then disposes them, and the cost unless it is wanted. */
  private step({ value, grads }: { value: Tensor; grads: Record<string, Tensor> }, returnCost: boolean): Tensor | null {
    try {
      this.applyGradients(grads);
    } finally {
      getEngine().dispose(Object.values(grads));
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  computeGradients(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
    return variableGrads(f, varList);
  }

  /** Applies gradients keyed by variable name (or as {name, tensor} pairs), one step. */
  applyGradients(gradients: NamedGradients): void {
    const variables = getEngine().registeredVariables();
    const pairs = Array.isArray(gradients) ? gradients.map(({ name, tensor }) => [name, tensor] as const) : Object.entries(gradients);
    this.applyGradientPairs(pairs.map(([name, tensor]) => {
      const target = variables.get(name);
      if (!target) throw new Error(`tensorweb: applyGradients: no variable named '${name}'`);
      return [target, tensor];
    }));
  }

  /** One step over [variable, gradient] pairs; frozen (non-trainable) variables are skipped. */
  applyGradientPairs(pairs: readonly (readonly [Variable, Tensor])[]): void {
    const live = pairs.filter(([v]) => v.trainable);
    live.forEach(([v, g]) => {
      if (g.shape.join() !== v.shape.join()) {
        throw new Error(`tensorweb: applyGradients: gradient [${g.shape}] does not match variable '${v.name}' [${v.shape}]`);
      }
    });
    const learningRate = learningRateAt(this.learningRate, this.iterations);
    const step = ++this.iterations;
    getEngine().tidy(() => {
      const clipped = clipGradients(live.map(([, g]) => g), this.clip);
      live.forEach(([v], i) => this.updateVariable(v, clipped[i], learningRate, step));
    });
  }

  /** The slot `name` of `variable`, created on first use filled with `initial`. */
  protected slot(owner: Variable, name: string, initial = 0): Variable {
    let byName = this.slots.get(owner);
    if (!byName) this.slots.set(owner, (byName = new Map()));
    let slot = byName.get(name);
    if (!slot) {
      slot = getEngine().tidy(() => variable(initial === 0 ? zerosLike(owner) : fill(owner.shape, initial), false));
      byName.set(name, slot);
    }
    return slot;
  }

  /** TF.js's getWeights: the iteration count, then every slot as `<variable>/<slot>`. */
  getWeights(): NamedWeight[] {
    const weights: NamedWeight[] = [{ name: 'iter', tensor: scalar(this.iterations, 'int32') }];
    for (const [v, byName] of this.slots) {
      for (const [name, slot] of byName) weights.push({ name: `${v.name}/${name}`, tensor: slot });
    }
    return weights;
  }

  /** Restores what getWeights returned (slots are matched by `<variable>/<slot>` name); async as in TF.js. */
  async setWeights(weights: NamedWeight[]): Promise<void> {
    const variables = getEngine().registeredVariables();
    for (const { name, tensor } of weights) {
      if (name === 'iter') {
        this.iterations = (await tensor.data())[0];
        continue;
      }
      const cut = name.lastIndexOf('/');
      const target = variables.get(name.slice(0, cut));
      if (!target) throw new Error(`tensorweb: optimizer setWeights: no variable named '${name.slice(0, cut)}'`);
      this.slot(target, name.slice(cut + 1)).assign(tensor);
    }
  }

  /** Frees the slot variables. */
  dispose(): void {
    for (const byName of this.slots.values()) getEngine().dispose([...byName.values()]);
    this.slots.clear();
  }
}
