// Convolutions and pools over up to three spatial dims (channels last):
// conv as an implicit GEMM (conv/conv.wgsl; conv_vec4.wgsl when the channel
// counts are multiples of 4, conv_vec4_registers.wgsl for that on CPU
// adapters) or, for thin outputs, directly (conv_direct.wgsl),
// a 1x1 stride-1 unpadded conv as a plain matmul, its input gradient
// (conv_backprop_input.wgsl, its _vec4 form when Cin is a multiple of 4, or
// conv_direct.wgsl; also the transposed convs; conv_transpose_tiles.wgsl where
// the windows tile x exactly), its filter gradient with
// split-K over pixels (conv_backprop_filter.wgsl, its _vec4 form when Cout is
// a multiple of 4, then matmul/split_k_reduce.wgsl), direct depthwise convs (4 channels of 4 pixels per
// thread where they allow: depthwise_conv2d_vec4.wgsl, and then mostly 4 or
// 8 rows of 4 pixels per thread: depthwise_conv2d_vec4_tile.wgsl)
// and their gradients, and max/avg pools with their gradients (a thread per
// window where windows do not overlap: pool_backprop.wgsl's PER_WINDOW).
import type { DataId } from '../../../core/backend.js';
import { sizeFromShape } from '../../../core/dtype.js';
import { type WindowAttrs, windowGeometry } from '../../../core/windows.js';
import type { PipelineSpec, WebGpuBackend } from '../backend.js';
import { typesSlot } from '../wgsl.js';
import { type TensorInfo, type WebGpuKernel, gpu, groupsFor } from './common.js';
import { fill } from './elementwise.js';
import { fusedExtras } from '../../cpu/nn.js';
import { type Epilogue, NO_EPILOGUE, epilogueBindings, epilogueConstants, finishEpilogue, planEpilogue } from './epilogue.js';
import { gemmTiles, runMatMul } from './matmul.js';
import { reduceAxes } from './reduce.js';
import { transposeData, zeroPad } from './shape.js';
import { type RepeatItem, repeatTemplates, shaderFiles, shaderSource } from '../../../shaders.js';

const SHADERS = shaderFiles({
  convDirect: 'conv/conv_direct.wgsl',
  convVec4Registers: 'conv/conv_vec4_registers.wgsl',
  convThinInput: 'conv/conv_thin_input.wgsl',
  im2col: 'conv/im2col.wgsl',
  convVec4: 'conv/conv_vec4.wgsl',
  conv: 'conv/conv.wgsl',
  convBackpropInputVec4: 'conv/conv_backprop_input_vec4.wgsl',
  convBackpropInput: 'conv/conv_backprop_input.wgsl',
  convTransposeTiles: 'conv/conv_transpose_tiles.wgsl',
  convBackpropFilterVec4: 'conv/conv_backprop_filter_vec4.wgsl',
  convBackpropFilter: 'conv/conv_backprop_filter.wgsl',
  splitKReduce: 'matmul/split_k_reduce.wgsl',
  depthwiseConv2dVec4Tile: 'conv/depthwise_conv2d_vec4_tile.wgsl',
  depthwiseConv2dVec4: 'conv/depthwise_conv2d_vec4.wgsl',
  depthwiseConv2d: 'conv/depthwise_conv2d.wgsl',
  depthwiseConv2dBackpropInput: 'conv/depthwise_conv2d_backprop_input.wgsl',
  depthwiseConv2dBackpropFilter: 'conv/depthwise_conv2d_backprop_filter.wgsl',
  pool: 'pool/pool.wgsl',
  poolBackprop: 'pool/pool_backprop.wgsl',
});

interface Geometry {
  batch: number;
  inSpatial: number[];
  outSpatial: number[];
  window: number[];
  strides: number[];
  dilations: number[];
  padBefore: number[];
}

/** Window geometry of a channels-last input of `xShape` (batch dim optional) with `rank` spatial dims. */
function geometry(rank: number, xShape: readonly number[], window: readonly number[], attrs: WindowAttrs): Geometry {
  const inSpatial = xShape.slice(xShape.length - rank - 1, -1);
  const batch = xShape.length === rank + 2 ? xShape[0] : 1;
  return { batch, inSpatial, window: [...window], ...windowGeometry(inSpatial, window, attrs) };
}

/** (depth, height, width) for the shaders' vec3 fields: missing leading dims are `fill`. */
const vec3 = (values: readonly number[], fill: number) => [...new Array(3 - values.length).fill(fill), ...values];

/** The uniform fields every conv GEMM shader shares. */
function convFields(g: Geometry, inSpatial: readonly number[], outSpatial: readonly number[]) {
  return {
    in_size: vec3(inSpatial, 1), out_size: vec3(outSpatial, 1), kernel_size: vec3(g.window, 1),
    stride: vec3(g.strides, 1), dilation: vec3(g.dilations, 1), pad: vec3(g.padBefore, 0),
  };
}

/**
 * Whether to convolve directly rather than by GEMM: a GEMM with few output
 * columns has little to share its staged inputs with, and one with a short
 * reduction spends its time staging. Measured on SwiftShader: direct wins
 * below 4 output channels, and below 16 when each output sums at most 64
 * products (a first conv layer on 1-3 input channels). The input gradient's
 * GEMM stages its tiles in workgroup memory, whose barriers CPU adapters pay
 * dearly for (the forward GEMM runs in registers there), so on those direct
 * wins up to 16 dx channels and 288 products (batch 32, 14x14, dx of 16 ->
 * 16 channels: 30 against 59 ms; 16 -> 32: 58 against 63 ms; 32 -> 32: 133
 * against 101 ms).
 */
