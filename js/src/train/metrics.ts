// Metrics with TF.js's names: (yTrue, yPred) => per-sample values (precision
// and recall: one value for the batch, as in TF.js). `fit` reports their
// sample-weighted mean over an epoch.
import type { Tensor } from '../core/tensor.js';
import { argMax, cast, div, equal, greater, logicalAnd, mean, reshape, sum, maximum } from '../ops/index.js';
import { meanAbsoluteError, meanSquaredError, lossName } from './losses.js';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Fraction of entries of the last axis where (yPred > threshold) equals yTrue. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  return mean(cast(equal(cast(yTrue, 'float32'), cast(greater(yPred, threshold), 'float32')), 'float32'), -1);
}

/** 1 where the argmax of yPred is the argmax of the one-hot yTrue. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return cast(equal(argMax(yTrue, -1), argMax(yPred, -1)), 'float32');
}

/** 1 where the argmax of yPred is the integer label yTrue (shaped [batch] or [batch, 1]). */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  const labels = reshape(cast(yTrue, 'int32'), yPred.shape.slice(0, -1));
  return cast(equal(labels, argMax(yPred, -1)), 'float32');
}

function positives(yTrue: Tensor, yPred: Tensor) {
  const predicted = greater(yPred, 0.5);
  const actual = greater(yTrue, 0.5);
  const count = (t: Tensor) => sum(cast(t, 'float32'));
  return { truePositives: count(logicalAnd(predicted, actual)), predicted: count(predicted), actual: count(actual) };
}

/** tp / (tp + fp) over the batch with yPred thresholded at 0.5 (0 when nothing is predicted positive). */
export function precision(yTrue: Tensor, yPred: Tensor): Tensor {
  const { truePositives, predicted } = positives(yTrue, yPred);
  return div(truePositives, maximum(predicted, 1));
}

/** tp / (tp + fn) over the batch (0 when there are no positives). */
export function recall(yTrue: Tensor, yPred: Tensor): Tensor {
  const { truePositives, actual } = positives(yTrue, yPred);
  return div(truePositives, maximum(actual, 1));
}

export const mse = meanSquaredError;
export const mae = meanAbsoluteError;
export { meanSquaredError, meanAbsoluteError };

const METRICS: Record<string, MetricFn> = {
  binaryAccuracy: (t, p) => binaryAccuracy(t, p), categoricalAccuracy, sparseCategoricalAccuracy, precision, recall,
  mse, mae, meanSquaredError, meanAbsoluteError,
};

/**
 * The metric for a name. 'accuracy'/'acc' follows Keras: binary for a binary
 * crossentropy loss or a single output unit, sparse for a sparse loss, else categorical.
 */
export function getMetric(identifier: string | MetricFn, loss: string | ((...a: never[]) => unknown), outputUnits: number): MetricFn {
  if (typeof identifier === 'function') return identifier;
  if (identifier === 'accuracy' || identifier === 'acc') {
    const name = typeof loss === 'string' ? lossName(loss) ?? '' : '';
    if (name.startsWith('binaryCrossentropy') || outputUnits === 1) return METRICS.binaryAccuracy;
    if (name.startsWith('sparseCategorical')) return sparseCategoricalAccuracy;
    return categoricalAccuracy;
  }
  const metric = METRICS[identifier.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];
  if (!metric) throw new Error(`tensorweb: unknown metric '${identifier}' (known: accuracy, ${Object.keys(METRICS).join(', ')})`);
  return metric;
}
