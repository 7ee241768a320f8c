// 'localstorage://name': keeps a model's artifacts in the page's localStorage
// under TF.js's keys, so that a model either library saved there loads in the
// other. Under the prefix 'tensorflowjs_models/<name>/':
//   info            ModelArtifactsInfo as JSON (what tw.io.listModels reports)
//   model_topology  model.json's modelTopology as JSON (null for tensorweb's
//                   graph format, which keeps its graph under `topology`)
//   weight_specs    the weight specs as JSON
//   weight_data     the weights' bytes end to end, base64
//   model_metadata  every other model.json field as JSON: TF.js's format,
//                   generatedBy, convertedBy, signature, userDefinedMetadata,
//                   modelInitializer, initializerSignature, trainingConfig,
//                   and tensorweb's own (formatVersion, producer, topology...)
// localStorage holds a few MB per origin, so this suits small models.
import type { IOHandler, ModelArtifacts, ModelArtifactsInfo, ModelFields, SaveResult, WeightSpec } from './types.js';
import { artifactsInfo } from './model_json.js';

export const LOCAL_STORAGE_SCHEME = 'localstorage://';
const PREFIX = 'tensorflowjs_models/';
const INFO = 'info';
// In the order saved: info last, so that a model is listed only once all of it is written.
const SUFFIXES = ['model_topology', 'weight_specs', 'weight_data', 'model_metadata', INFO] as const;
type Suffix = typeof SUFFIXES[number];

