// Turning JS values (numbers, booleans, nested arrays, typed arrays) into tensors.
import { type DataType, type NestedArray, type TypedArray, isDataType, sizeFromShape, toStorage } from './dtype.js';
import { getEngine } from './engine.js';
import { Tensor } from './tensor.js';

/** What ops accept wherever TF.js accepts `Tensor|TensorLike`. */
export type TensorLike = Tensor | NestedArray | TypedArray;

function inferDtype(values: NestedArray | TypedArray): DataType {
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  if (ArrayBuffer.isView(values)) return 'float32';
  let item: NestedArray = values;
  while (Array.isArray(item)) {
    if (item.length === 0) return 'float32';
    item = item[0];
  }
  return typeof item === 'boolean' ? 'bool' : 'float32';
}

/** The shape of a nested array; throws on ragged nesting. */
function inferShape(values: NestedArray | TypedArray): number[] {
  if (ArrayBuffer.isView(values)) return [values.length];
  const shape: number[] = [];
  let item: NestedArray = values;
  while (Array.isArray(item)) {
    shape.push(item.length);
    item = item[0];
  }
  const check = (node: NestedArray, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw new Error('tensorweb: tensor: values are nested unevenly');
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`tensorweb: tensor: values are nested unevenly (expected ${shape[depth]} elements at depth ${depth})`);
    }
    node.forEach((child) => check(child, depth + 1));
  };
  check(values, 0);
  return shape;
}

function flatten(values: NestedArray | TypedArray): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return values;
  if (!Array.isArray(values)) return [Number(values)];
  return (values as unknown[]).flat(Infinity).map(Number);
}

/**
 * `tw.tensor(values, shape?, dtype?)`: values are a number, boolean, nested
 * array or typed array; a flat array with `shape` is reshaped.
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DataType): Tensor {
  if (dtype !== undefined && !isDataType(dtype)) throw new Error(`tensorweb: tensor: unknown dtype '${dtype}'`);
  if (values instanceof Tensor) throw new Error('tensorweb: tensor: values are already a Tensor (use clone())');
  if (isStringLike(values)) throw new Error("tensorweb: tensor: string values need the 'string' dtype, which tensorweb does not have");
  const flat = flatten(values);
  const inferred = inferShape(values);
  const finalShape = shape ? [...shape] : inferred;
  if (finalShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`tensorweb: tensor: shape [${finalShape}] must be non-negative integers`);
  }
  const size = sizeFromShape(finalShape);
  let storage: ArrayLike<number> = flat;
  if (flat.length !== size) {
    // A single value fills the shape, as in TF.js.
    if (flat.length === 1 && Array.isArray(values) === false && !ArrayBuffer.isView(values)) {
      storage = new Array<number>(size).fill(flat[0]);
    } else {
      throw new Error(`tensorweb: tensor: shape [${finalShape}] needs ${size} values, got ${flat.length}`);
    }
  }
  const finalDtype = dtype ?? inferDtype(values);
  return getEngine().makeTensor(toStorage(storage, finalDtype), finalShape, finalDtype);
}

/** Whether TF.js would infer dtype 'string' for `x` (a string, or nested arrays of them). */
function isStringLike(x: unknown): boolean {
  let item = x;
  while (Array.isArray(item) && item.length > 0) item = item[0];
  return typeof item === 'string';
}

/**
 * The tensor behind an op argument; `created` says whether the caller must
 * dispose it. Errors use TF.js's wording (its convertToTensor), which code
 * written against TF.js matches on; `dtype` is the dtype TF.js parses the
 * argument as ('numeric' when none is given): a TensorLike is made with it,
 * and a tensor of another dtype is refused (float16 passes for float32, as
 * every op reads it as float32).
 */
export function toTensor(x: TensorLike, argName: string, opName: string, dtype?: DataType): { tensor: Tensor; created: boolean } {
  if (x instanceof Tensor) {
    if (dtype !== undefined && x.dtype !== dtype && !(dtype === 'float32' && x.dtype === 'float16')) {
      throw new Error(`Argument '${argName}' passed to '${opName}' must be ${dtype} tensor, but got ${x.dtype} tensor`);
    }
    return { tensor: x, created: false };
  }
  if (isStringLike(x)) {
    // TensorLike to TF.js, but tensorweb has no string dtype.
    throw new Error(`Argument '${argName}' passed to '${opName}' must be ${dtype ?? 'numeric'} tensor, but got string tensor`);
  }
  if (x === null || x === undefined || (typeof x !== 'number' && typeof x !== 'boolean' && !Array.isArray(x) && !ArrayBuffer.isView(x))) {
    const type = x === null || x === undefined ? 'null' : (x as object).constructor?.name ?? typeof x;
    throw new Error(`Argument '${argName}' passed to '${opName}' must be a Tensor or TensorLike, but got '${type}'`);
  }
  return { tensor: tensor(x, undefined, dtype), created: true };
}
