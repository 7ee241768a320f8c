// From what the visitor dropped or picked to a converted model on the server:
// POST /api/uploads?filename=NAME with the file as the body, then the job's
// Server-Sent Events until it is done or failed (py/tensorweb/server/uploads.py).
import { zipFiles } from './zip.js';

/** The files a drop holds, folders walked, as {path, file} with '/' between folders. */
export async function droppedEntries(dataTransfer) {
  // Entries must be taken before the first await: the drop's item list is emptied after the event.
  const roots = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!roots.length) return [...dataTransfer.files].map((file) => ({ path: file.name, file }));
  const entries = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      entries.push({ path: prefix + entry.name, file: await new Promise((resolve, reject) => entry.file(resolve, reject)) });
      return;
    }
    const reader = entry.createReader();
    // readEntries gives a folder's entries in batches, then an empty one.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
    }
  };
  for (const root of roots) await walk(root, '');
  return entries;
}

/** The files a file input picked, as {path, file}. */
export function pickedEntries(fileList) {
  return [...fileList].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
const folderOf = (path) => path.slice(0, path.lastIndexOf('/') + 1);

/** Throws when a TF.js model.json among `entries` names weight files that are not beside it. */
async function checkShardsPresent(entries) {
  const paths = new Set(entries.map((e) => e.path));
  for (const { path, file } of entries.filter((e) => baseName(e.path) === 'model.json')) {
    let manifest;
    try {
      manifest = JSON.parse(await file.text()).weightsManifest ?? [];
    } catch (error) {
      throw new Error(`${path} is not valid JSON (${error.message})`);
    }
    const shards = manifest.flatMap((group) => group.paths ?? []);
    const missing = shards.filter((shard) => !paths.has(folderOf(path) + shard));
    if (missing.length) {
      throw new Error(`${path} needs its weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ` +
        'drop the model\'s folder, or pick model.json together with its .bin files.');
    }
  }
}

/**
 * What to upload for `entries`: one file goes as it is (the server judges its
 * kind); several files, or a folder, go as one zip named after the folder,
 * which the server unpacks (a TF.js model or a SavedModel).
 */
export async function uploadFor(entries) {
  if (!entries.length) throw new Error('Nothing to convert: no file was dropped or picked.');
  await checkShardsPresent(entries);
  if (entries.length === 1 && !entries[0].path.includes('/')) return { name: entries[0].file.name, body: entries[0].file };
  const topFolders = new Set(entries.map((e) => (e.path.includes('/') ? e.path.split('/')[0] : '')));
  const [onlyFolder] = topFolders;
  const stem = topFolders.size === 1 && onlyFolder ? onlyFolder : 'model';
  return { name: `${stem}.zip`, body: await zipFiles(entries) };
}

/**
 * Posts the upload, with `inputShapes` ("NAME:1,128", the converter's --input-shape)
 * for the server to pass on; resolves with its job ({id, events, ...}), rejects with its reason.
 */
export function sendUpload({ name, body }, inputShapes, onProgress) {
  return new Promise((resolve, reject) => {
    const query = new URLSearchParams([['filename', name], ...inputShapes.map((shape) => ['input_shape', shape])]);
    const request = new XMLHttpRequest();
    request.open('POST', `/api/uploads?${query}`);
    request.responseType = 'json';
    request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onload = () => {
      if (request.status === 202) resolve(request.response);
      else reject(new Error(`${name}: ${request.response?.error ?? `the server answered HTTP ${request.status}`}`));
    };
    request.onerror = () => reject(new Error(`${name}: the upload failed (the connection to the server broke)`));
    request.send(body);
  });
}

/** Follows a conversion job's events; resolves with the finished job ({state: 'done', model} or {state: 'failed', error}). */
export function followJob(job, { onLog, onProgress }) {
  return new Promise((resolve, reject) => {
    const events = new EventSource(job.events);
    events.addEventListener('log', (event) => onLog(JSON.parse(event.data)));
    // The converter's redrawn bar, e.g. "reading weights [#####.....] 50%".
    events.addEventListener('progress', (event) => {
      const bar = JSON.parse(event.data);
      const percent = /(\d+)%\s*$/.exec(bar);
      onProgress(bar, percent ? Number(percent[1]) / 100 : null);
    });
    for (const end of ['done', 'failed']) {
      events.addEventListener(end, (event) => {
        events.close();
        resolve(JSON.parse(event.data));
      });
    }
    events.onerror = () => {
      // EventSource retries by itself; it gives up (CLOSED) only when the server is gone.
      if (events.readyState === EventSource.CLOSED) reject(new Error(`${job.upload}: lost the server while it converted`));
    };
  });
}
