// matMul and fusedMatMul: matmul/matmul.wgsl (any strides: transposes, any
// M, N, K) or, row-major with K and N multiples of 4, matmul/matmul_vec4.wgsl
// (tiles in workgroup memory) or matmul_vec4_registers.wgsl (for CPU adapters);
// products of few rows (B transposed or not; B float32 or a packed float16 or
// uint8 weight, read as it is) matmul/matvec.wgsl; each
// optionally split along K (partials summed by matmul/split_k_reduce.wgsl),
// with bias, activation and a full-shape addend fused into the epilogue.
import type { DataId } from '../../../core/backend.js';
import { sizeFromShape, stridesOf } from '../../../core/dtype.js';
import type { QuickVariantCost, WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, broadcastStrides, gpu } from './common.js';
import { fusedExtras } from '../../cpu/nn.js';
import { type Epilogue, NO_EPILOGUE, clampActivation, epilogueBindings, epilogueConstants, finishEpilogue, planEpilogue } from './epilogue.js';
import { binaryBody } from './elementwise.js';
import { stridedCopy, zeroPad } from './shape.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({
  matmulVec4Registers: 'matmul/matmul_vec4_registers.wgsl',
  matmulVec4: 'matmul/matmul_vec4.wgsl',
  matmul: 'matmul/matmul.wgsl',
  matvec: 'matmul/matvec.wgsl',
  splitKReduce: 'matmul/split_k_reduce.wgsl',
});

const IDENTITY = 'return v;';
const IDENTITY_EPILOGUE: Epilogue = { body: IDENTITY, alpha: 0, beta: 0, activation: 'linear' };

interface Tiles {
  WG_X: number;
  WG_Y: number;
  TILE_K: number;
}

/** Outputs up to this many elements use small tiles: less padding waste, and far quicker pipeline compiles. */
const SMALL_OUTPUT = 16384;

const nextPowerOfTwo = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));

/**
 * GEMM tile sizes (matmul and the conv GEMMs) for an M x N output, within
 * the device's workgroup limits: 16 threads for small outputs, else 256
 * (64 with vec4, whose threads each hold 8 rows); columns of threads only
 * as many as N needs (4 columns each), the rest stacked along M, so thin
 * outputs (a conv with one or eight channels) waste no lanes.
 */
export function gemmTiles(backend: WebGpuBackend, vec4: boolean, m: number, n: number): Tiles & { tileM: number; tileN: number } {
  const { maxComputeInvocationsPerWorkgroup: invocations, maxComputeWorkgroupStorageSize: storage } = backend.info.limits;
  const rows = vec4 ? 8 : 4;
  const small = m * n <= SMALL_OUTPUT;
  const threads = small ? 16 : vec4 ? 64 : 256;
  const wgX = Math.min(small ? 4 : vec4 ? 8 : 16, nextPowerOfTwo(Math.ceil(n / 4)));
  let tiles: Tiles = { WG_X: wgX, WG_Y: threads / wgX, TILE_K: small ? 8 : vec4 ? 32 : 16 };
  const bytes = (t: Tiles) => (t.WG_Y * rows * t.TILE_K + t.TILE_K * t.WG_X * 4) * 4;
  while (tiles.WG_X * tiles.WG_Y > invocations || bytes(tiles) > storage) {
    tiles = tiles.WG_Y > 1 ? { ...tiles, WG_Y: tiles.WG_Y / 2 } : { ...tiles, WG_X: tiles.WG_X / 2 };
  }
  return { ...tiles, tileM: tiles.WG_Y * rows, tileN: tiles.WG_X * 4 };
}

/**
 * Output batch dims with both operands' batch strides (elements), merged
 * where the layout allows, padded in front to the shaders' four dims.
 */
