// tw.layers: Keras/TF.js layers as factories with TF.js's names, the model
// constructors, and loading saved models.
import type { IOHandler, LoadOptions } from '../io/types.js';
import { optimizerFromConfig } from '../train/optimizers.js';
import { MultiHeadAttention as Attention } from './attention.js';
import {
  Activation, Dense, Dropout, Embedding, Flatten, LeakyReLU, Permute, ReLU, RepeatVector, Rescaling, Reshape, Softmax, SpatialDropout1D,
} from './core.js';
import { Conv1D, Conv2D, Conv2DTranspose, Cropping2D, DepthwiseConv2D, SeparableConv2D, UpSampling2D, ZeroPadding2D } from './conv.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { LayersModel, Sequential } from './model.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D,
} from './pooling.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed } from './recurrent.js';
import { registerLayerClasses } from './registry.js';
import { InputLayer } from './topology.js';
import { loadArtifacts, modelFromArtifacts } from './io.js';
import type { LossFn } from '../train/losses.js';
import type { MetricFn } from '../train/metrics.js';

registerLayerClasses([
  InputLayer, LayersModel, Sequential,
  Dense, Activation, ReLU, LeakyReLU, Softmax, Dropout, SpatialDropout1D, Flatten, Reshape, Permute, RepeatVector, Embedding, Rescaling,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, Cropping2D, UpSampling2D,
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  BatchNormalization, LayerNormalization,
  Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
  SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Attention,
], {
  Model: 'Functional', Convolution1D: 'Conv1D', Convolution2D: 'Conv2D', Conv2DTranspose: 'Conv2DTranspose',
  MaxPool1D: 'MaxPooling1D', MaxPool2D: 'MaxPooling2D', AvgPool1D: 'AveragePooling1D', AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D', GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D', GlobalMaxPool2D: 'GlobalMaxPooling2D',
});

type Args<C extends abstract new (...args: never[]) => unknown> = ConstructorParameters<C>[0];
/** A factory `tw.layers.name(args)` for a layer class. */
const factory = <C extends new (args: never) => InstanceType<C>>(cls: C) => (args: Args<C>) => new cls(args as never);
const optionalFactory = <C extends new (args: never) => InstanceType<C>>(cls: C) => (args: Args<C> = {} as Args<C>) => new cls(args as never);

export const inputLayer = factory(InputLayer);
export const dense = factory(Dense);
export const activation = factory(Activation);
export const reLU = optionalFactory(ReLU);
export const leakyReLU = optionalFactory(LeakyReLU);
export const softmax = optionalFactory(Softmax);
export const dropout = factory(Dropout);
export const spatialDropout1d = factory(SpatialDropout1D);
export const flatten = optionalFactory(Flatten);
export const reshape = factory(Reshape);
export const permute = factory(Permute);
export const repeatVector = factory(RepeatVector);
export const embedding = factory(Embedding);
export const rescaling = factory(Rescaling);
export const conv1d = factory(Conv1D);
export const conv2d = factory(Conv2D);
export const conv2dTranspose = factory(Conv2DTranspose);
export const depthwiseConv2d = factory(DepthwiseConv2D);
export const separableConv2d = factory(SeparableConv2D);
export const zeroPadding2d = optionalFactory(ZeroPadding2D);
export const cropping2d = factory(Cropping2D);
export const upSampling2d = optionalFactory(UpSampling2D);
export const maxPooling1d = optionalFactory(MaxPooling1D);
export const maxPooling2d = optionalFactory(MaxPooling2D);
export const averagePooling1d = optionalFactory(AveragePooling1D);
export const averagePooling2d = optionalFactory(AveragePooling2D);
export const globalAveragePooling1d = optionalFactory(GlobalAveragePooling1D);
export const globalAveragePooling2d = optionalFactory(GlobalAveragePooling2D);
export const globalMaxPooling1d = optionalFactory(GlobalMaxPooling1D);
export const globalMaxPooling2d = optionalFactory(GlobalMaxPooling2D);
// TF.js's shorter aliases.
export const maxPool1d = maxPooling1d;
export const maxPool2d = maxPooling2d;
export const avgPool1d = averagePooling1d;
export const avgPool2d = averagePooling2d;
export const batchNormalization = optionalFactory(BatchNormalization);
export const layerNormalization = optionalFactory(LayerNormalization);
export const add = optionalFactory(Add);
export const subtract = optionalFactory(Subtract);
export const multiply = optionalFactory(Multiply);
export const average = optionalFactory(Average);
export const maximum = optionalFactory(Maximum);
export const minimum = optionalFactory(Minimum);
export const concatenate = optionalFactory(Concatenate);
export const simpleRNN = factory(SimpleRNN);
export const lstm = factory(LSTM);
export const gru = factory(GRU);
export const bidirectional = factory(Bidirectional);
export const timeDistributed = factory(TimeDistributed);
export const multiHeadAttention = factory(Attention);

export { sequential, model, LayersModel, Sequential } from './model.js';
export { input, InputLayer, Layer, LayerWeight, SymbolicTensor, type Shape, type LayerArgs, type CallArgs } from './topology.js';
export {
  Dense, Activation, ReLU, LeakyReLU, Softmax, Dropout, SpatialDropout1D, Flatten, Reshape, Permute, RepeatVector, Embedding, Rescaling,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, Cropping2D, UpSampling2D,
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
  GlobalMaxPooling2D, BatchNormalization, LayerNormalization, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
  SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed,
};
export { MultiHeadAttention } from './attention.js';
export { registerLayerClasses, deserializeLayer } from './registry.js';
export { initializers, Initializer } from './initializers.js';
export { l1, l2, l1l2, L1L2 } from './regularizers.js';
export { constraints, Constraint } from './constraints.js';
export { setSeed } from './random.js';
export { FORMAT, modelArtifacts } from './io.js';

/**
 * tw.loadLayersModel(url | handler, options): a layers model from model.json
 * (tensorweb's own saves, converted Keras and TF.js layers models), compiled
 * when the file has a training config, ready to predict and to train on.
 */
export async function loadLayersModel(source: string | IOHandler, options: LoadOptions = {}): Promise<LayersModel> {
  const artifacts = await loadArtifacts(source, options);
  return modelFromArtifacts(artifacts, (m, training) => {
    const optimizer = training.optimizerConfig as { className: string; config: Record<string, unknown> } | undefined;
    if (!optimizer) return;
    m.compile({
      optimizer: optimizerFromConfig(optimizer.className, optimizer.config),
      loss: training.loss as string | LossFn | string[],
      metrics: (training.metrics ?? []) as (string | MetricFn)[],
      lossWeights: training.lossWeights as number[] | undefined,
    });
  });
}
