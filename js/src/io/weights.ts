// Weights in and out of their manifest: shards fetched in parallel into one
// buffer (lengths and hashes checked), decoded and dequantised into tensors,
// and tensors encoded back into bytes and specs for saving.
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { sizeFromShape, toStorage } from '../core/dtype.js';
import type { PackedWeight } from '../core/backend.js';
import type { LoadOptions, ShardEntry, WeightSpec, WeightsManifestGroup } from './types.js';
import { sha256Hex } from './sha256.js';

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

/** The dtype whose bytes the shards hold for a weight (its quantisation dtype, if any). */
function storedDtype(spec: WeightSpec): string {
  return spec.quantization?.dtype ?? spec.dtype;
}

/** Bytes a weight takes in the shards; throws on a malformed spec, naming the weight. */
export function weightByteLength(spec: WeightSpec): number {
  const bytes = STORED_BYTES[storedDtype(spec)];
  if (bytes === undefined) throw new Error(`tensorweb: weight '${spec.name}' has unknown dtype '${storedDtype(spec)}'`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`tensorweb: weight '${spec.name}' has an invalid shape ${JSON.stringify(spec.shape)}`);
  }
  return sizeFromShape(spec.shape) * bytes;
}

/** Where the bytes of one shard come from: a stream to copy as it arrives, or the bytes at once. */
export type ShardBody = ReadableStream<Uint8Array> | ArrayBuffer;
export type ShardFetcher = (path: string, signal: AbortSignal) => Promise<ShardBody>;

/** Every weight of a manifest, in the order their bytes follow one another. */
export function manifestWeightSpecs(manifest: WeightsManifestGroup[]): WeightSpec[] {
  return manifest.flatMap((group) => group.weights);
}

/** Where shards checked before are kept (the browser's model cache): read by sha256 before fetching, written after. */
export interface ShardStore {
  /** The kept bytes of `shard`, or null; they go through the same checks as fetched ones. */
  read(shard: ShardEntry): Promise<ShardBody | null>;
  /** Keeps a copy of the checked bytes of `shard`, written when the store may (it reports its own failures). */
  write(shard: ShardEntry, bytes: Uint8Array): void;
  /** Forgets a shard whose kept bytes failed the checks. */
  drop(shard: ShardEntry): Promise<void>;
}

export interface ReadWeightsResult {
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

/**
 * Fetches every shard of `manifest` in parallel into one buffer, checking each
 * against its manifest byte length and sha256; with a `store`, shards it holds
 * are read from it instead (through the same checks) and fetched ones are
 * written to it. The first failure aborts the other fetches and is thrown,
 * naming the shard.
 */
export async function readWeights(manifest: WeightsManifestGroup[], fetchShard: ShardFetcher,
  onProgress?: LoadOptions['onProgress'], store?: ShardStore): Promise<ReadWeightsResult> {
  const weightSpecs = manifestWeightSpecs(manifest);
  const needed = weightSpecs.reduce((total, spec) => total + weightByteLength(spec), 0);
  const shards: ShardEntry[] = manifest.flatMap((group) => group.shards ?? group.paths.map((path) => ({ path })));
  const declared = shards.every((s) => s.byteLength !== undefined)
    ? shards.reduce((total, s) => total + s.byteLength!, 0) : null;
  if (declared !== null && declared !== needed) {
    throw new Error(`tensorweb: the manifest's shards hold ${declared} bytes but its weights need ${needed}`);
  }
  const abort = new AbortController();
  let received = 0;
  const report = (bytes: number) => {
    received += bytes;
    const fraction = needed === 0 ? 1 : Math.min(received / needed, 1);
    onProgress?.(fraction, { weights: fraction, pipelinesCompiled: 0, pipelinesTotal: 0 });
  };
  // With every length known, shards land straight in the final buffer; otherwise each gets its own and they are joined.
  const whole = declared !== null ? new Uint8Array(needed) : null;
  let offset = 0;
  const jobs = shards.map(async (shard) => {
    const start = offset;
    offset += shard.byteLength ?? 0;
    const target = whole ? whole.subarray(start, start + shard.byteLength!) : null;
    return store ? readStoredShard(shard, store, fetchShard, abort.signal, target, report)
      : readShard(shard, await fetchShard(shard.path, abort.signal), target, report);
  });
  let parts: Uint8Array[];
  try {
    parts = await Promise.all(jobs);
  } catch (error) {
    abort.abort();
    await Promise.allSettled(jobs);
    throw error;
  }
  if (whole) return { weightSpecs, weightData: whole.buffer };
  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  if (total !== needed) throw new Error(`tensorweb: the shards hold ${total} bytes but the manifest's weights need ${needed}`);
  return { weightSpecs, weightData: concatBytes(parts).buffer };
}

/** The chunks one after another in one new buffer. */
function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}

