// Turning JS values (numbers, booleans, strings, nested arrays, typed arrays) into tensors.
import { type DataType, type NestedArray, type NumericDataType, type TypedArray, isDataType, sizeFromShape, toStorage } from './dtype.js';
import { getEngine } from './engine.js';
import { encodeString } from './strings.js';
import { Tensor } from './tensor.js';

/** Strings' UTF-8 bytes at any nesting, as TF.js's `encodeStrings` gives them: values of a 'string' tensor. */
export type NestedBytes = Uint8Array | NestedBytes[];

/** What ops accept wherever TF.js accepts `Tensor|TensorLike`. */
export type TensorLike = Tensor | NestedArray | TypedArray | NestedBytes;

/** How an op argument is parsed (TF.js's convertToTensor): a dtype, any numeric one, or strings too. */
export type ParseDtype = DataType | 'numeric' | 'string_or_numeric';

/** What `tw.tensor` takes as values. */
export type TensorValues = NestedArray | TypedArray | NestedBytes;
type Values = TensorValues;

function inferDtype(values: Values): DataType {
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  if (ArrayBuffer.isView(values)) return 'float32';
  let item: Values = values;
  while (Array.isArray(item)) {
    if (item.length === 0) return 'float32';
    item = item[0];
  }
  return typeof item === 'boolean' ? 'bool' : typeof item === 'string' || item instanceof Uint8Array ? 'string' : 'float32';
}

/** The shape of a nested array (a string tensor's byte arrays are elements); throws on ragged nesting. */
function inferShape(values: Values, dtype: DataType): number[] {
  const isArray = (v: unknown): v is Values[] => Array.isArray(v) || (ArrayBuffer.isView(v) && dtype !== 'string');
  if (ArrayBuffer.isView(values)) return dtype === 'string' ? [] : [values.length];
  const shape: number[] = [];
  let item: Values = values;
  while (Array.isArray(item)) {
    shape.push(item.length);
    item = item[0];
  }
  const check = (node: Values, depth: number): void => {
    if (depth === shape.length) {
      if (isArray(node)) throw new Error('tensorweb: tensor: values are nested unevenly');
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`tensorweb: tensor: values are nested unevenly (expected ${shape[depth]} elements at depth ${depth})`);
    }
    (node as Values[]).forEach((child) => check(child, depth + 1));
  };
  check(values, 0);
  return shape;
}

function flatten(values: Values): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return values;
  if (!Array.isArray(values)) return [Number(values)];
  return (values as unknown[]).flat(Infinity).map(Number);
}

/** A string tensor's elements as UTF-8 bytes: strings are encoded, byte arrays kept (TF.js takes both). */
function flattenStrings(values: Values): Uint8Array[] {
  const out: Uint8Array[] = [];
  const walk = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(walk);
    else if (item instanceof Uint8Array) out.push(item);
    else if (typeof item === 'string') out.push(encodeString(item));
    else throw new Error(`tensorweb: tensor: a 'string' tensor takes strings or their UTF-8 bytes, got ${typeof item}`);
  };
  walk(values);
  return out;
}

/**
 * `tw.tensor(values, shape?, dtype?)`: values are a number, boolean, string,
 * nested array or typed array (or, for dtype 'string', nested arrays of
 * UTF-8 byte arrays); a flat array with `shape` is reshaped.
 */
export function tensor(values: Values, shape?: readonly number[], dtype?: DataType): Tensor {
  if (dtype !== undefined && !isDataType(dtype)) throw new Error(`tensorweb: tensor: unknown dtype '${dtype}'`);
  if (values instanceof Tensor) throw new Error('tensorweb: tensor: values are already a Tensor (use clone())');
  // TF.js's message: complex values come in as two real tensors.
  if (dtype === 'complex64') throw new Error('Cannot construct a complex64 tensor directly. Please use tf.complex(real, imag).');
  const finalDtype = dtype ?? inferDtype(values);
  if (finalDtype !== 'string' && inferDtype(values) === 'string') {
    throw new Error(`tensorweb: tensor: string values make a 'string' tensor, not ${finalDtype}`);
  }
  const flat = finalDtype === 'string' ? flattenStrings(values) : flatten(values);
  const inferred = inferShape(values, finalDtype);
  const finalShape = shape ? [...shape] : inferred;
  if (finalShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`tensorweb: tensor: shape [${finalShape}] must be non-negative integers`);
  }
  const size = sizeFromShape(finalShape);
  let storage: ArrayLike<number | Uint8Array> = flat;
  if (flat.length !== size) {
    // A single value fills the shape, as in TF.js.
    if (flat.length === 1 && Array.isArray(values) === false && (!ArrayBuffer.isView(values) || finalDtype === 'string')) {
      storage = new Array(size).fill(flat[0]);
    } else {
      throw new Error(`tensorweb: tensor: shape [${finalShape}] needs ${size} values, got ${flat.length}`);
    }
  }
  if (finalDtype === 'string') return getEngine().makeTensor(Array.from(storage as ArrayLike<Uint8Array>), finalShape, finalDtype);
  return getEngine().makeTensor(toStorage(storage as ArrayLike<number>, finalDtype), finalShape, finalDtype);
}

/**
 * The tensor behind an op argument; `created` says whether the caller must
 * dispose it. Errors use TF.js's wording (its convertToTensor), which code
 * written against TF.js matches on; `dtype` is how TF.js parses the argument
 * ('numeric' when none is given: numbers or booleans, dtype inferred): a
 * TensorLike is made with it, and a tensor of another dtype is refused
 * (float16 passes for float32, as every op reads it as float32). String
 * tensors themselves reach the engine, which refuses them for ops that do
 * not take strings.
 */
export function toTensor(x: TensorLike, argName: string, opName: string, dtype: ParseDtype = 'numeric'): { tensor: Tensor; created: boolean } {
  if (x instanceof Tensor) {
    const concrete = dtype !== 'numeric' && dtype !== 'string_or_numeric';
    if (concrete && x.dtype !== dtype && !(dtype === 'float32' && x.dtype === 'float16')) {
      throw new Error(`Argument '${argName}' passed to '${opName}' must be ${dtype} tensor, but got ${x.dtype} tensor`);
    }
    return { tensor: x, created: false };
  }
  if (x === null || x === undefined
    || (typeof x !== 'number' && typeof x !== 'boolean' && typeof x !== 'string' && !Array.isArray(x) && !ArrayBuffer.isView(x))) {
    const type = x === null || x === undefined ? 'null' : (x as object).constructor?.name ?? typeof x;
    throw new Error(`Argument '${argName}' passed to '${opName}' must be a Tensor or TensorLike, but got '${type}'`);
  }
  const inferred = inferDtype(x);
  const strings = dtype === 'string' || dtype === 'string_or_numeric';
  if (inferred === 'string' ? !strings : dtype === 'string') {
    throw new Error(`Argument '${argName}' passed to '${opName}' must be ${dtype} tensor, but got ${inferred} tensor`);
  }
  const made = dtype === 'numeric' || dtype === 'string_or_numeric' ? undefined : dtype;
  return { tensor: tensor(x, undefined, made as NumericDataType | 'string' | undefined), created: true };
}
