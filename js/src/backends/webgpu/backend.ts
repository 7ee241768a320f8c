// The WebGPU backend: tensor data in GPU buffers, kernels recorded as compute
// dispatches (many per command submission), and values read back to the CPU
// only when asked for (`data()`). Kernels live in ./kernels/ and describe a
// launch by the shader's own binding and uniform names (see ./wgsl.ts).
import { type BackendMemory, type DataId, type DrawCanvas, FLOAT32_EPSILON, type KernelBackend, type PackedWeight, type PixelSource,
  type TensorInfo } from '../../core/backend.js';
import { type DataType, type TypedArray, sizeFromShape, storageLength } from '../../core/dtype.js';
import { fillSlots, shaderSource } from '../../shaders.js';
import { BufferPool, sizeClass } from './buffer_pool.js';
import { type DeviceInfo, acquireDevice } from './device.js';
import { type PackedLayout, dequantizeLaunch, packWeight } from './packed.js';
import { fromPixelsLaunch, rowWords, toCanvasLaunch } from './pixels.js';
import { readBufferSync } from './read_sync.js';
import { type Binding, type StructLayout, type UniformValues, packStruct, parseBindings, structLayout } from './wgsl.js';

/**
 * Knobs that pick kernel variants; 'auto' lets the backend choose by shape
 * and adapter. Tests force each variant through `setFlags`.
 */
export interface WebGpuFlags {
  /** vec4 loads where the shapes allow: matmul and conv GEMMs (K and N multiples of 4), depthwise convs, elementwise ops and copies. */
  vec4: 'auto' | 'on' | 'off';
  /** vec4 matmul and conv GEMMs: tiles staged in workgroup memory, or each thread's rows and columns kept in registers ('auto': registers on CPU adapters). */
  matmul: 'auto' | 'tiled' | 'registers';
  /** Products of few rows (A not transposed, K and N multiples of 4): matmul/matvec.wgsl ('auto': up to 16 rows on CPU adapters, 8 on GPUs; 'on': any rows). */
  matvec: 'auto' | 'on' | 'off';
  /** matmul: split the K dimension across workgroups, then sum the partials. */
  splitK: 'auto' | 'on' | 'off';
  /** Convolutions and their input gradients: implicit GEMM, or direct (one thread per output); 'auto': direct for thin outputs with short sums. */
  conv: 'auto' | 'gemm' | 'im2col' | 'direct';
  /** float16 tensors: converted with f16 arithmetic ('native', needs shader-f16) or by unpacking bits ('packed'). */
  f16: 'auto' | 'native' | 'packed';
  /** Reductions: subgroup shuffles ('auto': where the adapter has the subgroups feature) or a tree in workgroup memory ('off'). */
  subgroups: 'auto' | 'off';
  /** Reductions: a workgroup per output, or one thread per output ('auto': by outputs and axis length, see kernels/reduce.ts). */
  reduce: 'auto' | 'workgroup' | 'thread';
  /**
   * Kernels whose best variant compiles slowly (seconds on SwiftShader: written-out loops, many registers):
   * 'auto' (on CPU adapters) runs a variant that compiles quickly until the best one, compiling in the
   * background, is ready, unless a plan finds the quick one costing more than the compile; 'off' (and 'auto'
   * on GPUs) compiles the best one at first use and waits; 'on' always runs the quick variants (tests).
   */
  quickKernels: 'auto' | 'on' | 'off';
  /**
   * Kernels whose variant follows from sizes (vec4 or scalar elementwise, matvec or a GEMM tile, a thread or a
   * workgroup per row), in a graph with free input dimensions: 'on' dispatches an already compiled variant
   * valid for the sizes when the best one is not compiled, and compiles the best in the background
   * (`pickVariant`), so a new batch or sequence length runs at once; 'off' compiles the best one at first use
   * and waits.
   */
  variantReuse: 'on' | 'off';
  /** Dispatches recorded before a command buffer is submitted. */
  dispatchesPerSubmit: number;
}

/** Quiet time after the queue drains before a background compile starts, and the longest wait for one. */
const IDLE_MS = 30;
const MAX_IDLE_WAIT_MS = 1000;

const DEFAULT_FLAGS: WebGpuFlags = {
  vec4: 'auto', matmul: 'auto', matvec: 'auto', splitK: 'auto', conv: 'auto', f16: 'auto', subgroups: 'auto', reduce: 'auto',
  quickKernels: 'auto', variantReuse: 'on', dispatchesPerSubmit: 64,
};

/** Bounds on what the backend keeps; `setLimits` changes them (README.md, "Limits"). */
export interface WebGpuLimits {
  /**
   * GPU bytes the backend may hold in all (live tensors, pooled idle buffers,
   * staging and uniform buffers). Past it, idle buffers are freed first, then
   * the allocation fails with an error naming the op and the bytes. Infinity
   * (the default) leaves the bound to the adapter, whose memory WebGPU does not report.
   */
  maxMemoryBytes: number;
  /** Bytes of idle buffers kept for reuse; beyond it the largest idle buffers are destroyed. */
  maxPooledBytes: number;
  /** Compiled pipelines kept; beyond it the least recently used is dropped (and compiled again if needed). */
  maxPipelines: number;
  /** Bytes a conv's im2col matrix may take (kernels/conv.ts `im2colGemm`); larger convs run an implicit GEMM. */
  maxIm2colBytes: number;
}

const DEFAULT_LIMITS: WebGpuLimits = {
  maxMemoryBytes: Infinity, maxPooledBytes: 256 * 1024 * 1024, maxPipelines: 512, maxIm2colBytes: 32 * 1024 * 1024,
};

/** Thrown when an allocation would take the backend past `maxMemoryBytes`. */
export class MemoryLimitError extends Error {
  constructor(message: string, readonly requestedBytes: number, readonly limitBytes: number) {
    super(message);
    this.name = 'MemoryLimitError';
  }
}

// WebGPU's flag values, spelled out so this module loads where the GPU* globals do not exist (node).
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, UNIFORM: 0x40, QUERY_RESOLVE: 0x200 };
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const SHADER_STAGE_COMPUTE = 0x4;
const TEXTURE_USAGE = { COPY_SRC: 0x1, COPY_DST: 0x2, RENDER_ATTACHMENT: 0x10 };
const MAP_MODE_READ = 0x1;
/** Queries per timing query set: two timestamps per dispatch. */
const MAX_TIMED_DISPATCHES = 2048;

interface GpuData {
  /** Null once the device that held it was lost. */
  buffer: GPUBuffer | null;
  dtype: DataType;
  /** Storage values: elements, two per complex64 element. */
  size: number;
  /** A CPU copy: the uploaded values, or the last read. Data never changes under a DataId. */
  values: TypedArray | null;
  /** The device generation the buffer belongs to. */
  generation: number;
  /** Made during a `plan`: a stand-in with neither buffer nor values. */
  planned?: true;
  /**
   * A packed weight (README.md, "Packed weights"): its words, kept on the CPU
   * like uploaded values, and whether `buffer` holds them (else it holds the
   * float32 values a dequantise dispatch made from them).
   */
  packed?: { layout: PackedLayout; words: Uint32Array; inBuffer: boolean };
}

