// Core layers: dense, activations, dropout, and shape layers.
import type { Tensor } from '../core/tensor.js';
import {
  add, cast, dropout, expandDims, fused, gather, greaterEqual, leakyRelu, matMul, minimum, mul, reshape, softmax, sub, tile, transpose, where,
} from '../ops/index.js';
import { type FusedActivation, activationName, fusedActivation, getActivation } from './activations.js';
import { nextSeed } from './random.js';
import { type CallArgs, Layer, type LayerArgs, type LayerWeight, type Shape, type SymbolicTensor } from './topology.js';
import { WeightSpec } from './weights.js';
import type { InitializerIdentifier } from './initializers.js';
import type { RegularizerIdentifier } from './regularizers.js';
import type { ConstraintIdentifier } from './constraints.js';

export const single = (x: Tensor | Tensor[]): Tensor => (Array.isArray(x) ? x[0] : x);
export const singleShape = (s: Shape | Shape[]): Shape => (Array.isArray(s[0]) ? (s[0] as Shape) : (s as Shape));
const lastDim = (shape: Shape, layer: string): number => {
  const d = shape[shape.length - 1];
  if (d === null) throw new Error(`tensorweb: layer '${layer}': the last dimension of the input must be known, got [${shape}]`);
  return d;
};

/** Applies `f` to x flattened to [rows, lastDim] and restores the leading dims: dense-style ops on any rank. */
export function onLastAxis(x: Tensor, f: (matrix: Tensor) => Tensor): Tensor {
  if (x.rank === 2) return f(x);
  const y = f(reshape(x, [-1, x.shape[x.rank - 1]]));
  return reshape(y, [...x.shape.slice(0, -1), y.shape[1]]);
}

export interface KernelBiasArgs {
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** What dense and convolution layers share: kernel and bias specs, and the activation. */
export abstract class KernelBiasLayer extends Layer {
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelSpec: WeightSpec;
  readonly biasSpec: WeightSpec;
  kernel!: LayerWeight;
  bias: LayerWeight | null = null;

  constructor(args: LayerArgs & KernelBiasArgs) {
    super(args);
    this.activation = activationName(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelSpec = new WeightSpec('kernel', args, 'glorotUniform');
    this.biasSpec = new WeightSpec('bias', args, 'zeros');
  }

  protected addKernelAndBias(kernelShape: number[], units: number): void {
    this.kernel = this.kernelSpec.addTo(this, kernelShape);
    if (this.useBias) this.bias = this.biasSpec.addTo(this, [units]);
  }

  /**
   * The layer's op with bias and activation: the fused op (`fused`) when it
   * supports the activation, else the plain op (`plain`) followed by them.
   */
  protected withBiasAndActivation(fused: (bias: Tensor | undefined, activation: FusedActivation) => Tensor,
    plain: () => Tensor): Tensor {
    const fusedAct = fusedActivation(this.activation);
    if (fusedAct) return fused(this.bias?.variable, fusedAct);
    const y = plain();
    return getActivation(this.activation)(this.bias ? add(y, this.bias.variable) : y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation, useBias: this.useBias, ...this.kernelSpec.config(), ...this.biasSpec.config() };
  }
}

export interface DenseArgs extends LayerArgs, KernelBiasArgs {
  units: number;
}

export class Dense extends KernelBiasLayer {
  static override readonly className = 'Dense';
  readonly units: number;

  constructor(args: DenseArgs) {
    super(args);
    if (!(Number.isInteger(args.units) && args.units > 0)) throw new Error(`tensorweb: dense: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.addKernelAndBias([lastDim(singleShape(inputShape), this.name), this.units], this.units);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    return this.withBiasAndActivation(
      (bias, activation) => onLastAxis(x, (m) => fused.matMul({ a: m, b: this.kernel.variable, bias, activation })),
      () => onLastAxis(x, (m) => matMul(m, this.kernel.variable)));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape).slice(0, -1), this.units];
  }

  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}

export class Activation extends Layer {
  static override readonly className = 'Activation';
  readonly activation: string;
  constructor(args: LayerArgs & { activation: string }) {
    super(args);
    this.activation = activationName(args.activation);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return getActivation(this.activation)(single(inputs));
  }

  override getConfig() {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** Keras's ReLU: x above threshold, negativeSlope·(x - threshold) below, capped at maxValue. */
export class ReLU extends Layer {
  static override readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: LayerArgs & { maxValue?: number | null; negativeSlope?: number; threshold?: number } = {}) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const y = where(greaterEqual(x, this.threshold), x, mul(sub(x, this.threshold), this.negativeSlope));
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }

  override getConfig() {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

export class LeakyReLU extends Layer {
  static override readonly className = 'LeakyReLU';
  readonly alpha: number;
  /** TF.js and Keras 2 call the slope alpha, Keras 3 negativeSlope; the default is 0.3 in all. */
  constructor(args: LayerArgs & { alpha?: number; negativeSlope?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? args.negativeSlope ?? 0.3;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(single(inputs), this.alpha);
  }

  override getConfig() {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export class Softmax extends Layer {
  static override readonly className = 'Softmax';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return softmax(single(inputs), this.axis);
  }

  override getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
  /** null entries take the input's size. */
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
}

/** Zeroes inputs with probability `rate` while training (scaling the rest by 1/(1-rate)); the identity otherwise. */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  /** Calls so far: with a layer seed, call n uses seed + n. */
  private calls = 0;

  constructor(args: DropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`tensorweb: dropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
  }

  protected noiseShapeFor(x: Tensor): number[] | undefined {
    return this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]) : undefined;
  }

