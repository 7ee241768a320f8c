// Picks the handler for a URL string: 'indexeddb://name', 'localstorage://name',
// 'downloads://name', anything else is fetched or POSTed over HTTP; and lists
// and removes the models kept in the browser (saved to IndexedDB or
// localStorage, or cached from HTTP).
import type { IOHandler, LoadOptions, ModelArtifactsInfo } from './types.js';
import { DOWNLOADS_SCHEME, BrowserDownloads } from './downloads.js';
import { INDEXEDDB_SCHEME, BrowserIndexedDB, listIndexedDBModels, removeStoredModel } from './indexeddb.js';
import { LOCAL_STORAGE_SCHEME, BrowserLocalStorage, listLocalStorageModels, removeLocalStorageModel } from './local_storage.js';
import { listCachedModels, removeCachedModel } from './model_cache.js';
import { HTTPRequest } from './http.js';

export function loadHandlerFor(urlOrHandler: string | IOHandler, options: LoadOptions = {}): IOHandler & { load: NonNullable<IOHandler['load']> } {
  if (typeof urlOrHandler !== 'string') {
    if (typeof urlOrHandler?.load !== 'function') throw new Error('tensorweb: the model handler has no load()');
    return urlOrHandler as IOHandler & { load: NonNullable<IOHandler['load']> };
  }
  if (urlOrHandler.startsWith(INDEXEDDB_SCHEME)) return new BrowserIndexedDB(urlOrHandler.slice(INDEXEDDB_SCHEME.length));
  if (urlOrHandler.startsWith(LOCAL_STORAGE_SCHEME)) return new BrowserLocalStorage(urlOrHandler.slice(LOCAL_STORAGE_SCHEME.length));
  if (urlOrHandler.startsWith(DOWNLOADS_SCHEME)) throw new Error('tensorweb: downloads:// can only save; load the files with tw.io.browserFiles');
  return new HTTPRequest(urlOrHandler, options);
}

export function saveHandlerFor(urlOrHandler: string | IOHandler): IOHandler & { save: NonNullable<IOHandler['save']> } {
  if (typeof urlOrHandler !== 'string') {
    if (typeof urlOrHandler?.save !== 'function') throw new Error('tensorweb: the model handler has no save()');
    return urlOrHandler as IOHandler & { save: NonNullable<IOHandler['save']> };
  }
  if (urlOrHandler.startsWith(INDEXEDDB_SCHEME)) return new BrowserIndexedDB(urlOrHandler.slice(INDEXEDDB_SCHEME.length));
  if (urlOrHandler.startsWith(LOCAL_STORAGE_SCHEME)) return new BrowserLocalStorage(urlOrHandler.slice(LOCAL_STORAGE_SCHEME.length));
  if (urlOrHandler.startsWith(DOWNLOADS_SCHEME)) return new BrowserDownloads(urlOrHandler.slice(DOWNLOADS_SCHEME.length) || 'model');
  return new HTTPRequest(urlOrHandler);
}

/**
 * tw.io.listModels(): the models kept in this browser, as TF.js's: those
 * saved under 'indexeddb://name' and 'localstorage://name', and those loaded
 * over HTTP and cached, by their model.json URL (once this page's cache
 * writes under way are done: a load does not wait for them).
 */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  return { ...await listIndexedDBModels(), ...listLocalStorageModels(), ...await listCachedModels() };
}

/**
 * tw.io.removeModel(url): deletes a kept model ('indexeddb://name',
 * 'localstorage://name', or a cached model.json URL with the shards no other
 * cached model lists) and returns its info; rejects naming the URL when there is none.
 */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const removed = url.startsWith(INDEXEDDB_SCHEME) ? await removeStoredModel(url.slice(INDEXEDDB_SCHEME.length))
    : url.startsWith(LOCAL_STORAGE_SCHEME) ? removeLocalStorageModel(url.slice(LOCAL_STORAGE_SCHEME.length))
      : await removeCachedModel(url);
  if (!removed) throw new Error(`tensorweb: io.removeModel: no model is kept under ${url} (tw.io.listModels() lists them)`);
  return removed;
}
