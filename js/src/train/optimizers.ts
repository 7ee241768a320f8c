// The optimizers, with TF.js's factory names, argument order and update rules
// (Keras's for adamw). Each one is only its per-variable update; the base
// class does gradients, clipping, schedules and slots.
import type { Tensor, Variable } from '../core/tensor.js';
import { abs, add, div, maximum, mul, sqrt, square, sub } from '../ops/index.js';
import { type ClipOptions, Optimizer } from './optimizer.js';
import {
  type LearningRate, type LearningRateSchedule, cosineDecay, exponentialDecay, inverseTimeDecay, piecewiseConstantDecay, polynomialDecay,
} from './schedules.js';

/** TF.js's default epsilon (its backends' float32 epsilon). */
const EPSILON = 1e-7;

/** SGD, with optional (Nesterov) momentum: accum = m·accum + g; v -= lr·accum (or lr·(g + m·accum)). */
export class SGDOptimizer extends Optimizer {
  readonly className = 'SGD';
  constructor(learningRate: LearningRate, readonly momentum = 0, readonly nesterov = false, clip?: ClipOptions) {
    super(learningRate, clip);
    if (momentum < 0) throw new Error(`tensorweb: sgd: momentum must be >= 0, got ${momentum}`);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number): void {
    if (this.momentum === 0) {
      v.assign(sub(v, mul(g, lr)));
      return;
    }
    const accum = this.slot(v, 'momentum');
    const next = add(mul(accum, this.momentum), g);
    accum.assign(next);
    v.assign(sub(v, mul(this.nesterov ? add(g, mul(next, this.momentum)) : next, lr)));
  }

  getConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Adam (Kingma & Ba) with bias-corrected moments; AdamW adds decoupled weight decay. */
export class AdamOptimizer extends Optimizer {
  readonly className: string = 'Adam';
  constructor(learningRate: LearningRate, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = EPSILON, clip?: ClipOptions) {
    super(learningRate, clip);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number, step: number): void {
    const m = this.slot(v, 'm');
    const s = this.slot(v, 'v');
    const nextM = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
    const nextS = add(mul(s, this.beta2), mul(square(g), 1 - this.beta2));
    m.assign(nextM);
    s.assign(nextS);
    const mHat = div(nextM, 1 - this.beta1 ** step);
    const sHat = div(nextS, 1 - this.beta2 ** step);
    v.assign(sub(v, mul(div(mHat, add(sqrt(sHat), this.epsilon)), lr)));
  }

  getConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Keras's AdamW: v -= lr·weightDecay·v, then the Adam step. */
export class AdamWOptimizer extends AdamOptimizer {
  override readonly className = 'AdamW';
  constructor(learningRate: LearningRate, readonly weightDecay = 0.004, beta1?: number, beta2?: number, epsilon?: number, clip?: ClipOptions) {
    super(learningRate, beta1, beta2, epsilon, clip);
  }

  protected override updateVariable(v: Variable, g: Tensor, lr: number, step: number): void {
    v.assign(sub(v, mul(v, lr * this.weightDecay)));
    super.updateVariable(v, g, lr, step);
  }

