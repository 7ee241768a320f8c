// tw.worker(): the runtime in a dedicated module worker, driven from the page.
// The worker imports this same bundle (by its URL, import.meta.url, from a
// Blob URL script, so it works wherever the bundle is served from, another
// origin included when that origin sends CORS headers) and serves calls
// (worker/serve.ts). Loading, compiling and running happen there; the page's
// thread only posts messages.
import type { MemoryInfo } from '../core/engine.js';
import { getEngine } from '../core/engine.js';
import { toStorage } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import type { NamedTensorMap } from '../graph/graph_model.js';
import type { TensorDesc } from '../graph/topology.js';
import type { InputShapes } from '../graph/warm_start.js';
import type { LoadProgress } from '../io/types.js';
import {
  type EncodedInputs, type EncodedOutputs, type InputLeaf, type Reply, type RequestBody, type TensorData,
  type WorkerLoadOptions, errorFrom, transferableBuffer,
} from './protocol.js';
import type { LoadedModel } from './serve.js';

export type { TensorData, WorkerLoadOptions };

export interface WorkerOptions {
  /** The backend the worker runs on ('webgpu', 'cpu'); default: the best one that initialises there (WebGPU where the worker has it). */
  backend?: string;
  /**
   * The tensorweb module the worker imports; default: the one this code was
   * loaded from. Needed only where a bundler folded tensorweb into another file.
   */
  moduleUrl?: string | URL;
}

/**
 * One model input sent to the worker: a page tensor (its values are copied),
 * values with their shape (`values`' buffer is transferred: the page's array
 * is left empty), or an image, transferred and read there as RGB 0-255,
 * [height, width, 3] (with a leading 1 for a rank-4 input), in the input's dtype.
 */
export type WorkerInput = Tensor | TensorData | ImageBitmap | VideoFrame;
export type WorkerInputs = WorkerInput | WorkerInput[] | Record<string, WorkerInput>;

export interface RemoteLoadOptions extends WorkerLoadOptions {
  /** As loadGraphModel's: called on the page as the worker's load advances. */
  onProgress?: (fraction: number, progress: LoadProgress) => void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: RemoteLoadOptions['onProgress'];
}

function isTensorData(x: unknown): x is TensorData {
  const data = x as Partial<TensorData>;
  return typeof x === 'object' && x !== null && ArrayBuffer.isView(data.values) && Array.isArray(data.shape);
}

function isImage(x: unknown): x is ImageBitmap | VideoFrame {
  return (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap) || (typeof VideoFrame !== 'undefined' && x instanceof VideoFrame);
}

function isInput(x: unknown): x is WorkerInput {
  return x instanceof Tensor || isTensorData(x) || isImage(x);
}

/** One input as it crosses; what it hands over goes in `transfer`. */
async function encodeInput(x: WorkerInput, transfer: Transferable[], which: string): Promise<InputLeaf> {
  if (x instanceof Tensor) {
    x.assertNotDisposed(`worker: ${which}`);
    // Copied, not transferred: the array may be the tensor's own storage (CPU backend).
    return { tensor: { values: await x.data(), shape: [...x.shape], dtype: x.dtype === 'float16' ? 'float32' : x.dtype } };
  }
  if (isImage(x)) {
    transfer.push(x);
    return { image: x };
  }
  if (isTensorData(x)) {
    const buffer = transferableBuffer(x.values);
    if (buffer) transfer.push(buffer);
    return { tensor: { values: x.values, shape: [...x.shape], dtype: x.dtype ?? 'float32' } };
  }
  throw new Error(`tensorweb: worker: ${which} is not a Tensor, {values, shape, dtype}, ImageBitmap or VideoFrame`);
}

async function encodeInputs(x: WorkerInputs, transfer: Transferable[]): Promise<EncodedInputs> {
  if (Array.isArray(x)) return { list: await Promise.all(x.map((input, i) => encodeInput(input, transfer, `input ${i}`))) };
  if (isInput(x)) return { one: await encodeInput(x, transfer, 'the input') };
  if (typeof x !== 'object' || x === null) throw new Error('tensorweb: worker: pass an input, an array of them or a map of them by name');
  const named = await Promise.all(Object.entries(x).map(async ([name, input]) => [name, await encodeInput(input, transfer, `input '${name}'`)] as const));
  return { named: Object.fromEntries(named) };
}

/** Outputs as tensors on the page's CPU backend: readable at once, usable by any op. */
function decodeOutputs(outputs: EncodedOutputs): Tensor | Tensor[] | NamedTensorMap {
  const make = ({ values, shape, dtype }: TensorData) => getEngine().makeTensorOn('cpu', toStorage(values, dtype), shape, dtype);
  if ('one' in outputs) return make(outputs.one);
  if ('list' in outputs) return outputs.list.map(make);
  return Object.fromEntries(Object.entries(outputs.named).map(([name, data]) => [name, make(data)]));
}

/** Makes a relative URL absolute against the caller's (a page's, or a worker's that starts one): the worker's own base is a blob: URL. */
function absolute(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  return new URL(url, typeof document !== 'undefined' ? document.baseURI : globalThis.location.href).href;
}

/** The runtime in a worker: load models there; see tw.worker(). */
export class RemoteRuntime {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ended: string | null = null;
  /** The backend the worker runs on. */
  backend = '';

  constructor(private readonly worker: Worker, private readonly moduleUrl: string) {
    worker.onmessage = (event: MessageEvent<Reply>) => this.receive(event.data);
    // A module that fails to load, or an error nothing in the worker caught, ends every call.
    worker.onerror = (event) => {
      event.preventDefault();
      this.end(event.message
        ? `tensorweb: worker: ${event.message}`
        : `tensorweb: worker: the worker could not import ${this.moduleUrl} (from another origin it must be served with CORS headers; ` +
          'a Content-Security-Policy must allow blob: workers)');
    };
    worker.onmessageerror = () => this.end('tensorweb: worker: a message from the worker could not be read');
  }

