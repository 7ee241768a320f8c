// Models: a graph of layers from inputs to outputs (tw.model), and the
// Sequential stack (tw.sequential). A model is itself a layer, so models nest.
import type { Tensor } from '../core/tensor.js';
import type { Optimizer } from '../train/optimizer.js';
import { type CallArgs, InputLayer, Layer, type LayerWeight, type Node, type Shape, SymbolicTensor, input, isShapeList } from './topology.js';
import { deserializeLayer } from './registry.js';
import { serialize } from './serializable.js';
import {
  type CompileArgs, type Compiled, type EvaluateArgs, type FitArgs, type FitDatasetArgs, type History, type ModelData,
  compileModel, evaluateModel, evaluateDatasetModel, fitDatasetModel, fitModel, predictModel, trainOnBatchModel,
} from './training.js';
import type { Dataset, DataElement } from '../data/dataset.js';
import { type SaveTarget, type SaveResult, saveModel } from './io.js';
import { summaryLines } from './summary.js';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Every node between the outputs and the inputs, in an order that runs each after its inputs. */
function graphNodes(outputs: SymbolicTensor[]): Node[] {
  const depth = new Map<Node, number>();
  const visit = (t: SymbolicTensor, d: number, path: Set<Node>) => {
    const node = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (path.has(node)) throw new Error(`tensorweb: the model graph has a cycle through layer '${node.layer.name}'`);
    if ((depth.get(node) ?? -1) >= d) return;
    depth.set(node, d);
    path.add(node);
    for (const x of node.inputs) visit(x, d + 1, path);
    path.delete(node);
  };
  outputs.forEach((t) => visit(t, 0, new Set()));
  const created = [...depth.keys()];
  return created.sort((a, b) => depth.get(b)! - depth.get(a)! || created.indexOf(a) - created.indexOf(b));
}

export class LayersModel extends Layer {
  static override readonly className: string = 'Functional';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  private nodes: Node[] = [];
  private graphLayers: Layer[] = [];
  /** Set by compile(). */
  compiled: Compiled | null = null;
  /** Set to true (e.g. by a callback) to end fit() after the current epoch. */
  stopTraining = false;
  private userDefinedMetadata: Record<string, unknown> | undefined;

  /** Sequential passes only a name and adds its graph later. */
  constructor(args: ModelArgs | { name?: string } = {}) {
    super({ name: args.name });
    if ('inputs' in args) this.setGraph(toList(args.inputs), toList(args.outputs));
    this.built = true;
  }

  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    for (const x of inputs) {
      if (!(x instanceof SymbolicTensor) || !(x.sourceLayer instanceof InputLayer)) {
        throw new Error('tensorweb: model: inputs must be tw.input() tensors');
      }
    }
    if (outputs.some((y) => !(y instanceof SymbolicTensor))) throw new Error('tensorweb: model: outputs must be symbolic tensors from layer.apply()');
    const nodes = graphNodes(outputs);
    for (const node of nodes) {
      if (node.layer instanceof InputLayer && !inputs.includes(node.outputs[0])) {
        throw new Error(`tensorweb: model: the graph is disconnected: it needs input '${node.layer.name}', which is not among the model's inputs`);
      }
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = nodes;
    this.graphLayers = [...new Set(nodes.map((n) => n.layer))];
  }