function useDirect(backend: WebGpuBackend, outChannels: number, productsPerOutput: number, inputGradient = false): boolean {
  const { conv } = backend.flags;
  if (conv !== 'auto') return conv === 'direct';
  if (inputGradient && backend.info.runsOnCpu && outChannels <= 16 && productsPerOutput <= 288) return true;
  return outChannels < 4 || (outChannels < 16 && productsPerOutput <= 64);
}

/**
 * Whether a 1x1 conv runs directly rather than as a matmul: forced by the conv flag, or on CPU adapters where
 * its channel counts would send the matmul to the scalar GEMM (input channels off a multiple of 4, or output
 * channels off one on too few pixels to pad them), whose workgroup barriers CPU adapters pay dearly for and
 * whose pipelines (one per tile shape, 0.15-0.2 s each) compile slowly there: on SwiftShader (in turns)
 * MediaPipe's face detector's 16x16x42 -> 48 took 1.9 ms so against 2.3 ms, 32x32x42 -> 48 9 against 25 ms, its
 * 88 -> 2 and 96 -> 6 heads 0.8 and 0.7 against 0.9 and 0.4 ms, and its first result three such compiles less.
 */
function directPointwise(backend: WebGpuBackend, pixels: number, inC: number, outC: number): boolean {
  const { conv, vec4 } = backend.flags;
  if (conv !== 'auto') return conv === 'direct';
  return backend.info.runsOnCpu && vec4 !== 'off' && (inC % 4 !== 0 || (outC % 4 !== 0 && pixels * outC < 4096));
}

/** One dispatch of conv/conv_direct.wgsl into `out` (x is dy when `backpropInput`). */
function runDirect(backend: WebGpuBackend, g: Geometry, x: DataId, filter: DataId, inC: number, outC: number, out: DataId,
  size: number, backpropInput: boolean, epilogue: Epilogue): void {
  // 4 neighbouring channels of out per thread where their count allows.
  const fourChannels = (backpropInput ? inC : outC) % 4 === 0 && backend.flags.vec4 !== 'off';
  const threads = fourChannels ? size / 4 : size;
  backend.run({
    shader: SHADERS.convDirect,
    slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body },
    constants: { BACKPROP_INPUT: backpropInput, ...epilogueConstants(epilogue), FOUR_CHANNELS: fourChannels },
    bindings: {
      x, weights: filter, out, ...epilogueBindings(epilogue),
      params: { size: threads, batch: g.batch, in_c: inC, out_c: outC, ...convFields(g, g.inSpatial, g.outSpatial), alpha: epilogue.alpha, beta: epilogue.beta },
    },
    workgroups: groupsFor(threads),
  });
}

/**
 * conv_vec4_registers.wgsl's pipeline for a conv GEMM, where the backend chooses it: vec4 channels (input
 * channels are padded to a multiple of 4 first) on a CPU adapter, whose caches do what workgroup tiles do
 * (as for matmul), 16 output channels per thread; else null.
 */
function registersGemm(backend: WebGpuBackend, inC: number, outC: number, pixels: number, epilogue: Epilogue): PipelineSpec | null {
  const { vec4, matmul } = backend.flags;
  if (outC % 4 !== 0 || vec4 === 'off' || !(matmul === 'registers' || (matmul === 'auto' && backend.info.runsOnCpu))) return null;
  const tiles = gemmTiles(backend, true, pixels, outC);
  return {
    shader: SHADERS.convVec4Registers,
    slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body },
    constants: { WG_X: tiles.WG_X, WG_Y: tiles.WG_Y, ...epilogueConstants(epilogue) },
  };
}

/**
 * Whether a conv runs as im2col.wgsl's matrix of its windows times the filter (runMatMul) rather than as an
 * implicit GEMM: forced by the conv flag 'im2col', and under 'auto' on CPU adapters for output channels a
 * multiple of 4 (the vec4 matmul's columns; more than 16 for input channels off a multiple of 4, see runConv)
 * while the matrix fits the limit maxIm2colBytes (32 MiB by default:
 * VGG's first layers, 115 MB, keep the implicit GEMMs). There the registers matmul,
 * which a network's 1x1 convs compile anyway, is the fastest kernel: on SwiftShader (GPU time) SqueezeNet 1.0's
 * 7x7 first layer and eight 3x3 convs took ~325 ms, 64 of them the im2col copies, against 512 ms in
 * conv_thin_input.wgsl and conv_vec4_registers.wgsl, and the model then compiles neither of those pipelines
 * (0.2 and 0.5 s there) before its first result.
 */
function im2colGemm(backend: WebGpuBackend, pixels: number, sumLength: number, outC: number): boolean {
  const { conv, vec4 } = backend.flags;
  if (conv === 'im2col') return true;
  return conv === 'auto' && vec4 !== 'off' && backend.info.runsOnCpu && outC % 4 === 0 &&
    pixels * Math.ceil(sumLength / 4) * 16 <= backend.limits.maxIm2colBytes;
}

