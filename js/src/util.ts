// tw.util: TF.js's public helpers (tf.util), with its names, signatures,
// results and error messages, for apps and tests written against TF.js.
// Where tensorweb has the helper already (core/dtype.ts, core/strings.ts,
// core/tensor.ts) this wraps it to TF.js's signature. Differences on purpose:
// float16, tensorweb's storage dtype, is a valid dtype of 2 bytes here.
import { type DataType, type TypedArray, bytesPerElement as storageBytesPerElement, isDataType, makeArray, sizeFromShape as shapeSize, stridesOf, toStorage } from './core/dtype.js';
import { decodeString as decodeUtf8, encodeString as encodeUtf8 } from './core/strings.js';
import { toNested } from './core/tensor.js';

type FlatVector = ArrayLike<number | boolean | string>;
type Shuffleable = unknown[] | Uint32Array | Int32Array | Float32Array;
type RecursiveArray<T> = T | RecursiveArray<T>[] | { [index: number]: RecursiveArray<T> };

/** Throws an Error with `msg` (a string, or a function called only on failure) when `expr` is false. */
export function assert(expr: boolean, msg: string | (() => string)): asserts expr {
  if (!expr) throw new Error(typeof msg === 'string' ? msg : msg());
}

export function assertShapesMatch(shapeA: readonly number[], shapeB: readonly number[], errorMessagePrefix = ''): void {
  assert(arraysEqual(shapeA, shapeB), () => `${errorMessagePrefix} Shapes ${shapeA} and ${shapeB} must match`);
}

export function assertNonNull(a: unknown): void {
  assert(a != null, () => 'The input to the tensor constructor must be a non-null value.');
}

export function assertNonNegativeIntegerDimensions(shape: readonly number[]): void {
  for (const dim of shape) {
    assert(Number.isInteger(dim) && dim >= 0, () => `Tensor must have a shape comprised of positive integers but got shape [${shape}].`);
  }
}

export function swap<T>(object: { [index: number]: T }, left: number, right: number): void {
  const temp = object[left];
  object[left] = object[right];
  object[right] = temp;
}

/** Fisher-Yates in place with Math.random, as TF.js (so no seed applies). */
export function shuffle(array: Shuffleable): void {
  permuteTogether([array]);
}

/** Shuffles two arrays of one length by the same permutation, keeping pairs together. */
export function shuffleCombo(array: Shuffleable, array2: Shuffleable): void {
  if (array.length !== array2.length) {
    // TF.js's message, missing spaces included.
    throw new Error(`Array sizes must match to be shuffled together First array length was ${array.length}Second array length was ${array2.length}`);
  }
  permuteTogether([array, array2]);
}

function permuteTogether(arrays: Shuffleable[]): void {
  for (let counter = arrays[0].length; counter > 0;) {
    const index = (Math.random() * counter) | 0;
    counter--;
    for (const array of arrays) swap(array, counter, index);
  }
}

export function createShuffledIndices(n: number): Uint32Array {
  const indices = Uint32Array.from({ length: n }, (_, i) => i);
  shuffle(indices);
  return indices;
}

export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

export function nearestLargerEven(val: number): number {
  return val % 2 === 0 ? val : val + 1;
}

export function sum(arr: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < arr.length; i++) total += arr[i];
  return total;
}

/** A uniform sample in [a, b). */
export function randUniform(a: number, b: number): number {
  const r = Math.random();
  return b * r + (1 - r) * a;
}

export function distSquared(a: FlatVector, b: FlatVector): number {
  let result = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Number(a[i]) - Number(b[i]);
    result += diff * diff;
  }
  return result;
}

export function sizeFromShape(shape: readonly number[]): number {
  return shapeSize(shape);
}

export function isScalarShape(shape: readonly number[]): boolean {
  return shape.length === 0;
}

/** Element-wise `===` of two flat arrays (typed or not); two nulls are equal, one is not. */
export function arraysEqual(n1: FlatVector | null | undefined, n2: FlatVector | null | undefined): boolean {
  return arraysMatch(n1, n2, (a, b) => a === b);
}

/** As arraysEqual, with a null entry on either side matching anything (a free dimension). */
export function arraysEqualWithNull(n1: readonly (number | null)[] | null | undefined, n2: readonly (number | null)[] | null | undefined): boolean {
  return arraysMatch(n1, n2, (a, b) => a === null || b === null || a === b);
}

function arraysMatch<T>(n1: ArrayLike<T> | null | undefined, n2: ArrayLike<T> | null | undefined, same: (a: T, b: T) => boolean): boolean {
  if (n1 === n2) return true;
  if (n1 == null || n2 == null || n1.length !== n2.length) return false;
  for (let i = 0; i < n1.length; i++) if (!same(n1[i], n2[i])) return false;
  return true;
}

