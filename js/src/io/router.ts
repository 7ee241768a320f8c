// Picks the handler for a URL string: 'indexeddb://name', 'downloads://name',
// anything else is fetched or POSTed over HTTP.
import type { IOHandler, LoadOptions } from './types.js';
import { DOWNLOADS_SCHEME, BrowserDownloads } from './downloads.js';
import { INDEXEDDB_SCHEME, BrowserIndexedDB } from './indexeddb.js';
import { HTTPRequest } from './http.js';

export function loadHandlerFor(urlOrHandler: string | IOHandler, options: LoadOptions = {}): IOHandler & { load: NonNullable<IOHandler['load']> } {
  if (typeof urlOrHandler !== 'string') {
    if (typeof urlOrHandler?.load !== 'function') throw new Error('tensorweb: the model handler has no load()');
    return urlOrHandler as IOHandler & { load: NonNullable<IOHandler['load']> };
  }
  if (urlOrHandler.startsWith(INDEXEDDB_SCHEME)) return new BrowserIndexedDB(urlOrHandler.slice(INDEXEDDB_SCHEME.length));
  if (urlOrHandler.startsWith(DOWNLOADS_SCHEME)) throw new Error('tensorweb: downloads:// can only save; load the files with tw.io.browserFiles');
  return new HTTPRequest(urlOrHandler, options);
}

export function saveHandlerFor(urlOrHandler: string | IOHandler): IOHandler & { save: NonNullable<IOHandler['save']> } {
  if (typeof urlOrHandler !== 'string') {
    if (typeof urlOrHandler?.save !== 'function') throw new Error('tensorweb: the model handler has no save()');
    return urlOrHandler as IOHandler & { save: NonNullable<IOHandler['save']> };
  }
  if (urlOrHandler.startsWith(INDEXEDDB_SCHEME)) return new BrowserIndexedDB(urlOrHandler.slice(INDEXEDDB_SCHEME.length));
  if (urlOrHandler.startsWith(DOWNLOADS_SCHEME)) return new BrowserDownloads(urlOrHandler.slice(DOWNLOADS_SCHEME.length) || 'model');
  return new HTTPRequest(urlOrHandler);
}