/** A forward conv as im2col.wgsl's matrix [pixels, taps * Cin] (zero-padded to a multiple of 4) times the filter. */
function runIm2colGemm(backend: WebGpuBackend, g: Geometry, x: TensorInfo, filter: TensorInfo, inC: number, outC: number,
  epilogue: Epilogue): DataId {
  const pixels = g.batch * sizeFromShape(g.outSpatial);
  const k = sizeFromShape(g.window) * inC;
  const k4 = Math.ceil(k / 4);
  const rows = backend.allocate([pixels, k4 * 4], 'float32');
  // A thread a window row (depth and height tap) of a pixel, its channels copied 4 at a time where their count
  // allows (the row then needs no padding).
  const windowRows = sizeFromShape(g.window) / g.window[g.window.length - 1];
  const perItem = inC % 4 === 0 ? 4 : 1;
  backend.run({
    shader: SHADERS.im2col,
    slots: { types: typesSlot({ Elem: 'f32' }), ...(perItem === 4 ? { items: 'alias Item = vec4<Elem>;' } : {}) },
    bindings: {
      x: x.dataId, out: rows,
      params: {
        size: pixels * windowRows, window_rows: windowRows, row: k4 * 4 / perItem, in_c: inC / perItem,
        ...convFields(g, g.inSpatial, g.outSpatial),
      },
    },
    workgroups: groupsFor(pixels * windowRows),
  });
  // The filter [taps * Cin, Cout] gains zero rows at its end, so its padding is a copy and a clear.
  const weights = k4 * 4 === k ? { ...filter, shape: [k, outC] }
    : { dataId: backend.zeroExtend(filter, k4 * 4 * outC), shape: [k4 * 4, outC], dtype: filter.dtype };
  const out = runMatMul(backend, {
    a: { dataId: rows, shape: [pixels, k4 * 4], dtype: 'float32' }, b: weights, transposeA: false, transposeB: false,
  }, [pixels, outC], epilogue);
  backend.disposeData(rows);
  if (weights.dataId !== filter.dataId) backend.disposeData(weights.dataId);
  return out;
}

/** Output pixels along a row per thread of conv_thin_input.wgsl. */
const THIN_INPUT_PIXELS = 8;

/**
 * conv_thin_input.wgsl's pipeline where a forward conv runs it, else null: on CPU adapters, input channels off
 * a multiple of 4 (a first layer on RGB pixels) and output channels a multiple of 4. The GEMMs would pad x and
 * the filter to 4 channels first, and spend such a conv on index math (a sum of 4 products per tap) and lanes
 * that idle; the direct kernel loads a weight per product. On SwiftShader, MediaPipe's first layers
 * (128x128x3 -> 24, 5x5 stride 2; 256x256x3 -> 16, 3x3 stride 2) take about a third of the direct kernel's
 * time here (14 against 37 ms, 12 against 40 ms) and two fifths to a sixth of the padded registers GEMM's, pads included.
 */
function thinInputSpec(backend: WebGpuBackend, inC: number, outC: number, epilogue: Epilogue): PipelineSpec | null {
  const { conv, vec4 } = backend.flags;
  if (conv !== 'auto' || vec4 === 'off' || !backend.info.runsOnCpu || inC % 4 === 0 || outC % 4 !== 0) return null;
  return {
    shader: SHADERS.convThinInput,
    slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body },
    constants: epilogueConstants(epilogue),
  };
}

/** One dispatch of conv/conv_thin_input.wgsl (`spec`) into a new tensor of `outShape`. */
function runThinInput(backend: WebGpuBackend, spec: PipelineSpec, g: Geometry, x: DataId, filter: DataId, inC: number,
  outC: number, outShape: readonly number[], epilogue: Epilogue): DataId {
  const out = backend.allocate(outShape, 'float32');
  const outSize = vec3(g.outSpatial, 1);
  const tilesW = Math.ceil(outSize[2] / THIN_INPUT_PIXELS);
  const threads = g.batch * outSize[0] * outSize[1] * tilesW * Math.ceil(outC / 16);
  backend.run({
    ...spec,
    bindings: {
      x, weights: filter, out, ...epilogueBindings(epilogue),
      params: {
        size: threads, batch: g.batch, in_c: inC, out_c: outC, tiles_w: tilesW, ...convFields(g, g.inSpatial, g.outSpatial),
        alpha: epilogue.alpha, beta: epilogue.beta,
      },
    },
    workgroups: groupsFor(threads),
  });
  return out;
}

