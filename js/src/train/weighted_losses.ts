// `tw.losses`: TF.js's tf.losses (labels, predictions, weights?, reduction?),
// each a plain function over ops reduced by computeWeightedLoss, plus the
// Keras per-sample losses of losses.ts. Where a name is in both,
// meanSquaredError, this file's (TF.js's) wins; Keras's is tw.metrics.meanSquaredError.
import { tidy } from '../core/globals.js';
import type { Tensor } from '../core/tensor.js';
import {
  abs, add, cast, div, exp, log, log1p, logSoftmax, mean, minimum, mul, neg, notEqual, ones, relu, square,
  squaredDifference, sub, sum,
} from '../ops/index.js';
import { type TensorLike, withTensors } from '../ops/run.js';

export * from './losses.js';

/** How a loss tensor becomes the result (TF.js's enum and values). */
export enum Reduction {
  NONE = 0,
  MEAN = 1,
  SUM = 2,
  SUM_BY_NONZERO_WEIGHTS = 3,
}

/** Weights `losses` (broadcasting) and reduces them; SUM_BY_NONZERO_WEIGHTS divides by the count of nonzero weights. */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike | null,
  reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const args: [string, TensorLike][] = [['losses', losses]];
  if (weights != null) args.push(['weights', weights]);
  return withTensors('computeWeightedLoss', args, (l, w) => tidy(() => {
    const weighted = w ? mul(l, w) : l;
    switch (reduction) {
      case Reduction.NONE: return w ? weighted : weighted.clone();
      case Reduction.SUM: return sum(weighted);
      case Reduction.MEAN: {
        if (!w) return mean(weighted);
        // weights broadcast over the losses count once per loss they cover
        const result = div(sum(weighted), sum(w));
        const factor = l.size / w.size;
        return factor > 1 ? div(result, factor) : result;
      }
      case Reduction.SUM_BY_NONZERO_WEIGHTS: {
        if (!w) return div(sum(weighted), l.size);
        const nonZero = cast(sum(notEqual(mul(w, ones(l.shape)), 0)), 'float32');
        return div(sum(weighted), nonZero);
      }
      default: throw new Error(`Unknown reduction: ${reduction}`);
    }
  }));
}

function assertShapesMatch(name: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`Error in ${name}:  Shapes ${a.shape} and ${b.shape} must match`);
  }
}

/**
 * A TF.js loss: converts (labels, predictions, weights) with TF.js's argument
 * names, checks that the first two match in shape, computes the elementwise
 * (or reduced) losses and weights and reduces them.
 */
function weightedLoss(name: string, labelsName: string, predictionsName: string, weights: TensorLike | null | undefined,
  labels: TensorLike, predictions: TensorLike, reduction: Reduction, losses: (labels: Tensor, predictions: Tensor) => Tensor): Tensor {
  const args: [string, TensorLike][] = [[labelsName, labels], [predictionsName, predictions]];
  if (weights != null) args.push(['weights', weights]);
  return withTensors(name, args, (l, p, w) => {
    assertShapesMatch(name, l, p);
    return tidy(() => computeWeightedLoss(losses(l, p), w ?? null, reduction));
  });
}

type Reduce = Reduction;
const DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS;

export function absoluteDifference(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('absoluteDifference', 'labels', 'predictions', weights, labels, predictions, reduction, (l, p) => abs(sub(l, p)));
}

export function meanSquaredError(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('meanSquaredError', 'labels', 'predictions', weights, labels, predictions, reduction, (l, p) => squaredDifference(l, p));
}

/** 1 - the dot product along `axis` (labels and predictions are taken to be unit vectors). */
export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null,
  reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('cosineDistance', 'labels', 'predictions', weights, labels, predictions, reduction,
    (l, p) => sub(1, sum(mul(l, p), axis, true)));
}

/** Labels in {0, 1} are mapped to {-1, 1}; max(0, 1 - label * prediction). */
export function hingeLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('hingeLoss', 'labels', 'predictions', weights, labels, predictions, reduction,
    (l, p) => relu(sub(1, mul(sub(mul(2, l), 1), p))));
}

/** Quadratic within `delta` of the label, linear outside. */
export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1,
  reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('huberLoss', 'labels', 'predictions', weights, labels, predictions, reduction, (l, p) => {
    const error = abs(sub(p, l));
    const quadratic = minimum(error, delta);
    return add(mul(0.5, square(quadratic)), mul(delta, sub(error, quadratic)));
  });
}

/** -label * log(p + epsilon) - (1 - label) * log(1 - p + epsilon). */
export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = 1e-7,
  reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('logLoss', 'labels', 'predictions', weights, labels, predictions, reduction, (l, p) =>
    sub(neg(mul(l, log(add(p, epsilon)))), mul(sub(1, l), log(add(sub(1, p), epsilon)))));
}

/** Per element, the sigmoid cross entropy of logits, in the form that cannot overflow; labels smoothed towards 1/2. */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0,
  reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('sigmoidCrossEntropy', 'multiClassLabels', 'logits', weights, multiClassLabels, logits, reduction, (l, x) => {
    const labels = labelSmoothing > 0 ? add(mul(l, 1 - labelSmoothing), 0.5 * labelSmoothing) : l;
    return add(sub(relu(x), mul(x, labels)), log1p(exp(neg(abs(x)))));
  });
}

/** Per row, the softmax cross entropy of logits along the last axis; labels smoothed towards uniform. */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0,
  reduction: Reduce = DEFAULT): Tensor {
  return weightedLoss('softmaxCrossEntropy', 'onehotLabels', 'logits', weights, onehotLabels, logits, reduction, (l, x) => {
    const labels = labelSmoothing > 0 ? add(mul(l, 1 - labelSmoothing), labelSmoothing / l.shape[1]) : l;
    return neg(sum(mul(labels, logSoftmax(x)), -1));
  });
}
