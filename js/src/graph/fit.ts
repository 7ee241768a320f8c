// GraphModel.fit: minibatch training of a converted graph's trainable weights
// with tw.train's optimizers and tw.losses, reporting to TF.js-style callbacks.
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { type LossFn, getLoss } from '../train/losses.js';
import type { Optimizer } from '../train/optimizer.js';
import { optimizerFromName } from '../train/optimizers.js';
import type { Callback } from '../layers/callbacks.js';
import { nextSeed } from '../layers/random.js';
import { randomStream, shuffleInPlace } from '../data/random.js';
import type { GraphInputs, GraphModel, NamedTensorMap } from './graph_model.js';

/** The hooks fit() awaits: the layers API's callbacks (a graph model has no setModel). */
export type FitCallbacks = Omit<Callback, 'setModel'>;

export interface FitArgs {
  /** A tw.losses name ('meanSquaredError', 'categoricalCrossentropy'...) or (yTrue, yPred) => per-example loss. */
  loss: string | LossFn;
  /** A tw.train optimizer or its name (Keras default learning rates). */
  optimizer: Optimizer | string;
  epochs?: number;
  batchSize?: number;
  /** Shuffle the examples before each epoch (default true, as TF.js). */
  shuffle?: boolean;
  callbacks?: FitCallbacks | FitCallbacks[];
}

export interface History {
  epoch: number[];
  history: { loss: number[] };
}

/** The targets in output order. */
function targetsInOrder(model: GraphModel, y: Tensor | Tensor[] | NamedTensorMap): Tensor[] {
  const outputs = model.outputNodes;
  const list = y instanceof Tensor ? [y] : Array.isArray(y) ? y : outputs.map((name) => {
    if (!(name in y)) throw new Error(`tensorweb: fit: no target for output '${name}'`);
    return y[name];
  });
  if (list.length !== outputs.length) {
    throw new Error(`tensorweb: fit: the model has ${outputs.length} outputs (${outputs.join(', ')}), got ${list.length} targets`);
  }
  return list;
}

function inputsInOrder(model: GraphModel, x: GraphInputs): Tensor[] {
  if (x instanceof Tensor) return [x];
  if (Array.isArray(x)) return x;
  return model.inputNodes.map((name) => {
    if (!(name in x)) throw new Error(`tensorweb: fit: input '${name}' is missing`);
    return x[name];
  });
}

/**
 * Trains `model` on (x, y). `viaExecuteAsync`: the graph is one execute refuses
 * (control flow, host ops), so each step runs executeAsync under an
 * asynchronous tape (Optimizer.minimizeAsync) instead of execute under minimize.
 */
export async function fitGraph(model: GraphModel, x: GraphInputs, y: Tensor | Tensor[] | NamedTensorMap, args: FitArgs,
  viaExecuteAsync: boolean): Promise<History> {
  const engine = getEngine();
  const { epochs = 1, batchSize = 32, shuffle = true } = args;
  if (!args.loss) throw new Error('tensorweb: fit: args.loss is required');
  if (!args.optimizer) throw new Error('tensorweb: fit: args.optimizer is required');
  if (!(Number.isInteger(epochs) && epochs > 0)) throw new Error(`tensorweb: fit: epochs must be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`tensorweb: fit: batchSize must be a positive integer, got ${batchSize}`);
  const loss = getLoss(args.loss);
  const optimizer = typeof args.optimizer === 'string' ? optimizerFromName(args.optimizer) : args.optimizer;
  const inputs = inputsInOrder(model, x);
  const targets = targetsInOrder(model, y);
  const examples = inputs[0]?.shape[0] ?? 0;
  for (const t of [...inputs, ...targets]) {
    if (t.shape[0] !== examples) throw new Error(`tensorweb: fit: every input and target needs ${examples} examples, one has shape [${t.shape}]`);
  }
  const variables = model.trainableWeights;
  if (variables.length === 0) throw new Error('tensorweb: fit: the model has no trainable weights (see setTrainable)');
  const callbacks = Array.isArray(args.callbacks) ? args.callbacks : args.callbacks ? [args.callbacks] : [];
  const call = async (hook: keyof FitCallbacks, ...rest: unknown[]) => {
    for (const c of callbacks) await (c[hook] as ((...a: unknown[]) => unknown) | undefined)?.call(c, ...rest);
  };
  const totalLoss = (ys: Tensor[], predicted: Tensor[]) => predicted
    .map((p, k) => engine.runOp('mean', [loss(ys[k], p)], {})[0])
    .reduce((a, b) => engine.runOp('add', [a, b], {})[0]);
  const history: History = { epoch: [], history: { loss: [] } };
  // Seeded like the layers API's fit: tw.layers.setSeed makes the order reproducible.
  const random = randomStream(nextSeed());
  await call('onTrainBegin', {});
  for (let epoch = 0; epoch < epochs; epoch++) {
    await call('onEpochBegin', epoch, {});
    const order = shuffle ? shuffleInPlace(Array.from({ length: examples }, (_, i) => i), random) : null;
    let lossSum = 0;
    for (let start = 0, batch = 0; start < examples; start += batchSize, batch++) {
      const size = Math.min(batchSize, examples - start);
      await call('onBatchBegin', batch, { batch, size });
      const [xs, ys] = engine.tidy(() => {
        const pick = (t: Tensor) => (order
          ? engine.runOp('gather', [t, engine.makeTensor(Int32Array.from(order.slice(start, start + size)), [size], 'int32')], { axis: 0 })[0]
          : engine.runOp('slice', [t], { begin: [start, ...t.shape.slice(1).map(() => 0)], size: [size, ...t.shape.slice(1)] })[0]);
        return [inputs.map(pick), targets.map(pick)];
      });
      let cost: Tensor;
      try {
        cost = viaExecuteAsync
          ? (await optimizer.minimizeAsync(async () => {
            const predicted = [await model.executeAsync(xs, model.outputNodes)].flat();
            try {
              return engine.tidy(() => totalLoss(ys, predicted));
            } finally {
              engine.dispose(predicted); // the tape holds what the gradient needs
            }
          }, true, variables))!
          : engine.tidy(() => optimizer.minimize(() => totalLoss(ys, [model.execute(xs, model.outputNodes)].flat()), true, variables)!);
      } finally {
        engine.dispose([xs, ys]);
      }
      const value = (await cost.data())[0];
      cost.dispose();
      lossSum += value * size;
      await call('onBatchEnd', batch, { batch, size, loss: value });
    }
    const epochLoss = lossSum / examples;
    history.epoch.push(epoch);
    history.history.loss.push(epochLoss);
    await call('onEpochEnd', epoch, { loss: epochLoss });
  }
  await call('onTrainEnd', { loss: history.history.loss[epochs - 1] });
  return history;
}