/**
 * Reads one shard from `store`, or, when it is not there or fails its checks
 * there (then it is dropped), fetches it and hands it to `store` to write: the
 * load does not wait for the write.
 */
async function readStoredShard(shard: ShardEntry, store: ShardStore, fetchShard: ShardFetcher, signal: AbortSignal,
  target: Uint8Array | null, report: (bytes: number) => void): Promise<Uint8Array> {
  // Progress counts the shard's bytes once, though a stored copy that fails its checks is read again from the network.
  let counted = 0;
  let read = 0;
  const reportOnce = (bytes: number) => {
    read += bytes;
    if (read > counted) report(read - counted);
    counted = Math.max(counted, read);
  };
  const stored = await store.read(shard).catch(() => null);
  if (stored) {
    try {
      return await readShard(shard, stored, target, reportOnce);
    } catch (error) {
      console.warn(`tensorweb: the cached copy of shard '${shard.path}' is damaged (${(error as Error).message.replace(/^tensorweb: /, '')}); fetching it again`);
      await store.drop(shard).catch(() => undefined);
      read = 0;
    }
  }
  const bytes = await readShard(shard, await fetchShard(shard.path, signal), target, reportOnce);
  store.write(shard, bytes);
  return bytes;
}

/** Reads one shard into `target` (when its length is known) and checks its length and hash. */
async function readShard(shard: ShardEntry, body: ShardBody, target: Uint8Array | null,
  report: (bytes: number) => void): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (body instanceof ArrayBuffer) {
    bytes = new Uint8Array(body);
    checkLength(shard, bytes.byteLength);
    if (target) {
      target.set(bytes);
      bytes = target;
    }
    report(bytes.byteLength);
  } else {
    bytes = await drain(shard, body, target, report);
  }
  if (shard.sha256 !== undefined) {
    const actual = await sha256Hex(bytes);
    if (actual !== shard.sha256.toLowerCase()) {
      throw new Error(`tensorweb: shard '${shard.path}' has sha256 ${actual}, the manifest says ${shard.sha256}`);
    }
  }
  return bytes;
}

function checkLength(shard: ShardEntry, actual: number): void {
  if (shard.byteLength !== undefined && actual !== shard.byteLength) {
    throw new Error(`tensorweb: shard '${shard.path}' is ${actual} bytes long, the manifest says ${shard.byteLength}`);
  }
}

/** Copies a streamed body as it arrives; a body longer than the manifest says stops at the first extra byte. */
async function drain(shard: ShardEntry, stream: ReadableStream<Uint8Array>, target: Uint8Array | null,
  report: (bytes: number) => void): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (target) {
        if (length + value.byteLength > target.byteLength) {
          throw new Error(`tensorweb: shard '${shard.path}' is longer than the ${shard.byteLength} bytes the manifest says`);
        }
        target.set(value, length);
      } else {
        chunks.push(value);
      }
      length += value.byteLength;
      report(value.byteLength);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  checkLength(shard, length);
  if (target) return target;
  return concatBytes(chunks);
}

export interface DecodeOptions {
  /**
   * Keep float16 and uint8 weights packed where the backend can
   * (`writePacked`: WebGPU), as float32 tensors whose storage is the stored
   * halves or codes; default false: dequantised to float32 storage here.
   */
  packed?: boolean;
}

/**
 * Turns weight bytes into tensors, one per spec, on the active backend: each
 * weight's stored bytes are uploaded once, and quantised ones are either kept
 * packed (`options.packed`, on a backend with `writePacked`) or dequantised
 * there by ops (cast, mul, add) — on the GPU when webgpu is active. Aligned
 * weights are read through views of `data` rather than copies (the CPU backend
 * keeps them), so `data` must not change afterwards. On a failure every tensor
 * made so far is disposed.
 */
export function decodeWeights(specs: WeightSpec[], data: ArrayBuffer, options: DecodeOptions = {}): Map<string, Tensor> {
  const needed = specs.reduce((total, spec) => total + weightByteLength(spec), 0);
  if (needed !== data.byteLength) {
    throw new Error(`tensorweb: the weight data is ${data.byteLength} bytes, the weight specs need ${needed}`);
  }
  const engine = getEngine();
  const tensors = new Map<string, Tensor>();
  let offset = 0;
  try {
    for (const spec of specs) {
      if (tensors.has(spec.name)) throw new Error(`tensorweb: weight '${spec.name}' appears twice in the manifest`);
      const length = weightByteLength(spec);
      const start = offset;
      offset += length;
      try {
        tensors.set(spec.name, engine.tidy(() => decodeWeight(spec, data, start, length, options.packed ?? false)));
      } catch (error) {
        throw new Error(`tensorweb: weight '${spec.name}': ${(error as Error).message.replace(/^tensorweb: /, '')}`, { cause: error });
      }
    }
  } catch (error) {
    for (const tensor of tensors.values()) tensor.dispose();
    throw error;
  }
  return tensors;
}

