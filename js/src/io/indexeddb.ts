// 'indexeddb://name': keeps a model's artifacts in the page's IndexedDB.
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';

export const INDEXEDDB_SCHEME = 'indexeddb://';
const DATABASE = 'tensorweb-models';
const STORE = 'models';

function openDatabase(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') throw new Error('tensorweb: indexeddb:// needs IndexedDB, which this environment lacks');
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs one request in a transaction on the store and resolves with its result once the transaction completes. */
async function withStore<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = act(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export class BrowserIndexedDB implements IOHandler {
  constructor(readonly name: string) {
    if (!name) throw new Error('tensorweb: indexeddb:// needs a model name');
  }

  async save(artifacts: ModelArtifacts): Promise<SaveResult> {
    await withStore('readwrite', (store) => store.put(artifacts, this.name));
    return {
      location: `${INDEXEDDB_SCHEME}${this.name}`,
      modelJSONBytes: JSON.stringify(artifacts.modelJSON).length, weightDataBytes: artifacts.weightData.byteLength,
    };
  }

  async load(): Promise<ModelArtifacts> {
    const stored = await withStore('readonly', (store) => store.get(this.name) as IDBRequest<ModelArtifacts | undefined>);
    if (!stored) throw new Error(`tensorweb: no model named '${this.name}' in IndexedDB`);
    return stored;
  }
}

/** Deletes a model saved under indexeddb://name; resolves false if there was none. */
export async function removeIndexedDBModel(name: string): Promise<boolean> {
  const existing = await withStore('readonly', (store) => store.count(name));
  if (existing === 0) return false;
  await withStore('readwrite', (store) => store.delete(name));
  return true;
}
