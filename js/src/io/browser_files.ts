// tw.io.browserFiles(files): loads a model from files a user picked (an
// <input type=file multiple>): model.json plus its shards, matched by name.
import type { IOHandler, LoadHooks, LoadOptions, ModelArtifacts } from './types.js';
import { parseModelJSON, withoutManifest } from './model_json.js';
import { manifestWeightSpecs, readWeights } from './weights.js';

/** The last path segment: manifests may write './group1-shard1of1.bin'. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class BrowserFiles implements IOHandler {
  constructor(private readonly files: readonly File[], private readonly options: LoadOptions = {}) {
    if (!Array.isArray(files) || files.length === 0) throw new Error('tensorweb: io.browserFiles needs model.json and its shards');
  }

  async load(hooks: LoadHooks = {}): Promise<ModelArtifacts> {
    const jsonFiles = this.files.filter((f) => f.name.endsWith('.json'));
    if (jsonFiles.length !== 1) {
      throw new Error(`tensorweb: io.browserFiles needs exactly one .json file among the files, got ${jsonFiles.length}`);
    }
    const model = parseModelJSON(await jsonFiles[0].text(), jsonFiles[0].name);
    hooks.onModelJSON?.(withoutManifest(model), manifestWeightSpecs(model.weightsManifest ?? []));
    const byName = new Map(this.files.filter((f) => f !== jsonFiles[0]).map((f) => [f.name, f]));
    const { weightSpecs, weightData } = await readWeights(model.weightsManifest ?? [], async (path) => {
      const file = byName.get(baseName(path));
      if (!file) {
        throw new Error(`tensorweb: shard '${path}' is missing: no file named '${baseName(path)}' among the files given ` +
          `(${[...byName.keys()].join(', ') || 'none'})`);
      }
      return file.arrayBuffer();
    }, this.options.onProgress);
    return { modelJSON: withoutManifest(model), weightSpecs, weightData };
  }
}

/** tw.io.browserFiles(files): a load handler over model.json and its shard files. */
export function browserFiles(files: readonly File[], options?: LoadOptions): BrowserFiles {
  return new BrowserFiles(files, options);
}