export function isInt(a: number): boolean {
  return a % 1 === 0;
}

export function tanh(x: number): number {
  return Math.tanh(x);
}

/** [width, height] of a near-square 2-D grid holding `size` elements. */
export function sizeToSquarishShape(size: number): [number, number] {
  const width = Math.ceil(Math.sqrt(size));
  return [width, Math.ceil(size / width)];
}

/** The smallest divisor of `size` from `start` on (`size` itself when none is below it). */
export function nearestDivisor(size: number, start: number): number {
  for (let i = start; i < size; ++i) if (size % i === 0) return i;
  return size;
}

export function rightPad(a: string, size: number): string {
  return size <= a.length ? a : a + ' '.repeat(size - a.length);
}

/**
 * Calls `checkFn` until it returns true, waiting `delayFn(tries)` ms between
 * calls (through `scheduleFn` when given); rejects, with no reason, as TF.js
 * does, after `maxCounter` failed tries.
 */
export function repeatedTry(checkFn: () => boolean, delayFn: (counter: number) => number = () => 0, maxCounter?: number,
  scheduleFn?: (functionRef: () => void, delay: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tryCount = 0;
    const tryFn = (): void => {
      if (checkFn()) {
        resolve();
        return;
      }
      tryCount++;
      const nextBackoff = delayFn(tryCount);
      if (maxCounter != null && tryCount >= maxCounter) {
        reject();
        return;
      }
      if (scheduleFn != null) scheduleFn(tryFn, nextBackoff);
      else setTimeout(tryFn, nextBackoff);
    };
    tryFn();
  });
}

/** `shape` with its one -1 replaced so that it holds `size` elements. */
export function inferFromImplicitShape(shape: number[], size: number): number[] {
  let shapeProd = 1;
  let implicitIdx = -1;
  for (let i = 0; i < shape.length; ++i) {
    if (shape[i] >= 0) {
      shapeProd *= shape[i];
    } else if (shape[i] === -1) {
      if (implicitIdx !== -1) throw new Error(`Shapes can only have 1 implicit size. Found -1 at dim ${implicitIdx} and dim ${i}`);
      implicitIdx = i;
    } else {
      throw new Error(`Shapes can not be < 0. Found ${shape[i]} at dim ${i}`);
    }
  }
  if (implicitIdx === -1) {
    if (size > 0 && size !== shapeProd) throw new Error(`Size(${size}) must match the product of shape ${shape}`);
    return shape;
  }
  if (shapeProd === 0) throw new Error(`Cannot infer the missing size in [${shape}] when there are 0 elements`);
  if (size % shapeProd !== 0) throw new Error(`The implicit shape can't be a fractional number. Got ${size} / ${shapeProd}`);
  const newShape = shape.slice();
  newShape[implicitIdx] = size / shapeProd;
  return newShape;
}

/**
 * `axis` (one, a list, or null for all) as non-negative axes of `shape`, in
 * the order given and repeats kept, as TF.js returns them (unlike
 * core/axes.ts's normalizeAxes, which sorts and refuses repeats for ops).
 */
export function parseAxisParam(axis: number | readonly number[] | null | undefined, shape: readonly number[]): number[] {
  const rank = shape.length;
  const axes = axis == null ? shape.map((_, i) => i) : ([] as number[]).concat(axis);
  assert(axes.every((ax) => ax >= -rank && ax < rank), () => `All values in axis param must be in range [-${rank}, ${rank}) but got axis ${axes}`);
  assert(axes.every(isInt), () => `All values in axis param must be integers but got axis ${axes}`);
  return axes.map((a) => (a < 0 ? rank + a : a));
}

/** The shape without its size-1 dimensions (only those of `axis` when given), and the kept dimensions' indices. */
export function squeezeShape(shape: readonly number[], axis?: readonly number[]): { newShape: number[]; keptDims: number[] } {
  const newShape: number[] = [];
  const keptDims: number[] = [];
  // TF.js sorts the axes as strings; kept so that ranks over 10 squeeze as there.
  const axes = axis == null || axis.length === 0 ? null : parseAxisParam(axis, shape).sort();
  let j = 0;
  for (let i = 0; i < shape.length; ++i) {
    if (axes != null) {
      if (axes[j] === i && shape[i] !== 1) throw new Error(`Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1`);
      if ((axes[j] == null || axes[j] > i) && shape[i] === 1) {
        newShape.push(shape[i]);
        keptDims.push(i);
      }
      if (axes[j] <= i) j++;
    }
    if (shape[i] !== 1) {
      newShape.push(shape[i]);
      keptDims.push(i);
    }
  }
  return { newShape, keptDims };
}

