// tw.io.http(url): loads model.json and its shards over fetch (shards through
// the browser's model cache, ./model_cache.ts, unless options.cache is false),
// and saves a model by POSTing model.json and its weights as a multipart form, as TF.js does.
import type { FetchFunction, IOHandler, LoadHooks, LoadOptions, ModelArtifacts, SaveResult } from './types.js';
import { modelJSONFor, parseModelJSON, withoutManifest } from './model_json.js';
import { manifestWeightSpecs, readWeights } from './weights.js';
import { ShardCache, canCacheModels } from './model_cache.js';

export interface HTTPOptions extends LoadOptions {
  /** The HTTP method for save (default POST). */
  method?: string;
}

export class HTTPRequest implements IOHandler {
  private readonly fetchFunc: FetchFunction;

  constructor(readonly url: string, private readonly options: HTTPOptions = {}) {
    if (typeof url !== 'string' || url === '') throw new Error('tensorweb: io.http needs the URL of model.json');
    const fetchFunc = options.fetchFunc ?? globalThis.fetch?.bind(globalThis);
    if (!fetchFunc) throw new Error('tensorweb: io.http: no fetch here; pass options.fetchFunc');
    this.fetchFunc = fetchFunc;
  }

  async load(hooks: LoadHooks = {}): Promise<ModelArtifacts> {
    const { requestInit, onProgress } = this.options;
    const cache = this.options.cache !== false && canCacheModels() ? await ShardCache.open(hooks.cacheWritesMayStart) : null;
    // model.json is always asked of the server (revalidated, not taken from the HTTP cache): it says whether the model changed.
    const response = await this.fetchOrExplain(this.url, cache ? { cache: 'no-cache', ...requestInit } : requestInit, 'model.json');
    const text = await response.text();
    const model = parseModelJSON(text, this.url);
    hooks.onModelJSON?.(withoutManifest(model), manifestWeightSpecs(model.weightsManifest ?? []));
    const path = this.url.split(/[?#]/)[0]; // shards sit beside model.json, whatever its query says
    const prefix = this.options.weightPathPrefix ?? path.slice(0, path.lastIndexOf('/') + 1);
    const { weightSpecs, weightData } = await readWeights(model.weightsManifest ?? [], async (path, signal) => {
      // The caller's own signal (requestInit.signal) still cancels shard fetches.
      const both = requestInit?.signal ? AbortSignal.any([requestInit.signal, signal]) : signal;
      const shard = await this.fetchOrExplain(joinPath(prefix, path), { ...requestInit, signal: both }, `shard '${path}'`);
      return shard.body ?? shard.arrayBuffer();
    }, onProgress, cache ?? undefined).catch((error: unknown) => {
      cache?.abandon();
      throw error;
    });
    cache?.recordOnceWritten(this.url, text, model);
    return { modelJSON: withoutManifest(model), weightSpecs, weightData };
  }

  async save(artifacts: ModelArtifacts): Promise<SaveResult> {
    const weightsPath = 'model.weights.bin';
    const modelJSON = JSON.stringify(await modelJSONFor(artifacts, weightsPath));
    const form = new FormData();
    form.append('model.json', new Blob([modelJSON], { type: 'application/json' }), 'model.json');
    form.append(weightsPath, new Blob([artifacts.weightData], { type: 'application/octet-stream' }), weightsPath);
    const response = await this.fetchOrExplain(this.url,
      { ...this.options.requestInit, method: this.options.method ?? 'POST', body: form }, 'the save request');
    return { location: this.url, modelJSONBytes: new Blob([modelJSON]).size, weightDataBytes: artifacts.weightData.byteLength, responses: [response] };
  }

  /** fetch, with network failures and non-2xx answers turned into errors naming `what`. */
  private async fetchOrExplain(url: string, init: RequestInit | undefined, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchFunc(url, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new Error(`tensorweb: cannot fetch ${what} from ${url}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`tensorweb: ${what} is missing: ${url} answered HTTP ${response.status}`);
    }
    return response;
  }
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '' || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path;
  return prefix.endsWith('/') ? prefix + path : `${prefix}/${path}`;
}

/** tw.io.http(url, options): a handler that loads from and saves to `url`. */
export function http(url: string, options?: HTTPOptions): HTTPRequest {
  return new HTTPRequest(url, options);
}
