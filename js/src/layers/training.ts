// compile, fit, fitDataset, evaluate, predict and trainOnBatch for layers
// models. One training step: the loss (per-output losses with sample and class
// weights, plus regularization) and its gradient with respect to the
// trainable weights, one optimizer update, then the weights' constraints.
// Epoch totals stay on the device and are read once per epoch.
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { add, argMax, concat, div, gather, mean, mul, reshape, slice } from '../ops/index.js';
import { type LossFn, getLoss } from '../train/losses.js';
import { type MetricFn, getMetric } from '../train/metrics.js';
import { Optimizer } from '../train/optimizer.js';
import { optimizerFromName } from '../train/optimizers.js';
import type { Dataset, DataElement } from '../data/dataset.js';
import { randomStream, shuffleInPlace } from '../data/random.js';
import { type Callback, CallbackList, History, type Logs } from './callbacks.js';
import { nextSeed } from './random.js';
import type { LayersModel } from './model.js';

export { History };

export type ModelData = Tensor | Tensor[] | Record<string, Tensor>;
type LossIdentifier = string | LossFn;
type MetricIdentifier = string | MetricFn;

export interface CompileArgs {
  optimizer: string | Optimizer;
  /** One loss for every output, one per output (list), or by output name. */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /** Metrics for every output (list), or by output name. */
  metrics?: MetricIdentifier[] | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /** Weights of the outputs' losses in the total. */
  lossWeights?: number[] | Record<string, number>;
}

interface OutputMetric {
  name: string;
  output: number;
  fn: MetricFn;
}

export interface Compiled {
  optimizer: Optimizer;
  losses: LossFn[];
  /** The loss and metric identifiers as given (names are saved with the model). */
  lossIdentifiers: LossIdentifier[];
  metricIdentifiers: MetricIdentifier[][];
  lossWeights: number[];
  metrics: OutputMetric[];
  /** Log names in the order training steps return their values: loss, per-output losses, metrics. */
  logNames: string[];
}

function perOutput<T>(value: T | T[] | Record<string, T>, names: string[], what: string, isSingle: (v: unknown) => boolean): T[] {
  if (Array.isArray(value) && !isSingle(value)) {
    if (value.length !== names.length) throw new Error(`tensorweb: compile: ${what} has ${value.length} entries for ${names.length} outputs`);
    return value;
  }
  if (value !== null && typeof value === 'object' && !isSingle(value)) {
    const byName = value as Record<string, T>;
    const unknown = Object.keys(byName).filter((k) => !names.includes(k));
    if (unknown.length) throw new Error(`tensorweb: compile: ${what} names unknown outputs ${unknown.join(', ')} (outputs: ${names.join(', ')})`);
    return names.map((n) => byName[n]);
  }
  return names.map(() => value as T);
}

export function compileModel(model: LayersModel, args: CompileArgs): Compiled {
  if (!args || args.optimizer === undefined || args.loss === undefined) throw new Error('tensorweb: compile: give optimizer and loss');
  const names = model.outputs.length > 0 ? model.outputNames : ['output'];
  const multi = names.length > 1;
  const optimizer = args.optimizer instanceof Optimizer ? args.optimizer : optimizerFromName(args.optimizer);
  const lossIdentifiers = perOutput<LossIdentifier>(args.loss, names, 'loss', (v) => typeof v === 'string' || typeof v === 'function');
  const lossWeights = args.lossWeights === undefined ? names.map(() => 1) : perOutput<number>(args.lossWeights, names, 'lossWeights', (v) => typeof v === 'number');
  const metricLists: MetricIdentifier[][] = args.metrics === undefined ? names.map(() => [])
    : Array.isArray(args.metrics) ? names.map(() => args.metrics as MetricIdentifier[])
      : names.map((n) => {
        const m = (args.metrics as Record<string, MetricIdentifier | MetricIdentifier[]>)[n];
        return m === undefined ? [] : Array.isArray(m) ? m : [m];
      });
  const metrics = metricLists.flatMap((list, output) => list.map((identifier) => {
    const units = model.outputs[output]?.shape.at(-1) ?? 0;
    const base = typeof identifier === 'string' ? identifier : identifier.name || 'metric';
    return { name: multi ? `${names[output]}_${base}` : base, output, fn: getMetric(identifier, lossIdentifiers[output] as string, units ?? 0) };
  }));
  return {
    optimizer, lossIdentifiers, metricIdentifiers: metricLists, lossWeights, metrics,
    losses: lossIdentifiers.map((l) => getLoss(l)),
    logNames: ['loss', ...(multi ? names.map((n) => `${n}_loss`) : []), ...metrics.map((m) => m.name)],
  };
}