/** Row-major strides of `shape` without the last (always 1), as TF.js keeps them: [] below rank 2. */
export function computeStrides(shape: readonly number[]): number[] {
  return stridesOf(shape).slice(0, -1);
}

/** The flat index of `locs` under `computeStrides` strides. */
export function locToIndex(locs: readonly number[], rank: number, strides: readonly number[]): number {
  if (rank === 0) return 0;
  let index = locs[locs.length - 1];
  for (let i = 0; i < locs.length - 1; ++i) index += strides[i] * locs[i];
  return index;
}

/** The coordinates of flat `index` under `computeStrides` strides. */
export function indexToLoc(index: number, rank: number, strides: readonly number[]): number[] {
  if (rank === 0) return [];
  const locs = new Array<number>(rank);
  for (let i = 0; i < rank - 1; ++i) {
    locs[i] = Math.floor(index / strides[i]);
    index -= locs[i] * strides[i];
  }
  locs[rank - 1] = index;
  return locs;
}

/** A flat typed array as nested arrays of `shape`; a complex array's last dimension holds (real, imaginary) pairs. */
export function toNestedArray(shape: readonly number[], a: TypedArray, isComplex = false): unknown {
  if (shape.length === 0) return a[0];
  const size = shapeSize(shape) * (isComplex ? 2 : 1);
  if (size === 0) return [];
  if (size !== a.length) throw new Error(`[${shape}] does not match the input size ${a.length}${isComplex ? ' for a complex tensor' : ''}.`);
  return toNested(isComplex ? [...shape.slice(0, -1), 2 * shape[shape.length - 1]] : shape, a);
}

/** Zero-filled nested arrays of `shape` and `dtype` (float32, int32 or bool). */
export function makeZerosNestedTypedArray(shape: readonly number[], dtype: DataType | null = 'float32'): unknown {
  dtype ??= 'float32';
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new Error(`Unknown data type ${dtype}`);
  return toNestedArray(shape, makeArray(dtype, shapeSize(shape)));
}

/**
 * A zero-filled typed array of `size` values: Float32Array for float32 and
 * complex64 (`size` counts storage values, as in TF.js), Int32Array, Uint8Array
 * for bool, Uint16Array for float16.
 */
export function makeZerosTypedArray(size: number, dtype: DataType | null = 'float32'): TypedArray {
  dtype ??= 'float32';
  if (dtype === 'string' || !isDataType(dtype)) throw new Error(`Unknown data type ${dtype}`);
  return makeArray(dtype === 'complex64' ? 'float32' : dtype, size);
}

/** As makeZerosTypedArray, filled with ones (float16 with the bits of 1.0). */
export function makeOnesTypedArray(size: number, dtype: DataType | null = 'float32'): TypedArray {
  return makeZerosTypedArray(size, dtype).fill(dtype === 'float16' ? 0x3c00 : 1);
}

/** The storage of `size` elements: a typed array, or an array of `size` empty slots for strings. */
export function getArrayFromDType(dtype: DataType | null, size: number): TypedArray | string[] {
  if (dtype === 'string') return new Array<string>(size);
  if (dtype === 'complex64') throw new Error(`Unknown data type ${dtype}`);
  return makeZerosTypedArray(size, dtype);
}

export function getTypedArrayFromDType(dtype: DataType | null, size: number): TypedArray | string[] {
  return getArrayFromDType(dtype, size);
}

/**
 * Numbers (nested or flat) as `dtype`'s typed array; an array already of that
 * type is returned as it is. bool is `round(x) != 0`, as TF.js. (tensorweb has
 * no DEBUG flag, so no NaN check runs here: call checkConversionForErrors.)
 */
export function toTypedArray(a: RecursiveArray<number | boolean> | TypedArray, dtype: DataType): TypedArray {
  if (dtype === 'string') throw new Error('Cannot convert a string[] to a TypedArray');
  const values = (Array.isArray(a) ? flatten(a).map(Number) : a) as ArrayLike<number>;
  if ((values instanceof Float32Array && dtype === 'float32') || (values instanceof Int32Array && dtype === 'int32') ||
    (values instanceof Uint8Array && dtype === 'bool')) return values;
  if (dtype === 'bool') return toStorage(Array.from(values, Math.round), dtype);
  if (dtype === 'float32' || dtype === 'complex64' || dtype === 'int32') return toStorage(values, dtype === 'int32' ? 'int32' : 'float32');
  throw new Error(`Unknown data type ${dtype}`);
}

/** One value's storage: a string's UTF-8 bytes, or a one-element typed array. */
export function createScalarValue(value: number | boolean | string, dtype: DataType): TypedArray {
  return dtype === 'string' ? encodeString(value as string) : toTypedArray([value as number], dtype);
}

