// Data types, their storage arrays, and shape arithmetic shared by every module.

/**
 * float32, int32 and bool are compute dtypes. float16 is a storage dtype: it
 * holds half-precision bits (Uint16Array) and is upcast to float32 before any op
 * other than `cast` sees it. string tensors hold each element's UTF-8 bytes
 * (a Uint8Array per element, as TF.js stores them) on the CPU backend whatever
 * the active backend is (core/strings.ts). complex64 stores each element as a
 * (real, imaginary) pair of float32s, interleaved, as `data()` returns it in
 * TF.js; only ops whose entry says how they take it see it (`OpDef.complex`).
 */
export type DataType = 'float32' | 'int32' | 'bool' | 'float16' | 'complex64' | 'string';
export const DATA_TYPES: readonly DataType[] = ['float32', 'int32', 'bool', 'float16', 'complex64', 'string'];
export type NumericDataType = Exclude<DataType, 'string'>;

export type TypedArray = Float32Array | Int32Array | Uint8Array | Uint16Array;

/** A string tensor's storage: each element's UTF-8 bytes. */
export type StringValues = Uint8Array[];

/** What a backend stores under a DataId: the dtype's typed array, or the bytes of a string tensor. */
export type BackendValues = TypedArray | StringValues;

/** What `data()`/`dataSync()` give for a dtype: strings decoded, numbers in their typed array. */
export type DataTypeMap = { [D in DataType]: D extends 'string' ? string[] : TypedArray };

/** A nested JS array of numbers, booleans or strings, as `tw.tensor` accepts and `array()` returns. */
export type NestedArray = number | boolean | string | NestedArray[];

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && (DATA_TYPES as readonly string[]).includes(value);
}

export function bytesPerElement(dtype: NumericDataType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'float16' ? 2 : dtype === 'complex64' ? 8 : 1;
}

/** How many storage values `size` elements of `dtype` take: two float32s for a complex64. */
export function storageLength(dtype: DataType, size: number): number {
  return dtype === 'complex64' ? 2 * size : size;
}

/** Bytes of a backend's storage: a string tensor counts its strings' bytes. */
export function storageBytes(values: BackendValues, dtype: DataType): number {
  if (dtype === 'string') return (values as StringValues).reduce((total, bytes) => total + bytes.length, 0);
  return (values as TypedArray).byteLength;
}

/** A zero-filled storage array for `size` elements of `dtype`. */
export function makeArray(dtype: DataType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
    case 'float16': return new Uint16Array(size);
    case 'complex64': return new Float32Array(storageLength(dtype, size));
    case 'string': throw new Error('tensorweb: string tensors are stored as arrays of UTF-8 bytes, not typed arrays');
  }
}

/** Copies plain numbers into the storage array of `dtype` (int32 truncates, bool is `!= 0`, so NaN is true). */
export function toStorage(values: ArrayLike<number>, dtype: DataType): TypedArray {
  const out = makeArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  } else if (dtype === 'float16') {
    for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  } else {
    out.set(values);
  }
  return out;
}

/** The dtype both operands take when an op needs them to agree (TF.js `upcastType`). */
export function upcastType(a: DataType, b: DataType): DataType {
  if (a === 'string' || b === 'string') {
    if (a === b) return a;
    throw new Error(`tensorweb: a string tensor cannot be combined with a ${a === 'string' ? b : a} one`);
  }
  const order: DataType[] = ['bool', 'int32', 'float16', 'float32', 'complex64'];
  const wider = order[Math.max(order.indexOf(a), order.indexOf(b))];
  return wider === 'float16' ? 'float32' : wider;
}

export function sizeFromShape(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides of `shape` in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// IEEE half <-> single conversion, round-to-nearest-even, for float16 storage.
const scratch = new DataView(new ArrayBuffer(4));

export function float32ToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