function batchLayout(outBatch: readonly number[], aStrides: number[], bStrides: number[]) {
  const dims: { size: number; a: number; b: number }[] = [];
  outBatch.forEach((size, d) => {
    const last = dims[dims.length - 1];
    if (last && last.a === aStrides[d] * size && last.b === bStrides[d] * size) {
      last.size *= size;
      last.a = aStrides[d];
      last.b = bStrides[d];
    } else if (size !== 1) {
      dims.push({ size, a: aStrides[d], b: bStrides[d] });
    }
  });
  if (dims.length > 4) throw new Error(`tensorweb: webgpu matMul handles at most 4 independent batch dims, got [${outBatch}]`);
  while (dims.length < 4) dims.unshift({ size: 1, a: 0, b: 0 });
  return { shape: dims.map((d) => d.size), a: dims.map((d) => d.a), b: dims.map((d) => d.b) };
}

/**
 * Products (all batches' multiply-adds) from here on run long enough to repay
 * the registers kernel's slow first compiles on SwiftShader: 32 rows per
 * thread (~0.75 s; 16 rows ~0.35 s) and two K steps per loop iteration (1.4 s
 * with 32 rows). Smaller ones, such as every 1x1 convolution of a mobile
 * network or a MiniLM layer, take 16 rows and one K step at about the same
 * steady speed; one threshold for both, so a model compiles few variants.
 */
const LARGE_PRODUCT = 2 ** 27;

/**
 * The registers kernel's workgroup, the same for every shape so that shapes
 * share pipelines: a column of 4 threads (one SIMD group on CPU adapters),
 * each with 16 output columns, so no lane idles on narrow outputs.
 */
const REGISTERS_WORKGROUP = { WG_X: 1, WG_Y: 4 };

/** Which registers kernel a product runs: its best layout, the 16-row one (one K step), or the quick 8-row one. */
type RegistersVariant = 'best' | 'sixteenRows' | 'quick';

/**
 * The registers kernel's rows per thread (with the row slots that leave them)
 * and TWO_K_STEPS, which needs every split's K depth a multiple of 8 (split
 * chunks are multiples of TILE_K, so the last split's depth has K's parity).
 */
function registersLayout(multiplyAdds: number, k: number, variant: RegistersVariant): { rows: number; slots: Record<string, string>; twoKSteps: boolean } {
  if (variant === 'quick') return { rows: 8, slots: { rows_8_to_15: '', rows_16_to_31: '' }, twoKSteps: false };
  const large = variant === 'best' && multiplyAdds >= LARGE_PRODUCT;
  return {
    rows: large ? 32 : 16,
    slots: large ? {} : { rows_16_to_31: '' },
    twoKSteps: large && k % 8 === 0,
  };
}

/**
 * What the 8-row quick variant adds to a product and what the best variant takes to compile on SwiftShader
 * (see LARGE_PRODUCT). Measured there, EfficientNet-Lite0's products (~0.39 G multiply-adds) took 290 ms a run
 * in the 8-row kernel against 178 ms in their best variants (GPU time, one page each; 469 ms in a 4-row one):
 * ~0.29 ns a multiply-add more; MiniLM's at 128 tokens (~1.4 G) made its first run 0.32-0.37 s longer: ~0.24 ns.
 */
function registersQuickCost(constants: Record<string, number | boolean>, multiplyAdds: number): QuickVariantCost {
  const compileMs = constants.ROWS_PER_THREAD === 16 ? 350 : constants.TWO_K_STEPS ? 1400 : 750;
  return { extraMs: multiplyAdds * 0.25e-6, compileMs };
}

/**
 * What the 8-row registers kernel takes to compile on SwiftShader (EPILOGUE_IN_PARAMS: 0.21-0.25 s; 4 rows took
 * 0.15-0.21 s, 16 rows 0.33-0.43 s).
 */
const QUICK_REGISTERS_COMPILE_MS = 220;

/** The shaders whose epilogue parts may be switched by params (EPILOGUE_IN_PARAMS) instead of constants. */
const EPILOGUE_PARAM_SHADERS: ReadonlySet<string> = new Set([SHADERS.matmulVec4Registers, SHADERS.matvec]);