/** A storage binding: a tensor's DataId or a raw buffer. */
export type StorageResource = DataId | GPUBuffer;

export interface Launch {
  /** Path under shaders/. */
  shader: string;
  /** Text slots (`types`, `body`) by name. */
  slots?: Readonly<Record<string, string>>;
  /** Pipeline-overridable constants by name. */
  constants?: Readonly<Record<string, number | boolean>>;
  /** By binding name: storage takes a DataId or buffer, uniform takes the struct's field values. Unlisted read-only storage gets a placeholder. */
  bindings: Readonly<Record<string, StorageResource | UniformValues>>;
  /** By binding name: packed weights bound as their packed words (see `packedLayout`); DataIds in `bindings` are float32. */
  packed?: Readonly<Record<string, DataId>>;
  /** Workgroup count (laid out 2-D as x, then rows of y) or an explicit [x, y, z]. */
  workgroups: number | readonly [number, number, number];
}

/** What a quick variant adds to one dispatch and what its best variant takes to compile, in ms (SwiftShader's). */
export interface QuickVariantCost {
  extraMs: number;
  compileMs: number;
  /**
   * The quick variant's pipeline and what it takes to compile, where that is slow enough to weigh (see plan); a
   * function, since only a plan reads it and a dispatch need not build the stand-in's spec.
   */
  standIn?: () => { spec: PipelineSpec; compileMs: number };
}

/** What a pipeline is compiled from: a launch without its bindings and workgroups. */
export type PipelineSpec = Pick<Launch, 'shader' | 'slots' | 'constants'> & {
  /** From a plan: a slow-compiling best variant (or pickVariant's), compiled after the others while a stand-in runs. */
  background?: boolean;
};

/**
 * The pipeline cache's key: the shader and its specialisation. Made afresh for each use (kernels make a new
 * spec a dispatch): a WeakMap of keys by spec cost more than the JSON (~1.3 us a key in V8).
 */
function pipelineKey(spec: PipelineSpec): string {
  return `${spec.shader}|${JSON.stringify(spec.slots ?? {})}|${JSON.stringify(spec.constants ?? {})}`;
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  /** Its bind group layout (explicit, shared by the pipelines of one binding list): no getBindGroupLayout call a dispatch. */
  layout: GPUBindGroupLayout;
  bindings: Binding[];
  uniforms: Map<string, StructLayout>;
}

export interface KernelTiming {
  /** The op whose kernel made the dispatch. */
  name: string;
  shader: string;
  /** GPU time from timestamp queries; null where the adapter has none. */
  ms: number | null;
}

/** Dispatches logged between `startRecording` and `stopRecording`. */
interface Recording {
  results: KernelTiming[];
  reads: Promise<void>[];
  /** Dispatches in the command buffer being recorded, in order. */
  recorded: { name: string; shader: string }[];
  /** Timestamp queries, when the adapter has them. */
  querySet: GPUQuerySet | null;
}

/** Counters for tests and diagnostics. */
export interface WebGpuStats {
  dispatches: number;
  submits: number;
  /** Tensors read back to the CPU. */
  readbacks: number;
  /** Of those, synchronous ones (dataSync, arraySync, moves to the CPU), each a round trip through canvases. */
  syncReadbacks: number;
  /** Pipelines compiled (cache misses). */
  pipelines: number;
  /** Of those, pipelines a dispatch compiled and waited for (not ahead, not in the background). */
  compiledAtDispatch: number;
  /** Pipelines dropped from the cache over `maxPipelines`. */
  pipelineEvictions: number;
}

/** Bytes one element takes in a GPU buffer: bool is a u32, float16 packs two per u32. */
function gpuBytes(dtype: DataType, size: number): number {
  const raw = dtype === 'float16' ? size * 2 : size * 4;
  return Math.ceil(raw / 4) * 4;
}

/** What a buffer holds for `values`, padded to 4 bytes. */
function toGpuLayout(values: TypedArray, dtype: DataType): ArrayBufferView {
  if (dtype === 'bool') return Uint32Array.from(values);
  if (dtype === 'float16' && values.length % 2 === 1) {
    const padded = new Uint16Array(values.length + 1);
    padded.set(values);
    return padded;
  }
  return values;
}

function fromGpuLayout(bytes: ArrayBuffer, dtype: DataType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(bytes, 0, size).slice();
    case 'int32': return new Int32Array(bytes, 0, size).slice();
    case 'bool': return Uint8Array.from(new Uint32Array(bytes, 0, size));
    case 'float16': return new Uint16Array(bytes, 0, size).slice();
    case 'string': throw new Error('tensorweb: webgpu holds no string tensors (they stay on the cpu backend)');
    case 'complex64': return new Float32Array(bytes, 0, size).slice();
  }
}

export class WebGpuBackend implements KernelBackend {
  readonly name = 'webgpu';
  flags: WebGpuFlags = { ...DEFAULT_FLAGS };
  private limitValues: WebGpuLimits = { ...DEFAULT_LIMITS };
  /** The adapter, features and limits of the current device. */
  info!: DeviceInfo;
  /** The op whose kernel is encoding right now (see runKernel; labels timings and allocation errors). */
  currentOp = '';
  /**
   * Resolves once the pipelines most models need, compiled in the background after the backend starts on a CPU
   * adapter, are ready (prewarm.ts); at once where none are.
   */
  commonPipelines: Promise<void> = Promise.resolve();
  /** Data allocated by the kernel running now, freed if it throws. */
  private allocatedInKernel: DataId[] | null = null;
  private device: GPUDevice | null = null;
  private generation = 0;
  private pool!: BufferPool;
  private pipelines = new Map<string, Pipeline>();
  /** Pipelines being compiled, by key (compileShared). */
  private compiling = new Map<string, Promise<void>>();
  /** compilePipelines calls under way (see compileWhileUnused). */
  private compilesAhead = 0;
  /** Slow-compiling variants whose background compile failed, by key: their quick stand-ins run instead. */
  private failedBestVariants = new Set<string>();
  /** Slow-compiling variants waiting for an idle moment to compile, in order (see compileInBackground). */
  private backgroundQueue: { key: string; spec: PipelineSpec }[] = [];
  private backgroundPump: Promise<void> | null = null;
  /** Best variants a plan found worth compiling ahead rather than running quick stand-ins (see plan). */
  private bestNow = new Set<string>();
  /** While `plan` runs: per best variant, its dispatches' summed QuickVariantCost. */
  private quickCosts: Map<string, QuickVariantCost> | null = null;
  /** Best variants whose any-size fallback pickVariant has had compiled, by key (while sizes vary). */
  private fallbacksWanted = new Set<string>();
  /** Open `whileSizesVary` scopes. */
  private sizesVary = 0;
  /** Dispatches recorded so far (an idle device records none). */
  private dispatchCount = 0;
  /** While `plan` runs: the pipelines its launches need, by key, in place of dispatches. */
  private planned: Map<string, PipelineSpec> | null = null;
  private layouts = new Map<string, GPUBindGroupLayout>();
  private placeholder!: GPUBuffer;
  /** See zeroBuffer. */
  private zeros: GPUBuffer | null = null;
  private data = new Map<DataId, GpuData>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recordedDispatches = 0;
  private recording: Recording | null = null;
  readonly stats: WebGpuStats = { dispatches: 0, submits: 0, readbacks: 0, syncReadbacks: 0, pipelines: 0, compiledAtDispatch: 0, pipelineEvictions: 0 };
  private lostMessage = '';
  private restoring: Promise<void> | null = null;
  private allocationError: Error | null = null;
  private disposed = false;

