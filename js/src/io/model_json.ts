// model.json in and out: parsing it with errors that say what is wrong,
// checking the format's version, and writing one for saved artifacts with a
// single checked shard. The format's contract is converter/model.schema.json
// (ARCHITECTURE.md describes it).
import { FORMAT_VERSION } from 'tensorweb:build-info';
import type { ModelArtifacts, ModelArtifactsInfo, ModelFields, ModelJSON, WeightSpec, WeightsManifestGroup } from './types.js';
import { sha256Hex } from './sha256.js';

/** The model.json version this runtime reads and writes (the schema's formatVersion). */
export { FORMAT_VERSION };

/**
 * Refuses a tensorweb model.json this runtime cannot read: one without a
 * formatVersion, or of a newer major version (a later converter's). TF.js's
 * own formats carry none and pass.
 */
export function checkFormatVersion(modelJSON: ModelFields, reader: string): void {
  if (!modelJSON.format.startsWith('tensorweb-')) return;
  const version = modelJSON.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new Error(`tensorweb: ${reader}: model.json's formatVersion must be a positive integer, got ${JSON.stringify(version)}`);
  }
  if (version > FORMAT_VERSION) {
    throw new Error(`tensorweb: ${reader}: model.json's formatVersion is ${version}, newer than this runtime reads ` +
      `(${FORMAT_VERSION}); load it with a newer tensorweb, or convert the source model with this version's converter`);
  }
}

/** Parses model.json text; `source` names where it came from in errors. */
export function parseModelJSON(text: string, source: string): ModelJSON {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`tensorweb: ${source} is not valid JSON (${(error as Error).message})`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new Error(`tensorweb: ${source} is not a model.json object`);
  }
  const model = document as ModelJSON;
  if (typeof model.format !== 'string') throw new Error(`tensorweb: ${source} has no "format" field`);
  const manifest = model.weightsManifest ?? [];
  if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
    throw new Error(`tensorweb: ${source}: "weightsManifest" must be a list of {paths, weights} groups`);
  }
  return model;
}

/** model.json without its manifest. */
export function withoutManifest(model: ModelJSON): ModelFields {
  const { weightsManifest: _manifest, ...rest } = model;
  return rest;
}

/** The sizes tw.io.listModels reports for a stored model. */
export function artifactsInfo(modelJSON: ModelFields, weightSpecs: WeightSpec[], weightDataBytes: number,
  dateSaved: Date | undefined): ModelArtifactsInfo {
  const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;
  return {
    dateSaved, modelTopologyType: 'JSON', modelTopologyBytes: jsonBytes(modelJSON), weightSpecsBytes: jsonBytes(weightSpecs),
    weightDataBytes,
  };
}

/**
 * The model.json for `artifacts` whose weights are written as one shard named
 * `shardPath`, listed with its byte length and sha256.
 */
export async function modelJSONFor(artifacts: ModelArtifacts, shardPath: string): Promise<ModelJSON> {
  if (artifacts.weightData.byteLength === 0) {
    return { ...artifacts.modelJSON, weightsManifest: [{ paths: [], weights: artifacts.weightSpecs, shards: [] }] };
  }
  const group: WeightsManifestGroup = {
    paths: [shardPath],
    weights: artifacts.weightSpecs,
    shards: [{
      path: shardPath, byteLength: artifacts.weightData.byteLength,
      sha256: await sha256Hex(new Uint8Array(artifacts.weightData)),
    }],
  };
  return { ...artifacts.modelJSON, weightsManifest: [group] };
}