  /** The model's layers, inputs first (Sequential leaves its InputLayer out, as Keras does). */
  get layers(): Layer[] {
    return [...this.graphLayers];
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.sourceLayer.name);
  }

  get outputNames(): string[] {
    return this.outputs.map((t) => t.sourceLayer.name);
  }

  /** The layer called `name`, or at position `index` of model.layers. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    const layer = typeof nameOrIndex === 'number' ? layers[nameOrIndex] : layers.find((l) => l.name === nameOrIndex);
    if (!layer) throw new Error(`tensorweb: model '${this.name}' has no layer ${JSON.stringify(nameOrIndex)} (layers: ${layers.map((l) => l.name).join(', ')})`);
    return layer;
  }

  override get weights(): LayerWeight[] {
    return [...new Set(this.graphLayers.flatMap((l) => l.weights))];
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.graphLayers) l.trainable = value;
  }

  /** Runs the graph on real tensors; one tensor per model output. */
  execute(inputs: Tensor[], args: CallArgs = {}): Tensor[] {
    this.ensureGraph(inputs.map((t) => t.shape));
    if (inputs.length !== this.inputs.length) {
      throw new Error(`tensorweb: model '${this.name}' has ${this.inputs.length} input(s), got ${inputs.length}`);
    }
    inputs.forEach((t, i) => checkInputShape(t, this.inputs[i]));
    const values = new Map<number, Tensor>();
    this.inputs.forEach((s, i) => values.set(s.id, inputs[i]));
    // Intermediate results are freed after their last reader (the tape keeps its own copies while training).
    const readers = new Map<number, number>();
    for (const node of this.nodes) for (const s of node.inputs) readers.set(s.id, (readers.get(s.id) ?? 0) + 1);
    const kept = new Set([...this.inputs, ...this.outputs].map((s) => s.id));
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const ins = node.inputs.map((s) => values.get(s.id)!);
      const out = node.layer.call(node.inputsAsList ? ins : ins[0], { ...node.callArgs, training: args.training ?? false });
      (Array.isArray(out) ? out : [out]).forEach((t, i) => values.set(node.outputs[i].id, t));
      for (const s of node.inputs) {
        readers.set(s.id, readers.get(s.id)! - 1);
        if (readers.get(s.id)! > 0 || kept.has(s.id)) continue;
        const t = values.get(s.id)!;
        values.delete(s.id);
        // An identity layer hands on the tensor it was given: free it only when no other result is it.
        if (![...values.values()].includes(t)) t.dispose();
      }
    }
    return this.outputs.map((s) => values.get(s.id)!);
  }

  /** Builds what depends on the input shapes (a Sequential model without an inputShape); nothing for a graph model. */
  ensureGraph(_inputShapes: number[][]): void {}

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const outputs = this.execute(toList(inputs), args);
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = new Map<number, Shape>();
    const given = isShapeList(inputShape) ? inputShape : [inputShape];
    this.inputs.forEach((s, i) => shapes.set(s.id, given[i]));
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const ins = node.inputs.map((s) => shapes.get(s.id)!);
      const out = node.layer.computeOutputShape(node.inputsAsList ? ins : ins[0]);
      (isShapeList(out) ? out : [out]).forEach((shape, i) => shapes.set(node.outputs[i].id, shape));
    }
    const outs = this.outputs.map((s) => shapes.get(s.id)!);
    return outs.length === 1 ? outs[0] : outs;
  }

  override regularizationLoss(): Tensor | null {
    const parts = this.graphLayers.map((l) => l.regularizationLoss()).filter((t): t is Tensor => t !== null);
    return parts.length === 0 ? null : parts.reduce((a, b) => a.add(b));
  }

  override applyConstraints(): void {
    for (const l of this.graphLayers) l.applyConstraints();
  }

  // ---- training and inference (training.ts) ----

  compile(args: CompileArgs): void {
    this.compiled = compileModel(this, args);
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  fit(x: ModelData, y: ModelData, args: FitArgs = {}): Promise<History> {
    return fitModel(this, x, y, args);
  }

  fitDataset(dataset: Dataset<DataElement>, args: FitDatasetArgs): Promise<History> {
    return fitDatasetModel(this, dataset, args);
  }

  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return evaluateModel(this, x, y, args);
  }

  evaluateDataset(dataset: Dataset<DataElement>, args: { batches?: number } = {}): Promise<Tensor | Tensor[]> {
    return evaluateDatasetModel(this, dataset, args);
  }

  predict(x: ModelData, args: { batchSize?: number } = {}): Tensor | Tensor[] {
    return predictModel(this, x, args.batchSize ?? 32);
  }

  predictOnBatch(x: ModelData): Tensor | Tensor[] {
    return predictModel(this, x, Infinity);
  }

  /** One optimizer step on one batch; resolves to the loss (and metrics) as numbers. */
  trainOnBatch(x: ModelData, y: ModelData): Promise<number | number[]> {
    return trainOnBatchModel(this, x, y);
  }

  /** Prints (or hands to printFn) a table of layers, output shapes and parameter counts. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const line of summaryLines(this, lineLength, positions)) printFn(line);
  }

  /**
   * Data of the page's own (class names, a vocabulary) that save() writes into
   * model.json as `userDefinedMetadata` and loadLayersModel() gives back; a
   * plain object that survives JSON, as in TF.js.
   */
  setUserDefinedMetadata(metadata: Record<string, unknown> | undefined): void {
    if (metadata !== undefined) {
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        throw new Error(`tensorweb: setUserDefinedMetadata: the metadata must be a plain object, got ${Array.isArray(metadata) ? 'an array' : String(metadata)}`);
      }
      let text: string;
      try {
        text = JSON.stringify(metadata);
      } catch (error) {
        throw new Error(`tensorweb: setUserDefinedMetadata: the metadata cannot be written as JSON (${(error as Error).message})`);
      }
      metadata = JSON.parse(text) as Record<string, unknown>; // a copy: later changes to the caller's object are not saved
    }
    this.userDefinedMetadata = metadata;
  }

  getUserDefinedMetadata(): Record<string, unknown> | undefined {
    return this.userDefinedMetadata;
  }

  /** Saves to a URL ('downloads://name', 'indexeddb://name', 'localstorage://name', http(s)) or a tw.io handler. */
  save(target: SaveTarget): Promise<SaveResult> {
    return saveModel(this, target);
  }

  override getConfig(): Record<string, unknown> {
    const layers = this.layers.map((layer) => ({
      class_name: layer.className,
      name: layer.name,
      config: layer.getConfig(),
      inbound_nodes: layer.inboundNodes
        .filter((node) => this.nodes.includes(node) && node.inputs.length > 0)
        .map((node) => node.inputs.map((t) => [t.sourceLayer.name, t.nodeIndex, t.tensorIndex, {}])),
    }));
    const endpoint = (t: SymbolicTensor) => [t.sourceLayer.name, t.nodeIndex, t.tensorIndex];
    return { name: this.name, layers, input_layers: this.inputs.map(endpoint), output_layers: this.outputs.map(endpoint) };
  }

  /** A model from its config ({name, layers, input_layers, output_layers}); weights are freshly initialised. */
  static fromConfig(config: Record<string, unknown>): LayersModel {
    return functionalFromConfig(config);
  }

  /** Frees every weight and the optimizer's state. */
  override dispose(): void {
    for (const l of this.graphLayers) l.dispose();
    this.compiled?.optimizer.dispose();
    super.dispose();
  }
}