/** Forward conv of x [batch?, ...spatial, Cin] with filter [...window, Cin, Cout]; `rank` spatial dims. */
function runConv(backend: WebGpuBackend, rank: number, x: TensorInfo, filter: TensorInfo, attrs: WindowAttrs,
  outShape: readonly number[], epilogue: Epilogue): DataId {
  const [inC, outC] = filter.shape.slice(rank);
  const g = geometry(rank, x.shape, filter.shape.slice(0, rank), attrs);
  const pixels = g.batch * sizeFromShape(g.outSpatial);
  const pointwise = g.window.every((k) => k === 1) && g.strides.every((s) => s === 1) && g.padBefore.every((p) => p === 0) &&
    g.outSpatial.every((n, d) => n === g.inSpatial[d]);
  if (pointwise && directPointwise(backend, pixels, inC, outC)) {
    const out = backend.allocate(outShape, 'float32');
    runDirect(backend, g, x.dataId, filter.dataId, inC, outC, out, sizeFromShape(outShape), false, epilogue);
    return out;
  }
  if (pointwise) {
    // A 1x1 convolution is a matmul of the pixels by the filter.
    return runMatMul(backend, {
      a: { ...x, shape: [pixels, inC] }, b: { ...filter, shape: [inC, outC] }, transposeA: false, transposeB: false,
    }, [pixels, outC], epilogue);
  }
  const sumLength = sizeFromShape(g.window) * inC;
  const wholeWindow = g.window.every((k, d) => k === g.inSpatial[d]) && g.outSpatial.every((n) => n === 1) &&
    g.padBefore.every((p) => p === 0) && g.dilations.every((d) => d === 1);
  if (wholeWindow && pixels > 0 && !useDirect(backend, outC, sumLength)) {
    // A window that covers x exactly (a head on the last feature map: MediaPipe's face landmark model's 3x3x32 ->
    // 1404) reads each image's values in the filter's own order: a matmul of the images by the filter, a matrix-vector
    // product at batch 1 (on SwiftShader 4 against 16 ms in the registers conv GEMM, 7 of whose 8 pixels per thread
    // had nothing to do). Thin outputs stay direct (its 3x3x32 -> 1: 0.05 ms, 0.6 in the scalar matmul).
    return runMatMul(backend, {
      a: { ...x, shape: [g.batch, sumLength] }, b: { ...filter, shape: [sumLength, outC] }, transposeA: false, transposeB: false,
    }, [g.batch, outC], epilogue);
  }
  if (sizeFromShape(outShape) === 0) return backend.allocate(outShape, 'float32');
  const thin = thinInputSpec(backend, inC, outC, epilogue);
  // im2col takes the convs the GEMMs would (thin outputs of short sums stay direct), and the thin-input kernel's of
  // more than 16 output channels: with fewer, most of the matmul's 16 columns a thread idle (on SwiftShader MediaPipe's
  // selfie model's 256x256x3 -> 16 3x3 first layer took ~22 ms so, ~15 in the thin-input kernel; its face detector's
  // 128x128x3 -> 24 5x5 one ~11 against ~15).
  const im2col = thin ? outC > 16 : !useDirect(backend, outC, sumLength);
  if (im2col && im2colGemm(backend, pixels, sumLength, outC)) {
    return runIm2colGemm(backend, g, x, filter, inC, outC, epilogue);
  }
  // The thin-input kernel compiles in ~0.25 s on SwiftShader, where the direct kernel adds ~3 ns a multiply-add.
  if (thin && backend.bestVariantReady(thin, { extraMs: pixels * outC * sumLength * 3e-6, compileMs: 250 })) {
    return runThinInput(backend, thin, g, x.dataId, filter.dataId, inC, outC, outShape, epilogue);
  }
  // The registers GEMM compiles slowly (~0.55 s on SwiftShader): the direct kernel runs until it is ready.
  const registers = thin ? null : registersGemm(backend, inC, outC, pixels, epilogue);
  // The direct kernel adds about 15 ns a multiply-add on SwiftShader.
  if (thin || useDirect(backend, outC, sumLength) ||
    (registers && !backend.bestVariantReady(registers, { extraMs: pixels * outC * sumLength * 15e-6, compileMs: 550 }))) {
    const out = backend.allocate(outShape, 'float32');
    runDirect(backend, g, x.dataId, filter.dataId, inC, outC, out, sizeFromShape(outShape), false, epilogue);
    return out;
  }
  if (inC % 4 !== 0 && outC % 4 === 0 && backend.flags.vec4 !== 'off') {
    // Input channels zero-padded to a multiple of 4 (an RGB or grayscale first layer), so the vec4 GEMM runs:
    // on SwiftShader, EfficientNet-Lite0's 3-channel stem, pads included, takes ~55% of the scalar GEMM's
    // time, and its pipeline compiles in ~55% of that one's ~1 s. The pads see x as [pixels, Cin] and the
    // filter as [taps, Cin, Cout]: only the channel dim grows.
    const paddedC = Math.ceil(inC / 4) * 4;
    const pixelsIn = sizeFromShape(x.shape) / inC;
    const taps = sizeFromShape(g.window);
    const paddedX = zeroPad(backend, { ...x, shape: [pixelsIn, inC] }, [[0, 0], [0, paddedC - inC]]);
    const paddedFilter = zeroPad(backend, { ...filter, shape: [taps, inC, outC] }, [[0, 0], [0, paddedC - inC], [0, 0]]);
    const padded = runConv(backend, rank, { ...paddedX, shape: [...x.shape.slice(0, -1), paddedC] },
      { ...paddedFilter, shape: [...g.window, paddedC, outC] }, attrs, outShape, epilogue);
    backend.disposeData(paddedX.dataId);
    backend.disposeData(paddedFilter.dataId);
    return padded;
  }
  const out = backend.allocate(outShape, 'float32');
  const vec4 = inC % 4 === 0 && outC % 4 === 0 && backend.flags.vec4 !== 'off';
  const gemm = gemmTiles(backend, vec4, pixels, outC);
  const tiles = registers ? { ...gemm, tileN: gemm.tileN * 4 } : gemm;
  const mTiles = Math.ceil(pixels / tiles.tileM);
  backend.run({
    ...(registers ?? {
      shader: vec4 ? SHADERS.convVec4 : SHADERS.conv,
      slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body },
      constants: { WG_X: tiles.WG_X, WG_Y: tiles.WG_Y, TILE_K: tiles.TILE_K, ...epilogueConstants(epilogue) },
    }),
    bindings: {
      x: x.dataId, weights: filter.dataId, out, ...epilogueBindings(epilogue),
      params: {
        batch: g.batch, in_c: inC, out_c: outC, m_tiles: mTiles, ...convFields(g, g.inSpatial, g.outSpatial),
        alpha: epilogue.alpha, beta: epilogue.beta,
      },
    },
    workgroups: backend.gridYZ(Math.ceil(outC / tiles.tileN), mTiles),
  });
  return out;
}

export function convKernel(rank: number): WebGpuKernel<WindowAttrs> {
  return (args) => {
    const { inputs: [x, filter], attrs, outputs: [out] } = args;
    return [runConv(gpu(args), rank, x, filter, attrs, out.shape, NO_EPILOGUE)];
  };
}

