// Recurrent layers (SimpleRNN, LSTM, GRU with Keras's weight layouts and gate
// orders), and the Bidirectional and TimeDistributed wrappers.
import type { Tensor } from '../core/tensor.js';
import {
  add, concat, matMul, mul, reshape, reverse, split, stack, sub, unstack, zeros, div, fill,
} from '../ops/index.js';
import { activationName, getActivation } from './activations.js';
import { single, singleShape } from './core.js';
import type { ConstraintIdentifier } from './constraints.js';
import type { InitializerIdentifier } from './initializers.js';
import type { RegularizerIdentifier } from './regularizers.js';
import { deserializeLayer, layerClass } from './registry.js';
import { type SerializedObject, serialize } from './serializable.js';
import { type CallArgs, Layer, type LayerArgs, type LayerWeight, type Shape, isShapeList } from './topology.js';
import { WeightSpec } from './weights.js';
import { getEngine } from '../core/engine.js';

export interface RecurrentArgs extends LayerArgs {
  units: number;
  activation?: string | null;
  recurrentActivation?: string | null;
  useBias?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  recurrentConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  dropout?: number;
  recurrentDropout?: number;
}

/**
 * The shared loop: the input projection x·W (+ bias) for every step at once,
 * then one `step` per time step over the states. Subclasses give the gate
 * count and the step.
 */
export abstract class Recurrent extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly kernelSpec: WeightSpec;
  readonly recurrentSpec: WeightSpec;
  readonly biasSpec: WeightSpec;
  kernel!: LayerWeight;
  recurrentKernel!: LayerWeight;
  bias: LayerWeight | null = null;

  constructor(args: RecurrentArgs, readonly gates: number, readonly stateCount: number) {
    super(args);
    if (args.dropout || args.recurrentDropout) throw new Error(`tensorweb: ${this.className}: dropout and recurrentDropout are not supported; use a Dropout layer`);
    if ((args as { stateful?: boolean }).stateful) throw new Error(`tensorweb: ${this.className}: stateful recurrent layers are not supported`);
    this.units = args.units;
    this.activation = activationName(args.activation === undefined ? 'tanh' : args.activation);
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.kernelSpec = new WeightSpec('kernel', args, 'glorotUniform');
    this.recurrentSpec = new WeightSpec('recurrent', args, 'orthogonal');
    this.biasSpec = new WeightSpec('bias', args, 'zeros');
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = isShapeList(inputShape) ? inputShape[0] : inputShape;
    const features = s[s.length - 1];
    if (features === null) throw new Error(`tensorweb: layer '${this.name}': the feature dimension must be known`);
    this.kernel = this.kernelSpec.addTo(this, [features, this.gates * this.units]);
    this.recurrentKernel = this.recurrentSpec.addTo(this, [this.units, this.gates * this.units], { name: 'recurrent_kernel' });
    if (this.useBias) this.bias = this.biasSpec.addTo(this, this.biasShape());
  }

  /** The bias added to the input projection. */
  protected inputBias(): Tensor | null {
    return this.bias?.variable ?? null;
  }

  /** One time step: the projected input x_t·W + b and the states in, the output and new states out. */
  protected abstract step(projected: Tensor, states: Tensor[]): { output: Tensor; states: Tensor[] };

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    const [x, ...initial] = Array.isArray(inputs) ? inputs : [inputs];
    const [batch, steps, features] = x.shape;
    if (x.rank !== 3) throw new Error(`tensorweb: layer '${this.name}' takes [batch, steps, features], got [${x.shape}]`);
    let projected = matMul(reshape(x, [batch * steps, features]), this.kernel.variable);
    const bias = this.inputBias();
    if (bias) projected = add(projected, bias);
    const perStep = unstack(reshape(projected, [batch, steps, this.gates * this.units]), 1);
    if (this.goBackwards) perStep.reverse();
    let states = initial.length > 0 ? initial : Array.from({ length: this.stateCount }, () => zeros([batch, this.units]));
    const outputs: Tensor[] = [];
    for (const xt of perStep) {
      const result = this.step(xt, states);
      states = result.states;
      outputs.push(result.output);
    }
    const output = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1];
    return this.returnState ? [output, ...states] : output;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = isShapeList(inputShape) ? inputShape[0] : inputShape;
    const output: Shape = this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, () => [s[0], this.units] as Shape)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards,
      ...this.kernelSpec.config(), ...this.recurrentSpec.config(), ...this.biasSpec.config(),
    };
  }
}