/** Each saved model input's shape, with the known dims checked against the tensor's. */
function checkInputShape(t: Tensor, expected: SymbolicTensor): void {
  const ok = t.rank === expected.rank && expected.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    throw new Error(`tensorweb: input '${expected.sourceLayer.name}' expects shape [${expected.shape.map((d) => d ?? 'null')}], got [${t.shape}]`);
  }
}

export function toList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

interface LayerEntry {
  name?: string;
  class_name?: string;
  className?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
  inboundNodes?: unknown[];
}

type Endpoint = [string, number, number];

/** Keras 2 / TF.js inbound node entries [[name, node, tensor, kwargs], ...], or Keras 3's {args, kwargs}. */
function nodeInputs(node: unknown): { refs: Endpoint[]; kwargs: Record<string, unknown> } {
  if (Array.isArray(node)) {
    const refs = node.map((entry) => (entry as unknown[]).slice(0, 3) as Endpoint);
    const kwargs = (node[0] as unknown[])?.[3] ?? {};
    return { refs, kwargs: kwargs as Record<string, unknown> };
  }
  const { args = [], kwargs = {} } = node as { args?: unknown[]; kwargs?: Record<string, unknown> };
  const refs: Endpoint[] = [];
  const collect = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object' && (value as { class_name?: string }).class_name === '__keras_tensor__') {
      const history = (value as { config: { keras_history: Endpoint } }).config.keras_history;
      refs.push([history[0], history[1], history[2]]);
    }
  };
  collect(args);
  return { refs, kwargs };
}

function functionalFromConfig(config: Record<string, unknown>): LayersModel {
  const entries = (config.layers ?? []) as LayerEntry[];
  const layers = new Map<string, Layer>();
  const pending: { layer: Layer; nodes: unknown[] }[] = [];
  for (const entry of entries) {
    const layer = deserializeLayer({ className: entry.className ?? entry.class_name, config: { name: entry.name, ...entry.config } });
    layers.set(layer.name, layer);
    pending.push({ layer, nodes: entry.inbound_nodes ?? entry.inboundNodes ?? [] });
  }
  const tensorOf = ([name, nodeIndex, tensorIndex]: Endpoint): SymbolicTensor | undefined =>
    layers.get(name)?.inboundNodes[nodeIndex]?.outputs[tensorIndex];
  // Apply layers once their inputs exist, in as many passes as the graph needs.
  const queue = pending.flatMap(({ layer, nodes }) => nodes.map((node) => ({ layer, node })));
  while (queue.length > 0) {
    const ready = queue.findIndex(({ node }) => nodeInputs(node).refs.every((ref) => tensorOf(ref)));
    if (ready === -1) throw new Error(`tensorweb: model config: layer '${queue[0].layer.name}' has inputs that no layer produces`);
    const [{ layer, node }] = queue.splice(ready, 1);
    const { refs, kwargs } = nodeInputs(node);
    const ins = refs.map((ref) => tensorOf(ref)!);
    layer.apply(ins.length === 1 && !isMergeLayer(layer) ? ins[0] : ins, camelKwargs(kwargs));
  }
  const endpoints = (key: string) => {
    const refs = (config[key] ?? config[key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())]) as Endpoint[] | Endpoint;
    // Keras 3 writes a single endpoint unwrapped.
    return (typeof refs[0] === 'string' ? [refs as Endpoint] : refs as Endpoint[]).map((ref) => {
      const t = tensorOf(ref);
      if (!t) throw new Error(`tensorweb: model config: ${key} names '${ref[0]}', which the model does not have`);
      return t;
    });
  };
  return new LayersModel({ inputs: endpoints('input_layers'), outputs: endpoints('output_layers'), name: config.name as string | undefined });
}