/**
 * Whether a launch switches its epilogue's parts (bias, residual, prelu) by a params field rather than by pipeline
 * constants, its activation being the clamp to [alpha, beta] (none, relu, relu6) or hardswish (a gate after the
 * clamp, a few more operations a store): on CPU adapters, for the
 * matrix-vector kernel and the registers kernel's quick 8-row variant, so that one pipeline serves every
 * combination. Their compiles are slow there (0.15-0.17 s on SwiftShader) and come before a model's first result,
 * whose products mix the combinations (MediaPipe's models: a bias alone, with a residual, with prelu). Other
 * activations keep their own pipelines: SwiftShader runs every branch of a switch under a lane mask, so one
 * switching among elu, leakyrelu and sigmoid cost every store their exps (EfficientNet-Lite0's products on the quick
 * variant, then 4 rows, took ~490 ms a run so, ~425 without them, ~375 with constants). The 16- and 32-row variants keep the constants:
 * with the switches EfficientNet-Lite0 took 428 ms a run against 320, and they compile in the background anyway.
 */
function epilogueInParams(backend: WebGpuBackend, launch: MatMulLaunch, epilogue: Epilogue): boolean {
  return backend.info.runsOnCpu && (clampActivation(epilogue) || epilogue.activation === 'hardswish') &&
    (launch.shader === SHADERS.matvec || (launch.shader === SHADERS.matmulVec4Registers && launch.constants.ROWS_PER_THREAD === 8));
}

/**
 * Whether a product without a bias runs the registers kernel's 16- or 32-row variant with a zero bias bound: on CPU
 * adapters, so that a network's products with a bias and without share that pipeline (~0.35 s to compile on
 * SwiftShader; MiniLM's attention products have none, its dense layers one), at one more load and add per stored vec4.
 */
function zeroBiasVariant(backend: WebGpuBackend, launch: MatMulLaunch): boolean {
  return backend.info.runsOnCpu && launch.shader === SHADERS.matmulVec4Registers && Number(launch.constants.ROWS_PER_THREAD) >= 16;
}

/** params.epilogue for the epilogue's parts (none where the kernel leaves them to split-K's pass). */
function epilogueBits(epilogue: Epilogue, fused: boolean): number {
  if (!fused) return 0;
  return (epilogue.bias ? 1 : 0) | (epilogue.residual ? 2 : 0) | (epilogue.prelu ? 4 : 0) | (epilogue.activation === 'hardswish' ? 8 : 0);
}

/** The clamp's bounds in params (alpha, beta): hardswish's gate comes after an unbounded one. */
function paramsBounds(epilogue: Epilogue, inParams: boolean): { alpha: number; beta: number } {
  return inParams && epilogue.activation === 'hardswish' ? { alpha: -Infinity, beta: Infinity } : { alpha: epilogue.alpha, beta: epilogue.beta };
}

/**
 * On CPU adapters, products of several rows below this many multiply-adds run the registers kernel rather than
 * matvec.wgsl (or the scalar GEMM for a small output): there they take it as little time or less (on SwiftShader,
 * in turns: 9 x 128 x 128 1.2 against 1.4 ms, 9 x 32 x 32 0.31 against 0.35), and a network's small products (the
 * face landmark model's 1x1 convs on 3x3 pixels) then share its pipelines instead of compiling matvec's, 0.3 s
 * each there.
 */
const SMALL_PRODUCT = 2 ** 18;

/** matmul/matvec.wgsl's output rows per workgroup, at most (its named row sums). */
const MATVEC_ROWS = 8;

/**
 * Products of up to this many rows (per batch entry) run matmul/matvec.wgsl
 * under 'auto', in workgroups of up to 8 rows each reading all of B. On
 * SwiftShader, against the registers GEMM: 16 rows 5.4x faster on
 * 16 x 4096 x 4096, 1.7x on 16 x 1280 x 1000, even on 16 x 384 x 384; 32 rows
 * 1.9x, 1.1x and 0.7x. GPUs: 8, the usual bound of matrix-vector kernels
 * (not yet measured on one).
 */
function matvecMaxRows(backend: WebGpuBackend): number {
  return backend.info.runsOnCpu ? 16 : 8;
}

