// Saving and loading layers models in the "tensorweb-layers" format
// (converter/model.schema.json; converter/readers/keras/layers_format.py
// documents the topology): the Keras/TF.js topology with
// TF.js layer-argument configs, plus the weights through tw.io's handlers
// (URLs, downloads://, indexeddb://, localstorage://, memory, or any
// {save, load} object).
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { VERSION } from 'tensorweb:build-info';
import { decodeWeights, encodeWeights, loadHandlerFor, saveHandlerFor } from '../io/index.js';
import { FORMAT_VERSION, checkFormatVersion } from '../io/model_json.js';
import type { IOHandler, LoadOptions, ModelArtifacts, SaveResult } from '../io/types.js';
import type { LayersModel } from './model.js';
import { layerClass } from './registry.js';

export const FORMAT = 'tensorweb-layers';

export type SaveTarget = string | IOHandler;
export type { SaveResult, LoadOptions };

/** The training config of a compiled model whose loss and metrics are given by name (functions cannot be saved). */
function trainingConfig(model: LayersModel): Record<string, unknown> | undefined {
  const compiled = model.compiled;
  if (!compiled) return undefined;
  const named = (v: unknown) => typeof v === 'string';
  if (!compiled.lossIdentifiers.every(named) || !compiled.metricIdentifiers.flat().every(named)) return undefined;
  const { optimizer } = compiled;
  const rate = optimizer.learningRate;
  return {
    loss: compiled.lossIdentifiers.length === 1 ? compiled.lossIdentifiers[0] : compiled.lossIdentifiers,
    metrics: compiled.metricIdentifiers[0],
    lossWeights: compiled.lossWeights,
    optimizerConfig: {
      className: optimizer.className,
      config: {
        learningRate: typeof rate === 'number' ? rate : { className: rate.className, config: rate.config },
        ...optimizer.getConfig(), ...optimizer.clip,
      },
    },
  };
}

/** model.json's fields (all but the manifest) and the weights of `model`. */
export async function modelArtifacts(model: LayersModel): Promise<ModelArtifacts> {
  const weights = model.weights;
  const { weightSpecs, weightData } = await encodeWeights(weights.map((w) => ({ name: w.name, tensor: w.variable })));
  const signatureOf = (list: LayersModel['inputs']) => Object.fromEntries(list.map((t) => [t.sourceLayer.name,
    { dtype: t.dtype, shape: t.shape.map((d) => d ?? -1) }]));
  const training = trainingConfig(model);
  const metadata = model.getUserDefinedMetadata();
  return {
    modelJSON: {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      producer: { name: 'tensorweb', version: VERSION },
      modelTopology: { class_name: model.className, config: model.getConfig() },
      signature: { inputs: signatureOf(model.inputs), outputs: signatureOf(model.outputs) },
      trainable: weights.filter((w) => w.variable.trainable).map((w) => w.name),
      ...(training ? { trainingConfig: training } : {}),
      ...(metadata ? { userDefinedMetadata: metadata } : {}),
    },
    weightSpecs,
    weightData,
  };
}

export async function saveModel(model: LayersModel, target: SaveTarget): Promise<SaveResult> {
  return saveHandlerFor(target).save(await modelArtifacts(model));
}

interface Topology {
  class_name?: string;
  className?: string;
  config: unknown;
}

/**
 * Builds the model from the artifacts and sets its weights: by name
 * (`<layer>/<weight>`), else in each layer's weight order (files whose weight
 * names differ from tensorweb's). A saved training config compiles it.
 */
export function modelFromArtifacts(artifacts: ModelArtifacts, compileFrom: (model: LayersModel, training: Record<string, unknown>) => void): LayersModel {
  const { modelJSON } = artifacts;
  if (modelJSON.format !== FORMAT && modelJSON.format !== 'layers-model') {
    throw new Error(`tensorweb: loadLayersModel: format '${modelJSON.format}' is not a layers model ('${FORMAT}'); graph models load with tw.loadGraphModel`);
  }
  checkFormatVersion(modelJSON, 'loadLayersModel');
  const topology = modelJSON.modelTopology as Topology | undefined;
  const className = topology?.class_name ?? topology?.className;
  if (!topology || !className) throw new Error('tensorweb: loadLayersModel: model.json has no modelTopology {class_name, config}');
  const cls = layerClass(className === 'Model' ? 'Functional' : className) as unknown as { fromConfig?(config: unknown): LayersModel };
  if (!cls.fromConfig) throw new Error(`tensorweb: loadLayersModel: the topology is a '${className}', not a model`);
  const model = cls.fromConfig(topology.config);
  const stored = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
  const byName = new Map([...stored].map(([name, t]) => [name.replace(/:0$/, ''), t]));
  try {
    for (const layer of model.layers) {
      const own = layer.weights;
      if (own.length === 0) continue;
      const named = own.map((w) => byName.get(w.name));
      const inOrder = [...byName.keys()].filter((k) => k.startsWith(`${layer.name}/`));
      const values = named.every((t) => t) ? named as Tensor[] : inOrder.map((k) => byName.get(k)!);
      if (values.length !== own.length) {
        throw new Error(`tensorweb: loadLayersModel: layer '${layer.name}' has ${own.length} weights, the file has ${values.length} (${inOrder.join(', ') || 'none'})`);
      }
      layer.setWeights(values);
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    getEngine().dispose([...stored.values()]);
  }
  try {
    // Parsed from JSON, so only its type can be refused.
    model.setUserDefinedMetadata(modelJSON.userDefinedMetadata as Record<string, unknown> | undefined);
  } catch (error) {
    model.dispose();
    throw new Error(`tensorweb: loadLayersModel: model.json's userDefinedMetadata is not an object (${(error as Error).message})`);
  }
  const training = modelJSON.trainingConfig as Record<string, unknown> | undefined;
  if (training) compileFrom(model, training);
  return model;
}

export async function loadArtifacts(source: string | IOHandler, options: LoadOptions = {}): Promise<ModelArtifacts> {
  return loadHandlerFor(source, options).load();
}