  /** Creates the backend on the high-performance adapter; rejects where WebGPU is missing. */
  static async create(): Promise<WebGpuBackend> {
    const backend = new WebGpuBackend();
    const { device, info } = await acquireDevice();
    backend.attach(device, info);
    return backend;
  }

  private attach(device: GPUDevice, info: DeviceInfo): void {
    this.device = device;
    this.info = info;
    this.generation++;
    this.pool = new BufferPool(this.limitValues.maxPooledBytes, (descriptor) => this.createBuffer(descriptor));
    this.pipelines.clear();
    this.fallbacksWanted.clear();
    this.layouts.clear();
    this.placeholder = device.createBuffer({ size: 16, usage: USAGE.STORAGE, label: 'tensorweb placeholder' });
    this.zeros = null;
    this.encoder = null;
    this.pass = null;
    this.recordedDispatches = 0;
    device.onuncapturederror = (event) => console.error(`tensorweb: WebGPU error: ${event.error.message}`);
    device.lost.then((lost) => this.onLost(device, lost));
  }

  private onLost(device: GPUDevice, lost: GPUDeviceLostInfo): void {
    if (device !== this.device || this.disposed) return;
    this.device = null;
    this.lostMessage = `${lost.reason}${lost.message ? `: ${lost.message}` : ''}`;
    console.warn(`tensorweb: the WebGPU device was lost (${this.lostMessage}); re-initialising`);
    this.restore();
  }

  private restore(): void {
    if (this.restoring) return;
    this.restoring = acquireDevice().then(({ device, info }) => {
      this.restoring = null;
      if (this.disposed) device.destroy();
      else this.attach(device, info);
    }, (error: Error) => {
      this.restoring = null;
      console.warn(`tensorweb: re-initialising WebGPU failed (${error.message}); the next op tries again`);
    });
  }

  /** Resolves once a lost device has been replaced (at once when none was lost). */
  async restored(): Promise<void> {
    while (this.restoring) await this.restoring;
  }

  async lostData(dataIds: DataId[]): Promise<DataId[]> {
    const alive = await this.deviceSurvives();
    return dataIds.filter((dataId) => {
      const record = this.data.get(dataId);
      return record !== undefined && !record.values && !record.packed && (!alive || record.generation !== this.generation);
    });
  }

  /**
   * Whether the current device runs the work recorded so far: a mapping
   * waits for it and fails on a device that is gone, even one destroyed so
   * recently that its loss is not reported yet.
   */
  private async deviceSurvives(): Promise<boolean> {
    const device = this.device;
    if (!device) return false;
    this.submit();
    const probe = device.createBuffer({ size: 4, usage: USAGE.MAP_READ, label: 'tensorweb device probe' });
    try {
      await probe.mapAsync(MAP_MODE_READ);
      return device === this.device;
    } catch {
      return false;
    } finally {
      probe.destroy();
    }
  }

  /** The device, or a clear error when it was lost or a recent allocation failed (each reported once). */
  private live(): GPUDevice {
    if (this.allocationError) {
      const error = this.allocationError;
      this.allocationError = null;
      throw error;
    }
    if (!this.device) {
      this.restore();
      throw new Error(`tensorweb: the WebGPU device was lost (${this.lostMessage}); the backend is re-initialising ` +
        '(await tw.engine().findBackend("webgpu").restored(), then retry). Tensors computed on the GPU are gone.');
    }
    return this.device;
  }

