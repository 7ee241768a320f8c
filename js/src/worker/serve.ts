// The worker's side of tw.worker(): models live here, in a table the page
// addresses by number; inputs arrive as values or images, outputs leave as
// values copied once here and transferred.
import { tensor } from '../core/convert.js';
import type { DataType } from '../core/dtype.js';
import { dispose, getBackend, memory, ready, setBackend } from '../core/globals.js';
import { Tensor } from '../core/tensor.js';
import { canvasContext, readPixels } from '../data/pixels.js';
import { type GraphInputs, GraphModel, loadGraphModel } from '../graph/graph_model.js';
import type { TensorDesc } from '../graph/topology.js';
import type { LoadProgress } from '../io/types.js';
import {
  type EncodedInputs, type EncodedOutputs, type InputLeaf, type Reply, type Request, type TensorData,
  errorData,
} from './protocol.js';

/** What serveInWorker needs of a worker's global scope. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer: Transferable[]): void;
}

/** What the page learns about a model once it is loaded. */
export interface LoadedModel {
  model: number;
  source: string;
  inputs: TensorDesc[];
  outputs: TensorDesc[];
  metadata: Record<string, unknown>;
}

/**
 * An image's pixels as model input `desc`: RGB values 0-255, [height, width,
 * 3] with a batch dimension of 1 in front when the input has rank 4, in the
 * input's dtype. The image is closed once read.
 */
function imageInput(image: ImageBitmap | VideoFrame, desc: TensorDesc): Tensor {
  const [width, height] = image instanceof ImageBitmap ? [image.width, image.height] : [image.displayWidth, image.displayHeight];
  try {
    if (desc.dtype !== 'float32' && desc.dtype !== 'int32') {
      throw new Error(`tensorweb: worker: input '${desc.name}' is ${desc.dtype}; an image can only feed a float32 or int32 input`);
    }
    if (desc.shape.length !== 3 && desc.shape.length !== 4) {
      throw new Error(`tensorweb: worker: input '${desc.name}' has shape [${desc.shape}]; an image feeds [height, width, 3] or [1, height, width, 3]`);
    }
    const rgb = readPixels(canvasContext(width, height, 'worker'), image, [0, 0, width, height], 3,
      desc.dtype === 'int32' ? Int32Array : Float32Array);
    return tensor(rgb, desc.shape.length === 4 ? [1, height, width, 3] : [height, width, 3], desc.dtype);
  } finally {
    image.close();
  }
}

/** `leaf` as a tensor; `desc` is the input it feeds (`which` names it), which an image needs to be read. */
function leafInput(model: GraphModel, leaf: InputLeaf, desc: TensorDesc | undefined, which: string): Tensor {
  if ('tensor' in leaf) return tensor(leaf.tensor.values, leaf.tensor.shape, leaf.tensor.dtype);
  if (!desc) {
    leaf.image.close();
    throw new Error(`tensorweb: worker: an image was given as ${which}, which the model does not have (inputs: ${model.inputNodes.join(', ')})`);
  }
  return imageInput(leaf.image, desc);
}

/** The inputs as GraphModel takes them, images read for the input each one feeds. */
function decodeInputs(model: GraphModel, inputs: EncodedInputs): GraphInputs {
  const made: Tensor[] = [];
  const make = (leaf: InputLeaf, desc: TensorDesc | undefined, which: string) => {
    const input = leafInput(model, leaf, desc, which);
    made.push(input);
    return input;
  };
  try {
    if ('one' in inputs) return make(inputs.one, model.inputs[0], 'the input');
    if ('list' in inputs) return inputs.list.map((leaf, i) => make(leaf, model.inputs[i], `input ${i}`));
    return Object.fromEntries(Object.entries(inputs.named).map(([name, leaf]) => (
      [name, make(leaf, model.inputs.find((d) => d.name === name), `input '${name}'`)])));
  } catch (error) {
    dispose(made);
    // Images not read yet are closed too: the page handed them over.
    const leaves = 'one' in inputs ? [inputs.one] : 'list' in inputs ? inputs.list : Object.values(inputs.named);
    for (const leaf of leaves) if ('image' in leaf) leaf.image.close();
    throw error;
  }
}

