// tw.train: optimizers, learning-rate schedules, gradient clipping.
export {
  sgd, momentum, adam, adamw, adamax, rmsprop, adagrad, adadelta, optimizerFromName, optimizerFromConfig,
  SGDOptimizer, AdamOptimizer, AdamWOptimizer, AdamaxOptimizer, RMSPropOptimizer, AdagradOptimizer, AdadeltaOptimizer,
} from './optimizers.js';
export { Optimizer, clipGradients, type ClipOptions, type NamedGradients, type NamedWeight } from './optimizer.js';
export {
  exponentialDecay, inverseTimeDecay, piecewiseConstantDecay, polynomialDecay, cosineDecay, learningRateAt,
  type LearningRate, type LearningRateSchedule,
} from './schedules.js';