/**
 * matvec.wgsl's workgroup: neighbouring threads read neighbouring vec4s of B,
 * so on GPUs a workgroup's 64 lanes read 1 KB of a row at once: along N (64
 * column vec4s, 4 threads sharing each sum) or, with B transposed, along K.
 * On CPU adapters the shape matters less: SwiftShader ran 1 x 9216 x 4096
 * (B transposed or not) about as fast with 4 to 64 columns and 4 threads per
 * sum, ~1.2x slower with 8 threads, ~3x with 64; 4 x 4 wastes least on
 * narrow outputs. Packed B keeps 4 x 4 there: 8 or 16 columns for float16 or
 * uint8 (a workgroup reading 64 bytes of each row of B) made no difference
 * beyond the noise in SwiftShader's kernel times.
 */
function matvecWorkgroup(backend: WebGpuBackend, transposeB: boolean): { WG_COLUMNS: number; WG_K: number } {
  if (backend.info.runsOnCpu) return { WG_COLUMNS: 4, WG_K: 4 };
  return transposeB ? { WG_COLUMNS: 4, WG_K: 64 } : { WG_COLUMNS: 64, WG_K: 4 };
}

/** A GPU is kept busy by this many matvec workgroups at least: fewer split K. */
const MATVEC_GPU_WORKGROUPS = 256;