function requireCompiled(model: LayersModel): Compiled {
  if (!model.compiled) throw new Error(`tensorweb: model '${model.name}' must be compiled first: model.compile({optimizer, loss})`);
  return model.compiled;
}

/** Inputs (or targets) as a list in the model's input (output) order. */
function dataList(model: LayersModel, data: ModelData, which: 'inputs' | 'targets'): Tensor[] {
  const names = which === 'inputs' ? model.inputNames : model.outputNames;
  const list = data instanceof Tensor ? [data] : Array.isArray(data) ? data
    : names.map((n) => {
      const t = (data as Record<string, Tensor>)[n];
      if (!t) throw new Error(`tensorweb: no ${which === 'inputs' ? 'input' : 'target'} for '${n}' (got: ${Object.keys(data).join(', ')})`);
      return t;
    });
  if (!list.every((t) => t instanceof Tensor)) throw new Error(`tensorweb: ${which} must be tensors`);
  const expected = which === 'inputs' ? model.inputs.length : model.outputs.length;
  if (expected > 0 && list.length !== expected) throw new Error(`tensorweb: model '${model.name}' has ${expected} ${which === 'inputs' ? 'inputs' : 'outputs'}, got ${list.length} tensors`);
  return list;
}

function sampleCount(tensors: Tensor[]): number {
  const n = tensors[0].shape[0];
  if (tensors.some((t) => t.shape[0] !== n)) throw new Error(`tensorweb: inputs and targets must all have ${n} samples, got ${tensors.map((t) => t.shape[0]).join(', ')}`);
  return n;
}

/** mean(loss · weight), the weight per sample broadcast over any further loss axes (Keras's sum-over-batch-size). */
function weightedMean(loss: Tensor, sampleWeight: Tensor | null): Tensor {
  if (!sampleWeight) return mean(loss);
  return mean(mul(loss, reshape(sampleWeight, [loss.shape[0], ...loss.shape.slice(1).map(() => 1)])));
}

/** The total loss and each output's loss. */
function losses(model: LayersModel, compiled: Compiled, outputs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null) {
  const parts = compiled.losses.map((fn, i) => weightedMean(fn(ys[i], outputs[i]), sampleWeight));
  let total = parts.map((p, i) => (compiled.lossWeights[i] === 1 ? p : mul(p, compiled.lossWeights[i]))).reduce((a, b) => add(a, b));
  const penalty = model.regularizationLoss();
  if (penalty) total = add(total, penalty);
  return { total, parts };
}

/** The values of compiled.logNames for one batch, as scalars. */
function batchValues(compiled: Compiled, outputs: Tensor[], ys: Tensor[], total: Tensor, parts: Tensor[]): Tensor[] {
  const metrics = compiled.metrics.map((m) => mean(m.fn(ys[m.output], outputs[m.output])));
  // Copies: training disposes the per-output losses it kept for the tape.
  return [total, ...(parts.length > 1 ? parts.map((p) => p.clone()) : []), ...metrics];
}

