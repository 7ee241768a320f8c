// 'indexeddb://name': keeps a model's artifacts in the page's IndexedDB.
import type { IOHandler, ModelArtifacts, ModelArtifactsInfo, SaveResult } from './types.js';
import { artifactsInfo } from './model_json.js';

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

/** What the store keeps under a name: the artifacts and when they were saved (absent in records older than that field). */
interface StoredModel extends ModelArtifacts {
  dateSaved?: Date;
}

export class BrowserIndexedDB implements IOHandler {
  constructor(readonly name: string) {
    if (!name) throw new Error('tensorweb: indexeddb:// needs a model name');
  }

  async save(artifacts: ModelArtifacts): Promise<SaveResult> {
    const record: StoredModel = { ...artifacts, dateSaved: new Date() };
    await withStore('readwrite', (store) => store.put(record, this.name));
    return {
      location: `${INDEXEDDB_SCHEME}${this.name}`,
      modelJSONBytes: JSON.stringify(artifacts.modelJSON).length, weightDataBytes: artifacts.weightData.byteLength,
    };
  }

  async load(): Promise<ModelArtifacts> {
    const stored = await withStore('readonly', (store) => store.get(this.name) as IDBRequest<StoredModel | undefined>);
    if (!stored) throw new Error(`tensorweb: no model named '${this.name}' in IndexedDB`);
    const { dateSaved: _dateSaved, ...artifacts } = stored;
    return artifacts;
  }
}

function infoOf(stored: StoredModel): ModelArtifactsInfo {
  return artifactsInfo(stored.modelJSON, stored.weightSpecs, stored.weightData.byteLength, stored.dateSaved);
}

/** The models saved in IndexedDB, by 'indexeddb://name'. */
export async function listIndexedDBModels(): Promise<Record<string, ModelArtifactsInfo>> {
  if (typeof indexedDB === 'undefined') return {};
  const [names, records] = await Promise.all([
    withStore('readonly', (store) => store.getAllKeys()),
    withStore('readonly', (store) => store.getAll() as IDBRequest<StoredModel[]>),
  ]);
  return Object.fromEntries(names.map((name, i) => [`${INDEXEDDB_SCHEME}${String(name)}`, infoOf(records[i])]));
}

/** Deletes a model saved under indexeddb://name; resolves false if there was none. */
export async function removeIndexedDBModel(name: string): Promise<boolean> {
  return (await removeStoredModel(name)) !== null;
}

/** Deletes a model saved under indexeddb://name and returns its info; null if there was none. */
export async function removeStoredModel(name: string): Promise<ModelArtifactsInfo | null> {
  const stored = await withStore('readonly', (store) => store.get(name) as IDBRequest<StoredModel | undefined>);
  if (!stored) return null;
  await withStore('readwrite', (store) => store.delete(name));
  return infoOf(stored);
}
