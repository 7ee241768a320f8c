// From what the visitor dropped or picked to the one file the server's upload
// takes (sent by the server's own /_tensorweb/uploads.js): a model file as it
// is, or several files or a folder zipped.
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