/** One optimizer step; returns the batch's log values (scalars the caller disposes). */
function trainStep(model: LayersModel, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): Tensor[] {
  const compiled = requireCompiled(model);
  const engine = getEngine();
  // The weights must exist before the tape starts (a Sequential model may build on its first batch).
  model.ensureGraph(xs.map((t) => t.shape));
  const variables = model.trainableWeights.map((w) => w.variable);
  let outputs: Tensor[] = [];
  let parts: Tensor[] = [];
  const { value, grads } = engine.gradients(() => {
    outputs = model.execute(xs, { training: true }).map((t) => engine.keep(t.clone()));
    const result = losses(model, compiled, outputs, ys, sampleWeight);
    parts = result.parts.map((p) => engine.keep(p));
    return result.total;
  }, variables, undefined, true);
  try {
    compiled.optimizer.applyGradientPairs(variables.flatMap((v, i) => (grads[i] ? [[v, grads[i]!] as const] : [])));
    model.applyConstraints();
    return engine.tidy(() => batchValues(compiled, outputs, ys, value, parts));
  } finally {
    // With one output the total is that output's loss: `value` itself, which the caller gets.
    engine.dispose([grads.filter((g): g is Tensor => g !== null), outputs, parts.filter((p) => p !== value)]);
  }
}

/** The batch's log values without training (evaluate). */
function testStep(model: LayersModel, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): Tensor[] {
  const compiled = requireCompiled(model);
  return getEngine().tidy(() => {
    const outputs = model.execute(xs, { training: false });
    const { total, parts } = losses(model, compiled, outputs, ys, sampleWeight);
    return batchValues(compiled, outputs, ys, total, parts);
  });
}

/** Per-sample weights from Keras's classWeight ({class: weight}), by each sample's class in y. */
async function classSampleWeights(y: Tensor, classWeight: Record<number, number>): Promise<Tensor> {
  const labels = getEngine().tidy(() => (y.rank >= 2 && y.shape[y.rank - 1] > 1 ? argMax(y, -1) : reshape(y, [y.shape[0]])));
  const values = await labels.data();
  labels.dispose();
  return tensor(Float32Array.from(values, (c) => classWeight[Math.round(c)] ?? 1), [values.length]);
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  /** 1 logs one line per epoch. */
  verbose?: 0 | 1;
  callbacks?: Callback | Callback[];
  /** The last fraction of the samples (before shuffling) is held out for validation. */
  validationSplit?: number;
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, Tensor];
  validationBatchSize?: number;
  /** Shuffle the training samples every epoch (seeded by tw.layers.setSeed). */
  shuffle?: boolean;
  classWeight?: Record<number, number>;
  sampleWeight?: Tensor;
  initialEpoch?: number;
}

interface Split {
  xs: Tensor[];
  ys: Tensor[];
  weights: Tensor | null;
}

/** Log values summed over batches (weighted by batch size) on the device. */
class Accumulator {
  private sums: Tensor[] | null = null;
  private count = 0;

  add(values: Tensor[], size: number): void {
    const previous = this.sums;
    this.sums = getEngine().tidy(() => values.map((v, i) => (previous ? add(previous[i], mul(v, size)) : mul(v, size))));
    if (previous) getEngine().dispose(previous);
    this.count += size;
  }

  /** The means as numbers (one read), freeing the sums. */
  async means(names: string[], prefix = ''): Promise<Logs> {
    if (!this.sums) return {};
    const values = await Promise.all(this.sums.map((s) => s.data()));
    getEngine().dispose(this.sums);
    this.sums = null;
    return Object.fromEntries(names.map((n, i) => [prefix + n, values[i][0] / this.count]));
  }

  meanTensors(): Tensor[] {
    const sums = this.sums ?? [];
    const result = getEngine().tidy(() => sums.map((s) => div(s, this.count)));
    getEngine().dispose(sums);
    this.sums = null;
    return result;
  }
}

/**
 * Lets the page handle events between batches, at most every 50 ms. A
 * MessageChannel task, not requestAnimationFrame or setTimeout, which
 * background tabs pause or throttle.
 */
function eventLoopYielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < 50) return;
    await new Promise<void>((resolve) => {
      if (typeof MessageChannel === 'undefined') {
        setTimeout(resolve, 0);
        return;
      }
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
    last = performance.now();
  };
}

function batchRanges(count: number, batchSize: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < count; start += batchSize) ranges.push([start, Math.min(count, start + batchSize)]);
  return ranges;
}

