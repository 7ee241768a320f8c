// Loss functions as Keras defines them: (yTrue, yPred) => one loss per sample
// (the last axis is reduced). `compile` averages them over the batch, with
// sample and class weights.
import type { Tensor } from '../core/tensor.js';
import {
  abs, add, cast, clipByValue, div, exp, log, log1p, logSumExp, maximum, mean, mul, neg, oneHot, reshape, sqrt, square,
  sub, sum, where, less, greaterEqual, minimum,
} from '../ops/index.js';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log, as Keras does. */
export const EPSILON = 1e-7;

export interface CrossentropyOptions {
  /** yPred holds logits rather than probabilities. */
  fromLogits?: boolean;
  /** Targets move towards uniform by this fraction. */
  labelSmoothing?: number;
}

const clipProbability = (p: Tensor) => clipByValue(p, EPSILON, 1 - EPSILON);

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(square(sub(yPred, yTrue)), -1);
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(abs(sub(yPred, yTrue)), -1);
}

/** Quadratic within `delta` of the target, linear outside. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const error = abs(sub(yPred, yTrue));
  const quadratic = minimum(error, delta);
  return mean(add(mul(0.5, square(quadratic)), mul(delta, sub(error, quadratic))), -1);
}

/** Negative cosine similarity along `axis` (so minimizing aligns the vectors), as Keras's loss. */
export function cosineSimilarity(yTrue: Tensor, yPred: Tensor, axis = -1): Tensor {
  const unit = (x: Tensor) => div(x, sqrt(maximum(sum(square(x), axis, true), 1e-12)));
  return neg(sum(mul(unit(yTrue), unit(yPred)), axis));
}

/** mean(max(1 - y·p, 0)); 0/1 labels are mapped to -1/1 first, as Keras does. */
export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const signed = where(lessEqualZeroOrOne(yTrue), sub(mul(yTrue, 2), 1), yTrue);
  return mean(maximum(sub(1, mul(signed, yPred)), 0), -1);
}

/** Keras converts labels only when they are all 0 or 1; elementwise that is: y in {0, 1}. */
function lessEqualZeroOrOne(y: Tensor): Tensor {
  return less(abs(mul(y, sub(y, 1))), 1e-12);
}

/** Kullback-Leibler divergence sum(y · log(y / p)) with both clipped to [ε, 1]. */
export function kld(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = clipByValue(yTrue, EPSILON, 1);
  const p = clipByValue(yPred, EPSILON, 1);
  return sum(mul(t, log(div(t, p))), -1);
}

function smoothed(yTrue: Tensor, smoothing: number, classes: number): Tensor {
  return smoothing ? add(mul(yTrue, 1 - smoothing), smoothing / classes) : yTrue;
}

export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0 } = options;
  const t = smoothed(yTrue, labelSmoothing, 2);
  if (fromLogits) {
    // max(x, 0) - x·z + log(1 + exp(-|x|)): stable for any logit. Written with
    // `where` (as TF does) so the gradient at x = 0 is sigmoid(0) - z.
    const positive = greaterEqual(yPred, 0);
    const relu = where(positive, yPred, 0);
    const negAbs = where(positive, neg(yPred), yPred);
    return mean(add(sub(relu, mul(yPred, t)), log1p(exp(negAbs))), -1);
  }
  const p = clipProbability(yPred);
  return mean(neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p))))), -1);
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0 } = options;
  const t = smoothed(yTrue, labelSmoothing, yPred.shape[yPred.rank - 1]);
  const logProbabilities = fromLogits
    ? sub(yPred, logSumExp(yPred, -1, true))
    : log(clipProbability(div(yPred, sum(yPred, -1, true))));
  return neg(sum(mul(t, logProbabilities), -1));
}

/** Integer class labels, shaped like yPred without its last axis (or with a last axis of 1). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: Omit<CrossentropyOptions, 'labelSmoothing'> = {}): Tensor {
  const labelShape = yPred.shape.slice(0, -1);
  const labels = reshape(cast(yTrue, 'int32'), labelShape);
  return categoricalCrossentropy(cast(oneHot(labels, yPred.shape[yPred.rank - 1]), 'float32'), yPred, options);
}

const binaryCrossentropyFromLogits: LossFn = (t, p) => binaryCrossentropy(t, p, { fromLogits: true });
const categoricalCrossentropyFromLogits: LossFn = (t, p) => categoricalCrossentropy(t, p, { fromLogits: true });
const sparseCategoricalCrossentropyFromLogits: LossFn = (t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits: true });

/** Loss names `compile` accepts: Keras's and TF.js's spellings. */
const LOSSES: Record<string, LossFn> = {
  meanSquaredError, mse: meanSquaredError, mean_squared_error: meanSquaredError,
  meanAbsoluteError, mae: meanAbsoluteError, mean_absolute_error: meanAbsoluteError,
  huber: (t, p) => huber(t, p), huberLoss: (t, p) => huber(t, p),
  cosineSimilarity: (t, p) => cosineSimilarity(t, p), cosine_similarity: (t, p) => cosineSimilarity(t, p),
  hinge, kld, kullbackLeiblerDivergence: kld, kl_divergence: kld,
  binaryCrossentropy: (t, p) => binaryCrossentropy(t, p), binary_crossentropy: (t, p) => binaryCrossentropy(t, p),
  categoricalCrossentropy: (t, p) => categoricalCrossentropy(t, p), categorical_crossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparseCategoricalCrossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  sparse_categorical_crossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  binaryCrossentropyFromLogits, categoricalCrossentropyFromLogits, sparseCategoricalCrossentropyFromLogits,
};

export function getLoss(identifier: string | LossFn): LossFn {
  if (typeof identifier === 'function') return identifier;
  const loss = LOSSES[identifier];
  if (!loss) throw new Error(`tensorweb: unknown loss '${identifier}' (known: ${Object.keys(LOSSES).join(', ')})`);
  return loss;
}

/** The canonical (camelCase) name of a loss given by name, for `accuracy` resolution and saving. */
export function lossName(identifier: string | LossFn): string | null {
  if (typeof identifier !== 'string') return null;
  return identifier.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