/** The `length` bytes at `offset` as `Type`: a view when aligned, else a copy. */
function typedView<T>(Type: { new (buffer: ArrayBuffer, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number },
  data: ArrayBuffer, offset: number, length: number): T {
  const count = length / Type.BYTES_PER_ELEMENT;
  return offset % Type.BYTES_PER_ELEMENT === 0 ? new Type(data, offset, count) : new Type(data.slice(offset, offset + length));
}

function decodeWeight(spec: WeightSpec, data: ArrayBuffer, offset: number, length: number, packed: boolean): Tensor {
  const engine = getEngine();
  const q = spec.quantization;
  if (!q) {
    const values = spec.dtype === 'float32' ? typedView(Float32Array, data, offset, length)
      : spec.dtype === 'int32' ? typedView(Int32Array, data, offset, length)
        : spec.dtype === 'float16' ? typedView(Uint16Array, data, offset, length) : typedView(Uint8Array, data, offset, length);
    return engine.makeTensor(values, spec.shape, spec.dtype);
  }
  if (spec.dtype !== 'float32') throw new Error(`tensorweb: quantised weights must be float32, not ${spec.dtype}`);
  const backend = engine.backend;
  if (packed && backend.writePacked && q.dtype !== 'uint16') {
    const weight: PackedWeight = q.dtype === 'float16' ? { format: 'float16', halves: typedView(Uint16Array, data, offset, length) }
      : { format: 'uint8', codes: typedView(Uint8Array, data, offset, length), ...affineVectors(spec) };
    return engine.makeTensorFromDataId(backend.writePacked(weight, spec.shape), spec.shape, 'float32', backend);
  }
  if (q.dtype === 'float16') {
    const bits = engine.makeTensor(typedView(Uint16Array, data, offset, length), spec.shape, 'float16');
    return engine.runOp('cast', [bits], { dtype: 'float32' })[0];
  }
  const codes: ArrayLike<number> = q.dtype === 'uint8' ? typedView(Uint8Array, data, offset, length) : typedView(Uint16Array, data, offset, length);
  const { scale, min } = affineParameters(spec);
  const asFloat = engine.runOp('cast', [engine.makeTensor(Int32Array.from(codes), spec.shape, 'int32')], { dtype: 'float32' })[0];
  return engine.runOp('add', [engine.runOp('mul', [asFloat, scale], {})[0], min], {})[0];
}

/** Scale and min as float32 vectors: one entry each (per tensor, axis null), or one per entry of `axis`. */
function affineVectors(spec: WeightSpec): { scale: Float32Array; min: Float32Array; axis: number | null } {
  const q = spec.quantization!;
  const rank = spec.shape.length;
  const perTensor = typeof q.scale === 'number' && typeof q.min === 'number';
  const axis = perTensor ? null : q.axis ?? rank - 1;
  const vector = (value: number | number[] | undefined, what: string): Float32Array => {
    if (axis === null) return Float32Array.of(value as number);
    if (!Array.isArray(value) || axis < 0 || axis >= rank || value.length !== spec.shape[axis]) {
      throw new Error(`tensorweb: quantization ${what} must be a number or one per entry of axis ${axis}`);
    }
    return Float32Array.from(value);
  };
  return { scale: vector(q.scale, 'scale'), min: vector(q.min, 'min'), axis };
}

/** Scale and min as tensors broadcasting against the weight (vectors lie along `axis`). */
function affineParameters(spec: WeightSpec): { scale: Tensor; min: Tensor } {
  const engine = getEngine();
  const { scale, min, axis } = affineVectors(spec);
  const shape = axis === null ? [] : spec.shape.map((d, i) => (i === axis ? d : 1));
  return { scale: engine.makeTensor(scale, shape, 'float32'), min: engine.makeTensor(min, shape, 'float32') };
}

/** The bytes and specs of named tensors, in order, for saving (float32, int32, bool and float16 as stored). */
export async function encodeWeights(named: { name: string; tensor: Tensor }[]): Promise<ReadWeightsResult> {
  const parts: Uint8Array[] = [];
  const weightSpecs: WeightSpec[] = [];
  for (const { name, tensor } of named) {
    const { dtype } = tensor;
    if (dtype === 'string') throw new Error(`tensorweb: saving weights: '${name}' is a string tensor, which model weights cannot hold`);
    if (dtype === 'complex64') throw new Error(`tensorweb: save: weight '${name}' is complex64, which model files do not hold`);
    const stored = toStorage(await tensor.data(), dtype);
    parts.push(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    weightSpecs.push({ name, shape: [...tensor.shape], dtype });
  }
  return { weightSpecs, weightData: concatBytes(parts).buffer };
}