  override getConfig() {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

/** Adamax: the infinity-norm variant of Adam; `decay` scales lr by 1 / (1 + decay·iterations). */
export class AdamaxOptimizer extends Optimizer {
  readonly className = 'Adamax';
  constructor(learningRate: LearningRate, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = EPSILON,
    readonly decay = 0, clip?: ClipOptions) {
    super(learningRate, clip);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number, step: number): void {
    const m = this.slot(v, 'm');
    const u = this.slot(v, 'u');
    const nextM = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
    const nextU = maximum(mul(u, this.beta2), abs(g));
    m.assign(nextM);
    u.assign(nextU);
    const rate = lr / (1 + this.decay * (step - 1)) / (1 - this.beta1 ** step);
    v.assign(sub(v, mul(div(nextM, add(nextU, this.epsilon)), rate)));
  }

  getConfig() {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, decay: this.decay };
  }
}

/** RMSProp: ms = ρ·ms + (1-ρ)·g²; mom = μ·mom + lr·g / sqrt(ms [- mg²] + ε); v -= mom. */
export class RMSPropOptimizer extends Optimizer {
  readonly className = 'RMSProp';
  constructor(learningRate: LearningRate, readonly decay = 0.9, readonly momentum = 0, readonly epsilon = EPSILON,
    readonly centered = false, clip?: ClipOptions) {
    super(learningRate, clip);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number): void {
    const ms = this.slot(v, 'rms');
    const mom = this.slot(v, 'momentum');
    const nextMs = add(mul(ms, this.decay), mul(square(g), 1 - this.decay));
    ms.assign(nextMs);
    let denominator = nextMs;
    if (this.centered) {
      const mg = this.slot(v, 'mg');
      const nextMg = add(mul(mg, this.decay), mul(g, 1 - this.decay));
      mg.assign(nextMg);
      denominator = sub(nextMs, square(nextMg));
    }
    const nextMom = add(mul(mom, this.momentum), div(mul(g, lr), sqrt(add(denominator, this.epsilon))));
    mom.assign(nextMom);
    v.assign(sub(v, nextMom));
  }