/** Runs `step` over `split` in batches (in `order`, or sequentially), accumulating the log values. */
function runBatches(split: Split, batchSize: number, order: Int32Array | null,
  step: (xs: Tensor[], ys: Tensor[], w: Tensor | null) => Tensor[]): Accumulator {
  const total = new Accumulator();
  const n = split.xs[0].shape[0];
  for (const [start, end] of batchRanges(n, batchSize)) {
    const values = batchOf(split, start, end, order, step);
    total.add(values, end - start);
    getEngine().dispose(values);
  }
  return total;
}

function batchOf(split: Split, start: number, end: number, order: Int32Array | null,
  step: (xs: Tensor[], ys: Tensor[], w: Tensor | null) => Tensor[]): Tensor[] {
  return getEngine().tidy(() => {
    const pick = order ? (() => {
      const indices = tensor(order.subarray(start, end), [end - start], 'int32');
      return (t: Tensor) => gather(t, indices);
    })() : (t: Tensor) => slice(t, [start, ...t.shape.slice(1).map(() => 0)], [end - start, ...t.shape.slice(1).map(() => -1)]);
    return step(split.xs.map(pick), split.ys.map(pick), split.weights ? pick(split.weights) : null);
  });
}

/** Splits off the last `fraction` of the samples (slices, which the caller disposes). */
function splitTail(split: Split, fraction: number): { train: Split; validation: Split } {
  const n = split.xs[0].shape[0];
  const cut = Math.floor(n * (1 - fraction));
  if (cut <= 0 || cut >= n) throw new Error(`tensorweb: validationSplit ${fraction} leaves no training or no validation samples of ${n}`);
  const part = (t: Tensor, from: number, to: number) => slice(t, [from, ...t.shape.slice(1).map(() => 0)], [to - from, ...t.shape.slice(1).map(() => -1)]);
  const take = (from: number, to: number): Split => ({
    xs: split.xs.map((t) => part(t, from, to)), ys: split.ys.map((t) => part(t, from, to)),
    weights: split.weights ? part(split.weights, from, to) : null,
  });
  return { train: take(0, cut), validation: take(cut, n) };
}

function epochLine(epoch: number, epochs: number, logs: Logs, seconds: number): string {
  const values = Object.entries(logs).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(' ');
  return `Epoch ${epoch + 1}/${epochs} ${seconds.toFixed(2)}s ${values}`;
}

export async function fitModel(model: LayersModel, x: ModelData, y: ModelData, args: FitArgs): Promise<History> {
  const compiled = requireCompiled(model);
  const { batchSize = 32, epochs = 1, shuffle = true, initialEpoch = 0, verbose = 0 } = args;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`tensorweb: fit: batchSize must be a positive integer, got ${batchSize}`);
  const created: Tensor[] = [];
  const own = <T extends Tensor | null>(t: T): T => {
    if (t) created.push(t);
    return t;
  };
  try {
    const all: Split = { xs: dataList(model, x, 'inputs'), ys: dataList(model, y, 'targets'), weights: args.sampleWeight ?? null };
    sampleCount([...all.xs, ...all.ys]);
    if (args.classWeight) all.weights = own(await classSampleWeights(all.ys[0], args.classWeight));
    let train = all;
    let validation: Split | null = null;
    if (args.validationData) {
      const [vx, vy, vw] = args.validationData;
      validation = { xs: dataList(model, vx, 'inputs'), ys: dataList(model, vy, 'targets'), weights: vw ?? null };
    } else if (args.validationSplit) {
      const parts = splitTail(all, args.validationSplit);
      [...parts.train.xs, ...parts.train.ys, ...parts.validation.xs, ...parts.validation.ys, parts.train.weights, parts.validation.weights].forEach(own);
      ({ train, validation } = parts);
    }
    const n = train.xs[0].shape[0];
    const history = new History();
    const callbacks = new CallbackList(args.callbacks, model);
    const random = randomStream(nextSeed());
    const yieldToPage = eventLoopYielder();
    model.stopTraining = false;
    await callbacks.trainBegin();
    let logs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      const started = performance.now();
      await callbacks.epochBegin(epoch);
      const order = Int32Array.from({ length: n }, (_, i) => i);
      if (shuffle) shuffleInPlace(order as unknown as number[], random);
      const totals = new Accumulator();
      for (const [batch, [start, end]] of batchRanges(n, batchSize).entries()) {
        await callbacks.batchBegin(batch, { batch, size: end - start });
        const values = batchOf(train, start, end, order, (bx, by, bw) => trainStep(model, bx, by, bw));
        totals.add(values, end - start);
        if (callbacks.wantsBatchLogs) {
          const read = await Promise.all(values.map((v) => v.data()));
          await callbacks.batchEnd(batch, Object.fromEntries([['batch', batch], ['size', end - start],
            ...compiled.logNames.map((name, i) => [name, read[i][0]])]));
        }
        getEngine().dispose(values);
        await yieldToPage();
      }
      logs = await totals.means(compiled.logNames);
      if (validation) {
        const checked = runBatches(validation, args.validationBatchSize ?? batchSize, null, (bx, by, bw) => testStep(model, bx, by, bw));
        Object.assign(logs, await checked.means(compiled.logNames, 'val_'));
      }
      await callbacks.epochEnd(epoch, logs);
      history.record(epoch, logs);
      if (verbose) console.log(epochLine(epoch, epochs, logs, (performance.now() - started) / 1000));
    }
    await callbacks.trainEnd(logs);
    return history;
  } finally {
    getEngine().dispose(created);
  }
}

