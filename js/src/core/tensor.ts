// The Tensor handle users hold. Its data lives in a backend under `dataId`;
// everything that touches data goes through the engine.
import type { DataId } from './backend.js';
import { type DataType, type DataTypeMap, type NestedArray, type NumericDataType, type TypedArray, sizeFromShape } from './dtype.js';
import { getEngine } from './engine.js';

export class Tensor {
  /**
   * Identity on the gradient tape. Copies the engine holds for a tape share
   * the id of the tensor they copy, so gradients flow through them.
   */
  readonly id: number;
  /** Where the values live; a Variable's `assign` swaps it. */
  dataId: DataId;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  /** Set by `tw.keep`: no tidy scope disposes this tensor. */
  kept = false;
  private disposed = false;

  constructor(dataId: DataId, shape: readonly number[], dtype: DataType, id: number) {
    this.dataId = dataId;
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = sizeFromShape(shape);
    this.id = id;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws the error every use of a disposed tensor gives. */
  assertNotDisposed(use: string): void {
    if (this.disposed) {
      throw new Error(`tensorweb: ${use}: tensor ${this.id} (shape [${this.shape}], ${this.dtype}) is disposed`);
    }
  }

  /** Engine-internal: marks the handle dead; the engine releases the data. */
  markDisposed(): void {
    this.disposed = true;
  }

  /**
   * The values as a typed array (float16 tensors read as Float32Array,
   * complex64 as interleaved (real, imaginary) pairs), or the decoded strings
   * of a string tensor, once computed. As in TF.js, the type parameter names
   * the dtype the caller expects (numeric by default).
   */
  data<D extends DataType = NumericDataType>(): Promise<DataTypeMap[D]> {
    this.assertNotDisposed('data()');
    return getEngine().read(this) as Promise<DataTypeMap[D]>;
  }

  dataSync<D extends DataType = NumericDataType>(): DataTypeMap[D] {
    this.assertNotDisposed('dataSync()');
    return getEngine().readSync(this) as DataTypeMap[D];
  }

  /** A string tensor's elements as UTF-8 bytes (TF.js's `bytes()`). */
  async bytes(): Promise<Uint8Array[]> {
    this.assertNotDisposed('bytes()');
    return getEngine().readBytes(this);
  }

  async array(): Promise<NestedArray> {
    return toNested(this.valueShape, await this.data<DataType>());
  }

  arraySync(): NestedArray {
    return toNested(this.valueShape, this.dataSync<DataType>());
  }

  /** The shape of the values `data()` returns: a complex64 element is its (real, imaginary) pair. */
  private get valueShape(): number[] {
    return this.dtype === 'complex64' ? [...this.shape, 2] : this.shape;
  }

  print(verbose = false): void {
    console.log(this.toString(verbose));
  }

  toString(verbose = false): string {
    const header = verbose ? `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: [${this.shape}]\n  values:\n` : 'Tensor\n';
    if (this.disposed) return `${header}    <disposed>`;
    return `${header}    ${JSON.stringify(this.arraySync())}`;
  }

  /** A new tensor with the same values (shares the data; differentiable). */
  clone(): Tensor {
    this.assertNotDisposed('clone()');
    return getEngine().runOp('clone', [this], {})[0];
  }

  dispose(): void {
    getEngine().disposeTensor(this);
  }
}

/** A mutable tensor that tidy scopes never dispose; `tw.variableGrads` differentiates trainable ones. */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  constructor(initial: Tensor, trainable: boolean, name: string, id: number) {
    super(initial.dataId, initial.shape, initial.dtype, id);
    this.trainable = trainable;
    this.name = name;
  }

  /** Replaces the values; `newValue` must have this variable's shape and dtype. */
  assign(newValue: Tensor): void {
    getEngine().assignVariable(this, newValue);
  }
}

/** `values` as nested arrays of `shape` (a scalar for rank 0); also `tw.util.toNestedArray`. */
export function toNested(shape: readonly number[], values: TypedArray | string[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const inner = stride / shape[dim];
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]; i++) {
      out.push(dim === shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * inner, inner));
    }
    return out;
  };
  return build(0, 0, values.length === 0 ? sizeFromShape(shape) : values.length);
}
