// The layer graph: SymbolicTensors flow between layers when a model is
// defined; real Tensors when it runs. One Layer base holds what every layer
// shares: name, weights (with regularizers and constraints), trainable flag,
// building on first use, symbolic application, and the config for saving.
import type { DataType } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { Tensor, Variable } from '../core/tensor.js';
import { add, cast, variable as makeVariable } from '../ops/index.js';
import { type ConstraintIdentifier, type Constraint, getConstraint } from './constraints.js';
import { type InitializerIdentifier, getInitializer } from './initializers.js';
import { type L1L2, type RegularizerIdentifier, getRegularizer } from './regularizers.js';
import type { Serializable } from './serializable.js';

/** A shape whose batch (and possibly other) dimensions may be unknown. */
export type Shape = (number | null)[];

export const isShapeList = (shape: Shape | Shape[]): shape is Shape[] => shape.length > 0 && Array.isArray(shape[0]);

let nextSymbolicId = 0;

/** A placeholder for a tensor while a model is being defined: its shape, dtype and the layer that makes it. */
export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  constructor(
    readonly dtype: DataType,
    readonly shape: Shape,
    readonly sourceLayer: Layer,
    readonly nodeIndex: number,
    readonly tensorIndex: number,
    readonly name: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

/** One application of a layer: the symbolic tensors it consumed and produced. */
export class Node {
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    readonly outputs: SymbolicTensor[],
    readonly callArgs: CallArgs,
    /** Whether the layer was given a list (merge layers) rather than one tensor. */
    readonly inputsAsList: boolean,
  ) {}
}

export interface CallArgs {
  /** Dropout and batch normalization behave differently while training. */
  training?: boolean;
  /** Extra per-call options a layer accepts (e.g. MultiHeadAttention's returnAttentionScores). */
  [option: string]: unknown;
}

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** The input's shape without the batch dimension (first layer of a Sequential model). */
  inputShape?: Shape;
  /** The input's shape with the batch dimension. */
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: DataType;
}

/** A layer weight: the variable plus what training applies to it. */
export class LayerWeight {
  constructor(
    /** The name written to model.json: `<layer>/<weight>`. */
    readonly name: string,
    readonly variable: Variable,
    /** Whether the weight trains at all (batch-norm moving statistics do not). */
    readonly trainableByDefault: boolean,
    readonly regularizer: L1L2 | null,
    readonly constraint: Constraint | null,
  ) {}

  get shape(): number[] {
    return this.variable.shape;
  }
}

const nameCounts = new Map<string, number>();

/** Keras's naming: 'dense', 'dense_1', 'dense_2', ... */
export function uniqueLayerName(prefix: string): string {
  const count = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, count + 1);
  return count === 0 ? prefix : `${prefix}_${count}`;
}

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();

/** A variable name no live variable has yet (models loaded twice reuse layer names). */
function freeVariableName(name: string): string {
  const taken = getEngine().registeredVariables();
  if (!taken.has(name)) return name;
  let i = 1;
  while (taken.has(`${name}_${i}`)) i++;
  return `${name}_${i}`;
}

export interface WeightOptions {
  trainable?: boolean;
  regularizer?: RegularizerIdentifier | null;
  constraint?: ConstraintIdentifier | null;
  dtype?: DataType;
}

