// GraphModel: a converted op graph whose weights are variables, so it runs
// (predict, execute), trains (fit, tw.variableGrads over trainableWeights, or
// tw.variableGradsAsync over executeAsync for a graph with control flow),
// can be cut into a frozen backbone (asFeatureExtractor), and saves.
import type { TensorSpec } from '../core/backend.js';
import { getEngine } from '../core/engine.js';
import { Tensor, Variable } from '../core/tensor.js';
import type { IOHandler, LoadOptions, LoadProgress, ModelArtifacts, ModelFields, SaveResult, WeightSpec } from '../io/types.js';
import { loadHandlerFor, saveHandlerFor } from '../io/router.js';
import { decodeWeights, encodeWeights } from '../io/weights.js';
import { type Schedule, compileSchedule, runSchedule } from './executor.js';
import { shapeProgramReads } from './shape_program.js';
import { firstHostNode, runGraphAsync } from './async_executor.js';
import { type GraphNode, type GraphTopology, type TensorDesc, readTopology } from './topology.js';
import { type FitArgs, type History, fitGraph } from './fit.js';
import { type InputShapes, type PlannedPipeline, inputSpecsAt, planRun, planningBackend, withGraphSizes } from './warm_start.js';

export type NamedTensorMap = Record<string, Tensor>;
export type GraphInputs = Tensor | Tensor[] | NamedTensorMap;

/** Schedules kept per model; a page that feeds ever new batch sizes reuses the most recent ones. */
const SCHEDULE_CACHE_SIZE = 32;

/** Variable names are global: a second copy of a model gets suffixed names. */
function freeVariableName(name: string): string {
  const taken = getEngine().registeredVariables();
  if (!taken.has(name)) return name;
  let k = 1;
  while (taken.has(`${name}_${k}`)) k++;
  return `${name}_${k}`;
}

/** An error that names the model it happened in (so an outer call of the same model does not name it again). */
class ModelError extends Error {
  constructor(message: string, readonly model: string, cause: unknown) {
    super(message, { cause });
  }
}

