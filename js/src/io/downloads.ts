// 'downloads://name': saves model.json and its weights as two files the
// browser downloads (name.json, name.weights.bin), as TF.js does.
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';
import { modelJSONFor } from './model_json.js';

export const DOWNLOADS_SCHEME = 'downloads://';

export class BrowserDownloads implements IOHandler {
  constructor(readonly name = 'model') {}

  async save(artifacts: ModelArtifacts): Promise<SaveResult> {
    if (typeof document === 'undefined') throw new Error('tensorweb: downloads:// saving needs a page (no document here)');
    const weightsName = `${this.name}.weights.bin`;
    const modelJSON = JSON.stringify(await modelJSONFor(artifacts, weightsName));
    clickDownload(new Blob([modelJSON], { type: 'application/json' }), `${this.name}.json`);
    if (artifacts.weightData.byteLength > 0) {
      clickDownload(new Blob([artifacts.weightData], { type: 'application/octet-stream' }), weightsName);
    }
    return { location: `${DOWNLOADS_SCHEME}${this.name}`, modelJSONBytes: new Blob([modelJSON]).size, weightDataBytes: artifacts.weightData.byteLength };
  }
}

function clickDownload(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  // The click starts the download synchronously; the URL can go once the event loop turns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
