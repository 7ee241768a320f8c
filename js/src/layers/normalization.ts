// Batch and layer normalization.
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { add, batchNorm, layerNorm, moments, mul, reshape } from '../ops/index.js';
import type { ConstraintIdentifier } from './constraints.js';
import { single, singleShape } from './core.js';
import type { InitializerIdentifier } from './initializers.js';
import type { RegularizerIdentifier } from './regularizers.js';
import { type CallArgs, Layer, type LayerArgs, type LayerWeight, type Shape } from './topology.js';
import { WeightSpec } from './weights.js';

interface AffineArgs {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/** The learned scale (gamma) and offset (beta) both normalizations share. */
abstract class AffineNormalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaSpec: WeightSpec;
  readonly gammaSpec: WeightSpec;
  gamma: LayerWeight | null = null;
  beta: LayerWeight | null = null;

  constructor(args: LayerArgs & AffineArgs, readonly axis: number) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaSpec = new WeightSpec('beta', args, 'zeros');
    this.gammaSpec = new WeightSpec('gamma', args, 'ones');
  }

  protected featureSize(inputShape: Shape | Shape[]): number {
    const s = singleShape(inputShape);
    const d = s[this.axis < 0 ? s.length + this.axis : this.axis];
    if (d === null) throw new Error(`tensorweb: layer '${this.name}': the normalized axis must have a known size`);
    return d;
  }

  protected addAffine(size: number): void {
    if (this.scale) this.gamma = this.gammaSpec.addTo(this, [size]);
    if (this.center) this.beta = this.betaSpec.addTo(this, [size]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      ...this.betaSpec.config(), ...this.gammaSpec.config(),
    };
  }
}

export interface BatchNormalizationArgs extends LayerArgs, AffineArgs {
  axis?: number;
  momentum?: number;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
}

/**
 * Training: normalizes by the batch's mean and (biased) variance over every
 * axis but `axis`, and moves the moving statistics towards them
 * (moving = moving·momentum + batch·(1 - momentum), as Keras). Inference, or
 * a layer with trainable = false: normalizes by the moving statistics.
 */
export class BatchNormalization extends AffineNormalization {
  static override readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly movingMeanSpec: WeightSpec;
  readonly movingVarianceSpec: WeightSpec;
  movingMean!: LayerWeight;
  movingVariance!: LayerWeight;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, Array.isArray(args.axis) ? (args.axis as number[])[0] : args.axis ?? -1);
    this.momentum = args.momentum ?? 0.99;
    this.movingMeanSpec = new WeightSpec('movingMean', args, 'zeros');
    this.movingVarianceSpec = new WeightSpec('movingVariance', args, 'ones');
  }

  override build(inputShape: Shape | Shape[]): void {
    const size = this.featureSize(inputShape);
    this.addAffine(size);
    this.movingMean = this.movingMeanSpec.addTo(this, [size], { name: 'moving_mean', trainable: false });
    this.movingVariance = this.movingVarianceSpec.addTo(this, [size], { name: 'moving_variance', trainable: false });
  }

  call(inputs: Tensor | Tensor[], { training = false }: CallArgs): Tensor {
    const x = single(inputs);
    const axis = this.axis < 0 ? x.rank + this.axis : this.axis;
    // Parameters shaped to broadcast along `axis`.
    const along = (t: Tensor) => (axis === x.rank - 1 ? t : reshape(t, x.shape.map((d, i) => (i === axis ? d : 1))));
    const gamma = this.gamma ? along(this.gamma.variable) : undefined;
    const beta = this.beta ? along(this.beta.variable) : undefined;
    // A frozen layer normalizes with its moving statistics even while the model trains (Keras's fine-tuning rule).
    if (!training || !this.trainable) {
      return batchNorm(x, along(this.movingMean.variable), along(this.movingVariance.variable), beta, gamma, this.epsilon);
    }
    const reduceAxes = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const { mean, variance } = moments(x, reduceAxes);
    getEngine().tidy(() => {
      const move = (w: LayerWeight, batch: Tensor) => w.variable.assign(add(mul(w.variable, this.momentum), mul(batch, 1 - this.momentum)));
      move(this.movingMean, mean);
      move(this.movingVariance, variance);
    });
    return batchNorm(x, along(mean), along(variance), beta, gamma, this.epsilon);
  }

  override getConfig() {
    return { ...super.getConfig(), momentum: this.momentum, ...this.movingMeanSpec.config(), ...this.movingVarianceSpec.config() };
  }
}

export interface LayerNormalizationArgs extends LayerArgs, AffineArgs {
  axis?: number;
}

/** Normalizes each sample over its last axis (Keras's default), then scales and shifts. */
export class LayerNormalization extends AffineNormalization {
  static override readonly className = 'LayerNormalization';
  constructor(args: LayerNormalizationArgs = {}) {
    super(args, Array.isArray(args.axis) ? (args.axis as number[])[0] : args.axis ?? -1);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.addAffine(this.featureSize(inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const axis = this.axis < 0 ? x.rank + this.axis : this.axis;
    const along = (t: Tensor) => (axis === x.rank - 1 ? t : reshape(t, x.shape.map((d, i) => (i === axis ? d : 1))));
    return layerNorm(x, this.gamma ? along(this.gamma.variable) : undefined, this.beta ? along(this.beta.variable) : undefined,
      { axis, epsilon: this.epsilon });
  }
}