/** `error` with `context` (which names `model`) put after the 'tensorweb: ' prefix, the original kept as its cause. */
function inModel(model: string, context: string, error: unknown): Error {
  if (error instanceof ModelError && error.model === model) return error;
  const message = (error as Error).message.replace(/^tensorweb: /, '');
  return new ModelError(`tensorweb: ${context}: ${message}`, model, error);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class GraphModel {
  private readonly schedules = new Map<string, Schedule>();
  private disposed = false;

  private constructor(
    private readonly fields: ModelFields,
    private readonly topology: GraphTopology,
    /** Weights by their manifest name, in manifest order. */
    private readonly weightMap: Map<string, Variable>,
    /** False for feature extractors, whose weights belong to the model they were cut from. */
    private readonly ownsWeights: boolean,
    /** Where the model came from (its URL), so that errors in a page of several models say which one failed. */
    readonly source: string,
  ) {}

  /**
   * Builds a model from loaded artifacts: checks the graph, then decodes
   * weights into variables (quantised ones kept packed unless `dequantizeWeights`).
   */
  static fromArtifacts(artifacts: ModelArtifacts, source = 'a model from artifacts',
    { dequantizeWeights = false }: { dequantizeWeights?: boolean } = {}): GraphModel {
    const names = new Set(artifacts.weightSpecs.map((s) => s.name));
    const topology = readTopology(artifacts.modelJSON, names);
    const trainable = new Set(Array.isArray(artifacts.modelJSON.trainable) ? artifacts.modelJSON.trainable as string[] : []);
    let decoded: Map<string, Tensor>;
    try {
      decoded = decodeWeights(artifacts.weightSpecs, artifacts.weightData, { packed: !dequantizeWeights });
    } catch (error) {
      throw inModel(source, `loading model '${source}'`, error);
    }
    const variables = new Map<string, Variable>();
    try {
      for (const [name, tensor] of decoded) {
        const canTrain = trainable.has(name) && tensor.dtype === 'float32';
        variables.set(name, getEngine().makeVariable(tensor, canTrain, freeVariableName(name)));
      }
    } catch (error) {
      for (const variable of variables.values()) variable.dispose();
      throw error;
    } finally {
      for (const tensor of decoded.values()) tensor.dispose();
    }
    return new GraphModel(artifacts.modelJSON, topology, variables, true, source);
  }

  // ---- description ---------------------------------------------------------

  /** Graph inputs: name, shape (-1 for a free dimension) and dtype. */
  get inputs(): TensorDesc[] {
    return this.topology.inputs.map((d) => ({ ...d, shape: [...d.shape] }));
  }

  get outputs(): TensorDesc[] {
    return this.topology.outputs.map((d) => ({ ...d, shape: [...d.shape] }));
  }

  get inputNodes(): string[] {
    return this.topology.inputs.map((d) => d.name);
  }

  get outputNodes(): string[] {
    return this.topology.outputs.map((d) => d.name);
  }

  /** model.json's metadata (labels, preprocessing...). */
  get metadata(): Record<string, unknown> {
    return (this.fields.metadata as Record<string, unknown> | undefined) ?? {};
  }

  /** Every weight, as the variable the graph reads. */
  get weights(): Variable[] {
    return [...this.weightMap.values()];
  }

  get trainableWeights(): Variable[] {
    return this.weights.filter((v) => v.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((v) => !v.trainable);
  }

  /** The manifest names of `variables` (which may carry suffixed variable names). */
  weightNamesOf(variables: readonly Tensor[]): string[] {
    return [...this.weightMap].filter(([, v]) => variables.includes(v)).map(([name]) => name);
  }

  /** The variable of the weight called `name` in the manifest. */
  getWeight(name: string): Variable {
    const variable = this.weightMap.get(name);
    if (!variable) throw new Error(`tensorweb: GraphModel has no weight named '${name}'`);
    return variable;
  }

  /**
   * Marks weights trainable or frozen: exact names, '*' globs, or a RegExp
   * tested against weight names. Returns the names changed. Only float32
   * weights can train.
   */
  setTrainable(namesOrPattern: string | RegExp | readonly string[], trainable: boolean): string[] {
    this.assertAlive('setTrainable');
    const patterns = (Array.isArray(namesOrPattern) ? namesOrPattern : [namesOrPattern]) as (string | RegExp)[];
    const matched = new Set<string>();
    for (const pattern of patterns) {
      const test = pattern instanceof RegExp ? pattern : globToRegExp(pattern);
      const hits = [...this.weightMap.keys()].filter((name) => test.test(name));
      if (hits.length === 0) throw new Error(`tensorweb: setTrainable: no weight matches ${String(pattern)}`);
      hits.forEach((name) => matched.add(name));
    }
    for (const name of matched) {
      const variable = this.weightMap.get(name)!;
      if (trainable && variable.dtype !== 'float32') {
        throw new Error(`tensorweb: setTrainable: weight '${name}' is ${variable.dtype}; only float32 weights can train`);
      }
    }
    for (const name of matched) this.weightMap.get(name)!.trainable = trainable;
    return [...matched];
  }

  // ---- running -------------------------------------------------------------

  /**
   * Runs the graph: `x` is a tensor (one-input models), an array in input
   * order, or a map by input name. Returns a tensor for a one-output model,
   * else an array in output order, or a map by output name when the inputs
   * came as a map.
   */
  predict(x: GraphInputs): Tensor | Tensor[] | NamedTensorMap {
    const outputs = this.run(x, this.outputNodes, 'predict');
    if (outputs.length === 1) return outputs[0];
    if (x instanceof Tensor || Array.isArray(x)) return outputs;
    return Object.fromEntries(this.outputNodes.map((name, i) => [name, outputs[i]]));
  }

  /**
   * Runs the graph up to `outputs`: node names (a node's first output), value
   * names, or 'node:k' for a node's k-th output. One name gives one tensor.
   */
  execute(x: GraphInputs, outputs: string | string[] = this.outputNodes): Tensor | Tensor[] {
    const names = (Array.isArray(outputs) ? outputs : [outputs]).map((name) => this.valueName(name));
    const result = this.run(x, names, 'execute');
    return typeof outputs === 'string' || result.length === 1 ? result[0] : result;
  }

  /**
   * execute, as a promise; the only way to run a graph with host ops (NonZero,
   * non-max suppression, a TopK with a computed k...: output shapes that
   * depend on data), which predict and execute refuse, naming the node. The
   * graph runs up to each such node, which reads back what it needs, and on
   * (async_executor.ts).
   */
  async executeAsync(x: GraphInputs, outputs: string | string[] = this.outputNodes): Promise<Tensor | Tensor[]> {
    const names = (Array.isArray(outputs) ? outputs : [outputs]).map((name) => this.valueName(name));
    if (!firstHostNode(this.topology, names)) return this.execute(x, outputs);
    this.assertAlive('executeAsync');
    const values = new Map<string, Tensor>(this.weightMap);
    for (const [name, tensor] of this.feeds(x, 'executeAsync')) values.set(name, tensor);
    let result: Tensor[];
    try {
      result = await withGraphSizes(this.topology, () => runGraphAsync(this.topology, values, names));
    } catch (error) {
      throw inModel(this.source, `model '${this.source}'`, error);
    }
    return typeof outputs === 'string' || result.length === 1 ? result[0] : result;
  }

  /** The value name behind a node name, a value name or 'node:k'. */
  private valueName(name: string): string {
    const byNode = this.topology.nodes.find((n) => n.name === name);
    if (byNode) return byNode.outputs[0];
    if (this.isValue(name)) return name;
    const indexed = /^(.*):(\d+)$/.exec(name);
    if (indexed) {
      const node = this.topology.nodes.find((n) => n.name === indexed[1]);
      const output = node?.outputs[Number(indexed[2])];
      if (output) return output;
    }
    throw new Error(`tensorweb: GraphModel has no node or value named '${name}'`);
  }

  private isValue(name: string): boolean {
    return this.weightMap.has(name) || this.topology.inputs.some((i) => i.name === name) ||
      this.topology.nodes.some((n) => n.outputs.includes(name));
  }

  /** Checks and orders the inputs, compiles (or reuses) the schedule, and runs it. */
  private run(x: GraphInputs, outputNames: string[], caller: string): Tensor[] {
    this.assertAlive(caller);
    const feeds = this.feeds(x, caller);
    const values = new Map<string, Tensor>(this.weightMap);
    for (const [name, tensor] of feeds) values.set(name, tensor);
    try {
      return withGraphSizes(this.topology, () => runSchedule(this.scheduleFor(feeds, outputNames), values, outputNames));
    } catch (error) {
      throw inModel(this.source, `model '${this.source}'`, error);
    }
  }

  /** The inputs by name, each checked against the graph's input shape (free dims: any size) and dtype. */
  private feeds(x: GraphInputs, caller: string): Map<string, Tensor> {
    const wanted = this.topology.inputs;
    let given: [string, Tensor][];
    if (x instanceof Tensor) {
      if (wanted.length !== 1) {
        throw new Error(`tensorweb: ${caller}: the model takes ${wanted.length} inputs (${this.inputNodes.join(', ')}); pass an array or a map`);
      }
      given = [[wanted[0].name, x]];
    } else if (Array.isArray(x)) {
      if (x.length !== wanted.length) throw new Error(`tensorweb: ${caller}: the model takes ${wanted.length} inputs, got ${x.length}`);
      given = wanted.map((d, i) => [d.name, x[i]]);
    } else if (x !== null && typeof x === 'object') {
      for (const name of Object.keys(x)) {
        if (!wanted.some((d) => d.name === name)) {
          throw new Error(`tensorweb: ${caller}: the model has no input named '${name}' (inputs: ${this.inputNodes.join(', ')})`);
        }
      }
      given = wanted.map((d) => {
        if (!(d.name in x)) throw new Error(`tensorweb: ${caller}: input '${d.name}' is missing`);
        return [d.name, x[d.name]];
      });
    } else {
      throw new Error(`tensorweb: ${caller}: pass a tensor, an array of tensors or a map of them`);
    }
    for (const [name, tensor] of given) {
      const desc = wanted.find((d) => d.name === name)!;
      if (!(tensor instanceof Tensor)) throw new Error(`tensorweb: ${caller}: input '${name}' is not a Tensor`);
      tensor.assertNotDisposed(`${caller} input '${name}'`);
      const fits = tensor.rank === desc.shape.length && desc.shape.every((d, i) => d < 0 || d === tensor.shape[i]);
      if (!fits) {
        throw new Error(`tensorweb: ${caller}: input '${name}' must have shape [${desc.shape}] (-1: any size), got [${tensor.shape}]`);
      }
      if (tensor.dtype !== desc.dtype) {
        throw new Error(`tensorweb: ${caller}: input '${name}' must be ${desc.dtype}, got ${tensor.dtype}`);
      }
    }
    return new Map(given);
  }

  private scheduleFor(feeds: Map<string, Tensor>, outputNames: string[]): Schedule {
    const key = JSON.stringify([[...feeds.values()].map((t) => t.shape), outputNames]);
    let schedule = this.schedules.get(key);
    if (schedule) {
      this.schedules.delete(key); // re-inserted below as the most recent
    } else {
      const known = new Map<string, TensorSpec>();
      for (const [name, v] of this.weightMap) known.set(name, { shape: v.shape, dtype: v.dtype });
      for (const [name, t] of feeds) known.set(name, { shape: t.shape, dtype: t.dtype });
      schedule = compileSchedule(this.topology, known, outputNames);
    }
    this.schedules.set(key, schedule);
    if (this.schedules.size > SCHEDULE_CACHE_SIZE) this.schedules.delete(this.schedules.keys().next().value!);
    return schedule;
  }

  /**
   * Compiles, all at once and off the page's thread, the pipelines that
   * predict at `inputShapes` (an array in input order or a map by name;
   * default: the declared shapes, which then must have no free dimension)
   * will use, so that its first call does not compile them one by one.
   * Resolves when they are ready; nothing runs. A no-op on the CPU backend.
   */
  async warmup(inputShapes?: InputShapes): Promise<void> {
    this.assertAlive('warmup');
    const inputs = inputSpecsAt(this.topology, inputShapes, 'warmup');
    if (!inputs) {
      throw new Error(`tensorweb: warmup: the inputs have free dimensions ([${this.topology.inputs.map((d) => `[${d.shape}]`).join(', ')}]); ` +
        'pass the shapes to prepare for');
    }
    const backend = planningBackend();
    if (!backend) return;
    let pipelines: PlannedPipeline[];
    try {
      pipelines = planRun(backend, this.topology, inputs, this.weightMap, [], this.outputNodes);
    } catch (error) {
      throw inModel(this.source, `model '${this.source}': warmup`, error);
    }
    await backend.compilePipelines(pipelines);
  }

  // ---- training ------------------------------------------------------------

  /**
   * Trains the trainable weights on (x, y) with a loss and optimizer from
   * tw.losses / tw.train; a graph only executeAsync runs (control flow, host
   * ops) trains through it, gradients flowing through the branches taken and
   * every loop iteration.
   */
  async fit(x: GraphInputs, y: Tensor | Tensor[] | NamedTensorMap, args: FitArgs): Promise<History> {
    this.assertAlive('fit');
    try {
      return await fitGraph(this, x, y, args, firstHostNode(this.topology, this.outputNodes) !== null);
    } catch (error) {
      throw inModel(this.source, `model '${this.source}': fit`, error);
    }
  }

  // ---- cutting -------------------------------------------------------------

  /**
   * The graph cut at `nodeName` (its first output, or 'node:k'): a model
   * sharing this model's weight variables, reading only the inputs and
   * weights the cut needs. Unless `trainable` is set, those weights are
   * frozen (in both models: they are the same variables), so the cut serves
   * as a frozen backbone under a head of one's own.
   */
  asFeatureExtractor(nodeName: string, { trainable = false }: { trainable?: boolean } = {}): GraphModel {
    this.assertAlive('asFeatureExtractor');
    const output = this.valueName(nodeName);
    const producer = new Map<string, GraphNode>();
    for (const node of this.topology.nodes) for (const out of node.outputs) producer.set(out, node);
    const needed = new Set<GraphNode>();
    const reads = new Set<string>();
    const pending = [output];
    while (pending.length > 0) {
      const name = pending.pop()!;
      reads.add(name);
      const node = producer.get(name);
      if (!node || needed.has(node)) continue;
      needed.add(node);
      pending.push(...node.inputs);
      if (node.shapeAttrs) pending.push(...shapeProgramReads(this.topology.shapeProgram, Object.values(node.shapeAttrs)));
    }
    const weights = new Map([...this.weightMap].filter(([name]) => reads.has(name)));
    if (!trainable) for (const variable of weights.values()) variable.trainable = false;
    const topology: GraphTopology = {
      inputs: this.topology.inputs.filter((d) => reads.has(d.name)),
      outputs: [this.describeValue(output)],
      nodes: this.topology.nodes.filter((node) => needed.has(node)),
      shapeProgram: this.topology.shapeProgram,
    };
    const fields: ModelFields = { ...this.fields, signature: undefined, trainable: undefined };
    return new GraphModel(fields, topology, weights, false, `${this.source} cut at '${nodeName}'`);
  }

  /**
   * A value's shape (-1 where it follows a free input dimension) and dtype:
   * the shape rules run with free dimensions at two sizes, and dimensions
   * that differ are free.
   */
  private describeValue(name: string): TensorDesc {
    const at = (size: number) => {
      const known = new Map<string, TensorSpec>();
      for (const [weight, v] of this.weightMap) known.set(weight, { shape: v.shape, dtype: v.dtype });
      for (const d of this.topology.inputs) known.set(d.name, { shape: d.shape.map((s) => (s < 0 ? size : s)), dtype: d.dtype });
      return compileSchedule(this.topology, known, [name]).specs.get(name)!;
    };
    const one = at(1);
    const two = at(2).shape;
    return { name, shape: one.shape.map((d, i) => (d === two[i] ? d : -1)), dtype: one.dtype };
  }

  // ---- saving and disposing --------------------------------------------------

  /** This model as artifacts: its topology and the weights' current values (float32, unquantised). */
  async getArtifacts(): Promise<ModelArtifacts> {
    this.assertAlive('save');
    const { weightSpecs, weightData } = await encodeWeights([...this.weightMap].map(([name, tensor]) => ({ name, tensor })));
    const signature = {
      inputs: Object.fromEntries(this.topology.inputs.map((d) => [d.name, { dtype: d.dtype, shape: d.shape }])),
      outputs: Object.fromEntries(this.topology.outputs.map((d) => [d.name, { dtype: d.dtype, shape: d.shape }])),
    };
    const { signature: _signature, trainable: _trainable, ...rest } = this.fields;
    const { shapeProgram, ...graph } = this.topology;
    // model.json lists the shape program as an array, and only where there is one
    const topology = shapeProgram.size > 0 ? { ...graph, shapeProgram: [...shapeProgram.values()] } : graph;
    const modelJSON: ModelFields = {
      ...rest, topology, signature,
      trainable: [...this.weightMap].filter(([, v]) => v.trainable).map(([name]) => name),
    };
    return { modelJSON, weightSpecs, weightData };
  }

  /** Saves model.json and the weights: 'downloads://name', 'indexeddb://name', 'localstorage://name', a URL (POST), or a handler. */
  async save(urlOrHandler: string | IOHandler): Promise<SaveResult> {
    const handler = saveHandlerFor(urlOrHandler);
    return handler.save(await this.getArtifacts());
  }

  /** Disposes the weights (a feature extractor leaves them to the model it was cut from). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsWeights) for (const variable of this.weightMap.values()) variable.dispose();
    this.schedules.clear();
  }

  private assertAlive(what: string): void {
    if (this.disposed) throw new Error(`tensorweb: GraphModel.${what}: the model is disposed`);
    for (const [name, variable] of this.weightMap) {
      if (variable.isDisposed) throw new Error(`tensorweb: GraphModel.${what}: weight '${name}' is disposed (tw.disposeVariables?)`);
    }
  }
}

export interface GraphLoadOptions extends LoadOptions {
  /**
   * Input shapes to compile pipelines for while the weights download (an
   * array in input order or a map by name); default: the declared shapes
   * when they have no free dimension, else nothing compiles ahead.
   */
  inputShapes?: InputShapes;
  /** false: compile nothing ahead; pipelines compile on first use. */
  warmup?: boolean;
  /**
   * true: float16 and uint8 weights become float32 storage as they load. By
   * default (false) WebGPU keeps them packed, 2 or 1 bytes a weight, read as
   * they are by the matrix-vector kernel and unpacked once for any other use
   * (js/src/backends/webgpu/README.md, "Packed weights"); the CPU backend
   * always dequantises.
   */
  dequantizeWeights?: boolean;
}

/** Calls `onProgress` with the weights' and the pipelines' progress and their mean (or the weights' alone). */
class LoadProgressReport {
  private readonly state: LoadProgress = { weights: 0, pipelinesCompiled: 0, pipelinesTotal: 0 };

  constructor(private readonly onProgress: LoadOptions['onProgress']) {}

  update(change: Partial<LoadProgress>): void {
    Object.assign(this.state, change);
    const { weights, pipelinesCompiled, pipelinesTotal } = this.state;
    this.onProgress?.(pipelinesTotal === 0 ? weights : (weights + pipelinesCompiled / pipelinesTotal) / 2, { ...this.state });
  }
}

/**
 * tw.loadGraphModel(url | handler, options): fetches model.json, then the
 * shards in parallel (lengths and sha256 checked), and builds the model on
 * the active backend. On WebGPU, once model.json is read, the pipelines a
 * predict at the input shapes will use compile meanwhile (see GraphLoadOptions),
 * so that the first predict is as quick as the next ones; onProgress reports
 * bytes and pipelines. A failure at any point leaves no tensor behind.
 */
export async function loadGraphModel(urlOrHandler: string | IOHandler, options: GraphLoadOptions = {}): Promise<GraphModel> {
  const engine = getEngine();
  await engine.ready();
  const source = typeof urlOrHandler === 'string' ? urlOrHandler : 'a model from an IOHandler';
  const progress = new LoadProgressReport(options.onProgress);
  const handler = loadHandlerFor(urlOrHandler, { ...options, onProgress: (weights) => progress.update({ weights }) });
  // The model cache's writes and the slow best variants' compiles wait for the load to end and then for the
  // device's next idle moment (after a first run that follows at once), so that they slow neither.
  let loadEnded!: () => void;
  const ended = new Promise<void>((resolve) => { loadEnded = resolve; });
  let compiling: Promise<void> | null = null;
  const compileAhead = (modelJSON: ModelFields, weightSpecs: WeightSpec[]) => {
    compiling = warmStart(modelJSON, weightSpecs, options, source, progress, ended);
  };
  try {
    const artifacts = await handler.load({ onModelJSON: compileAhead, cacheWritesMayStart: () => ended.then(() => planningBackend()?.whenIdle()) });
    progress.update({ weights: 1 });
    if (!compiling) compileAhead(artifacts.modelJSON, artifacts.weightSpecs);
    // Again: a device lost while the shards downloaded is replaced before the weights go up. They go up while
    // the pipelines still compile (a compile ahead outlasts the download on CPU adapters).
    await engine.ready();
    const model = GraphModel.fromArtifacts(artifacts, source, options);
    await compiling;
    // A device lost while the weights went up takes those computed there (dequantised ones) with it; its
    // loss is reported asynchronously, so it is checked here rather than discovered at the first predict.
    const lost = await engine.lostTensors(model.weights);
    if (lost.length > 0) {
      const names = model.weightNamesOf(lost);
      model.dispose();
      throw new Error(`tensorweb: loading model '${source}': the device was lost while its weights were decoded, and ` +
        `${names.length} weight(s) computed there are gone (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}); ` +
        'the backend is re-initialising: load the model again');
    }
    return model;
  } finally {
    loadEnded();
  }
}

/**
 * Plans a predict at the load's input shapes and compiles its pipelines
 * (the slow best variants queued once `ended`, the load's end, settles).
 * Wrong input shapes throw at once (they are the caller's mistake); a plan or
 * compile that fails only warns, since the pipelines then compile on first use.
 */
function warmStart(modelJSON: ModelFields, weightSpecs: WeightSpec[], options: GraphLoadOptions, source: string,
  progress: LoadProgressReport, ended: Promise<void>): Promise<void> {
  if (options.warmup === false) return Promise.resolve();
  const topology = readTopology(modelJSON, new Set(weightSpecs.map((s) => s.name)));
  const inputs = inputSpecsAt(topology, options.inputShapes, `loadGraphModel '${source}': inputShapes`);
  const backend = planningBackend();
  if (!inputs || !backend) return Promise.resolve();
  const warn = (error: unknown) => console.warn(`tensorweb: loading model '${source}': compiling its pipelines ahead failed ` +
    `(${(error as Error).message.replace(/^tensorweb: /, '')}); they compile on first use`);
  let pipelines: PlannedPipeline[];
  try {
    pipelines = planRun(backend, topology, inputs, new Map(), weightSpecs, topology.outputs.map((d) => d.name),
      !options.dequantizeWeights);
  } catch (error) {
    warn(error);
    return Promise.resolve();
  }
  // The slow best variants compile after the load, in the background (their quick stand-ins run meanwhile).
  progress.update({ pipelinesTotal: pipelines.filter((p) => !p.background).length });
  return backend.compilePipelines(pipelines, (done) => progress.update({ pipelinesCompiled: done }), ended).catch(warn);
}
