// The browser's copy of models loaded over HTTP, in the Cache API: each shard
// is kept under its sha256 from the manifest, so a second visit fetches only
// model.json and reads the shards from here, through the same length and
// hash checks (an entry that fails them is deleted and fetched again). A
// model.json that lists other shards (the model changed on the server) gets
// them fetched, and shards that no cached model lists any more are deleted.
import type { ModelArtifactsInfo, ModelJSON, ShardEntry } from './types.js';
import { artifactsInfo, withoutManifest } from './model_json.js';
import { type ShardStore, manifestWeightSpecs } from './weights.js';

const CACHE_NAME = 'tensorweb-models';
/** Shards are keyed under this origin (reserved, never fetched); every other key is a model.json URL. */
const SHARD_KEYS = 'https://shards.tensorweb.invalid/sha256/';
const CACHED_AT = 'x-tensorweb-cached-at';

/** Whether this environment has the Cache API (browsers in secure contexts, their workers). */
export function canCacheModels(): boolean {
  return typeof caches !== 'undefined';
}

function openCache(): Promise<Cache> {
  if (!canCacheModels()) throw new Error('tensorweb: the model cache needs the Cache API, which this environment lacks (an insecure context?)');
  return caches.open(CACHE_NAME);
}

function shardKey(sha256: string): string {
  return SHARD_KEYS + sha256.toLowerCase();
}

/** The shards of one model.json that can be cached: those whose manifest entry has a sha256. */
function hashedShards(model: ModelJSON): ShardEntry[] {
  return (model.weightsManifest ?? []).flatMap((group) => group.shards ?? []).filter((shard) => shard.sha256 !== undefined);
}

/** The shards of one model being loaded: read from the cache, or put there once fetched and checked. */
export class ShardCache implements ShardStore {
  private constructor(private readonly cache: Cache) {}

  static async open(): Promise<ShardCache> {
    return new ShardCache(await openCache());
  }

  /** The cached bytes of `shard` (unchecked: the caller checks length and hash), or null. */
  async read(shard: ShardEntry): Promise<ReadableStream<Uint8Array> | null> {
    if (shard.sha256 === undefined) return null;
    const response = await this.cache.match(shardKey(shard.sha256));
    return response?.body ?? null;
  }

  /** Keeps the checked bytes of `shard`. */
  async write(shard: ShardEntry, bytes: Uint8Array): Promise<void> {
    if (shard.sha256 === undefined) return;
    await this.cache.put(shardKey(shard.sha256), new Response(bytes as Uint8Array<ArrayBuffer>,
      { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }));
  }

  /** Deletes a cached shard whose bytes failed the checks. */
  async drop(shard: ShardEntry): Promise<void> {
    if (shard.sha256 !== undefined) await this.cache.delete(shardKey(shard.sha256));
  }

  /**
   * Records `model` (as fetched from `url`, whose shards are now cached) and
   * deletes the shards no cached model lists, such as a changed model's old ones.
   */
  async recordModel(url: string, modelJSONText: string, model: ModelJSON): Promise<void> {
    // A manifest without a sha256 for each shard (a TF.js converter's) is not recorded, so its shards are dropped.
    const shardCount = (model.weightsManifest ?? []).reduce((total, group) => total + group.paths.length, 0);
    if (shardCount > 0 && hashedShards(model).length === shardCount) {
      await this.cache.put(url, new Response(modelJSONText, {
        headers: { 'content-type': 'application/json', [CACHED_AT]: new Date().toISOString() },
      }));
    }
    await deleteUnlistedShards(this.cache);
  }
}

async function deleteUnlistedShards(cache: Cache): Promise<void> {
  const listed = new Set<string>();
  const shardRequests: Request[] = [];
  for (const request of await cache.keys()) {
    if (request.url.startsWith(SHARD_KEYS)) {
      shardRequests.push(request);
      continue;
    }
    const model = await cachedModel(cache, request);
    for (const shard of model ? hashedShards(model.json) : []) listed.add(shardKey(shard.sha256!));
  }
  await Promise.all(shardRequests.filter((request) => !listed.has(request.url)).map((request) => cache.delete(request)));
}

/** A cached model.json and its info, or null. */
async function cachedModel(cache: Cache, request: Request | string): Promise<{ json: ModelJSON; info: ModelArtifactsInfo } | null> {
  const response = await cache.match(request);
  if (!response) return null;
  const json = JSON.parse(await response.text()) as ModelJSON;
  const cachedAt = response.headers.get(CACHED_AT);
  const info = artifactsInfo(withoutManifest(json), manifestWeightSpecs(json.weightsManifest ?? []),
    hashedShards(json).reduce((total, shard) => total + (shard.byteLength ?? 0), 0), cachedAt ? new Date(cachedAt) : undefined);
  return { json, info };
}

/** The cached models by model.json URL. */
export async function listCachedModels(): Promise<Record<string, ModelArtifactsInfo>> {
  if (!canCacheModels()) return {};
  const cache = await openCache();
  const models: Record<string, ModelArtifactsInfo> = {};
  for (const request of await cache.keys()) {
    if (request.url.startsWith(SHARD_KEYS)) continue;
    const model = await cachedModel(cache, request);
    if (model) models[request.url] = model.info;
  }
  return models;
}

/** Removes the cached model loaded from `url` and the shards only it listed; null if none was cached. */
export async function removeCachedModel(url: string): Promise<ModelArtifactsInfo | null> {
  if (!canCacheModels()) return null;
  const cache = await openCache();
  const model = await cachedModel(cache, url);
  if (!model) return null;
  await cache.delete(url);
  await deleteUnlistedShards(cache);
  return model.info;
}