/** The page's localStorage, or null where there is none or the page may not use it (a sandboxed frame, storage blocked). */
function localStorageOrNull(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function storage(): Storage {
  const store = localStorageOrNull();
  if (!store) throw new Error('tensorweb: localstorage:// needs localStorage, which this environment lacks or blocks (a worker, node, a sandboxed frame?)');
  return store;
}

function keyOf(name: string, suffix: Suffix): string {
  return `${PREFIX}${name}/${suffix}`;
}

// btoa takes a binary string; building it in chunks keeps the argument lists short.
const CHUNK = 8192;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

function fromBase64(text: string, key: string): ArrayBuffer {
  let binary: string;
  try {
    binary = atob(text);
  } catch (error) {
    throw new Error(`tensorweb: localStorage key '${key}' is not base64 (${(error as Error).message})`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** The info TF.js and tensorweb write, with dateSaved as a Date again. */
function parseInfo(text: string, key: string): ModelArtifactsInfo {
  const info = parseJSON(text, key) as ModelArtifactsInfo & { dateSaved?: string | Date };
  if (info === null || typeof info !== 'object') throw new Error(`tensorweb: localStorage key '${key}' is not a model's info object`);
  return { ...info, dateSaved: info.dateSaved === undefined ? undefined : new Date(info.dateSaved) };
}

function parseJSON(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`tensorweb: localStorage key '${key}' is not valid JSON (${(error as Error).message})`);
  }
}

export class BrowserLocalStorage implements IOHandler {
  constructor(readonly name: string) {
    if (!name) throw new Error('tensorweb: localstorage:// needs a model name');
  }

  /**
   * Writes the five keys. A failure (the quota, mostly) puts back what they
   * held before, a model saved earlier under this name or nothing, and
   * rejects naming the model and its sizes.
   */
  async save(artifacts: ModelArtifacts): Promise<SaveResult> {
    const store = storage();
    const { modelTopology, ...metadata } = artifacts.modelJSON;
    const info = artifactsInfo(artifacts.modelJSON, artifacts.weightSpecs, artifacts.weightData.byteLength, new Date());
    const values: Record<Suffix, string> = {
      model_topology: JSON.stringify(modelTopology ?? null),
      weight_specs: JSON.stringify(artifacts.weightSpecs),
      weight_data: toBase64(new Uint8Array(artifacts.weightData)),
      model_metadata: JSON.stringify(metadata),
      info: JSON.stringify(info),
    };
    const keys = SUFFIXES.map((suffix) => keyOf(this.name, suffix));
    const before = keys.map((key) => store.getItem(key));
    try {
      SUFFIXES.forEach((suffix, i) => store.setItem(keys[i], values[suffix]));
    } catch (error) {
      for (const key of keys) store.removeItem(key);
      keys.forEach((key, i) => { if (before[i] !== null) store.setItem(key, before[i]!); });
      const characters = Object.values(values).reduce((total, value) => total + value.length, 0);
      throw new Error(`tensorweb: could not save model '${this.name}' to localStorage (${(error as Error).name}: ` +
        `${(error as Error).message}); its ${characters} characters (model.json ${info.modelTopologyBytes} bytes, weight specs ` +
        `${info.weightSpecsBytes} bytes, weight data ${info.weightDataBytes} bytes as base64) probably exceed the ` +
        `origin's quota of a few MB; the keys under '${PREFIX}${this.name}/' hold what they held before. ` +
        'Save larger models to indexeddb:// instead');
    }
    return {
      location: `${LOCAL_STORAGE_SCHEME}${this.name}`,
      modelJSONBytes: JSON.stringify(artifacts.modelJSON).length, weightDataBytes: artifacts.weightData.byteLength,
    };
  }

  async load(): Promise<ModelArtifacts> {
    const store = storage();
    const read = (suffix: Suffix) => {
      const key = keyOf(this.name, suffix);
      const text = store.getItem(key);
      if (text === null) {
        throw new Error(suffix === INFO
          ? `tensorweb: no model named '${this.name}' in localStorage (no key '${key}'; tw.io.listModels() lists the saved ones)`
          : `tensorweb: model '${this.name}' in localStorage is incomplete: key '${key}' is missing`);
      }
      return { key, text };
    };
    const info = read(INFO);
    const { modelTopologyType } = parseInfo(info.text, info.key);
    if (modelTopologyType !== 'JSON') {
      throw new Error(`tensorweb: model '${this.name}' in localStorage has a '${modelTopologyType}' topology; only JSON ones load`);
    }
    const topology = read('model_topology');
    const specs = read('weight_specs');
    const metadata = read('model_metadata');
    const data = read('weight_data');
    const fields = parseJSON(metadata.text, metadata.key) as ModelFields | null;
    if (typeof fields?.format !== 'string') throw new Error(`tensorweb: localStorage key '${metadata.key}' has no "format" string`);
    const weightSpecs = parseJSON(specs.text, specs.key) as WeightSpec[];
    if (!Array.isArray(weightSpecs)) throw new Error(`tensorweb: localStorage key '${specs.key}' is not a list of weight specs`);
    const modelTopology = parseJSON(topology.text, topology.key);
    return {
      modelJSON: modelTopology === null ? fields : { ...fields, modelTopology },
      weightSpecs,
      weightData: fromBase64(data.text, data.key),
    };
  }
}

/** The models saved in localStorage, by 'localstorage://name'. */
export function listLocalStorageModels(): Record<string, ModelArtifactsInfo> {
  const store = localStorageOrNull();
  if (!store) return {};
  const listed: Record<string, ModelArtifactsInfo> = {};
  const suffix = `/${INFO}`;
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i)!;
    if (key.startsWith(PREFIX) && key.endsWith(suffix) && key.length > PREFIX.length + suffix.length) {
      listed[`${LOCAL_STORAGE_SCHEME}${key.slice(PREFIX.length, -suffix.length)}`] = parseInfo(store.getItem(key)!, key);
    }
  }
  return listed;
}

/** Deletes a model saved under localstorage://name and returns its info; null if there was none. */
export function removeLocalStorageModel(name: string): ModelArtifactsInfo | null {
  const store = localStorageOrNull();
  const infoKey = keyOf(name, INFO);
  const text = store?.getItem(infoKey);
  if (!store || text == null) return null;
  const info = parseInfo(text, infoKey);
  for (const suffix of SUFFIXES) store.removeItem(keyOf(name, suffix));
  return info;
}