export const fusedConv2dKernel: WebGpuKernel = (args) => {
  const backend = gpu(args);
  const { inputs: [x, filter, ...extra], attrs, outputs: [out] } = args;
  const plan = planEpilogue(out.shape, fusedExtras(extra, attrs.activation), attrs);
  return [finishEpilogue(backend, runConv(backend, 2, x, filter, attrs, out.shape, plan.fused), out.shape, plan)];
};

/**
 * Whether a conv's windows tile x exactly (stride equal to the window, no dilation, no padding, x as large as
 * the windows cover): then each element of dx (a transposed conv's output) takes one tap of one dy pixel.
 */
function tilesExactly(g: Geometry): boolean {
  return g.window.every((k, d) => g.strides[d] === k && g.dilations[d] === 1 && g.padBefore[d] === 0 && g.inSpatial[d] === g.outSpatial[d] * k);
}

/**
 * dx of a conv whose windows tile x exactly (a transposed conv upsampling by its window: MediaPipe's selfie
 * segmentation ends with a 2x2 stride-2 one), through conv/conv_transpose_tiles.wgsl: a thread per dy pixel and
 * dx channel writes its window's dx elements, reading dy's channels (Cout, a multiple of 4) a vec4 at a time. On SwiftShader 128x128x16 -> 256x256x1 took ~9 ms as a matmul
 * (dy times the filter as [Cout, taps * Cin]) and a transpose laying its product out, the matmul wasting its
 * columns on 4 outputs a pixel, and 56 ms in the direct kernel, a thread per dx element finding its tap.
 */
function runTilesExactly(backend: WebGpuBackend, g: Geometry, dy: TensorInfo, filter: TensorInfo, dxShape: readonly number[]): DataId {
  const rank = g.window.length;
  const [inC, outC] = filter.shape.slice(rank);
  const dx = backend.allocate(dxShape, 'float32');
  const threads = g.batch * sizeFromShape(g.outSpatial) * inC;
  backend.run({
    shader: SHADERS.convTransposeTiles,
    slots: { types: typesSlot({ Elem: 'f32' }) },
    bindings: {
      dy: dy.dataId, weights: filter.dataId, dx,
      params: { size: threads, in_c: inC, out_c: outC, out_size: vec3(g.outSpatial, 1), window: vec3(g.window, 1) },
    },
    workgroups: groupsFor(threads),
  });
  return dx;
}

/** dx of a conv (and the transposed conv): inputs dy and filter [...window, Cin, Cout]; out is dx's shape. */
export function convBackpropInputKernel(rank: number): WebGpuKernel<WindowAttrs> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [dy, filter], attrs, outputs: [spec] } = args;
    const [inC, outC] = filter.shape.slice(rank);
    const g = geometry(rank, spec.shape, filter.shape.slice(0, rank), attrs);
    if (sizeFromShape(spec.shape) > 0 && backend.flags.conv !== 'direct' && outC % 4 === 0 && tilesExactly(g)) return [runTilesExactly(backend, g, dy, filter, spec.shape)];
    const out = backend.allocate(spec.shape, 'float32');
    if (sizeFromShape(spec.shape) === 0) return [out];
    if (useDirect(backend, inC, sizeFromShape(g.window) * outC, true)) {
      runDirect(backend, g, dy.dataId, filter.dataId, inC, outC, out, sizeFromShape(spec.shape), true, NO_EPILOGUE);
      return [out];
    }
    const pixels = g.batch * sizeFromShape(g.inSpatial);
    // With Cin a multiple of 4, vec4 loads of the filter transposed to [...window, Cout, Cin] (on SwiftShader
    // twice as fast as the scalar kernel, the transpose included).
    const vec4 = inC % 4 === 0 && backend.flags.vec4 !== 'off';
    const tiles = gemmTiles(backend, vec4, pixels, inC);
    const mTiles = Math.ceil(pixels / tiles.tileM);
    const windowAxes = filter.shape.slice(0, rank).map((_, d) => d);
    const weights = vec4 ? transposeData(backend, filter, [...windowAxes, rank + 1, rank]) : filter.dataId;
    backend.run({
      shader: vec4 ? SHADERS.convBackpropInputVec4 : SHADERS.convBackpropInput,
      constants: { WG_X: tiles.WG_X, WG_Y: tiles.WG_Y, TILE_K: tiles.TILE_K },
      bindings: {
        dy: dy.dataId, ...(vec4 ? { weights_t: weights } : { weights }), dx: out,
        params: { batch: g.batch, in_c: inC, out_c: outC, m_tiles: mTiles, ...convFields(g, g.inSpatial, g.outSpatial), alpha: 0, beta: 0 },
      },
      workgroups: backend.gridYZ(Math.ceil(inC / tiles.tileN), mTiles),
    });
    if (vec4) backend.disposeData(weights);
    return [out];
  };
}

/** Pixels of dy per split of the filter gradient: enough splits to fill the GPU, each a multiple of TILE_K. */
const PIXELS_PER_SPLIT = 512;

