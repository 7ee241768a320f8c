// The contract between the engine and a compute backend (CPU in JS, WebGPU).
import type { BackendValues, DataType } from './dtype.js';

/**
 * Opaque key of one tensor's data inside a backend. The backend that creates
 * it (by `write` or inside a kernel) chooses the object; the engine only uses
 * it as a map key and never looks inside. Several tensors may share one DataId
 * (clone, reshape): the engine counts references and calls `disposeData` once
 * the last of them is disposed.
 */
export type DataId = object;

/** What a kernel sees of a tensor: where its data lives, and its shape and dtype. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: DataType;
}

/** The shape and dtype of an op output, as the op's shape rule computed it. */
export interface TensorSpec {
  readonly shape: readonly number[];
  readonly dtype: DataType;
}

export interface BackendMemory {
  /** Data buffers this backend holds right now. */
  numDataBuffers: number;
  /** Bytes of tensor data this backend holds right now (pooled free buffers excluded). */
  numBytes: number;
}

/**
 * A quantised float32 weight as a model stores it: float16 halves, or uint8
 * codes whose values are code * scale + min, with one scale and min or one
 * per index along `axis`. Backends that can keep it so (`writePacked`) read it
 * in their kernels and dequantise it only for consumers that cannot.
 */
export type PackedWeight =
  | { readonly format: 'float16'; readonly halves: Uint16Array }
  | { readonly format: 'uint8'; readonly codes: Uint8Array; readonly scale: Float32Array; readonly min: Float32Array;
      readonly axis: number | null };

/** Images a backend may copy pixels from on its device (`writePixels`): whatever WebGPU's copyExternalImageToTexture takes. */
export type PixelSource = ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | HTMLImageElement | VideoFrame;

/** A canvas a backend may draw an image tensor into (`drawPixels`). */
export type DrawCanvas = HTMLCanvasElement | OffscreenCanvas;

/**
 * A compute backend. Implementations: `backends/cpu/backend.ts`,
 * `backends/webgpu/` (asynchronous, data on the GPU).
 *
 * - Tensor data lives in the backend under a DataId. The engine never touches
 *   it except through `write`/`move` (upload), `read`/`readSync` (download)
 *   and `disposeData`.
 * - Kernels (one per op, in the op's registry entry) receive `TensorInfo`s of
 *   their inputs and the output specs the shape rule computed, and return one
 *   DataId per output. They must not read data back to the CPU: a GPU kernel
 *   only encodes work. A kernel may return an input's DataId unchanged (a view,
 *   e.g. reshape); the engine then shares it and counts the reference.
 * - `read` resolves once the data is on the CPU (for a GPU backend: after the
 *   queued work finished and a staging buffer was mapped). `readSync` blocks
 *   (WebGPU: through canvases, see backends/webgpu/read_sync.ts) or, where
 *   the backend cannot block in this context, throws saying why.
 * - Moving between backends is the engine's job: when an op runs on backend B
 *   and an input lives on A, the engine does `values = A.readSync(id)`,
 *   `A.disposeData(id)`, `B.move(id, values, shape, dtype)`; the DataId stays
 *   the same object so every tensor holding it keeps working.
 * - Values are always the dtype's storage array: Float32Array (float32),
 *   Int32Array (int32), Uint8Array (bool, 0 or 1), Uint16Array (float16 bits).
 *   String tensors (an array of UTF-8 byte arrays) live on the CPU backend
 *   only: the engine writes them there and runs ops over them there.
 */
export interface KernelBackend {
  /** The name `setBackend` takes: 'cpu', 'webgpu'. */
  readonly name: string;
  /** Stores `values` under a fresh DataId. The backend may keep `values` (callers hand it over). */
  write(values: BackendValues, shape: readonly number[], dtype: DataType): DataId;
  /**
   * Optional: stores a quantised weight as packed storage of a float32 tensor
   * of `shape` (its values are the dequantised ones). Backends without it
   * get the weight dequantised to float32 before `write`.
   */
  writePacked?(weight: PackedWeight, shape: readonly number[]): DataId;
  /**
   * Optional: stores the pixels of `source`, `width` x `height` of them at
   * its own size, as int32 values 0-255 of shape [height, width, channels]
   * (each pixel's first `channels` of R, G, B, A) without reading them on the
   * CPU. Backends without it get the values from a 2-D canvas.
   */
  writePixels?(source: PixelSource, width: number, height: number, channels: number): DataId;
  /**
   * Optional: draws `image` (float32 values in [0, 1] or int32 values in
   * [0, 255], shape [height, width] or [height, width, 1 | 3 | 4]) into
   * `canvas` on this backend's device, one- and three-channel images with
   * alpha `alpha`; sizes the canvas to the image. Backends without it put
   * the values on the canvas's 2-D context.
   */
  drawPixels?(image: TensorInfo, canvas: DrawCanvas, alpha: number): void;
  /** Stores `values` under an existing DataId that the engine moves here from another backend. */
  move(dataId: DataId, values: BackendValues, shape: readonly number[], dtype: DataType): void;
  /** The values under `dataId`, once all work producing them has finished. The caller must not mutate them. */
  read(dataId: DataId): Promise<BackendValues>;
  /** The same, blocking; may throw where blocking is impossible. */
  readSync(dataId: DataId): BackendValues;
  /** Frees (or returns to a pool) the storage of `dataId`; the id must not be used again. */
  disposeData(dataId: DataId): void;
  /** Whether this backend holds data under `dataId`. */
  has(dataId: DataId): boolean;
  memory(): BackendMemory;
  /** TF.js's KernelBackend queries (`tw.backend().floatPrecision()`): bits of the float type ops compute in. */
  floatPrecision(): 16 | 32;
  /** The smallest float TF.js adds to avoid dividing by zero at that precision (1e-7 for 32 bits, 1e-4 for 16). */
  epsilon(): number;
  /** How many data buffers the backend holds (TF.js's name for `memory().numDataBuffers`). */
  numDataIds(): number;
  /** Releases everything the backend holds (device, pools). */
  dispose(): void;
  /** Backends that can lose their device: resolves once a lost one has been replaced. */
  restored?(): Promise<void>;
  /**
   * Backends that can lose their device: once the work recorded so far has
   * run (or failed), the ids among `dataIds` whose values a lost device took
   * (computed there, with no CPU copy to upload again).
   */
  lostData?(dataIds: DataId[]): Promise<DataId[]>;
  /**
   * Runs one op's kernel: backends that label their work by op or free what
   * a failed kernel allocated wrap it; the engine calls `kernel` through it.
   */
  runKernel?<T>(op: string, kernel: () => T): T;
}

/** TF.js's epsilon for a 32-bit float backend (its EPSILON_FLOAT32). */
export const FLOAT32_EPSILON = 1e-7;

/**
 * Thrown by a backend factory when the environment simply lacks what the
 * backend needs (no navigator.gpu in Node or an older browser): an expected
 * absence, which the automatic backend choice passes over without a warning.
 * Asking for the backend by name with setBackend still warns with the reason.
 */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** Creates a backend; may be asynchronous (WebGPU needs an adapter and device). */
export type BackendFactory = () => KernelBackend | Promise<KernelBackend>;