  /** @internal Sends a request; resolves with the worker's result. */
  call(request: RequestBody, transfer: Transferable[] = [], onProgress?: Pending['onProgress']): Promise<unknown> {
    if (this.ended) return Promise.reject(new Error(this.ended));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private receive(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if ('progress' in reply) {
      pending.onProgress?.(...reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if ('error' in reply) pending.reject(errorFrom(reply.error));
    else pending.resolve(reply.result);
  }

  private end(reason: string): void {
    this.ended ??= reason;
    for (const pending of this.pending.values()) pending.reject(new Error(this.ended));
    this.pending.clear();
  }

  /** tw.loadGraphModel in the worker: `url` (relative to the page) and the options that can cross; onProgress stays on the page. */
  async loadGraphModel(url: string, options: RemoteLoadOptions = {}): Promise<RemoteGraphModel> {
    if (typeof url !== 'string') throw new Error('tensorweb: worker: loadGraphModel takes a URL (an IOHandler cannot cross to the worker)');
    const { onProgress, ...rest } = options;
    const crossing: WorkerLoadOptions = { ...rest, ...(rest.weightPathPrefix ? { weightPathPrefix: absolute(rest.weightPathPrefix) } : {}) };
    const loaded = await this.call({ call: 'load', url: absolute(url), options: crossing, progress: onProgress !== undefined }, [], onProgress);
    return new RemoteGraphModel(this, loaded as LoadedModel);
  }

  /** The worker's tw.memory(). */
  async memory(): Promise<MemoryInfo> {
    return await this.call({ call: 'memory' }) as MemoryInfo;
  }

  /** Stops the worker at once: its models, tensors and GPU device go with it; calls still running reject. */
  terminate(): void {
    this.worker.terminate();
    this.end('tensorweb: worker: the worker was terminated');
  }
}

/** A graph model living in the worker: GraphModel's description, and its runs as promises. */
export class RemoteGraphModel {
  private readonly handle: number;
  /** The model's URL. */
  readonly source: string;
  readonly inputs: TensorDesc[];
  readonly outputs: TensorDesc[];
  /** model.json's metadata (labels, preprocessing...). */
  readonly metadata: Record<string, unknown>;
  private disposed = false;

  constructor(private readonly runtime: RemoteRuntime, loaded: LoadedModel) {
    this.handle = loaded.model;
    this.source = loaded.source;
    this.inputs = loaded.inputs;
    this.outputs = loaded.outputs;
    this.metadata = loaded.metadata;
  }

  get inputNodes(): string[] {
    return this.inputs.map((d) => d.name);
  }

  get outputNodes(): string[] {
    return this.outputs.map((d) => d.name);
  }

  /** GraphModel.predict in the worker; outputs come back as tensors on the page's CPU backend, the caller's to dispose. */
  async predict(x: WorkerInputs): Promise<Tensor | Tensor[] | NamedTensorMap> {
    const transfer: Transferable[] = [];
    const inputs = await encodeInputs(x, transfer);
    return decodeOutputs(await this.runtime.call({ call: 'predict', model: this.alive('predict'), inputs }, transfer) as EncodedOutputs);
  }

  /**
   * GraphModel.execute in the worker: outputs by node or value name. It runs
   * executeAsync there, so graphs with data-dependent shapes (NMS...) run too.
   */
  async execute(x: WorkerInputs, outputs?: string | string[]): Promise<Tensor | Tensor[]> {
    const transfer: Transferable[] = [];
    const inputs = await encodeInputs(x, transfer);
    const result = await this.runtime.call({ call: 'execute', model: this.alive('execute'), inputs, outputs }, transfer);
    return decodeOutputs(result as EncodedOutputs) as Tensor | Tensor[];
  }

  /** GraphModel.executeAsync in the worker: execute, which runs it there. */
  executeAsync(x: WorkerInputs, outputs?: string | string[]): Promise<Tensor | Tensor[]> {
    return this.execute(x, outputs);
  }

  /** GraphModel.warmup in the worker. */
  async warmup(inputShapes?: InputShapes): Promise<void> {
    await this.runtime.call({ call: 'warmup', model: this.alive('warmup'), shapes: inputShapes });
  }

  /** Frees the model's weights in the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.runtime.call({ call: 'dispose', model: this.handle });
  }

  private alive(what: string): number {
    if (this.disposed) throw new Error(`tensorweb: worker: RemoteGraphModel.${what}: the model is disposed`);
    return this.handle;
  }
}

/**
 * Starts the runtime in a dedicated module worker and resolves once its
 * backend is initialised: `const remote = await tw.worker(); const model =
 * await remote.loadGraphModel(url); const y = await model.predict(x)`. The
 * page's thread stays free while models load, compile and run there.
 */
export async function worker(options: WorkerOptions = {}): Promise<RemoteRuntime> {
  if (typeof Worker === 'undefined') throw new Error('tensorweb: worker: this environment has no Web Worker (a browser page is needed)');
  const moduleUrl = String(options.moduleUrl ?? import.meta.url);
  const script = `import { serveInWorker } from ${JSON.stringify(moduleUrl)};\nserveInWorker();\n`;
  const scriptUrl = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  const runtime = new RemoteRuntime(new Worker(scriptUrl, { type: 'module', name: 'tensorweb' }), moduleUrl);
  try {
    runtime.backend = await runtime.call({ call: 'start', backend: options.backend }) as string;
  } catch (error) {
    runtime.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(scriptUrl);
  }
  return runtime;
}
