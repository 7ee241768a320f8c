// The browser's copy of models loaded over HTTP, in the Cache API: each shard
// is kept under its sha256 from the manifest, so a second visit fetches only
// model.json and reads the shards from here, through the same length and
// hash checks (an entry that fails them is deleted and fetched again). A
// model.json that lists other shards (the model changed on the server) gets
// them fetched, and shards that no cached model lists any more are deleted.
// A load does not wait for its writes: they start when the loader's
// `writesMayStart` says (a graph model's: after its first run, the device
// idle, so that the writes, the browser's disk work, share the CPU with
// neither), meanwhile this page reads the shards from the copies held for
// writing, and listing or removing models waits for the writes under way.
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

/** Copies of checked shards waiting to be written, and their writes, by cache key: this page's loads read them meanwhile. */
const unwritten = new Map<string, { bytes: Uint8Array<ArrayBuffer>; written: Promise<void> }>();
/** Keys of shards written or waiting whose model.json is not recorded yet: no cleanup deletes them meanwhile. */
const unrecorded = new Map<string, number>();
/** Writes and records under way, which listing and removing models wait for. */
const cacheWork = new Set<Promise<void>>();

function track(work: Promise<void>): void {
  cacheWork.add(work);
  void work.finally(() => cacheWork.delete(work));
}

async function settleCacheWork(): Promise<void> {
  while (cacheWork.size > 0) await Promise.allSettled([...cacheWork]);
}

function countUnrecorded(key: string, change: 1 | -1): void {
  const count = (unrecorded.get(key) ?? 0) + change;
  if (count > 0) unrecorded.set(key, count);
  else unrecorded.delete(key);
}

/** The shards of one model.json that can be cached: those whose manifest entry has a sha256. */
function hashedShards(model: ModelJSON): ShardEntry[] {
  return (model.weightsManifest ?? []).flatMap((group) => group.shards ?? []).filter((shard) => shard.sha256 !== undefined);
}

/** The shards of one model being loaded: read from the cache, or put there once fetched and checked. */
export class ShardCache implements ShardStore {
  /** This load's shard writes, and their keys. */
  private readonly writes: Promise<void>[] = [];
  private readonly keys: string[] = [];

  private constructor(private readonly cache: Cache, private readonly writesMayStart: () => Promise<void>) {}

  /** `writesMayStart` resolves when the shard writes may begin (at once by default). */
  static async open(writesMayStart: () => Promise<void> = () => Promise.resolve()): Promise<ShardCache> {
    return new ShardCache(await openCache(), writesMayStart);
  }

  /** The cached bytes of `shard`, or a copy of those waiting to be written (unchecked: the caller checks length and hash), or null. */
  async read(shard: ShardEntry): Promise<ReadableStream<Uint8Array> | ArrayBuffer | null> {
    if (shard.sha256 === undefined) return null;
    const key = shardKey(shard.sha256);
    const waiting = unwritten.get(key);
    if (waiting) {
      // This load's record of its model waits for that write too.
      this.writes.push(waiting.written);
      return waiting.bytes.slice().buffer;
    }
    const response = await this.cache.match(key);
    return response?.body ?? null;
  }

  /** Copies the checked bytes of `shard` and writes them once `writesMayStart` resolves; a failure only warns. */
  write(shard: ShardEntry, bytes: Uint8Array): void {
    if (shard.sha256 === undefined) return;
    const key = shardKey(shard.sha256);
    const copy = bytes.slice();
    countUnrecorded(key, 1);
    this.keys.push(key);
    const written = (async () => {
      await this.writesMayStart();
      await this.cache.put(key, new Response(copy,
        { headers: { 'content-type': 'application/octet-stream', 'content-length': String(copy.byteLength) } }));
    })().catch((error: Error) =>
      console.warn(`tensorweb: shard '${shard.path}' could not be cached (${error.message}); it is fetched again next time`),
    ).finally(() => {
      if (unwritten.get(key)?.bytes === copy) unwritten.delete(key);
    });
    unwritten.set(key, { bytes: copy, written });
    this.writes.push(written);
    track(written);
  }

  /** Deletes a cached shard whose bytes failed the checks. */
  async drop(shard: ShardEntry): Promise<void> {
    if (shard.sha256 !== undefined) await this.cache.delete(shardKey(shard.sha256));
  }

  /**
   * Once this load's shard writes are done, records `model` (as fetched from
   * `url`) and deletes the shards no cached model lists, such as a changed
   * model's old ones; a failure only warns. The load does not wait for it.
   */
  recordOnceWritten(url: string, modelJSONText: string, model: ModelJSON): void {
    track(Promise.all(this.writes)
      .then(() => this.recordModel(url, modelJSONText, model))
      .catch((error: Error) => console.warn(`tensorweb: ${url} could not be recorded in the model cache (${error.message})`))
      .finally(() => this.keys.forEach((key) => countUnrecorded(key, -1))));
  }

  /** After a failed load: once its writes are done, a later cleanup may delete its shards, which no model lists. */
  abandon(): void {
    track(Promise.allSettled(this.writes).then(() => this.keys.forEach((key) => countUnrecorded(key, -1))));
  }

  private async recordModel(url: string, modelJSONText: string, model: ModelJSON): Promise<void> {
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
      if (!unrecorded.has(request.url)) shardRequests.push(request);
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
  await settleCacheWork();
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
  await settleCacheWork();
  const cache = await openCache();
  const model = await cachedModel(cache, url);
  if (!model) return null;
  await cache.delete(url);
  await deleteUnlistedShards(cache);
  return model.info;
}
