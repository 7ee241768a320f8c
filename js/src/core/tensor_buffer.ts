// TF.js's TensorBuffer: a mutable array of values with a shape, set and read
// by coordinates on the CPU, then turned into a tensor (`tw.buffer`,
// `x.buffer()`, `x.bufferSync()`).
import { type DataType, type TypedArray, isDataType, makeArray, sizeFromShape, stridesOf, toStorage } from './dtype.js';
import { getEngine } from './engine.js';
import { Tensor } from './tensor.js';

export class TensorBuffer {
  readonly shape: number[];
  readonly size: number;
  /** Row-major strides of every dim but the last (TF.js's `strides`). */
  readonly strides: number[];
  /** The values as numbers: float16 buffers hold float32 values (what `data()` reads), stored as float16 by toTensor. */
  values: TypedArray;

  constructor(shape: readonly number[], readonly dtype: DataType = 'float32', values?: TypedArray | number[]) {
    if (!isDataType(dtype)) throw new Error(`tensorweb: buffer: unknown dtype '${dtype}'`);
    if (dtype === 'string') throw new Error("tensorweb: buffer: string buffers are not supported (make the tensor with tw.tensor(values, shape, 'string'))");
    // Its element is a pair, which set/get of one number cannot hold.
    if (dtype === 'complex64') throw new Error('tensorweb: buffer: no complex64 buffers; build complex tensors with tw.complex(real, imag)');
    this.shape = [...shape];
    this.size = sizeFromShape(shape);
    if (values != null && values.length !== this.size) {
      throw new Error(`Length of values '${values.length}' does not match the size inferred by the shape '${this.size}'.`);
    }
    const held = dtype === 'float16' ? 'float32' : dtype;
    this.values = values == null ? makeArray(held, this.size) : ArrayBuffer.isView(values) ? values : toStorage(values, held);
    this.strides = stridesOf(shape).slice(0, -1);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Sets the value at `locs` (no coordinates: the first element). */
  set(value: number | boolean, ...locs: number[]): void {
    if (locs.length === 0) locs = [0];
    if (locs.length !== this.rank) {
      throw new Error(`The number of provided coordinates (${locs.length}) must match the rank (${this.rank})`);
    }
    this.values[this.locToIndex(locs)] = Number(value);
  }

  /** The value at `locs` (no coordinates: the first element); booleans read as 0/1 as in TF.js. */
  get(...locs: number[]): number {
    if (locs.length === 0) locs = [0];
    if (locs.some((loc, i) => loc < 0 || loc >= this.shape[i])) {
      throw new Error(`Requested out of range element at ${locs}.   Buffer shape=${this.shape}`);
    }
    return this.values[this.locToIndex(locs)];
  }

  locToIndex(locs: readonly number[]): number {
    if (this.rank === 0) return 0;
    return locs.slice(0, -1).reduce((index, loc, i) => index + this.strides[i] * loc, locs[locs.length - 1]);
  }

  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    const locs = this.strides.map((stride) => {
      const loc = Math.floor(index / stride);
      index -= loc * stride;
      return loc;
    });
    return [...locs, index];
  }

  /** A tensor with a copy of the values. */
  toTensor(): Tensor {
    return getEngine().makeTensor(toStorage(this.values, this.dtype), this.shape, this.dtype);
  }
}

/** tw.buffer(shape, dtype?, values?): an empty (zeros) or filled TensorBuffer. */
export function buffer(shape: readonly number[], dtype: DataType = 'float32', values?: TypedArray | number[]): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}

Object.defineProperties(Tensor.prototype, {
  /** A TensorBuffer with a copy of the values, once computed. */
  buffer: {
    value: async function (this: Tensor) {
      return new TensorBuffer(this.shape, this.dtype, (await this.data()).slice());
    },
    writable: true, configurable: true,
  },
  bufferSync: {
    value: function (this: Tensor) {
      return new TensorBuffer(this.shape, this.dtype, this.dataSync().slice());
    },
    writable: true, configurable: true,
  },
});
declare module './tensor.js' {
  interface Tensor {
    buffer(): Promise<TensorBuffer>;
    bufferSync(): TensorBuffer;
  }
}
