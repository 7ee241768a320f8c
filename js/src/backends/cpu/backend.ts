// The CPU backend: tensor data as typed arrays in a map. Its kernels live
// next to this file, one module per op family, and are referenced from the
// op registry entries.
import { type BackendMemory, type DataId, FLOAT32_EPSILON, type KernelBackend, type TensorInfo } from '../../core/backend.js';
import type { DataType, TypedArray } from '../../core/dtype.js';

interface Stored {
  values: TypedArray;
  dtype: DataType;
}

export class CpuBackend implements KernelBackend {
  readonly name = 'cpu';
  private store = new Map<DataId, Stored>();
  private bytes = 0;

  write(values: TypedArray, _shape: readonly number[], dtype: DataType): DataId {
    const dataId = {};
    this.move(dataId, values, _shape, dtype);
    return dataId;
  }

  move(dataId: DataId, values: TypedArray, _shape: readonly number[], dtype: DataType): void {
    this.store.set(dataId, { values, dtype });
    this.bytes += values.byteLength;
  }

  read(dataId: DataId): Promise<TypedArray> {
    return Promise.resolve(this.readSync(dataId));
  }

  readSync(dataId: DataId): TypedArray {
    const stored = this.store.get(dataId);
    if (!stored) throw new Error('tensorweb: cpu backend has no data under this id (disposed?)');
    return stored.values;
  }

  /** Kernel helper: the storage array of an input. */
  values(info: TensorInfo): TypedArray {
    return this.readSync(info.dataId);
  }

  disposeData(dataId: DataId): void {
    const stored = this.store.get(dataId);
    if (!stored) return;
    this.bytes -= stored.values.byteLength;
    this.store.delete(dataId);
  }

  has(dataId: DataId): boolean {
    return this.store.has(dataId);
  }

  memory(): BackendMemory {
    return { numDataBuffers: this.store.size, numBytes: this.bytes };
  }

  floatPrecision(): 32 {
    return 32;
  }

  epsilon(): number {
    return FLOAT32_EPSILON;
  }

  numDataIds(): number {
    return this.store.size;
  }

  dispose(): void {
    this.store.clear();
    this.bytes = 0;
  }
}