  private createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    const device = this.live();
    const limit = Math.min(this.info.limits.maxBufferSize, this.info.limits.maxStorageBufferBindingSize);
    if (descriptor.size > limit) {
      throw new Error(`tensorweb: WebGPU cannot allocate ${descriptor.size} bytes in one buffer${this.forWhat()}; ` +
        `this adapter allows at most ${limit} bytes (maxBufferSize / maxStorageBufferBindingSize)`);
    }
    this.withinMemoryLimit(descriptor.size);
    device.pushErrorScope('out-of-memory');
    const buffer = device.createBuffer(descriptor);
    device.popErrorScope().then((error) => {
      if (!error || device !== this.device) return;
      this.pool.drain();
      this.allocationError = new Error(`tensorweb: WebGPU ran out of memory allocating ${descriptor.size} bytes ` +
        `(${error.message}); idle pooled buffers were freed, dispose tensors and retry`);
    }, () => {
      // Chromium rejects the scope of a device whose instance was dropped; device.lost reports that loss.
    });
    return buffer;
  }

  /** What an allocation error names: the op whose kernel runs, else an upload or readback. */
  private forWhat(): string {
    return this.currentOp ? ` for op '${this.currentOp}'` : ' for an upload or a readback';
  }

  /** Frees idle buffers to fit `bytes` more under maxMemoryBytes; throws when even that is not enough. */
  private withinMemoryLimit(bytes: number): void {
    const max = this.limitValues.maxMemoryBytes;
    if (this.pool.allocatedBytes + bytes <= max) return;
    const inUse = this.pool.allocatedBytes - this.pool.pooledBytes;
    this.pool.trim(Math.max(0, max - bytes - inUse));
    if (this.pool.allocatedBytes + bytes <= max) return;
    throw new MemoryLimitError(`tensorweb: WebGPU memory limit: ${bytes} bytes asked${this.forWhat()}, with ` +
      `${this.pool.allocatedBytes} bytes held (${this.memory().numBytes} in live tensors) and maxMemoryBytes ${max}; ` +
      'dispose tensors or models, or raise the limit with setLimits({ maxMemoryBytes })', bytes, max);
  }

  /**
   * Before a new tensor's buffer is taken: if it would pass maxMemoryBytes,
   * submits the recorded work so that buffers released since become
   * reusable. Only where no launch is half built (a kernel's allocations, an
   * upload between ops): a launch's uniform buffers are released as it is
   * built and would be reused within it.
   */
  private makeRoom(bytes: number): void {
    if (this.pool.allocatedBytes + sizeClass(bytes) > this.limitValues.maxMemoryBytes) this.submit();
  }

  setFlags(flags: Partial<WebGpuFlags>): void {
    if (flags.f16 === 'native' && !this.hasF16) {
      throw new Error("tensorweb: webgpu flag f16 'native' needs the adapter feature shader-f16, which this adapter lacks");
    }
    this.flags = { ...this.flags, ...flags };
  }

  /** The limits in force. */
  get limits(): WebGpuLimits {
    return { ...this.limitValues };
  }

  /** Changes limits (each a number >= 0, Infinity allowed); lowered caps apply from the next allocation, compile or submit. */
  setLimits(limits: Partial<WebGpuLimits>): void {
    for (const [name, value] of Object.entries(limits)) {
      if (!(name in DEFAULT_LIMITS)) throw new Error(`tensorweb: webgpu setLimits: no limit named '${name}' (have: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
      if (typeof value !== 'number' || !(value >= 0)) throw new Error(`tensorweb: webgpu setLimits: ${name} must be a number >= 0, got ${value}`);
    }
    this.limitValues = { ...this.limitValues, ...limits };
    this.pool.maxPooledBytes = this.limitValues.maxPooledBytes;
  }

  get useSubgroups(): boolean {
    return this.flags.subgroups === 'auto' && this.info.features.includes('subgroups');
  }

  get hasF16(): boolean {
    return this.info.features.includes('shader-f16');
  }

  get maxWorkgroupsPerDimension(): number {
    return this.info.limits.maxComputeWorkgroupsPerDimension;
  }

  // ---- data ---------------------------------------------------------------

  write(values: TypedArray, shape: readonly number[], dtype: DataType): DataId {
    const dataId = {};
    this.move(dataId, values, shape, dtype);
    return dataId;
  }

  move(dataId: DataId, values: TypedArray, _shape: readonly number[], dtype: DataType): void {
    const record: GpuData = { buffer: null, dtype, size: values.length, values, generation: this.generation };
    this.data.set(dataId, record);
    // A plan uploads nothing: the values stay on the CPU, uploaded by `buffer` if the tensor is ever used.
    if (this.planned) return;
    this.makeRoom(gpuBytes(dtype, record.size));
    this.upload(record);
  }

  private upload(record: GpuData): void {
    const device = this.live();
    // A packed weight goes up packed, after a lost device too (its float32 values were the GPU's).
    const packed = record.packed ?? null;
    if (packed) packed.inBuffer = true;
    const view = packed ? packed.words : toGpuLayout(record.values!, record.dtype);
    record.buffer = this.pool.acquire(packed ? Math.max(4, view.byteLength) : gpuBytes(record.dtype, record.size), STORAGE_USAGE);
    record.generation = this.generation;
    if (view.byteLength > 0) device.queue.writeBuffer(record.buffer, 0, view.buffer, view.byteOffset, view.byteLength);
  }

  /**
   * Stores a quantised weight packed (float16 halves two a word, or uint8
   * codes four a word with their scales and mins): a float32 tensor that
   * matmul/matvec.wgsl reads as it is, and that any other use turns into
   * float32 storage once (`unpack`).
   */
  writePacked(weight: PackedWeight, shape: readonly number[]): DataId {
    const { layout, words } = packWeight(weight, shape);
    const dataId = {};
    const record: GpuData = { buffer: null, dtype: 'float32', size: sizeFromShape(shape), values: null, generation: this.generation,
      packed: { layout, words, inBuffer: false }, ...(this.planned ? { planned: true as const } : {}) };
    this.data.set(dataId, record);
    if (this.planned) return dataId;
    this.makeRoom(words.byteLength);
    this.upload(record);
    return dataId;
  }

  /** The layout of `dataId`'s storage while it is packed (the tensor may be a view of another shape: compare `shape`); else null. */
  packedLayout(dataId: DataId): PackedLayout | null {
    const record = this.data.get(dataId);
    if (!record?.packed) return null;
    // Not uploaded yet (a plan) or taken by a lost device: it goes up packed on its next use.
    const uploads = !record.buffer || record.generation !== this.generation;
    return record.packed.inBuffer || uploads ? record.packed.layout : null;
  }

  /**
   * Turns a packed weight's storage into float32 values by one dispatch, for
   * a consumer that cannot read it packed; the packed words stay on the CPU
   * (a lost device gets them back packed). In a plan, only plans the dispatch.
   */
  private unpack(dataId: DataId): void {
    const record = this.data.get(dataId)!;
    if (this.planned) {
      this.run(dequantizeLaunch(record.packed!.layout, this.placeholder, this.placeholder));
      return;
    }
    const packedBuffer = this.buffer(dataId);
    const bytes = gpuBytes('float32', record.size);
    this.makeRoom(bytes);
    const values = this.pool.acquire(bytes, STORAGE_USAGE);
    this.run(dequantizeLaunch(record.packed!.layout, packedBuffer, values));
    this.pool.release(packedBuffer);
    record.buffer = values;
    record.packed!.inBuffer = false;
  }

  /**
   * An image's pixels as int32 [height, width, channels] storage: copied into
   * a texture by the browser, then into texel words and spread into channels
   * on the GPU (pixels.ts); nothing passes through the CPU.
   */
  writePixels(source: PixelSource, width: number, height: number, channels: number): DataId {
    const device = this.live();
    const out = this.allocate([height, width, channels], 'int32');
    if (width === 0 || height === 0) return out;
    const texture = device.createTexture({
      size: [width, height], format: 'rgba8unorm', label: 'tensorweb fromPixels',
      usage: TEXTURE_USAGE.COPY_SRC | TEXTURE_USAGE.COPY_DST | TEXTURE_USAGE.RENDER_ATTACHMENT,
    });
    const texels = this.allocate([height, rowWords(width)], 'int32');
    try {
      try {
        device.queue.copyExternalImageToTexture({ source }, { texture, premultipliedAlpha: false }, [width, height]);
      } catch (error) {
        this.disposeData(out);
        throw new Error(`tensorweb: tf.browser.fromPixels(): the browser could not copy the image to the GPU (${(error as Error).message}); ` +
          "an image from another origin needs CORS headers and crossOrigin = 'anonymous'");
      }
      this.commandEncoder().copyTextureToBuffer({ texture }, { buffer: this.buffer(texels), bytesPerRow: rowWords(width) * 4 }, [width, height]);
      this.run(fromPixelsLaunch(texels, out, width, height, channels));
      // Submitted now, so the texture can go (destroying waits for the submitted copy).
      this.submit();
    } finally {
      texture.destroy();
      this.disposeData(texels);
    }
    return out;
  }

  /**
   * Draws an image tensor into `canvas`'s WebGPU context (or, for a canvas
   * already used for 2-D, through an OffscreenCanvas onto its 2-D context):
   * image/to_canvas.wgsl packs the texels, which are copied into the
   * canvas's texture.
   */
  drawPixels(image: TensorInfo, canvas: DrawCanvas, alpha: number): void {
    const device = this.live();
    const [height, width] = image.shape;
    canvas.width = width;
    canvas.height = height;
    let context = canvas.getContext('webgpu') as GPUCanvasContext | null;
    const offscreen = context ? null : new OffscreenCanvas(width, height);
    context ??= offscreen!.getContext('webgpu');
    if (!context) throw new Error('tensorweb: tf.browser.draw: this browser gives no WebGPU canvas context to draw with');
    if (width === 0 || height === 0) return;
    context.configure({ device, format: 'bgra8unorm', usage: TEXTURE_USAGE.COPY_DST, alphaMode: 'premultiplied' });
    const texels = this.allocate([height, rowWords(width)], 'int32');
    try {
      this.run(toCanvasLaunch(image, texels, alpha));
      this.commandEncoder().copyBufferToTexture({ buffer: this.buffer(texels), bytesPerRow: rowWords(width) * 4 },
        { texture: context.getCurrentTexture() }, [width, height]);
      this.submit();
    } finally {
      this.disposeData(texels);
    }
    if (offscreen) {
      const context2d = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
      if (!context2d) throw new Error('tensorweb: tf.browser.draw: the canvas has a context other than webgpu or 2d; draw into a fresh canvas');
      context2d.drawImage(offscreen, 0, 0);
    }
  }

  /** A new tensor's storage, written by a kernel. */
  allocate(shape: readonly number[], dtype: DataType): DataId {
    const size = storageLength(dtype, sizeFromShape(shape));
    this.live();
    const dataId = {};
    if (this.planned) {
      this.data.set(dataId, { buffer: null, dtype, size, values: null, generation: this.generation, planned: true });
    } else {
      const bytes = gpuBytes(dtype, size);
      this.makeRoom(bytes);
      this.data.set(dataId, { buffer: this.pool.acquire(bytes, STORAGE_USAGE), dtype, size, values: null, generation: this.generation });
    }
    this.allocatedInKernel?.push(dataId);
    return dataId;
  }

  /**
   * A new tensor of `size` elements: x's values, then zeros. A buffer copy and a clear, where a pad kernel would
   * cost two pipelines (a fill and a strided copy, ~40 ms to compile on SwiftShader before a first result): a
   * filter's K padded to a multiple of 4 for the vec4 matmul (kernels/conv.ts). 4-byte dtypes.
   */
  zeroExtend(x: TensorInfo, size: number): DataId {
    const have = sizeFromShape(x.shape);
    if (x.dtype === 'float16' || size < have) throw new Error(`tensorweb: zeroExtend: ${x.dtype} [${x.shape}] to ${size} elements`);
    if (this.packedLayout(x.dataId)) this.unpack(x.dataId);
    const out = this.allocate([size], x.dtype);
    if (this.planned) return out;
    const encoder = this.commandEncoder();
    if (have) encoder.copyBufferToBuffer(this.buffer(x.dataId), 0, this.buffer(out), 0, have * 4);
    if (size > have) encoder.clearBuffer(this.buffer(out), have * 4, (size - have) * 4);
    return out;
  }

  /** The buffer under `dataId`, re-uploaded from its CPU copy if a lost device took the old one. */
  buffer(dataId: DataId): GPUBuffer {
    const record = this.data.get(dataId);
    if (!record) throw new Error('tensorweb: webgpu backend has no data under this id (disposed?)');
    if (record.planned) throw new Error('tensorweb: this tensor is a placeholder from a planning pass (backend.plan); it has no data');
    if (record.generation !== this.generation || !record.buffer) {
      if (!record.values && !record.packed) throw new Error('tensorweb: this tensor was computed on a WebGPU device that was lost; its values are gone');
      this.upload(record);
    }
    return record.buffer!;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    const record = this.data.get(dataId);
    if (!record) throw new Error('tensorweb: webgpu backend has no data under this id (disposed?)');
    if (record.values) return record.values;
    if (record.size === 0) return fromGpuLayout(new ArrayBuffer(0), record.dtype, 0);
    let source = this.buffer(dataId);
    const bytes = gpuBytes(record.dtype, record.size);
    // A packed weight is read through float32 values made for the read; it stays packed.
    const unpacked = record.packed?.inBuffer ? this.pool.acquire(bytes, STORAGE_USAGE) : null;
    if (unpacked) {
      this.run(dequantizeLaunch(record.packed!.layout, source, unpacked));
      source = unpacked;
    }
    const staging = this.pool.acquire(bytes, USAGE.MAP_READ | USAGE.COPY_DST);
    this.stats.readbacks++;
    this.commandEncoder().copyBufferToBuffer(source, 0, staging, 0, bytes);
    if (unpacked) this.pool.release(unpacked);
    this.submit();
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, bytes);
    } catch (error) {
      throw new Error(`tensorweb: reading a tensor back from WebGPU failed (${(error as Error).message})` +
        (this.device ? '' : `: the device was lost (${this.lostMessage})`));
    }
    const values = fromGpuLayout(staging.getMappedRange(0, bytes), record.dtype, record.size);
    staging.unmap();
    this.pool.release(staging);
    if (this.data.get(dataId) === record) record.values = values;
    return values;
  }

  /**
   * The values, blocking: read through canvases (read_sync.ts), as TF.js does; slower than `read`, since
   * every MiB makes a round trip through two canvases. Throws, naming `data()`, where there is no canvas.
   */
  readSync(dataId: DataId): TypedArray {
    const record = this.data.get(dataId);
    if (!record) throw new Error('tensorweb: webgpu backend has no data under this id (disposed?)');
    if (record.values) return record.values;
    if (record.size === 0) return fromGpuLayout(new ArrayBuffer(0), record.dtype, 0);
    const source = this.buffer(dataId);
    this.stats.readbacks++;
    this.stats.syncReadbacks++;
    const reader = {
      device: this.live(),
      copyAndSubmit: (copy: (encoder: GPUCommandEncoder) => void) => {
        copy(this.commandEncoder());
        this.submit();
      },
    };
    const values = fromGpuLayout(readBufferSync(reader, source, gpuBytes(record.dtype, record.size)), record.dtype, record.size);
    if (this.data.get(dataId) === record) record.values = values;
    return values;
  }

  disposeData(dataId: DataId): void {
    const record = this.data.get(dataId);
    if (!record) return;
    if (record.buffer && record.generation === this.generation) this.pool.release(record.buffer);
    this.data.delete(dataId);
  }

  has(dataId: DataId): boolean {
    return this.data.has(dataId);
  }

  memory(): BackendMemory & { pooledBytes: number; allocatedBytes: number; pipelines: number } {
    let numBytes = 0;
    for (const record of this.data.values()) {
      if (record.buffer && record.generation === this.generation) numBytes += record.buffer.size;
    }
    return {
      numDataBuffers: this.data.size, numBytes, pooledBytes: this.pool.pooledBytes, allocatedBytes: this.pool.allocatedBytes,
      pipelines: this.pipelines.size,
    };
  }

  /** Kernels compute in f32 (float16 is storage only). */
  floatPrecision(): 32 {
    return 32;
  }

  epsilon(): number {
    return FLOAT32_EPSILON;
  }

  numDataIds(): number {
    return this.data.size;
  }

  dispose(): void {
    this.disposed = true;
    this.data.clear();
    this.pipelines.clear();
    this.device?.destroy();
    this.device = null;
  }

  // ---- kernels --------------------------------------------------------------

  /**
   * Runs op `op`'s kernel: its dispatches and allocation errors are labelled
   * with the op, and if it throws midway (an allocation past maxMemoryBytes,
   * a lost device) the outputs and temporaries it allocated are freed, since
   * the engine never saw their ids.
   */
  runKernel<T>(op: string, kernel: () => T): T {
    const [outerOp, outerAllocated] = [this.currentOp, this.allocatedInKernel];
    const allocated: DataId[] = [];
    this.currentOp = op;
    this.allocatedInKernel = allocated;
    try {
      return kernel();
    } catch (error) {
      for (const dataId of allocated) this.disposeData(dataId);
      throw error;
    } finally {
      this.currentOp = outerOp;
      this.allocatedInKernel = outerAllocated;
    }
  }

  /**
   * A storage buffer of at least `bytes` zeros, which nothing writes (WebGPU zero-fills a new buffer), for a kernel
   * that binds a neutral operand (a zero bias) rather than compile a variant without it. Grows by doubling; a
   * replaced one is left to the garbage collector, since recorded work may still read it. Small (a bias: a row of
   * the output), so outside the memory accounting.
   */
  zeroBuffer(bytes: number): GPUBuffer {
    if (!this.zeros || this.zeros.size < bytes) {
      const size = Math.max(256, 2 ** Math.ceil(Math.log2(bytes)));
      this.zeros = this.live().createBuffer({ size, usage: USAGE.STORAGE, label: 'tensorweb zeros' });
    }
    return this.zeros;
  }

  private pipeline(device: GPUDevice, launch: Launch): Pipeline {
    const key = pipelineKey(launch);
    let cached = this.pipelines.get(key);
    if (cached) {
      // Re-inserted as the most recently used: the map's order is the eviction order.
      this.pipelines.delete(key);
      this.pipelines.set(key, cached);
      return cached;
    }
    // Compiled here even if compilePipelines is still on it: a dispatch cannot wait.
    const { descriptor, ...described } = this.pipelineDescriptor(device, launch);
    cached = { pipeline: device.createComputePipeline(descriptor), ...described };
    this.cachePipeline(key, cached);
    this.stats.compiledAtDispatch++;
    return cached;
  }

  /** The descriptor of `spec`'s pipeline, with the bindings and uniform layouts read from its code. */
  private pipelineDescriptor(device: GPUDevice, spec: PipelineSpec): Omit<Pipeline, 'pipeline'> & { descriptor: GPUComputePipelineDescriptor } {
    const code = fillSlots(shaderSource(spec.shader), spec.slots ?? {});
    const bindings = parseBindings(code);
    // One explicit layout per binding list, so every specialisation of a file shares it.
    const layoutKey = bindings.map((b) => `${b.index}:${b.kind}`).join(',');
    let layout = this.layouts.get(layoutKey);
    if (!layout) {
      layout = device.createBindGroupLayout({
        entries: bindings.map((b) => ({ binding: b.index, visibility: SHADER_STAGE_COMPUTE, buffer: { type: b.kind } })),
      });
      this.layouts.set(layoutKey, layout);
    }
    const module = device.createShaderModule({ code, label: spec.shader });
    const descriptor: GPUComputePipelineDescriptor = {
      label: spec.shader,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main', constants: spec.constants as Record<string, number> | undefined },
    };
    const uniforms = new Map(bindings.filter((b) => b.kind === 'uniform').map((b) => [b.name, structLayout(code, b.type)]));
    return { descriptor, layout, bindings, uniforms };
  }

  private cachePipeline(key: string, pipeline: Pipeline): void {
    this.pipelines.set(key, pipeline);
    this.stats.pipelines++;
    while (this.pipelines.size > this.limitValues.maxPipelines) {
      this.pipelines.delete(this.pipelines.keys().next().value!);
      this.stats.pipelineEvictions++;
    }
  }

  /**
   * A dry run of `work` (ops on this backend): kernels choose their variants
   * and describe their launches as usual, but nothing is dispatched and
   * outputs get no buffer. Returns the pipelines those launches need that are
   * not compiled yet (for `compilePipelines`). Tensors made meanwhile are
   * placeholders, to be disposed and never read; uploads (`write`) keep their
   * values on the CPU until a real use.
   */
  plan(work: () => void): PipelineSpec[] {
    if (this.planned) throw new Error('tensorweb: webgpu plan: a plan is already running');
    const run = () => {
      const planned = new Map<string, PipelineSpec>();
      const costs = new Map<string, QuickVariantCost>();
      [this.planned, this.quickCosts] = [planned, costs];
      try {
        work();
      } finally {
        [this.planned, this.quickCosts] = [null, null];
      }
      return { planned, costs };
    };
    const first = run();
    // A best variant whose quick one would cost the run more than compiling it (summed over its dispatches)
    // compiles with the rest instead: plan again with it chosen. So do the best variants that share a stand-in
    // not compiled yet, where their extras and the stand-in's compile outweigh their own compiles (SqueezeNet's
    // one registers matmul: a stand-in of 4 rows cost its first run ~0.37 s more and ~0.15 s to compile).
    const worthCompiling = [...first.costs].filter(([, cost]) => cost.extraMs > cost.compileMs).map(([key]) => key);
    const byStandIn = new Map<string, { compileMs: number; keys: string[]; extraMs: number; bestMs: number }>();
    for (const [key, cost] of first.costs) {
      if (worthCompiling.includes(key) || !cost.standIn) continue;
      const standIn = cost.standIn();
      const standInKey = pipelineKey(standIn.spec);
      if (this.pipelines.has(standInKey)) continue;
      const group = byStandIn.get(standInKey) ?? { compileMs: standIn.compileMs, keys: [], extraMs: 0, bestMs: 0 };
      group.keys.push(key);
      group.extraMs += cost.extraMs;
      group.bestMs += cost.compileMs;
      byStandIn.set(standInKey, group);
    }
    for (const group of byStandIn.values()) if (group.extraMs + group.compileMs > group.bestMs) worthCompiling.push(...group.keys);
    if (worthCompiling.length === 0) return [...first.planned.values()];
    worthCompiling.forEach((key) => this.bestNow.add(key));
    return [...run().planned.values()];
  }

  /**
   * Compiles the pipelines of `specs` that are not cached, all at once with
   * createComputePipelineAsync (off the page's thread; GPU drivers compile
   * them in parallel, SwiftShader mostly one at a time: EfficientNet-Lite0's
   * 7 took 0.48 s together, 0.52 s one after another, on 2 cores), calling
   * `onCompiled(done, total)` as each is ready. The slow best variants
   * among them are queued for the idle moments after that, and after
   * `backgroundAfter` settles (a model's load: where its quick pipelines
   * were all compiled before, by the prewarm, they would otherwise start
   * while its weights go up and slow its first run).
   * Rejects naming the shader if one fails to compile; pipelines a lost
   * device took are left to compile again on first use.
   */
  async compilePipelines(specs: readonly PipelineSpec[], onCompiled?: (done: number, total: number) => void,
    backgroundAfter?: Promise<unknown>): Promise<void> {
    const device = this.live();
    const now = specs.filter((spec) => !spec.background);
    let done = 0;
    this.compilesAhead++;
    try {
      await Promise.all(now.map(async (spec) => {
        const key = pipelineKey(spec);
        if (!this.pipelines.has(key)) await this.compileShared(device, key, spec);
        onCompiled?.(++done, now.length);
      }));
    } finally {
      this.compilesAhead--;
    }
    // The slow best variants start once the rest is ready, so that they do not delay it; the first runs use
    // the quick stand-ins meanwhile.
    // (Not awaited: the load awaits this call before it ends.)
    const queue = () => {
      if (device !== this.device) return;
      for (const spec of specs) if (spec.background) this.compileInBackground(device, pipelineKey(spec), spec);
    };
    if (backgroundAfter) void backgroundAfter.then(queue, queue); else queue();
  }

  /**
   * Compiles `specs`, pipelines that may be needed later (prewarm.ts), one at a time while the device is idle and
   * no compilePipelines call is under way: a model's load compiles what it needs itself (sharing a compile begun
   * here), and none of these then delays it. Resolves when they are compiled or it has given way; rejects
   * naming the shader if one fails to compile.
   */
  async compileWhileUnused(specs: readonly PipelineSpec[]): Promise<void> {
    const device = this.live();
    let dispatches = -1;
    for (const spec of specs) {
      // At an idle moment: before the first, and again after the page has dispatched meanwhile.
      if (this.dispatchCount !== dispatches) await this.idle(device);
      if (this.compilesAhead > 0 || device !== this.device) return;
      dispatches = this.dispatchCount;
      const key = pipelineKey(spec);
      if (!this.pipelines.has(key)) await this.compileShared(device, key, spec);
    }
  }

  /** Compiles `spec` under `key`, or awaits the compile of it already under way. */
  private compileShared(device: GPUDevice, key: string, spec: PipelineSpec): Promise<void> {
    let pending = this.compiling.get(key);
    if (!pending) {
      pending = this.compilePipeline(device, key, spec).finally(() => this.compiling.delete(key));
      this.compiling.set(key, pending);
    }
    return pending;
  }

  /**
   * Whether a kernel may dispatch `spec`, a variant whose first compile is slow, now: true once it is compiled
   * (always with quickKernels 'off', and under 'auto' on GPUs, whose drivers compile it quickly). Otherwise false,
   * and the kernel dispatches its quick variant while `spec` compiles in the background (in a plan: after the
   * plan's other pipelines, see compilePipelines). `cost` estimates, for this dispatch, what the quick variant
   * adds to the run and what the best one takes to compile (ms, on SwiftShader): a plan that finds a best
   * variant's dispatches adding more than its compile takes compiles it ahead instead (see plan).
   */
  bestVariantReady(spec: PipelineSpec, cost: QuickVariantCost): boolean {
    const mode = this.flags.quickKernels;
    if (mode === 'off' || (mode === 'auto' && !this.info.runsOnCpu)) return true;
    if (mode === 'on') return false;
    const key = pipelineKey(spec);
    if (this.pipelines.has(key) || this.bestNow.has(key)) return true;
    if (this.failedBestVariants.has(key)) return false;
    if (this.planned) {
      if (!this.planned.has(key)) this.planned.set(key, { ...spec, background: true });
      const sum = this.quickCosts?.get(key);
      this.quickCosts?.set(key, { ...cost, extraMs: (sum?.extraMs ?? 0) + cost.extraMs });
    } else {
      this.compileInBackground(this.live(), key, spec);
    }
    return false;
  }

  /**
   * The variant of a dispatch to run, of `best` (the kernel's choice for these sizes) and `alternatives()`
   * (others valid for them, the last one valid for any size). Outside `whileSizesVary`, best. Within it (a
   * graph with free input dimensions): best when it is compiled, or when none is (it then compiles as usual:
   * ahead in a plan, else at dispatch); otherwise the first compiled alternative, while best compiles in the
   * background and takes over once it lands. So a run at new sizes (another batch or sequence length) runs on
   * what earlier sizes compiled; the last alternative also compiles in the background after the first use,
   * so that no later size needs a compile at dispatch. Variants differ only in float rounding (summation
   * order), so such a model's values at new sizes may change in the last bits once the best one lands; a
   * model of fixed shapes always runs its best variants, the same bits run after run.
   */
  pickVariant<T extends PipelineSpec>(best: T, alternatives: () => readonly T[]): T {
    if (this.flags.variantReuse === 'off' || this.sizesVary === 0) return best;
    const key = pipelineKey(best);
    const compiled = this.pipelines.has(key);
    // A plan may run twice (see plan), so it records the fallbacks it wants every time.
    const fallbackWanted = this.planned !== null || !this.fallbacksWanted.has(key);
    if (compiled && !fallbackWanted) return best;
    const others = alternatives();
    if (fallbackWanted) {
      if (!this.planned) this.fallbacksWanted.add(key);
      const anySize = others[others.length - 1];
      if (anySize) this.compileLater(anySize);
    }
    if (compiled) return best;
    const fallback = others.find((variant) => this.pipelines.has(pipelineKey(variant)));
    if (!fallback) return best;
    this.compileLater(best);
    return fallback;
  }

  /**
   * Runs `work` (a graph with free input dimensions) knowing that the sizes its kernels see change from run
   * to run: see pickVariant. `work` may return a promise (executeAsync); the scope lasts until it settles.
   */
  whileSizesVary<T>(work: () => T): T {
    this.sizesVary++;
    let result: T;
    try {
      result = work();
    } catch (error) {
      this.sizesVary--;
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => { this.sizesVary--; }) as T;
    this.sizesVary--;
    return result;
  }

  /** Has `spec` compiled in the background (in a plan: adds it to the plan's background pipelines). */
  private compileLater(spec: PipelineSpec): void {
    const key = pipelineKey(spec);
    if (this.pipelines.has(key)) return;
    const bare = { shader: spec.shader, slots: spec.slots, constants: spec.constants };
    if (this.planned) {
      if (!this.planned.has(key)) this.planned.set(key, { ...bare, background: true });
    } else {
      this.compileInBackground(this.live(), key, bare);
    }
  }

  /**
   * Queues `spec` for compiling once the device is idle. On SwiftShader a page's compiles run one at a time and
   * a run beside one is slowed by it (they share the CPU), so the slow variants compile one by one in the gaps
   * between runs, each slowing at most one run, and not before the first run after a load.
   */
  private compileInBackground(device: GPUDevice, key: string, spec: PipelineSpec): void {
    if (this.pipelines.has(key) || this.compiling.has(key) || this.failedBestVariants.has(key) ||
      this.backgroundQueue.some((queued) => queued.key === key)) return;
    this.backgroundQueue.push({ key, spec });
    if (!this.backgroundPump) this.backgroundPump = this.pumpBackground(device).finally(() => { this.backgroundPump = null; });
  }

  /**
   * Resolves when the slow best variants queued so far are compiled (or failed), so that the next runs use
   * them: benchmarks await it before timing a steady state.
   */
  async bestVariantsReady(): Promise<void> {
    while (this.backgroundPump) await this.backgroundPump;
  }

  private async pumpBackground(device: GPUDevice): Promise<void> {
    while (this.backgroundQueue.length > 0 && device === this.device) {
      await this.idle(device);
      if (device !== this.device) break;
      const { key, spec } = this.backgroundQueue.shift()!;
      if (this.pipelines.has(key) || this.compiling.has(key)) continue;
      const pending = this.compilePipeline(device, key, spec).catch((error: Error) => {
        this.failedBestVariants.add(key);
        console.warn(`${error.message}; its quick variant runs instead`);
      });
      this.compiling.set(key, pending);
      await pending;
      this.compiling.delete(key);
    }
    if (device !== this.device) this.backgroundQueue.length = 0;
  }

  /**
   * Resolves at the device's next idle moment (as below; at once without a device), for work that should not slow
   * the runs: the model cache's writes after a load.
   */
  async whenIdle(): Promise<void> {
    if (this.device) await this.idle(this.device);
  }

  /** Resolves when no dispatch has been recorded for IDLE_MS after the queue drained, or after MAX_IDLE_WAIT_MS at most. */
  private async idle(device: GPUDevice): Promise<void> {
    const start = performance.now();
    for (;;) {
      const seen = this.dispatchCount;
      await device.queue.onSubmittedWorkDone().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      if (this.dispatchCount === seen || performance.now() - start > MAX_IDLE_WAIT_MS) return;
    }
  }

  private async compilePipeline(device: GPUDevice, key: string, spec: PipelineSpec): Promise<void> {
    const { descriptor, ...described } = this.pipelineDescriptor(device, spec);
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await device.createComputePipelineAsync(descriptor);
    } catch (error) {
      if (device !== this.device) return;
      throw new Error(`tensorweb: WebGPU could not compile ${spec.shader} (constants ${JSON.stringify(spec.constants ?? {})}): ` +
        (error as Error).message);
    }
    // A dispatch may have compiled it meanwhile; a lost device's pipelines are of no use.
    if (device === this.device && !this.pipelines.has(key)) this.cachePipeline(key, { pipeline, ...described });
  }

  /** Records one dispatch; submits when enough are recorded. */
  run(launch: Launch): void {
    const device = this.live();
    // Packed weights bound for their float32 values are unpacked first, before this launch takes its uniform buffers.
    for (const resource of Object.values(launch.bindings)) {
      if (this.packedLayout(resource as DataId)) this.unpack(resource as DataId);
    }
    if (this.planned) {
      const key = pipelineKey(launch);
      if (!this.pipelines.has(key)) this.planned.set(key, { shader: launch.shader, slots: launch.slots, constants: launch.constants });
      return;
    }
    this.dispatchCount++;
    const { pipeline, layout, bindings, uniforms } = this.pipeline(device, launch);
    const bound = (name: string) => bindings.some((b) => b.name === name);
    for (const given of [launch.bindings, launch.packed ?? {}]) {
      for (const name in given) {
        if (!bound(name)) throw new Error(`tensorweb: ${launch.shader} has no binding(s) ${Object.keys(given).filter((n) => !bound(n)).join(', ')}`);
      }
    }
    const entries: GPUBindGroupEntry[] = bindings.map((b) => {
      const resource = launch.bindings[b.name];
      const packed = launch.packed?.[b.name];
      let buffer: GPUBuffer;
      if (packed) {
        if (!this.packedLayout(packed)) throw new Error(`tensorweb: ${launch.shader}: ${b.name} is bound packed, but its tensor is not packed`);
        buffer = this.buffer(packed);
      } else if (b.kind === 'uniform') {
        if (!resource) throw new Error(`tensorweb: ${launch.shader}: uniform ${b.name} not given`);
        const bytes = packStruct(uniforms.get(b.name)!, resource as UniformValues);
        buffer = this.pool.acquire(bytes.byteLength, USAGE.UNIFORM | USAGE.COPY_DST);
        device.queue.writeBuffer(buffer, 0, bytes);
        this.pool.release(buffer);
      } else if (resource === undefined) {
        if (b.kind === 'storage') throw new Error(`tensorweb: ${launch.shader}: output ${b.name} not given`);
        buffer = this.placeholder;
      } else {
        buffer = this.data.has(resource) ? this.buffer(resource) : resource as GPUBuffer;
      }
      return { binding: b.index, resource: { buffer } };
    });
    const bindGroup = device.createBindGroup({ layout, entries });
    this.recording?.recorded.push({ name: this.currentOp, shader: launch.shader });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y, z] = typeof launch.workgroups === 'number' ? this.grid(launch.workgroups) : launch.workgroups;
    if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    this.stats.dispatches++;
    if (this.recording?.querySet) {
      // Timed dispatches each get their own pass, whose timestamps bracket it.
      pass.end();
      this.pass = null;
    }
    const timedFull = (this.recording?.recorded.length ?? 0) >= MAX_TIMED_DISPATCHES;
    if (++this.recordedDispatches >= this.flags.dispatchesPerSubmit || timedFull) this.submit();
  }

  /** `count` workgroups as x, then rows of y, within the per-dimension limit. */
  grid(count: number): [number, number, number] {
    const x = Math.max(1, Math.min(count, this.maxWorkgroupsPerDimension));
    return [x, Math.ceil(count / x), 1];
  }

  /** `count` workgroups on y, then z (kernels that use x for columns). */
  gridYZ(x: number, count: number): [number, number, number] {
    const y = Math.max(1, Math.min(count, this.maxWorkgroupsPerDimension));
    return [x, y, Math.ceil(count / y)];
  }

  private commandEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.encoder) this.encoder = this.live().createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    const encoder = this.commandEncoder();
    const querySet = this.recording?.querySet;
    if (!querySet) return (this.pass = encoder.beginComputePass());
    const index = this.recording!.recorded.length - 1;
    this.pass = encoder.beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 },
    });
    return this.pass;
  }

  /** Submits everything recorded so far. */
  submit(): void {
    if (!this.encoder && !this.pass) {
      // Nothing is recorded, so no work can still use the buffers released since.
      this.pool.submitted();
      return;
    }
    const device = this.live();
    const encoder = this.commandEncoder();
    const recording = this.recording;
    let timestamps: GPUBuffer | null = null;
    if (recording?.querySet && recording.recorded.length) {
      const count = 2 * recording.recorded.length;
      const resolved = this.pool.acquire(count * 8, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC);
      timestamps = this.pool.acquire(count * 8, USAGE.MAP_READ | USAGE.COPY_DST);
      encoder.resolveQuerySet(recording.querySet, 0, count, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, timestamps, 0, count * 8);
      this.pool.release(resolved);
    }
    device.queue.submit([encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.recordedDispatches = 0;
    this.pool.submitted();
    if (!recording) return;
    const recorded = recording.recorded.splice(0);
    if (!timestamps) {
      recording.results.push(...recorded.map((r) => ({ ...r, ms: null })));
      return;
    }
    const buffer = timestamps;
    recording.reads.push(buffer.mapAsync(MAP_MODE_READ, 0, recorded.length * 16).then(() => {
      const ticks = new BigInt64Array(buffer.getMappedRange(0, recorded.length * 16));
      recorded.forEach((r, i) => recording.results.push({ ...r, ms: Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6 }));
      buffer.unmap();
      this.pool.release(buffer);
    }));
  }

  /** Whether per-kernel GPU times can be measured (the adapter has timestamp queries). */
  get canTime(): boolean {
    return this.info.features.includes('timestamp-query');
  }

  /** Starts logging every dispatch, timed (one compute pass each, with timestamp writes) where the adapter can. */
  startRecording(): void {
    this.submit();
    const querySet = this.canTime ? this.live().createQuerySet({ type: 'timestamp', count: 2 * MAX_TIMED_DISPATCHES }) : null;
    this.recording = { results: [], reads: [], recorded: [], querySet };
  }

  /** Stops logging; resolves with one entry per dispatch since `startRecording`, once the GPU finished them. */
  async stopRecording(): Promise<KernelTiming[]> {
    const recording = this.recording;
    if (!recording) return [];
    this.submit();
    this.recording = null;
    await Promise.all(recording.reads);
    recording.querySet?.destroy();
    return recording.results;
  }

  /** Resolves when the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.submit();
    await this.live().queue.onSubmittedWorkDone();
  }
}