/** Throws, naming the dtype and the value, when `vals` holds a NaN or an infinity. */
export function checkConversionForErrors(vals: ArrayLike<number>, dtype: DataType): void {
  for (let i = 0; i < vals.length; i++) {
    const num = vals[i];
    if (isNaN(num) || !isFinite(num)) throw new Error(`A tensor of type ${dtype} being uploaded contains ${num}.`);
  }
}

export function isValidDtype(dtype: unknown): dtype is DataType {
  return isDataType(dtype);
}

/** Whether casting `oldType` to `newType` can lose information. */
export function hasEncodingLoss(oldType: DataType, newType: DataType): boolean {
  if (newType === 'complex64') return false;
  if (newType === 'float32' && oldType !== 'complex64') return false;
  if (newType === 'int32' && oldType !== 'float32' && oldType !== 'complex64') return false;
  return !(newType === 'bool' && oldType === 'bool');
}

/** Bytes of one element; a string's size is its own, so a string dtype throws. */
export function bytesPerElement(dtype: DataType): number {
  if (dtype === 'string' || !isDataType(dtype)) throw new Error(`Unknown dtype ${dtype}`);
  return storageBytesPerElement(dtype);
}

export function bytesFromStringArray(arr: readonly Uint8Array[] | null | undefined): number {
  return arr == null ? 0 : arr.reduce((total, bytes) => total + bytes.length, 0);
}

export function isString(value: unknown): value is string {
  return typeof value === 'string' || value instanceof String;
}

export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

export function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

export function isFunction(f: unknown): boolean {
  const fn = f as { constructor?: unknown; call?: unknown; apply?: unknown } | null | undefined;
  return !!(fn && fn.constructor && fn.call && fn.apply);
}

export function isPromise(object: unknown): object is Promise<unknown> {
  return object != null && typeof (object as { then?: unknown }).then === 'function';
}

export function isTypedArray(a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray {
  return a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
}

/**
 * The dtype TF.js gives values: that of the first element of an array,
 * float32 for a Float32Array and numbers, int32 for other typed arrays.
 * (tw.tensor's own inference differs: a Uint8Array makes a bool tensor.)
 */
export function inferDtype(values: unknown): DataType {
  if (Array.isArray(values)) return inferDtype(values[0]);
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  if (isString(values)) return 'string';
  if (isBoolean(values)) return 'bool';
  return 'float32';
}

/** Flattens nested arrays (and typed arrays, unless `skipTypedArray`) into `result`. */
export function flatten<T>(arr: RecursiveArray<T>, result: T[] = [], skipTypedArray = false): T[] {
  result ??= [];
  if (typeof arr === 'boolean' || typeof arr === 'number' || typeof arr === 'string' || isPromise(arr) || arr == null ||
    (isTypedArray(arr) && skipTypedArray)) {
    result.push(arr as T);
  } else if (Array.isArray(arr) || isTypedArray(arr)) {
    for (let i = 0; i < arr.length; ++i) flatten((arr as RecursiveArray<T>[])[i], result, skipTypedArray);
  } else {
    // An array-like object: its integer keys in order, holes as undefined.
    const indexed = arr as { [index: number]: RecursiveArray<T> };
    const maxIndex = Math.max(-1, ...Object.keys(indexed).filter((key) => /^([1-9]+[0-9]*|0)$/.test(key)).map(Number));
    for (let i = 0; i <= maxIndex; i++) flatten(indexed[i], result, skipTypedArray);
  }
  return result;
}

/** Milliseconds from an arbitrary start, at sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** The platform's fetch. */
export function fetch(path: string, requestInits?: RequestInit): Promise<Response> {
  if (typeof globalThis.fetch !== 'function') throw new Error('tensorweb: util.fetch: this platform has no fetch');
  return globalThis.fetch(path, requestInits);
}

const isUtf8 = (encoding: string): boolean => /^utf-?8$/i.test(encoding);

/** `s` as bytes; TextEncoder writes UTF-8 only, so another encoding throws, as in TF.js's browser platform. */
export function encodeString(s: string, encoding = 'utf-8'): Uint8Array {
  encoding ||= 'utf-8';
  if (!isUtf8(encoding)) throw new Error(`Browser's encoder only supports utf-8, but got ${encoding}`);
  return encodeUtf8(s);
}

/** `bytes` decoded from `encoding` (any TextDecoder label). */
export function decodeString(bytes: Uint8Array, encoding = 'utf-8'): string {
  encoding ||= 'utf-8';
  return isUtf8(encoding) ? decodeUtf8(bytes) : new TextDecoder(encoding).decode(bytes);
}