export interface EvaluateArgs {
  batchSize?: number;
  sampleWeight?: Tensor;
}

/** The mean loss (and metrics) over the samples: a scalar, or a list when there are metrics or several outputs. */
export function evaluateModel(model: LayersModel, x: ModelData, y: ModelData, args: EvaluateArgs): Tensor | Tensor[] {
  const compiled = requireCompiled(model);
  const split: Split = { xs: dataList(model, x, 'inputs'), ys: dataList(model, y, 'targets'), weights: args.sampleWeight ?? null };
  sampleCount([...split.xs, ...split.ys]);
  const means = runBatches(split, args.batchSize ?? 32, null, (bx, by, bw) => testStep(model, bx, by, bw)).meanTensors();
  return compiled.logNames.length === 1 ? means[0] : means;
}

/** Outputs for every sample, computed batch by batch (inference mode). */
export function predictModel(model: LayersModel, x: ModelData, batchSize: number): Tensor | Tensor[] {
  const xs = dataList(model, x, 'inputs');
  const n = sampleCount(xs);
  const outputs = getEngine().tidy(() => {
    const batches = (n <= batchSize ? [[0, n] as [number, number]] : batchRanges(n, batchSize)).map(([start, end]) =>
      model.execute(n <= batchSize ? xs : xs.map((t) => slice(t, [start, ...t.shape.slice(1).map(() => 0)], [end - start, ...t.shape.slice(1).map(() => -1)]))));
    return batches[0].map((_, o) => (batches.length === 1 ? batches[0][o].clone() : concat(batches.map((b) => b[o]), 0)));
  });
  return outputs.length === 1 ? outputs[0] : outputs;
}

export async function trainOnBatchModel(model: LayersModel, x: ModelData, y: ModelData): Promise<number | number[]> {
  const values = trainStep(model, dataList(model, x, 'inputs'), dataList(model, y, 'targets'), null);
  const read = await Promise.all(values.map(async (v) => (await v.data())[0]));
  getEngine().dispose(values);
  return read.length === 1 ? read[0] : read;
}

export interface FitDatasetArgs {
  epochs: number;
  /** Batches per epoch; without it an epoch is one pass over the dataset. */
  batchesPerEpoch?: number;
  validationData?: Dataset<DataElement> | [ModelData, ModelData];
  validationBatches?: number;
  callbacks?: Callback | Callback[];
  classWeight?: Record<number, number>;
  initialEpoch?: number;
  verbose?: 0 | 1;
}