/** Reads and disposes `output`; the values' buffers go in `transfer`. */
async function encodeOutputs(output: Tensor | Tensor[] | Record<string, Tensor>, transfer: Transferable[]): Promise<EncodedOutputs> {
  const read = async (t: Tensor): Promise<TensorData> => {
    // Backends keep the array they hand out (the CPU backend's storage, the WebGPU backend's read cache), which
    // another tensor sharing the data (a weight that is an output) still reads: a copy is what gets handed over.
    const values = (await t.data()).slice();
    transfer.push(values.buffer as ArrayBuffer);
    // float16 values are read as float32, and cross as such.
    const dtype: DataType = t.dtype === 'float16' ? 'float32' : t.dtype;
    return { values, shape: [...t.shape], dtype };
  };
  try {
    if (output instanceof Tensor) return { one: await read(output) };
    if (Array.isArray(output)) return { list: await Promise.all(output.map(read)) };
    const entries = await Promise.all(Object.entries(output).map(async ([name, t]) => [name, await read(t)] as const));
    return { named: Object.fromEntries(entries) };
  } finally {
    dispose(output);
  }
}

/**
 * Answers a page's tw.worker() calls from inside a dedicated worker. The
 * worker tw.worker() starts calls it; a worker of one's own may too.
 */
export function serveInWorker(scope: WorkerScope = globalThis as unknown as WorkerScope): void {
  const models = new Map<number, GraphModel>();
  let nextModel = 1;
  const modelAt = (handle: number) => {
    const model = models.get(handle);
    if (!model) throw new Error(`tensorweb: worker: model ${handle} is disposed`);
    return model;
  };

  async function answer(request: Request, transfer: Transferable[]): Promise<unknown> {
    switch (request.call) {
      case 'start':
        if (request.backend !== undefined) {
          if (!(await setBackend(request.backend))) throw new Error(`tensorweb: worker: backend '${request.backend}' could not be initialised in the worker`);
        } else {
          await ready();
        }
        return getBackend();
      case 'load': {
        const onProgress = request.progress
          ? (fraction: number, detail: LoadProgress) => scope.postMessage({ id: request.id, progress: [fraction, detail] }, [])
          : undefined;
        const model = await loadGraphModel(request.url, { ...request.options, onProgress });
        const handle = nextModel++;
        models.set(handle, model);
        const loaded: LoadedModel = { model: handle, source: model.source, inputs: model.inputs, outputs: model.outputs, metadata: model.metadata };
        return loaded;
      }
      case 'predict': {
        const model = modelAt(request.model);
        const inputs = decodeInputs(model, request.inputs);
        try {
          return await encodeOutputs(model.predict(inputs), transfer);
        } finally {
          dispose(inputs);
        }
      }
      case 'execute': {
        const model = modelAt(request.model);
        const inputs = decodeInputs(model, request.inputs);
        try {
          // executeAsync: the same results, and graphs with data-dependent shapes run too (calls are async here anyway)
          return await encodeOutputs(await model.executeAsync(inputs, request.outputs), transfer);
        } finally {
          dispose(inputs);
        }
      }
      case 'warmup':
        return modelAt(request.model).warmup(request.shapes);
      case 'dispose':
        models.get(request.model)?.dispose();
        models.delete(request.model);
        return undefined;
      case 'memory':
        return memory();
    }
  }

  scope.onmessage = (event) => {
    const request = event.data;
    const transfer: Transferable[] = [];
    answer(request, transfer).then(
      (result) => scope.postMessage({ id: request.id, result }, transfer),
      (error) => scope.postMessage({ id: request.id, error: errorData(error) }, []),
    );
  };
}
