// What model handlers exchange, shaped as TensorFlow.js's io types so that
// graph and layers models (and user-written handlers) share them.

/** TF.js's quantisation entry; tensorweb adds per-channel vectors along `axis`. */
export interface Quantization {
  dtype: 'float16' | 'uint8' | 'uint16';
  min?: number | number[];
  scale?: number | number[];
  axis?: number;
  original_dtype?: string;
}

/** One weight in a manifest: its bytes follow the previous weight's in the shards. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'float16';
  quantization?: Quantization;
}

export interface ShardEntry {
  path: string;
  byteLength?: number;
  sha256?: string;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
  /** tensorweb's addition: each shard's byte length and sha256, for checking what was fetched. */
  shards?: ShardEntry[];
}

/** model.json's fields but the manifest: `format` picks the model kind; the rest passes through. */
export interface ModelFields {
  format: string;
  formatVersion?: number;
  [field: string]: unknown;
}

export interface ModelJSON extends ModelFields {
  weightsManifest?: WeightsManifestGroup[];
}

/** A model in memory: model.json without its manifest, the weights' specs and their bytes end to end. */
export interface ModelArtifacts {
  modelJSON: ModelFields;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

/** A stored model's sizes, as TF.js's tf.io.listModels reports them. */
export interface ModelArtifactsInfo {
  /** When it was saved or cached; absent for IndexedDB models saved before tensorweb recorded it. */
  dateSaved?: Date;
  modelTopologyType: 'JSON';
  /** Bytes of model.json without its weights manifest. */
  modelTopologyBytes: number;
  weightSpecsBytes: number;
  weightDataBytes: number;
}

export interface SaveResult {
  /** Where the model went, per handler ('downloads://name', an IndexedDB key, a URL). */
  location: string;
  modelJSONBytes: number;
  weightDataBytes: number;
  /** The server's responses (http handler). */
  responses?: Response[];
}

/** What a loader may learn before `load` resolves. */
export interface LoadHooks {
  /**
   * Called once model.json is read and before the weights are: the weight
   * specs tell a graph model what to prepare (its pipelines) while the
   * shards download. Handlers that read everything at once may not call it.
   */
  onModelJSON?(modelJSON: ModelFields, weightSpecs: WeightSpec[]): void;
  /**
   * Resolves when the handler may write what it keeps of this load (the
   * browser's model cache), so that the writes do not slow what follows the
   * load; at once when absent. The load does not wait for those writes.
   */
  cacheWritesMayStart?(): Promise<void>;
}

export interface IOHandler {
  load?(hooks?: LoadHooks): Promise<ModelArtifacts>;
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
}

export type FetchFunction = (url: string, init?: RequestInit) => Promise<Response>;

/** onProgress's second argument: each part of a load on its own. */
export interface LoadProgress {
  /** Fraction of the weight bytes received, 0 to 1. */
  weights: number;
  /** Pipelines compiled ahead so far (tw.loadGraphModel on WebGPU), of `pipelinesTotal`; 0 of 0 where none are. */
  pipelinesCompiled: number;
  pipelinesTotal: number;
}

export interface LoadOptions {
  /**
   * Called as the load advances with the fraction done, from 0 to 1: the
   * weight bytes received, or, where pipelines compile ahead, the mean of
   * that and the fraction of pipelines compiled.
   */
  onProgress?: (fraction: number, progress: LoadProgress) => void;
  /** Replaces the global fetch (node tests, custom transports). */
  fetchFunc?: FetchFunction;
  /** Shards are fetched from here instead of model.json's folder. */
  weightPathPrefix?: string;
  /** Passed to every fetch (headers, credentials). */
  requestInit?: RequestInit;
  /**
   * Over HTTP, keep the shards in the browser's Cache API storage, keyed by
   * their manifest sha256, and read them from there on later loads (default
   * true where the Cache API exists: secure contexts); false neither reads nor writes it.
   */
  cache?: boolean;
}
