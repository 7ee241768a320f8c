// tw.io: model handlers (http, browserFiles, indexeddb://, localstorage://,
// downloads://, memory), the models kept in the browser (listModels, removeModel) and the
// weights manifest reader/writer, shared by graph and layers models.
export type {
  IOHandler, LoadHooks, LoadOptions, LoadProgress, ModelArtifacts, ModelArtifactsInfo, ModelFields, ModelJSON, Quantization, SaveResult, ShardEntry, WeightSpec, WeightsManifestGroup, FetchFunction,
} from './types.js';
export { http, HTTPRequest, type HTTPOptions } from './http.js';
export { browserFiles, BrowserFiles } from './browser_files.js';
export { BrowserDownloads } from './downloads.js';
export { BrowserIndexedDB, removeIndexedDBModel } from './indexeddb.js';
export { BrowserLocalStorage } from './local_storage.js';
export { fromMemory, withSaveHandler } from './memory.js';
export { listModels, loadHandlerFor, removeModel, saveHandlerFor } from './router.js';
export { readWeights, decodeWeights, encodeWeights, weightByteLength } from './weights.js';
export { FORMAT_VERSION, parseModelJSON, modelJSONFor } from './model_json.js';
export { sha256, sha256Hex } from './sha256.js';
