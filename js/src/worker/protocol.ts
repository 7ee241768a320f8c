// What the page (worker/page.ts) and the worker (worker/serve.ts) send each
// other. Every request carries an id; the worker answers it once with a result
// or an error, and a load may send progress under its id first.
import type { DataType, TypedArray } from '../core/dtype.js';
import type { InputShapes } from '../graph/warm_start.js';
import type { LoadProgress } from '../io/types.js';

/** A tensor's values, shape and dtype: what crosses the boundary for a tensor. */
export interface TensorData {
  values: TypedArray;
  shape: number[];
  dtype: DataType;
}

/** One model input as it crosses: tensor values, or an image the worker reads the pixels of. */
export type InputLeaf = { tensor: TensorData } | { image: ImageBitmap | VideoFrame };

/** Model inputs in the three forms GraphModel.predict takes (one, in input order, by name). */
export type EncodedInputs =
  | { one: InputLeaf }
  | { list: InputLeaf[] }
  | { named: Record<string, InputLeaf> };

/** Model outputs in the form predict or execute gave them. */
export type EncodedOutputs =
  | { one: TensorData }
  | { list: TensorData[] }
  | { named: Record<string, TensorData> };

/** loadGraphModel's options that can cross (a fetch function cannot; onProgress crosses as messages). */
export interface WorkerLoadOptions {
  weightPathPrefix?: string;
  requestInit?: RequestInit;
  cache?: boolean;
  inputShapes?: InputShapes;
  warmup?: boolean;
}

export type Request =
  | { id: number; call: 'start'; backend?: string }
  | { id: number; call: 'load'; url: string; options: WorkerLoadOptions; progress: boolean }
  | { id: number; call: 'predict'; model: number; inputs: EncodedInputs }
  | { id: number; call: 'execute'; model: number; inputs: EncodedInputs; outputs?: string | string[] }
  | { id: number; call: 'warmup'; model: number; shapes?: InputShapes }
  | { id: number; call: 'dispose'; model: number }
  | { id: number; call: 'memory' };

/** A request before the page gives it its id. */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** An error as it crosses: its name and message survive, its stack is the worker's. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
}

export type Reply =
  | { id: number; result: unknown }
  | { id: number; error: ErrorData }
  | { id: number; progress: [fraction: number, detail: LoadProgress] };

/** The buffer `values` can hand over without copying: only when the view spans all of a plain ArrayBuffer. */
export function transferableBuffer(values: TypedArray): ArrayBuffer | null {
  const { buffer } = values;
  return buffer instanceof ArrayBuffer && values.byteOffset === 0 && values.byteLength === buffer.byteLength ? buffer : null;
}

export function errorData(error: unknown): ErrorData {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

const ERROR_TYPES: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };

/** The error the worker threw, made again on this side: same type where it is a built-in one, same name and message. */
export function errorFrom(data: ErrorData): Error {
  const error = new (ERROR_TYPES[data.name] ?? Error)(data.message);
  error.name = data.name;
  if (data.stack) error.stack = `${data.name}: ${data.message}\n    (thrown in the tensorweb worker)\n${data.stack.split('\n').slice(1).join('\n')}`;
  return error;
}