const camelKwargs = (kwargs: Record<string, unknown>): CallArgs =>
  Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()), v]));

/** Layers that always take a list, even of one tensor. */
function isMergeLayer(layer: Layer): boolean {
  return ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'MultiHeadAttention'].includes(layer.className);
}

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

/** A linear stack of layers. Without an inputShape on the first layer, the graph is built on first use. */
export class Sequential extends LayersModel {
  static override readonly className = 'Sequential';
  /** Layers added before the input shape was known. */
  private pending: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    super({ name: args.name });
    for (const layer of args.layers ?? []) this.add(layer);
  }

  add(layer: Layer): void {
    if (layer instanceof InputLayer) {
      if (this.outputs.length > 0 || this.pending.length > 0) throw new Error('tensorweb: sequential: an InputLayer must come first');
      this.setGraph([layer.output], [layer.output]);
      return;
    }
    if (this.outputs.length > 0) {
      const out = layer.apply(this.outputs[0]);
      if (Array.isArray(out)) throw new Error(`tensorweb: sequential: layer '${layer.name}' has several outputs; use tw.model`);
      this.setGraph(this.inputs, [out]);
      return;
    }
    const shape = layer.batchInputShape ?? (layer instanceof LayersModel && layer.inputs.length === 1 ? layer.inputs[0].shape : null);
    this.pending.push(layer);
    if (shape && this.pending.length === 1) this.buildFrom(shape, layer.dtype);
  }

  /** Removes the last layer. */
  pop(): void {
    const layers = this.layers;
    if (layers.length === 0) throw new Error('tensorweb: sequential: there is no layer to pop');
    if (this.pending.length > 0) {
      this.pending.pop();
      return;
    }
    // Re-chain the remaining layers from the input (each gets a new node).
    let out = (this.inputs[0].sourceLayer as InputLayer).output;
    for (const layer of layers.slice(0, -1)) out = layer.apply(out) as SymbolicTensor;
    this.setGraph(this.inputs, [out]);
  }

  private buildFrom(batchShape: Shape, dtype: Layer['dtype']): void {
    const stack = this.pending;
    this.pending = [];
    let out = input({ batchShape, dtype: dtype === 'int32' ? 'int32' : 'float32' });
    const inputs = [out];
    for (const layer of stack) {
      const next = layer.apply(out);
      if (Array.isArray(next)) throw new Error(`tensorweb: sequential: layer '${layer.name}' has several outputs; use tw.model`);
      out = next;
    }
    this.setGraph(inputs, [out]);
  }

  override ensureGraph(inputShapes: number[][]): void {
    if (this.pending.length > 0) this.buildFrom([null, ...inputShapes[0].slice(1)], 'float32');
    if (this.outputs.length === 0) throw new Error('tensorweb: sequential: the model has no layers');
  }

  override get layers(): Layer[] {
    return [...super.layers.filter((l) => !(l instanceof InputLayer)), ...this.pending];
  }

  override getConfig(): Record<string, unknown> {
    const layers = this.layers.map((l) => serializeForSequential(l));
    if (this.inputs.length > 0) {
      const inputLayer = this.inputs[0].sourceLayer as InputLayer;
      layers.unshift({ class_name: 'InputLayer', config: inputLayer.getConfig() });
    }
    return { name: this.name, layers };
  }

  static override fromConfig(config: Record<string, unknown>): Sequential {
    // Keras 2 / TF.js write a list of layers; Keras 3 {name, layers}.
    const entries = (Array.isArray(config) ? config : config.layers) as LayerEntry[];
    const model = new Sequential({ name: Array.isArray(config) ? undefined : (config.name as string | undefined) });
    for (const entry of entries) {
      const className = entry.className ?? entry.class_name;
      const layer = deserializeLayer({ className, config: entry.config });
      model.add(layer);
    }
    return model;
  }
}

function serializeForSequential(layer: Layer): { class_name: string; config: Record<string, unknown> } {
  const { className, config } = serialize(layer);
  return { class_name: className, config };
}

/** tw.sequential({layers}). */
export const sequential = (args?: SequentialArgs) => new Sequential(args);
/** tw.model({inputs, outputs}). */
export const model = (args: ModelArgs) => new LayersModel(args);
