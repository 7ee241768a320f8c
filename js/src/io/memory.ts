// Handlers over memory, as TF.js's io.fromMemory and io.withSaveHandler.
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';

/** A load handler that hands out `artifacts` (copied, so loading cannot change them). */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  return { load: async () => ({ ...artifacts, weightData: artifacts.weightData.slice(0) }) };
}

/** A save handler that passes the artifacts to `save`. */
export function withSaveHandler(save: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  return { save };
}