/** dfilter of a conv: inputs x and dy; out is the filter's shape [...window, Cin, Cout]. */
export function convBackpropFilterKernel(rank: number): WebGpuKernel<WindowAttrs> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [x, dy], attrs, outputs: [spec] } = args;
    const [inC, outC] = spec.shape.slice(rank);
    const g = geometry(rank, x.shape, spec.shape.slice(0, rank), attrs);
    const out = backend.allocate(spec.shape, 'float32');
    const size = sizeFromShape(spec.shape);
    if (size === 0) return [out];
    const pixels = g.batch * sizeFromShape(g.outSpatial);
    const taps = sizeFromShape(g.window) * inC;
    // With Cout a multiple of 4, vec4 loads of dy and 8 taps per thread (on SwiftShader ~5x the scalar kernel).
    const vec4 = outC % 4 === 0 && backend.flags.vec4 !== 'off';
    const tiles = gemmTiles(backend, vec4, taps, outC);
    const mTiles = Math.ceil(taps / tiles.tileM);
    // 'on' forces about four splits however short the pixel dimension is.
    const perSplit = backend.flags.splitK === 'on' ? Math.ceil(pixels / 4) : Math.min(pixels, PIXELS_PER_SPLIT);
    const kChunk = Math.max(tiles.TILE_K, Math.ceil(perSplit / tiles.TILE_K) * tiles.TILE_K);
    const splits = backend.flags.splitK === 'off' ? 1 : Math.max(1, Math.ceil(pixels / kChunk));
    const target = splits === 1 ? out : backend.allocate([splits * size], 'float32');
    backend.run({
      shader: vec4 ? SHADERS.convBackpropFilterVec4 : SHADERS.convBackpropFilter,
      constants: { WG_X: tiles.WG_X, WG_Y: tiles.WG_Y, TILE_K: tiles.TILE_K },
      bindings: {
        x: x.dataId, dy: dy.dataId, dweights: target,
        params: {
          batch: g.batch, in_c: inC, out_c: outC, m_tiles: mTiles, ...convFields(g, g.inSpatial, g.outSpatial),
          splits, k_chunk: splits === 1 ? pixels : kChunk,
        },
      },
      workgroups: backend.gridYZ(Math.ceil(outC / tiles.tileN), mTiles * splits),
    });
    if (splits === 1) return [out];
    backend.run({
      shader: SHADERS.splitKReduce,
      bindings: { partials: target, out, params: { size, n: outC, splits, alpha: 0, beta: 0 } },
      workgroups: groupsFor(size),
    });
    backend.disposeData(target);
    return [out];
  };
}

/** The 2-D window fields the depthwise shaders share: x/dx sizes `in`, y/dy sizes `out`. */
function windowFields2d(g: Geometry) {
  const [inH, inW] = g.inSpatial;
  const [outH, outW] = g.outSpatial;
  return {
    batch: g.batch, in_h: inH, in_w: inW, out_h: outH, out_w: outW,
    kernel_h: g.window[0], kernel_w: g.window[1], stride_h: g.strides[0], stride_w: g.strides[1],
    dilation_h: g.dilations[0], dilation_w: g.dilations[1], pad_top: g.padBefore[0], pad_left: g.padBefore[1],
  };
}

/** The scalar depthwise shaders' fields, with the channel counts and multiplier. */
function depthwiseFields(g: Geometry, inC: number, multiplier: number) {
  return { ...windowFields2d(g), in_c: inC, out_c: inC * multiplier, multiplier };
}

/**
 * Whether depthwise_conv2d_vec4_tile.wgsl runs with its tap loops written out for this window: up to 25 taps
 * with stride 1, up to 9 otherwise. The first compile on SwiftShader grows with the taps and the input rows
 * and columns a tile reads: 0.6 s for 3x3, 0.75 s for 5x5 stride 1, but 1.3 s for 5x5 stride 2 (11 input rows
 * of 11 columns), which runs 4 pixels per thread instead (depthwise_conv2d_vec4.wgsl, compiled in ~0.05 s): on
 * EfficientNet-Lite0 ~1.3 s less to its first inference, ~11 ms (3%) more to each later one.
 */
function unrollTaps(g: Geometry): boolean {
  const taps = g.window[0] * g.window[1];
  return taps <= 9 || (taps <= 25 && g.strides.every((s) => s === 1));
}
/**
 * Output rows per thread in depthwise_conv2d_vec4_tile.wgsl: 8 for stride-1 windows of up to 9 taps (fewer
 * loads per pixel, ~15% faster on SwiftShader), else 4 (8 rows compile twice as long there, seconds for 5x5).
 */
function tileRows(g: Geometry): number {
  return g.strides[0] === 1 && g.window[0] * g.window[1] <= 9 ? 8 : 4;
}
/** Output pixels per tile row in depthwise_conv2d_vec4_tile.wgsl. */
const TILE_COLUMNS = 4;
/** Output pixels along a row per thread of depthwise_conv2d_vec4.wgsl (its acc0 to acc3). */
const ROW_PIXELS = 4;

/**
 * The tile depthwise kernel's `taps` slot for a window: its loops written out
 * (SwiftShader runs loops slowly; with the window as override constants the
 * loops took 6x as long) from the `// @repeat taps.<part>:` templates of
 * depthwise_conv2d_vec4_tile.wgsl, this function giving only the integers.
 * The weights are loaded once; each input row the tile reads is visited once,
 * for every (tile row, tap row) that reads it (stride 1 dilation 1 3x3: 6
 * rows, not 12); along it each column once, for every (pixel, tap column)
 * that reads it. tests/fixtures/depthwise_taps.json records it for the kernel tier.
 */