  getConfig() {
    return { decay: this.decay, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/** Adagrad: acc += g²; v -= lr·g / sqrt(acc + ε). */
export class AdagradOptimizer extends Optimizer {
  readonly className = 'Adagrad';
  constructor(learningRate: LearningRate, readonly initialAccumulatorValue = 0.1, clip?: ClipOptions) {
    super(learningRate, clip);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number): void {
    const acc = this.slot(v, 'accumulator', this.initialAccumulatorValue);
    const next = add(acc, square(g));
    acc.assign(next);
    v.assign(sub(v, mul(div(g, sqrt(add(next, EPSILON))), lr)));
  }

  getConfig() {
    return { initialAccumulatorValue: this.initialAccumulatorValue };
  }
}

/** Adadelta: step = sqrt(accUpdate + ε) / sqrt(accGrad + ε) · g, with running averages of g² and step². */
export class AdadeltaOptimizer extends Optimizer {
  readonly className = 'Adadelta';
  constructor(learningRate: LearningRate, readonly rho = 0.95, readonly epsilon = EPSILON, clip?: ClipOptions) {
    super(learningRate, clip);
  }

  protected updateVariable(v: Variable, g: Tensor, lr: number): void {
    const accGrad = this.slot(v, 'accum_grad');
    const accUpdate = this.slot(v, 'accum_var');
    const nextGrad = add(mul(accGrad, this.rho), mul(square(g), 1 - this.rho));
    const update = mul(div(sqrt(add(accUpdate, this.epsilon)), sqrt(add(nextGrad, this.epsilon))), g);
    accGrad.assign(nextGrad);
    accUpdate.assign(add(mul(accUpdate, this.rho), mul(square(update), 1 - this.rho)));
    v.assign(sub(v, mul(update, lr)));
  }

  getConfig() {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

// Factories with TF.js's names and positional arguments; the last argument
// takes the clipping options.
export const sgd = (learningRate: LearningRate, clip?: ClipOptions & { momentum?: number; nesterov?: boolean }) =>
  new SGDOptimizer(learningRate, clip?.momentum ?? 0, clip?.nesterov ?? false, withoutKeys(clip, ['momentum', 'nesterov']));
export const momentum = (learningRate: LearningRate, momentumValue: number, useNesterov = false, clip?: ClipOptions) =>
  new SGDOptimizer(learningRate, momentumValue, useNesterov, clip);
export const adam = (learningRate: LearningRate = 0.001, beta1?: number, beta2?: number, epsilon?: number, clip?: ClipOptions) =>
  new AdamOptimizer(learningRate, beta1, beta2, epsilon, clip);
export const adamw = (learningRate: LearningRate = 0.001, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number,
  clip?: ClipOptions) => new AdamWOptimizer(learningRate, weightDecay, beta1, beta2, epsilon, clip);
export const adamax = (learningRate: LearningRate = 0.002, beta1?: number, beta2?: number, epsilon?: number, decay?: number,
  clip?: ClipOptions) => new AdamaxOptimizer(learningRate, beta1, beta2, epsilon, decay, clip);
export const rmsprop = (learningRate: LearningRate, decay?: number, momentumValue?: number, epsilon?: number, centered?: boolean,
  clip?: ClipOptions) => new RMSPropOptimizer(learningRate, decay, momentumValue, epsilon, centered, clip);
export const adagrad = (learningRate: LearningRate, initialAccumulatorValue?: number, clip?: ClipOptions) =>
  new AdagradOptimizer(learningRate, initialAccumulatorValue, clip);
export const adadelta = (learningRate: LearningRate = 0.001, rho?: number, epsilon?: number, clip?: ClipOptions) =>
  new AdadeltaOptimizer(learningRate, rho, epsilon, clip);

function withoutKeys<T extends object>(options: T | undefined, keys: string[]): ClipOptions {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([k]) => !keys.includes(k))) as ClipOptions;
}

/** The optimizer `compile` makes from a name, with TF.js's default learning rates (adamw: Keras's). */
export function optimizerFromName(name: string): Optimizer {
  const makers: Record<string, () => Optimizer> = {
    sgd: () => sgd(0.01), adam: () => adam(0.001), adamw: () => adamw(0.001), adamax: () => adamax(0.002),
    rmsprop: () => rmsprop(0.001), adagrad: () => adagrad(0.01), adadelta: () => adadelta(1),
  };
  const make = makers[name.toLowerCase()];
  if (!make) throw new Error(`tensorweb: unknown optimizer '${name}' (known: ${Object.keys(makers).join(', ')})`);
  return make();
}

type ScheduleMaker = (config: never) => LearningRateSchedule;
const SCHEDULES: Record<string, ScheduleMaker> = {
  ExponentialDecay: exponentialDecay, InverseTimeDecay: inverseTimeDecay, PiecewiseConstantDecay: piecewiseConstantDecay,
  PolynomialDecay: polynomialDecay, CosineDecay: cosineDecay,
};

/** An optimizer from a saved {class_name, config} (the config getConfig() and the clip options wrote, plus learningRate). */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const c = config as Record<string, never>;
  const rate = c.learningRate as LearningRate | { className: string; config: object } | undefined;
  const learningRate: LearningRate | undefined = rate !== null && typeof rate === 'object' && 'className' in rate
    ? (SCHEDULES[rate.className] ?? (() => { throw new Error(`tensorweb: unknown learning-rate schedule '${rate.className}'`); }))(rate.config as never)
    : rate;
  const clip: ClipOptions = { clipNorm: c.clipNorm, globalClipNorm: c.globalClipNorm, clipValue: c.clipValue };
  switch (className) {
    case 'SGD': return new SGDOptimizer(learningRate ?? 0.01, c.momentum, c.nesterov, clip);
    case 'Adam': return new AdamOptimizer(learningRate ?? 0.001, c.beta1, c.beta2, c.epsilon, clip);
    case 'AdamW': return new AdamWOptimizer(learningRate ?? 0.001, c.weightDecay, c.beta1, c.beta2, c.epsilon, clip);
    case 'Adamax': return new AdamaxOptimizer(learningRate ?? 0.002, c.beta1, c.beta2, c.epsilon, c.decay, clip);
    case 'RMSProp': case 'RMSprop': return new RMSPropOptimizer(learningRate ?? 0.001, c.decay ?? c.rho, c.momentum, c.epsilon, c.centered, clip);
    case 'Adagrad': return new AdagradOptimizer(learningRate ?? 0.01, c.initialAccumulatorValue, clip);
    case 'Adadelta': return new AdadeltaOptimizer(learningRate ?? 0.001, c.rho, c.epsilon, clip);
    default: throw new Error(`tensorweb: unknown optimizer class '${className}'`);
  }
}