/** h = activation(x·W + h·U + b). */
export class SimpleRNN extends Recurrent {
  static override readonly className = 'SimpleRNN';
  constructor(args: RecurrentArgs) {
    super(args, 1, 1);
  }

  protected step(projected: Tensor, [h]: Tensor[]) {
    const next = getActivation(this.activation)(add(projected, matMul(h, this.recurrentKernel.variable)));
    return { output: next, states: [next] };
  }
}

/** Gates in Keras's order i, f, c, o; states [h, c]. */
export class LSTM extends Recurrent {
  static override readonly className = 'LSTM';
  readonly recurrentActivation: string;
  readonly unitForgetBias: boolean;
  constructor(args: RecurrentArgs & { unitForgetBias?: boolean }) {
    super(args, 4, 2);
    this.recurrentActivation = activationName(args.recurrentActivation ?? 'sigmoid');
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    if (this.bias && this.unitForgetBias) {
      // Keras: the forget gate's bias starts one higher, so the cell remembers by default.
      const u = this.units;
      const bias = this.bias.variable;
      getEngine().tidy(() => bias.assign(add(bias, concat([zeros([u]), fill([u], 1), zeros([2 * u])]))));
    }
  }

  protected step(projected: Tensor, [h, c]: Tensor[]) {
    const gate = getActivation(this.recurrentActivation);
    const act = getActivation(this.activation);
    const [i, f, candidate, o] = split(add(projected, matMul(h, this.recurrentKernel.variable)), 4, 1);
    const nextC = add(mul(gate(f), c), mul(gate(i), act(candidate)));
    const nextH = mul(gate(o), act(nextC));
    return { output: nextH, states: [nextH, nextC] };
  }

  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias };
  }
}

/**
 * Gates in Keras's order z, r, h. resetAfter (Keras's default) applies the
 * reset gate after the recurrent projection and keeps separate input and
 * recurrent biases ([2, 3·units]).
 */
export class GRU extends Recurrent {
  static override readonly className = 'GRU';
  readonly recurrentActivation: string;
  readonly resetAfter: boolean;
  constructor(args: RecurrentArgs & { resetAfter?: boolean }) {
    super(args, 3, 1);
    this.recurrentActivation = activationName(args.recurrentActivation ?? 'sigmoid');
    this.resetAfter = args.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): Tensor | null {
    if (!this.bias) return null;
    return this.resetAfter ? reshape(split(this.bias.variable, 2, 0)[0], [3 * this.units]) : this.bias.variable;
  }

  protected step(projected: Tensor, [h]: Tensor[]) {
    const gate = getActivation(this.recurrentActivation);
    const act = getActivation(this.activation);
    const u = this.units;
    const [xz, xr, xh] = split(projected, 3, 1);
    const [uzr, uh] = split(this.recurrentKernel.variable, [2 * u, u], 1);
    let candidate: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      let recurrent = matMul(h, this.recurrentKernel.variable);
      if (this.bias) recurrent = add(recurrent, reshape(split(this.bias.variable, 2, 0)[1], [3 * u]));
      const [hz, hr, hh] = split(recurrent, 3, 1);
      z = gate(add(xz, hz));
      const r = gate(add(xr, hr));
      candidate = act(add(xh, mul(r, hh)));
    } else {
      const [hz, hr] = split(matMul(h, uzr), 2, 1);
      z = gate(add(xz, hz));
      const r = gate(add(xr, hr));
      candidate = act(add(xh, matMul(mul(r, h), uh)));
    }
    const next = add(mul(z, h), mul(sub(1, z), candidate));
    return { output: next, states: [next] };
  }

  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }
}