export function depthwiseTapItems(window: readonly number[], strides: readonly number[], dilations: readonly number[],
  tileRows: number): RepeatItem[] {
  const [kernelH, kernelW] = window;
  const [strideH, strideW] = strides;
  const [dilationH, dilationW] = dilations;
  const items: RepeatItem[] = [];
  for (let kh = 0; kh < kernelH; kh++) {
    for (let kw = 0; kw < kernelW; kw++) items.push(['weight', { kh, kw }]);
  }
  // The tile's input rows by offset from its first, each with the (tile row, tap row) pairs that read it.
  const rows = new Map<number, [number, number][]>();
  for (let kh = 0; kh < kernelH; kh++) {
    for (let r = 0; r < tileRows; r++) {
      const offset = r * strideH + kh * dilationH;
      rows.set(offset, [...(rows.get(offset) ?? []), [r, kh]]);
    }
  }
  for (const [offset, pairs] of rows) {
    const columns = new Set<number>();
    const sums: RepeatItem[] = [];
    for (const [r, kh] of pairs) {
      for (let kw = 0; kw < kernelW; kw++) {
        for (let p = 0; p < TILE_COLUMNS; p++) {
          const o = p * strideW + kw * dilationW;
          columns.add(o);
          sums.push(['sum', { r, p, o, kh, kw }]);
        }
      }
    }
    items.push(['row', { offset }], ...[...columns].map((o): RepeatItem => ['column', { o }]), ...sums, ['end', {}]);
  }
  return items;
}

/** The `taps` slot's text for geometry `g` (kept per window: a network repeats few). */
const tapsTexts = new Map<string, string>();
function unrolledTaps(g: Geometry, tileRows: number): string {
  const key = JSON.stringify([g.window, g.strides, g.dilations, tileRows]);
  let text = tapsTexts.get(key);
  if (text === undefined) {
    const items = depthwiseTapItems(g.window, g.strides, g.dilations, tileRows);
    text = repeatTemplates(shaderSource(SHADERS.depthwiseConv2dVec4Tile), 'taps', items);
    tapsTexts.set(key, text);
  }
  return text;
}

/** Whether a depthwise conv runs a vec4 kernel: channel multiplier 1, channels a multiple of 4. */
function depthwiseVec4(backend: WebGpuBackend, filter: TensorInfo): boolean {
  const [inC, multiplier] = filter.shape.slice(2);
  return multiplier === 1 && inC % 4 === 0 && backend.flags.vec4 !== 'off';
}

function runDepthwise(backend: WebGpuBackend, x: TensorInfo, filter: TensorInfo, attrs: WindowAttrs, outShape: readonly number[], epilogue: Epilogue): DataId {
  const [inC, multiplier] = filter.shape.slice(2);
  const g = geometry(2, x.shape, filter.shape.slice(0, 2), attrs);
  const out = backend.allocate(outShape, 'float32');
  const size = sizeFromShape(outShape);
  if (size === 0) return out;
  // Four channels per thread when the layout allows (multiplier 1, channels a multiple of 4), and then a
  // tile of 4 or 8 rows of 4 pixels per thread where its taps can be written out or the loops as written slide.
  const vec4 = depthwiseVec4(backend, filter);
  const unrolled = vec4 && unrollTaps(g);
  const rows = tileRows(g);
  const vec4Constants = { HAS_BIAS: !!epilogue.bias, HAS_RESIDUAL: !!epilogue.residual, RESIDUAL_AFTER_ACTIVATION: !!epilogue.residualAfterActivation };
  const tileSpec = {
    shader: SHADERS.depthwiseConv2dVec4Tile,
    slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body, ...(unrolled ? { taps: unrolledTaps(g, rows) } : {}) },
    constants: { ...vec4Constants, TILE_ROWS: rows },
  };
  // The tile compiles slowly (0.55-0.8 s on SwiftShader, growing with taps): 4 pixels per thread
  // (~0.05 s to compile, ~22 ns more a multiply-add: EfficientNet-Lite0's 16 depthwise convs took 150 ms
  // a run against the tile's 78) runs until it is ready.
  const taps = g.window[0] * g.window[1];
  const quickCost = { extraMs: size * taps * 22e-6, compileMs: 500 + 10 * taps };
  const tile = (unrolled || (vec4 && g.dilations[1] === g.strides[1])) && backend.bestVariantReady(tileSpec, quickCost);
  const [outH, outW] = g.outSpatial;
  const threads = tile ? g.batch * Math.ceil(outH / rows) * Math.ceil(outW / TILE_COLUMNS) * (inC / 4) : vec4 ? g.batch * outH * Math.ceil(outW / ROW_PIXELS) * (inC / 4) : size;
  backend.run({
    ...(tile ? tileSpec : {
      shader: vec4 ? SHADERS.depthwiseConv2dVec4 : SHADERS.depthwiseConv2d,
      slots: { types: typesSlot({ Elem: 'f32' }), body: epilogue.body },
      constants: vec4 ? vec4Constants : { HAS_BIAS: !!epilogue.bias },
    }),
    bindings: {
      x: x.dataId, weights: filter.dataId, out, ...epilogueBindings(epilogue),
      params: {
        size: threads, ...(vec4 ? { ...windowFields2d(g), channels: inC } : depthwiseFields(g, inC, multiplier)),
        alpha: epilogue.alpha, beta: epilogue.beta,
      },
    },
    workgroups: groupsFor(threads),
  });
  return out;
}

export const depthwiseConv2dKernel: WebGpuKernel<WindowAttrs> = (args) => {
  const { inputs: [x, filter], attrs, outputs: [out] } = args;
  return [runDepthwise(gpu(args), x, filter, attrs, out.shape, NO_EPILOGUE)];
};

export const fusedDepthwiseConv2dKernel: WebGpuKernel = (args) => {
  const backend = gpu(args);
  const { inputs: [x, filter, ...extra], attrs, outputs: [out] } = args;
  // The depthwise kernels take a bias and no prelu slopes; the vec4 ones an addend before or after the activation.
  // What a kernel does not take runs after it.
  const vec4 = depthwiseVec4(backend, filter);
  const plan = planEpilogue(out.shape, fusedExtras(extra, attrs.activation), attrs,
    { residual: vec4, residualAfterActivation: vec4, prelu: false });
  return [finishEpilogue(backend, runDepthwise(backend, x, filter, attrs, out.shape, plan.fused), out.shape, plan)];
};