/** A dataset element as {xs, ys} (TF.js) or [xs, ys]. */
function xsYs(element: DataElement): { xs: ModelData; ys: ModelData } {
  if (Array.isArray(element) && element.length === 2) return { xs: element[0] as ModelData, ys: element[1] as ModelData };
  const e = element as { xs?: ModelData; ys?: ModelData };
  if (e && e.xs !== undefined && e.ys !== undefined) return { xs: e.xs, ys: e.ys };
  throw new Error('tensorweb: fitDataset: dataset elements must be {xs, ys} or [xs, ys]');
}

export async function fitDatasetModel(model: LayersModel, dataset: Dataset<DataElement>, args: FitDatasetArgs): Promise<History> {
  const compiled = requireCompiled(model);
  const { epochs, batchesPerEpoch, initialEpoch = 0, verbose = 0 } = args;
  const history = new History();
  const callbacks = new CallbackList(args.callbacks, model);
  const yieldToPage = eventLoopYielder();
  model.stopTraining = false;
  await callbacks.trainBegin();
  // With batchesPerEpoch, epochs continue one iterator (as TF.js); otherwise each epoch is a fresh pass.
  let iterator: AsyncIterator<DataElement> | null = null;
  let exhausted = false;
  let logs: Logs = {};
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining && !exhausted; epoch++) {
    const started = performance.now();
    await callbacks.epochBegin(epoch);
    if (!iterator || batchesPerEpoch === undefined) iterator = await dataset.iterator();
    const totals = new Accumulator();
    for (let batch = 0; batchesPerEpoch === undefined || batch < batchesPerEpoch; batch++) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = batchesPerEpoch !== undefined;
        break;
      }
      const { xs, ys } = xsYs(next.value);
      const xList = dataList(model, xs, 'inputs');
      const yList = dataList(model, ys, 'targets');
      const size = sampleCount([...xList, ...yList]);
      await callbacks.batchBegin(batch, { batch, size });
      const weights = args.classWeight ? await classSampleWeights(yList[0], args.classWeight) : null;
      const values = trainStep(model, xList, yList, weights);
      totals.add(values, size);
      if (callbacks.wantsBatchLogs) {
        const read = await Promise.all(values.map((v) => v.data()));
        await callbacks.batchEnd(batch, Object.fromEntries([['batch', batch], ['size', size], ...compiled.logNames.map((name, i) => [name, read[i][0]])]));
      }
      getEngine().dispose([values, weights, next.value]);
      await yieldToPage();
    }
    logs = await totals.means(compiled.logNames);
    if (args.validationData) {
      const validation = Array.isArray(args.validationData)
        ? evaluateModel(model, args.validationData[0], args.validationData[1], {})
        : await evaluateDatasetModel(model, args.validationData, { batches: args.validationBatches });
      const values = await Promise.all((Array.isArray(validation) ? validation : [validation]).map(async (t) => (await t.data())[0]));
      getEngine().dispose(validation);
      compiled.logNames.forEach((name, i) => (logs[`val_${name}`] = values[i]));
    }
    await callbacks.epochEnd(epoch, logs);
    history.record(epoch, logs);
    if (verbose) console.log(epochLine(epoch, epochs, logs, (performance.now() - started) / 1000));
  }
  await callbacks.trainEnd(logs);
  return history;
}

/** The mean loss (and metrics) over a dataset of {xs, ys} batches (at most `batches` of them). */
export async function evaluateDatasetModel(model: LayersModel, dataset: Dataset<DataElement>, { batches }: { batches?: number }): Promise<Tensor | Tensor[]> {
  const compiled = requireCompiled(model);
  const totals = new Accumulator();
  let seen = 0;
  for await (const element of dataset) {
    const { xs, ys } = xsYs(element);
    const xList = dataList(model, xs, 'inputs');
    const yList = dataList(model, ys, 'targets');
    const values = testStep(model, xList, yList, null);
    totals.add(values, sampleCount([...xList, ...yList]));
    getEngine().dispose([values, element as Tensor[]]);
    if (batches !== undefined && ++seen >= batches) break;
  }
  const means = totals.meanTensors();
  return compiled.logNames.length === 1 ? means[0] : means;
}