/** Layers that wrap another layer: its weights are theirs. */
abstract class Wrapper extends Layer {
  protected abstract inner(): Layer[];

  override get weights(): LayerWeight[] {
    return this.inner().flatMap((l) => l.weights);
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.inner()) l.trainable = value;
  }

  override dispose(): void {
    for (const l of this.inner()) l.dispose();
    super.dispose();
  }
}

/** A layer config whose initializers draw fresh seeds (the backward copy must not start as the forward one). */
function unseeded(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => {
    if (!key.endsWith('Initializer') || value === null || typeof value !== 'object') return [key, value];
    const { seed: _seed, ...rest } = (value as SerializedObject).config;
    return [key, { ...(value as SerializedObject), config: rest }];
  }));
}

type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/** Runs a recurrent layer forwards and a copy backwards, merging their outputs. */
export class Bidirectional extends Wrapper {
  static override readonly className = 'Bidirectional';
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;

  constructor(args: LayerArgs & { layer: Recurrent | SerializedObject; mergeMode?: MergeMode }) {
    const forward = args.layer instanceof Layer ? args.layer : deserializeLayer(args.layer);
    if (!(forward instanceof Recurrent)) throw new Error('tensorweb: bidirectional wraps a recurrent layer (simpleRNN, lstm, gru)');
    if (forward.returnState) throw new Error('tensorweb: bidirectional: returnState is not supported');
    super({ ...args, name: args.name ?? `bidirectional_${forward.name}` });
    this.forwardLayer = forward;
    this.backwardLayer = new (layerClass(forward.className))({
      ...unseeded(forward.getConfig()), name: `backward_${forward.name}`, goBackwards: !forward.goBackwards,
    } as never) as Recurrent;
    this.mergeMode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
  }

  protected inner(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
  }

  call(inputs: Tensor | Tensor[], _args: CallArgs): Tensor | Tensor[] {
    const x = single(inputs);
    const forward = single(this.forwardLayer.call(x));
    let backward = single(this.backwardLayer.call(x));
    // The backward layer's sequence comes out last step first; align it with the forward one.
    if (this.forwardLayer.returnSequences) backward = reverse(backward, 1);
    switch (this.mergeMode) {
      case 'concat': return concat([forward, backward], -1 + forward.rank);
      case 'sum': return add(forward, backward);
      case 'mul': return mul(forward, backward);
      case 'ave': return div(add(forward, backward), 2);
      default: return [forward, backward];
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const out = this.forwardLayer.computeOutputShape(inputShape) as Shape;
    if (this.mergeMode === null) return [out, out];
    if (this.mergeMode !== 'concat') return out;
    const last = out[out.length - 1];
    return [...out.slice(0, -1), last === null ? null : last * 2];
  }

  override getConfig() {
    return { ...super.getConfig(), layer: serialize(this.forwardLayer), mergeMode: this.mergeMode };
  }
}

/** Applies a layer to every time step: [batch, steps, ...] → the layer on [batch·steps, ...]. */
export class TimeDistributed extends Wrapper {
  static override readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: LayerArgs & { layer: Layer | SerializedObject }) {
    const layer = args.layer instanceof Layer ? args.layer : deserializeLayer(args.layer);
    super({ ...args, name: args.name ?? `time_distributed_${layer.name}` });
    this.layer = layer;
  }

  protected inner(): Layer[] {
    return [this.layer];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    this.layer.ensureBuilt([null, ...s.slice(2)]);
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = single(inputs);
    const [batch, steps, ...rest] = x.shape;
    const y = single(this.layer.call(reshape(x, [batch * steps, ...rest]), args));
    return reshape(y, [batch, steps, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    const inner = this.layer.computeOutputShape([s[0] === null || s[1] === null ? null : s[0] * s[1], ...s.slice(2)]) as Shape;
    return [s[0], s[1], ...inner.slice(1)];
  }

  override getConfig() {
    return { ...super.getConfig(), layer: serialize(this.layer) };
  }
}