export const depthwiseBackpropInputKernel: WebGpuKernel<WindowAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [dy, filter], attrs, outputs: [spec] } = args;
  const [inC, multiplier] = filter.shape.slice(2);
  const g = geometry(2, spec.shape, filter.shape.slice(0, 2), attrs);
  const out = backend.allocate(spec.shape, 'float32');
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.depthwiseConv2dBackpropInput,
    bindings: { dy: dy.dataId, weights: filter.dataId, dx: out, params: { size, ...depthwiseFields(g, inC, multiplier) } },
    workgroups: groupsFor(size),
  });
  return [out];
};

export const depthwiseBackpropFilterKernel: WebGpuKernel<WindowAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [x, dy], attrs, outputs: [spec] } = args;
  const [inC, multiplier] = spec.shape.slice(2);
  const g = geometry(2, x.shape, spec.shape.slice(0, 2), attrs);
  const out = backend.allocate(spec.shape, 'float32');
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  backend.run({
    shader: SHADERS.depthwiseConv2dBackpropFilter,
    bindings: { x: x.dataId, dy: dy.dataId, dweights: out, params: depthwiseFields(g, inC, multiplier) },
    workgroups: size,
  });
  return [out];
};

interface PoolAttrs {
  filterSize: number | number[];
  strides: number | number[];
  pad: WindowAttrs['pad'];
  dimRoundingMode: WindowAttrs['dimRoundingMode'];
}

const perDim = (v: number | number[], rank: number) => (typeof v === 'number' ? new Array(rank).fill(v) : v);

function poolFields(g: Geometry, channels: number) {
  return {
    batch: g.batch, channels, in_size: vec3(g.inSpatial, 1), out_size: vec3(g.outSpatial, 1), window: vec3(g.window, 1),
    stride: vec3(g.strides, 1), dilation: vec3(g.dilations, 1), pad: vec3(g.padBefore, 0),
  };
}

function poolGeometry(rank: number, xShape: readonly number[], attrs: PoolAttrs): Geometry {
  return geometry(rank, xShape, perDim(attrs.filterSize, rank), { ...attrs, dilations: 1 });
}

export function poolKernel(rank: number, average: boolean): WebGpuKernel<PoolAttrs> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [x], attrs, outputs: [spec] } = args;
    const g = poolGeometry(rank, x.shape, attrs);
    const size = sizeFromShape(spec.shape);
    const global = average && g.outSpatial.every((n) => n === 1) && g.window.every((k, d) => k === g.inSpatial[d]) && g.padBefore.every((p) => p === 0);
    if (global && size > 0) {
      // An average over the whole input (a global pool: squeeze-and-excite blocks) is a mean over the spatial dims,
      // which the reduce kernels split over many threads; a thread per output left all but a few lanes idle (on
      // SwiftShader, in turns: MediaPipe's selfie segmentation's 128x128x16 2.5 against 11 ms, 64x64x16 0.65 against 2.1).
      const axes = g.inSpatial.map((_, d) => x.shape.length - 1 - rank + d);
      return [reduceAxes(backend, x, average ? 'mean' : 'max', axes)];
    }
    const out = backend.allocate(spec.shape, 'float32');
    if (size === 0) return [out];
    // 4 channels a thread where their count allows: one walk over the window for 4 outputs (on SwiftShader the
    // face landmark model's 2x2 stride-2 max pools of 96x96x16 and 48x48x32 took 4.9 and 1.8 ms so against 7.2 and 4.8).
    const channels = x.shape[x.shape.length - 1];
    const fourChannels = channels % 4 === 0 && backend.flags.vec4 !== 'off';
    const threads = fourChannels ? size / 4 : size;
    backend.run({
      shader: SHADERS.pool,
      constants: { AVERAGE: average, FOUR_CHANNELS: fourChannels },
      bindings: { x: x.dataId, out, params: { size: threads, ...poolFields(g, channels) } },
      workgroups: groupsFor(threads),
    });
    return [out];
  };
}

/** maxPoolGrad (inputs dy, x) and avgPoolGrad (input dy; attrs.inputShape). */
export function poolGradKernel(rank: number, average: boolean): WebGpuKernel<PoolAttrs> {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [dy, x], attrs, outputs: [spec] } = args;
    const g = poolGeometry(rank, spec.shape, attrs);
    const fields = poolFields(g, spec.shape[spec.shape.length - 1]);
    const size = sizeFromShape(spec.shape);
    if (size === 0) return [backend.allocate(spec.shape, 'float32')];
    // Windows that do not overlap (a 2x2 stride-2 pool): a thread per window writes the taps it passes
    // gradient to, into zeros; else a thread per dx element rescans every window reaching it (on
    // SwiftShader ~4x the time for the benchmark CNN's pools).
    const disjoint = g.window.every((k, d) => g.strides[d] >= (k - 1) * g.dilations[d] + 1);
    const out = disjoint ? fill(backend, spec.shape, 'float32', 0) : backend.allocate(spec.shape, 'float32');
    const threads = disjoint ? sizeFromShape(dy.shape) : size;
    backend.run({
      shader: SHADERS.poolBackprop,
      constants: { AVERAGE: average, PER_WINDOW: disjoint },
      bindings: { dy: dy.dataId, ...(x ? { x: x.dataId } : {}), dx: out, params: { size: threads, ...fields } },
      workgroups: groupsFor(threads),
    });
    return [out];
  };
}