export abstract class Layer implements Serializable {
  /** Keras's class name; subclasses set their own. */
  static readonly className: string = 'Layer';
  readonly name: string;
  built = false;
  readonly batchInputShape: Shape | null;
  readonly dtype: DataType;
  /** Every application of this layer, in order. */
  readonly inboundNodes: Node[] = [];
  private ownWeights: LayerWeight[] = [];
  private trainableFlag: boolean;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueLayerName(snake(this.className));
    this.trainableFlag = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    this.batchInputShape = args.batchInputShape ? [...args.batchInputShape]
      : args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : null;
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Setting it freezes or unfreezes every weight of the layer (and of the layers of a model). */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const w of this.ownWeights) w.variable.trainable = value && w.trainableByDefault;
  }

  get weights(): LayerWeight[] {
    return [...this.ownWeights];
  }

  get trainableWeights(): LayerWeight[] {
    return this.weights.filter((w) => w.variable.trainable);
  }

  get nonTrainableWeights(): LayerWeight[] {
    return this.weights.filter((w) => !w.variable.trainable);
  }

  /** Creates the weights for an input of this shape; called once, before the first call. */
  build(_inputShape: Shape | Shape[]): void {}

  /** The computation on real tensors. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  /** The output shape for an input shape (default: unchanged). */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** The dtype of the outputs when applied symbolically. */
  protected outputDtype(_inputs: SymbolicTensor[]): DataType {
    return this.dtype;
  }

  /** The constructor arguments that recreate this layer (camelCase; saving writes them in snake_case). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) config.batchInputShape = this.batchInputShape;
    return config;
  }

  addWeight(name: string, shape: readonly number[], initializer: InitializerIdentifier, options: WeightOptions = {}): LayerWeight {
    const { trainable = true, regularizer = null, constraint = null, dtype = 'float32' } = options;
    const fullName = `${this.name}/${name}`;
    const variable = getEngine().tidy(() => {
      const initial = getInitializer(initializer).apply(shape);
      return makeVariable(dtype === initial.dtype ? initial : cast(initial, dtype), trainable && this.trainable, freeVariableName(fullName));
    });
    const weight = new LayerWeight(fullName, variable, trainable,
      regularizer === null ? null : getRegularizer(regularizer), constraint === null ? null : getConstraint(constraint));
    this.ownWeights.push(weight);
    return weight;
  }

  /** Builds on first use with the input's shape. */
  ensureBuilt(inputShape: Shape | Shape[]): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /**
   * Symbolic inputs: records a node and returns symbolic outputs (defining a
   * model). Real tensors: runs the layer.
   */
  apply(inputs: Tensor | Tensor[], args?: CallArgs): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], args: CallArgs = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`tensorweb: layer '${this.name}': apply() needs at least one input`);
    if (list.every((x) => x instanceof SymbolicTensor)) {
      return this.applySymbolic(list as SymbolicTensor[], Array.isArray(inputs), args);
    }
    if (!list.every((x) => x instanceof Tensor)) {
      throw new Error(`tensorweb: layer '${this.name}': inputs must be all Tensors or all SymbolicTensors`);
    }
    const tensors = list as Tensor[];
    const shapes = tensors.map((t) => t.shape as Shape);
    this.ensureBuilt(Array.isArray(inputs) ? shapes : shapes[0]);
    return getEngine().tidy(() => {
      const out = this.call(Array.isArray(inputs) ? tensors : tensors[0], args);
      // An identity layer (dropout at inference...) still hands out a tensor of its own.
      const own = (t: Tensor) => (tensors.includes(t) ? t.clone() : t);
      return Array.isArray(out) ? out.map(own) : own(out);
    });
  }

  private applySymbolic(inputs: SymbolicTensor[], asList: boolean, args: CallArgs): SymbolicTensor | SymbolicTensor[] {
    const shapes = inputs.map((t) => t.shape);
    const inputShape = asList ? shapes : shapes[0];
    this.ensureBuilt(inputShape);
    const outputShape = this.computeOutputShape(inputShape);
    const outShapes = isShapeList(outputShape) ? outputShape : [outputShape];
    const nodeIndex = this.inboundNodes.length;
    const dtype = this.outputDtype(inputs);
    const outputs = outShapes.map((shape, i) => new SymbolicTensor(dtype, shape, this, nodeIndex, i, `${this.name}/out${i}`));
    this.inboundNodes.push(new Node(this, inputs, outputs, args, asList));
    return isShapeList(outputShape) ? outputs : outputs[0];
  }

  /** The sum of the weights' regularization penalties, or null when none has a regularizer. */
  regularizationLoss(): Tensor | null {
    const penalties = this.weights.filter((w) => w.regularizer).map((w) => w.regularizer!.apply(w.variable));
    return penalties.length === 0 ? null : penalties.reduce((a, b) => add(a, b));
  }

  /** Applies the weights' constraints (after an optimizer step). */
  applyConstraints(): void {
    for (const w of this.weights) {
      if (w.constraint) getEngine().tidy(() => w.variable.assign(w.constraint!.apply(w.variable)));
    }
  }

  /** The weights' current values, in weight order (the variables themselves, as in TF.js). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.variable);
  }

  /** Replaces the weights' values; shapes must match, in weight order. */
  setWeights(values: Tensor[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) {
      throw new Error(`tensorweb: layer '${this.name}': setWeights got ${values.length} tensors for ${weights.length} weights`);
    }
    weights.forEach((w, i) => {
      if (values[i].shape.join() !== w.shape.join()) {
        throw new Error(`tensorweb: layer '${this.name}': weight '${w.name}' is [${w.shape}], the new value is [${values[i].shape}]`);
      }
    });
    weights.forEach((w, i) => getEngine().tidy(() => w.variable.assign(values[i].dtype === w.variable.dtype ? values[i] : cast(values[i], w.variable.dtype))));
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.variable.size, 0);
  }

  /** Frees the layer's weights. */
  dispose(): void {
    getEngine().dispose(this.ownWeights.map((w) => w.variable));
    this.ownWeights = [];
    this.built = false;
  }

  /** The shapes of the layer's output(s) at its n-th application (Keras's layer.output.shape). */
  outputShapeAt(nodeIndex = 0): Shape | Shape[] {
    const node = this.inboundNodes[nodeIndex];
    if (!node) throw new Error(`tensorweb: layer '${this.name}' has not been applied`);
    return node.outputs.length === 1 ? node.outputs[0].shape : node.outputs.map((t) => t.shape);
  }

  get outputShape(): Shape | Shape[] {
    return this.outputShapeAt(this.inboundNodes.length - 1);
  }
}

/** The layer that stands for a model input. */
export class InputLayer extends Layer {
  static override readonly className = 'InputLayer';
  constructor(args: LayerArgs & { sparse?: boolean }) {
    if (!args.batchInputShape && !args.inputShape) throw new Error('tensorweb: InputLayer needs inputShape or batchInputShape');
    super({ ...args, name: args.name ?? uniqueLayerName('input') });
    this.built = true;
    const output = new SymbolicTensor(this.dtype, this.batchInputShape!, this, 0, 0, this.name);
    this.inboundNodes.push(new Node(this, [], [output], {}, false));
  }

  get output(): SymbolicTensor {
    return this.inboundNodes[0].outputs[0];
  }

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override getConfig() {
    return { name: this.name, batchInputShape: this.batchInputShape, dtype: this.dtype, sparse: false };
  }
}

export interface InputArgs {
  /** Without the batch dimension. */
  shape?: Shape;
  /** With the batch dimension. */
  batchShape?: Shape;
  name?: string;
  dtype?: DataType;
}

/** tw.input({shape}): a symbolic model input. */
export function input(args: InputArgs): SymbolicTensor {
  if (!args.shape && !args.batchShape) throw new Error('tensorweb: input: give shape (without the batch dimension) or batchShape');
  const layer = new InputLayer({ name: args.name, dtype: args.dtype, batchInputShape: args.batchShape ?? [null, ...args.shape!] });
  return layer.output;
}

