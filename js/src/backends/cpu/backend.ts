// The CPU backend: tensor data as typed arrays in a map (a string tensor's
// as an array of UTF-8 byte arrays; strings live here on every backend). Its kernels live
// next to this file, one module per op family, and are referenced from the
// op registry entries.
import { type BackendMemory, type DataId, FLOAT32_EPSILON, type KernelBackend, type TensorInfo } from '../../core/backend.js';
import { type BackendValues, type DataType, type StringValues, type TypedArray, storageBytes } from '../../core/dtype.js';

interface Stored {
  values: BackendValues;
  dtype: DataType;
}

export class CpuBackend implements KernelBackend {
  readonly name = 'cpu';
  private store = new Map<DataId, Stored>();
  private bytes = 0;

  write(values: BackendValues, _shape: readonly number[], dtype: DataType): DataId {
    const dataId = {};
    this.move(dataId, values, _shape, dtype);
    return dataId;
  }

  move(dataId: DataId, values: BackendValues, _shape: readonly number[], dtype: DataType): void {
    this.store.set(dataId, { values, dtype });
    this.bytes += storageBytes(values, dtype);
  }

  read(dataId: DataId): Promise<BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  readSync(dataId: DataId): BackendValues {
    const stored = this.store.get(dataId);
    if (!stored) throw new Error('tensorweb: cpu backend has no data under this id (disposed?)');
    return stored.values;
  }

  /** Kernel helper: the storage array of a numeric input (string inputs reach kernels as int32 codes). */
  values(info: TensorInfo): TypedArray {
    return this.readSync(info.dataId) as TypedArray;
  }

  /** The UTF-8 bytes of a string tensor's elements. */
  strings(info: TensorInfo): StringValues {
    return this.readSync(info.dataId) as StringValues;
  }

  disposeData(dataId: DataId): void {
    const stored = this.store.get(dataId);
    if (!stored) return;
    this.bytes -= storageBytes(stored.values, stored.dtype);
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