export interface MatMulOperands {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/** What runMatMul dispatches: the shader and its specialisation, the output tile of a workgroup, and how K is split. */
interface MatMulLaunch {
  shader: string;
  slots: Record<string, string>;
  constants: Record<string, number | boolean>;
  tileM: number;
  tileN: number;
  /** K chunks of split-K are multiples of this. */
  kGranule: number;
  splits: number;
  /** Whether the shader takes B's layout in its params (matmul.wgsl's strides). */
  strides: boolean;
  /** matvec.wgsl: how B is stored (B_STORAGE, B_AFFINE) and, with `packed`, B bound as its packed words. */
  storage?: { constants: Record<string, number>; params: { b_affine_offset: number; b_channels: number }; packed: boolean };
}

const FLOAT32_B = { constants: {}, params: { b_affine_offset: 0, b_channels: 1 }, packed: false };

/**
 * How matvec.wgsl reads B: packed, when B's storage is a packed weight at
 * B's own shape whose scales (if per channel) lie along a row or column of
 * its matrices; else float32 (a packed weight is then unpacked once, see
 * backend.ts `unpack`).
 */
function matvecStorage(backend: WebGpuBackend, b: TensorInfo): NonNullable<MatMulLaunch['storage']> {
  const layout = backend.packedLayout(b.dataId);
  if (!layout || layout.shape.length !== b.shape.length || layout.shape.some((d, i) => d !== b.shape[i])) return FLOAT32_B;
  if (layout.format === 'float16') return { constants: { B_STORAGE: 1 }, params: FLOAT32_B.params, packed: true };
  const rank = b.shape.length;
  const affine = layout.axis === null ? 0 : layout.axis === rank - 2 ? 1 : layout.axis === rank - 1 ? 2 : null;
  if (affine === null) return FLOAT32_B;
  return { constants: { B_STORAGE: 2, B_AFFINE: affine }, params: { b_affine_offset: layout.affineOffset, b_channels: layout.channels }, packed: true };
}

/**
 * The GEMM kernels: tiled (scalar or vec4) or, on CPU adapters, rows and columns in registers; `quick`: the
 * registers kernel's 8-row variant, which compiles quickly, for the first runs while the 16- or 32-row one compiles.
 */
function gemmLaunch(backend: WebGpuBackend, m: number, n: number, k: number, batchCount: number, vec4: boolean,
  variant: RegistersVariant = 'best'): MatMulLaunch {
  const flags = backend.flags;
  // On CPU adapters caches do what workgroup tiles do, and barriers are costly: keep tiles in registers.
  const registers = vec4 && (flags.matmul === 'registers' || (flags.matmul === 'auto' && backend.info.runsOnCpu));
  const gemm = gemmTiles(backend, vec4, m, n);
  const layout = registersLayout(batchCount * m * n * k, k, variant);
  const tiles = registers ? { ...gemm, ...REGISTERS_WORKGROUP, tileM: REGISTERS_WORKGROUP.WG_Y * layout.rows, tileN: 16 } : gemm;
  const workgroups = Math.ceil(m / tiles.tileM) * Math.ceil(n / tiles.tileN) * batchCount;
  // Split K when it is long and the output alone would leave most of the adapter idle: a GPU with fewer than 32
  // workgroups, a CPU adapter (a workgroup a core at a time) with fewer than two a core. On SwiftShader's 2 cores
  // EfficientNet-Lite0's 12-workgroup products ran no faster split (2% slower, a reduce pass and its pipeline more).
  const busy = backend.info.runsOnCpu ? 2 * backend.info.cpuCores : 32;
  const splits = flags.splitK === 'off' ? 1 : flags.splitK === 'on' ? Math.ceil(k / (2 * tiles.TILE_K))
    : k >= 1024 && workgroups < busy ? Math.min(32, Math.ceil(k / 512)) : 1;
  return {
    shader: registers ? SHADERS.matmulVec4Registers : vec4 ? SHADERS.matmulVec4 : SHADERS.matmul,
    slots: registers ? layout.slots : {},
    constants: {
      WG_X: tiles.WG_X, WG_Y: tiles.WG_Y,
      ...(registers ? { ROWS_PER_THREAD: layout.rows, TWO_K_STEPS: layout.twoKSteps } : { TILE_K: tiles.TILE_K }),
    },
    tileM: tiles.tileM, tileN: tiles.tileN, kGranule: tiles.TILE_K, splits, strides: !vec4,
  };
}

/** The scalar GEMM at fixed small tiles, one pipeline per epilogue for every shape (see pickVariant). */
const ANY_SIZE_GEMM: MatMulLaunch = {
  shader: SHADERS.matmul, slots: {}, constants: { WG_X: 4, WG_Y: 4, TILE_K: 8 }, tileM: 16, tileN: 16, kGranule: 8, splits: 1, strides: true,
};

/** matmul/matvec.wgsl: the threads of a workgroup share each output's sum over K; B is read once, in vec4s. */
function matvecLaunch(backend: WebGpuBackend, m: number, n: number, k: number, batchCount: number, transposeB: boolean,
  b: TensorInfo, rows = Math.min(m, MATVEC_ROWS)): MatMulLaunch {
  const workgroup = matvecWorkgroup(backend, transposeB);
  const tileN = 4 * workgroup.WG_COLUMNS;
  const kGranule = 4 * workgroup.WG_K;
  const workgroups = Math.ceil(m / rows) * Math.ceil(n / tileN) * batchCount;
  // On GPUs, split K until the GPU is busy, each split keeping at least 16 steps per thread.
  const splitK = backend.flags.splitK;
  const splits = splitK === 'off' ? 1 : splitK === 'on' ? Math.ceil(k / (2 * kGranule))
    : backend.info.runsOnCpu ? 1 : Math.max(1, Math.min(Math.ceil(MATVEC_GPU_WORKGROUPS / workgroups), Math.floor(k / (16 * kGranule))));
  const storage = matvecStorage(backend, b);
  return {
    shader: SHADERS.matvec, slots: {}, constants: { ...workgroup, ROWS: rows, TRANSPOSE_B: transposeB, ...storage.constants },
    tileM: rows, tileN, kGranule, splits, strides: false, storage,
  };
}

/** Records out = epilogue(op(A) @ op(B)) into a new float32/int32 tensor of `outShape`. */
export function runMatMul(backend: WebGpuBackend, { a, b, transposeA, transposeB }: MatMulOperands, outShape: readonly number[],
  epilogue: Epilogue): DataId {
  const rank = outShape.length;
  const [m, n] = outShape.slice(rank - 2);
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const elem = a.dtype === 'int32' ? 'i32' : 'f32';
  if (padColumns(backend, m, n, k, transposeA, transposeB, elem)) {
    const operands = { a, b, transposeA, transposeB };
    if (!epilogue.residual) return runPaddedColumns(backend, operands, outShape, epilogue);
    // The residual would need padding too: it, and the activation after it, run after the padded product.
    const core = runPaddedColumns(backend, operands, outShape, { ...NO_EPILOGUE, ...(epilogue.bias ? { bias: epilogue.bias } : {}) });
    const activationAfter = epilogue.prelu ? { body: binaryBody('prelu'), alpha: 0, beta: 0, weights: { dataId: epilogue.prelu, shape: [n], dtype: 'float32' as const } }
      : epilogue.activation === 'linear' ? undefined : { body: epilogue.body, alpha: epilogue.alpha, beta: epilogue.beta };
    return finishEpilogue(backend, core, outShape, {
      fused: NO_EPILOGUE, addendAfter: { dataId: epilogue.residual, shape: outShape, dtype: 'float32' },
      ...(activationAfter ? { activationAfter } : {}),
    });
  }
  const out = backend.allocate(outShape, a.dtype);
  if (sizeFromShape(outShape) === 0) return out;
  const outBatch = outShape.slice(0, rank - 2);
  const batchStrides = (shape: readonly number[]) => broadcastStrides(shape.slice(0, -2), outBatch).map((s) => s * sizeFromShape(shape.slice(-2)));
  const batch = batchLayout(outBatch, batchStrides(a.shape), batchStrides(b.shape));
  const batchCount = sizeFromShape(outBatch);

  const flags = backend.flags;
  const vec4Shapes = !transposeA && k % 4 === 0 && n % 4 === 0 && elem === 'f32' && flags.vec4 !== 'off';
  const vec4Valid = vec4Shapes && !transposeB;
  const smallOnCpu = backend.info.runsOnCpu && vec4Valid && m > 1 && batchCount * m * n * k < SMALL_PRODUCT;
  const matvec = vec4Shapes && flags.matvec !== 'off' && (flags.matvec === 'on' || (m <= matvecMaxRows(backend) && !smallOnCpu));
  // Small outputs keep the scalar kernel, unless their sums are long: a classifier head's [1, 1280] x [1280, 1000]
  // took 50 ms there on SwiftShader, ~27 ms in the vec4 registers kernel (whose other 15 rows go to waste).
  const vec4 = vec4Valid && (flags.vec4 === 'on' || (flags.vec4 === 'auto' && (m * n >= 1024 || m * n * k >= 2 ** 20 || smallOnCpu)));
  const pipelineOf = (launch: MatMulLaunch) => {
    const kChunk = Math.ceil(Math.ceil(k / Math.max(1, launch.splits)) / launch.kGranule) * launch.kGranule;
    const splits = k === 0 ? 1 : Math.ceil(k / kChunk);
    const fused = splits === 1;
    const inParams = epilogueInParams(backend, launch, epilogue);
    const zeroBias = fused && !inParams && !epilogue.bias && zeroBiasVariant(backend, launch);
    const constants: Record<string, number | boolean> = {
      ...launch.constants,
      ...(inParams ? { EPILOGUE_IN_PARAMS: true } : { ...epilogueConstants(epilogue, fused), ...(zeroBias ? { HAS_BIAS: true } : {}) }),
    };
    const spec = {
      shader: launch.shader,
      slots: { types: typesSlot({ Elem: elem }), body: fused && !inParams ? epilogue.body : IDENTITY, ...launch.slots },
      constants,
    };
    return { launch, kChunk, splits, fused, spec, inParams, zeroBias };
  };
  let pipeline = pipelineOf(matvec ? matvecLaunch(backend, m, n, k, batchCount, transposeB, b) : gemmLaunch(backend, m, n, k, batchCount, vec4));
  // The 16- and 32-row registers kernels compile slowly (0.35-1.4 s on SwiftShader): until they are ready, 8 rows
  // run, or for a 32-row one the 16-row one where that is ready (a network's smaller products compile it).
  const multiplyAdds = batchCount * m * n * k;
  const quick = () => pipelineOf(gemmLaunch(backend, m, n, k, batchCount, true, 'quick'));
  const standIn = () => ({ spec: quick().spec, compileMs: QUICK_REGISTERS_COMPILE_MS });
  if (pipeline.spec.shader === SHADERS.matmulVec4Registers) {
    const sixteenRows = () => pipelineOf(gemmLaunch(backend, m, n, k, batchCount, vec4, 'sixteenRows'));
    const thirtyTwoRows = pipeline.spec.constants.ROWS_PER_THREAD === 32;
    const bestStandIn = thirtyTwoRows ? () => {
      const { spec } = sixteenRows();
      return { spec, compileMs: registersQuickCost(spec.constants, multiplyAdds).compileMs };
    } : standIn;
    if (!backend.bestVariantReady(pipeline.spec, { ...registersQuickCost(pipeline.spec.constants, multiplyAdds), standIn: bestStandIn })) {
      const sixteen = thirtyTwoRows ? sixteenRows() : null;
      pipeline = sixteen && backend.bestVariantReady(sixteen.spec, { ...registersQuickCost(sixteen.spec.constants, multiplyAdds), standIn })
        ? sixteen : quick();
    }
  }
  // On CPU adapters a network's few matvecs (a classifier's head) run on the 8-row registers GEMM its
  // convolutions compile anyway, until matvec.wgsl, ~150 ms to compile on SwiftShader, is ready; the GEMM
  // takes ~15 ns more a multiply-add of a row there (1 x 1280 x 1000: 26 against 6 ms). Not for a packed B,
  // which the GEMM would unpack for good.
  else if (matvec && vec4Valid && !pipeline.launch.storage?.packed &&
    !backend.bestVariantReady(pipeline.spec, { extraMs: batchCount * n * k * 15e-6, compileMs: 150, standIn })) {
    pipeline = quick();
  }
  // Other kernels valid for this product, the last for any: a model whose sizes change may run one it has
  // compiled (see pickVariant).
  const alternatives: (typeof pipeline)[] = [];
  // A matvec reading B packed keeps to matvecs: the others would unpack B for good.
  const packedB = pipeline.launch.storage?.packed ?? false;
  const chosen = backend.pickVariant(pipeline.spec, () => {
    if (vec4Valid && !packedB) alternatives.push(pipelineOf(gemmLaunch(backend, m, n, k, batchCount, true)), quick());
    // matvec with any rows per workgroup runs any M (in tiles of that many rows).
    if (vec4Shapes) for (let rows = MATVEC_ROWS; rows >= 1; rows--) alternatives.push(pipelineOf(matvecLaunch(backend, m, n, k, batchCount, transposeB, b, rows)));
    if (!packedB) alternatives.push(pipelineOf(gemmLaunch(backend, m, n, k, batchCount, false)), pipelineOf(ANY_SIZE_GEMM));
    return alternatives.map((alternative) => alternative.spec);
  });
  pipeline = alternatives.find((alternative) => alternative.spec === chosen) ?? pipeline;
  const { launch, kChunk, splits, fused, inParams, zeroBias } = pipeline;
  const target = fused ? out : backend.allocate([splits * batchCount * m * n], 'float32');
  const mTiles = Math.ceil(m / launch.tileM);
  const common = {
    m, n, k, batch: batchCount, m_tiles: mTiles, splits, k_chunk: splits === 1 ? k : kChunk,
    batch_shape: batch.shape, a_batch_strides: batch.a, b_batch_strides: batch.b,
    ...paramsBounds(epilogue, inParams),
    ...(EPILOGUE_PARAM_SHADERS.has(launch.shader) ? { epilogue: inParams ? epilogueBits(epilogue, fused) : 0 } : {}),
  };
  const params = launch.storage ? { ...common, ...launch.storage.params } : !launch.strides ? common : {
    ...common,
    a_stride_m: transposeA ? 1 : k, a_stride_k: transposeA ? m : 1,
    b_stride_k: transposeB ? 1 : n, b_stride_n: transposeB ? k : 1,
  };
  backend.run({
    ...pipeline.spec,
    bindings: {
      a: a.dataId, ...(launch.storage?.packed ? {} : { b: b.dataId }), out: target, params,
      ...epilogueBindings(epilogue, fused), ...(zeroBias ? { bias: backend.zeroBuffer(n * 4) } : {}),
    },
    ...(launch.storage?.packed ? { packed: { b_packed: b.dataId } } : {}),
    workgroups: backend.gridYZ(Math.ceil(n / launch.tileN), mTiles * batchCount * splits),
  });
  if (fused) return out;
  const size = batchCount * m * n;
  backend.run({
    shader: SHADERS.splitKReduce,
    slots: { types: typesSlot({ Elem: elem }), body: epilogue.body },
    constants: epilogueConstants(epilogue),
    bindings: {
      partials: target, out, params: { size, n, splits, alpha: epilogue.alpha, beta: epilogue.beta },
      ...epilogueBindings(epilogue),
    },
    workgroups: Math.ceil(size / 64),
  });
  backend.disposeData(target);
  return out;
}

/**
 * Whether a product runs with N padded to a multiple of 4: on CPU adapters the
 * scalar GEMM (matmul/matmul.wgsl) stages its tiles behind workgroup barriers,
 * which cost there what the vec4 kernels' registers do not. Measured on
 * SwiftShader (GPU time, median of 7): MediaPipe's face detector's 1x1
 * convolution of 64x64 pixels from 36 to 42 channels took 178 ms there and
 * 15 ms padded to 44 (the pads and the copy out included); 32x32, 64 -> 10:
 * 7.1 against 1.9 ms. Below 4096 outputs the pads cost what they save
 * (16x16, 88 -> 2: 1.3 against 1.5 ms).
 */
function padColumns(backend: WebGpuBackend, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean,
  elem: string): boolean {
  return backend.info.runsOnCpu && backend.flags.vec4 !== 'off' && elem === 'f32' && n % 4 !== 0 && k % 4 === 0 &&
    m * n >= 4096 && !transposeA && !transposeB;
}

/** The product with B's columns and the per-column bias zero-padded to a multiple of 4, its first N columns copied out. */
function runPaddedColumns(backend: WebGpuBackend, { a, b, transposeA, transposeB }: MatMulOperands, outShape: readonly number[],
  epilogue: Epilogue): DataId {
  const rank = outShape.length;
  const n = outShape[rank - 1];
  const extra = Math.ceil(n / 4) * 4 - n;
  const paddedB = zeroPad(backend, b, b.shape.map((_, d) => [0, d === b.shape.length - 1 ? extra : 0]));
  const padColumn = (dataId: DataId | undefined) => (dataId === undefined ? undefined : zeroPad(backend, { dataId, shape: [n], dtype: 'float32' }, [[0, extra]]).dataId);
  const paddedBias = padColumn(epilogue.bias);
  const paddedPrelu = padColumn(epilogue.prelu);
  const paddedShape = [...outShape.slice(0, -1), n + extra];
  const padded = runMatMul(backend, { a, b: paddedB, transposeA, transposeB }, paddedShape,
    { ...epilogue, ...(paddedBias ? { bias: paddedBias } : {}), ...(paddedPrelu ? { prelu: paddedPrelu } : {}) });
  backend.disposeData(paddedB.dataId);
  for (const column of [paddedBias, paddedPrelu]) if (column) backend.disposeData(column);
  const out = stridedCopy(backend, padded, { shape: outShape, inStrides: stridesOf(paddedShape) }, backend.allocate(outShape, a.dtype));
  backend.disposeData(padded);
  return out;
}

export const matMulKernel: WebGpuKernel<{ transposeA: boolean; transposeB: boolean }> = (args) => {
  const { inputs: [a, b], attrs, outputs: [out] } = args;
  // float32 products share the fused linear ones' pipelines; int32 ones take no activation.
  return [runMatMul(gpu(args), { a, b, ...attrs }, out.shape, a.dtype === 'float32' ? NO_EPILOGUE : IDENTITY_EPILOGUE)];
};

export const fusedMatMulKernel: WebGpuKernel = (args) => {
  const backend = gpu(args);
  const { inputs: [a, b, ...extra], attrs, outputs: [out] } = args;
  const plan = planEpilogue(out.shape, fusedExtras(extra, attrs.activation), attrs);
  const core = runMatMul(backend, { a, b, transposeA: attrs.transposeA, transposeB: attrs.transposeB }, out.shape, plan.fused);
  return [finishEpilogue(backend, core, out.shape, plan)];
};

