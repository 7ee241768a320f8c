// tw.worker(): the runtime in a dedicated Web Worker (README.md in this folder).
export { RemoteGraphModel, RemoteRuntime, type RemoteLoadOptions, type TensorData, type WorkerInput, type WorkerInputs,
  type WorkerLoadOptions, type WorkerOptions, worker } from './page.js';
export { serveInWorker } from './serve.js';