  call(inputs: Tensor | Tensor[], { training = false }: CallArgs): Tensor {
    const x = single(inputs);
    if (!training || this.rate === 0) return x;
    // A fresh mask per call; with a layer seed the sequence of masks is reproducible.
    return dropout(x, this.rate, this.noiseShapeFor(x), this.seed === null ? nextSeed() : this.seed + this.calls++);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

/** Drops whole channels of [batch, steps, channels] inputs. */
export class SpatialDropout1D extends Dropout {
  static override readonly className = 'SpatialDropout1D';
  protected override noiseShapeFor(x: Tensor): number[] {
    return [x.shape[0], 1, x.shape[2]];
  }
}

const knownProduct = (dims: Shape) => (dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1));

export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    return reshape(x, [x.shape[0], -1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], knownProduct(s.slice(1))];
  }
}

export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    super(args);
    this.targetShape = [...args.targetShape];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    const free = this.targetShape.indexOf(-1);
    if (free === -1) return [s[0], ...this.targetShape];
    const total = knownProduct(s.slice(1));
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [s[0], ...this.targetShape.map((d) => (d === -1 ? (total === null ? null : total / known) : d))];
  }

  override getConfig() {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/** Reorders the non-batch dimensions; `dims` counts from 1, as in Keras. */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: LayerArgs & { dims: number[] }) {
    super(args);
    const sorted = [...args.dims].sort((a, b) => a - b);
    if (!sorted.every((d, i) => d === i + 1)) throw new Error(`tensorweb: permute: dims must be a permutation of 1..${args.dims.length}, got [${args.dims}]`);
    this.dims = [...args.dims];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(single(inputs), [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], ...this.dims.map((d) => s[d])];
  }

  override getConfig() {
    return { ...super.getConfig(), dims: this.dims };
  }
}

/** [batch, features] → [batch, n, features]. */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: LayerArgs & { n: number }) {
    super(args);
    this.n = args.n;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tile(expandDims(single(inputs), 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], this.n, s[1]];
  }

  override getConfig() {
    return { ...super.getConfig(), n: this.n };
  }
}

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
  inputLength?: number | null;
}

/** Integer indices → rows of a trained [inputDim, outputDim] table. */
export class Embedding extends Layer {
  static override readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength: number | null;
  readonly embeddingsSpec: WeightSpec;
  embeddings!: LayerWeight;

  constructor(args: EmbeddingArgs) {
    super(args);
    if ((args as { maskZero?: boolean }).maskZero) throw new Error('tensorweb: embedding: maskZero (masking) is not supported');
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.inputLength = args.inputLength ?? null;
    this.embeddingsSpec = new WeightSpec('embeddings', args, 'randomUniform');
  }

  override build(): void {
    this.embeddings = this.embeddingsSpec.addTo(this, [this.inputDim, this.outputDim]);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    return gather(this.embeddings.variable, x.dtype === 'int32' ? x : cast(x, 'int32'));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape), this.outputDim];
  }

  protected override outputDtype(_inputs: SymbolicTensor[]) {
    return 'float32' as const;
  }

  override getConfig() {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, inputLength: this.inputLength, ...this.embeddingsSpec.config() };
  }
}

/** x · scale + offset (Keras's Rescaling, e.g. pixel values to [0, 1]). */
export class Rescaling extends Layer {
  static override readonly className = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: LayerArgs & { scale: number; offset?: number }) {
    super(args);
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const y = mul(single(inputs), this.scale);
    return this.offset ? add(y, this.offset) : y;
  }

  override getConfig() {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
