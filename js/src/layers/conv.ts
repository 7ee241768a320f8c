// Convolution layers (channels-last), padding, cropping and upsampling.
import type { Tensor } from '../core/tensor.js';
import {
  add, conv1d, conv2d, conv2dTranspose, depthwiseConv2d, fused, pad, resizeBilinear, resizeNearestNeighbor, separableConv2d, slice,
} from '../ops/index.js';
import { getActivation } from './activations.js';
import { KernelBiasLayer, type KernelBiasArgs, single, singleShape } from './core.js';
import type { ConstraintIdentifier } from './constraints.js';
import type { InitializerIdentifier } from './initializers.js';
import type { RegularizerIdentifier } from './regularizers.js';
import { Layer, type LayerArgs, type LayerWeight, type Shape } from './topology.js';
import { WeightSpec } from './weights.js';

type Padding = 'valid' | 'same' | 'causal';

export const tuple = (value: number | number[], rank: number, what: string): number[] => {
  const list = typeof value === 'number' ? Array<number>(rank).fill(value) : [...value];
  if (list.length !== rank || list.some((v) => !(Number.isInteger(v) && v > 0))) {
    throw new Error(`tensorweb: ${what} must be a positive integer or ${rank} of them, got ${JSON.stringify(value)}`);
  }
  return list;
};

/** Keras's conv_output_length. */
export function convOutputLength(size: number | null, kernel: number, padding: Padding, stride: number, dilation = 1): number | null {
  if (size === null) return null;
  const dilated = kernel + (kernel - 1) * (dilation - 1);
  const length = padding === 'valid' ? size - dilated + 1 : size;
  return Math.floor((length + stride - 1) / stride);
}

export interface ConvArgs extends LayerArgs, KernelBiasArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  dataFormat?: 'channelsLast';
  dilationRate?: number | number[];
}

function checkFormat(args: { dataFormat?: string }): void {
  const format = args.dataFormat ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channels_last') {
    throw new Error(`tensorweb: convolution layers take dataFormat 'channelsLast' (NHWC), got '${format}'`);
  }
}

/** What conv1d, conv2d and conv2dTranspose share: window geometry and config. */
abstract class Conv extends KernelBiasLayer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dilationRate: number[];

  constructor(readonly rank: number, args: ConvArgs) {
    super(args);
    checkFormat(args);
    const groups = (args as { groups?: number }).groups ?? 1;
    if (groups !== 1) throw new Error(`tensorweb: ${this.className}: grouped convolution (groups ${groups}) is not supported`);
    this.filters = args.filters;
    this.kernelSize = tuple(args.kernelSize, rank, 'kernelSize');
    this.strides = tuple(args.strides ?? 1, rank, 'strides');
    this.padding = args.padding ?? 'valid';
    this.dilationRate = tuple(args.dilationRate ?? 1, rank, 'dilationRate');
    if (this.padding === 'causal' && rank !== 1) throw new Error("tensorweb: padding 'causal' is for conv1d only");
  }

  protected inChannels(inputShape: Shape | Shape[]): number {
    const s = singleShape(inputShape);
    const c = s[s.length - 1];
    if (c === null) throw new Error(`tensorweb: layer '${this.name}': the channel dimension must be known`);
    return c;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    const spatial = s.slice(1, 1 + this.rank).map((d, i) => convOutputLength(d, this.kernelSize[i], this.padding, this.strides[i], this.dilationRate[i]));
    return [s[0], ...spatial, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channels_last', dilationRate: this.dilationRate,
    };
  }
}

export class Conv2D extends Conv {
  static override readonly className = 'Conv2D';
  constructor(args: ConvArgs) {
    super(2, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.addKernelAndBias([...this.kernelSize, this.inChannels(inputShape), this.filters], this.filters);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const pad = this.padding as 'valid' | 'same';
    return this.withBiasAndActivation(
      (bias, activation) => fused.conv2d({ x, filter: this.kernel.variable, strides: this.strides, pad, dilations: this.dilationRate, bias, activation }),
      () => conv2d(x, this.kernel.variable, this.strides, pad, 'NHWC', this.dilationRate));
  }
}

export class Conv1D extends Conv {
  static override readonly className = 'Conv1D';
  constructor(args: ConvArgs) {
    super(1, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.addKernelAndBias([this.kernelSize[0], this.inChannels(inputShape), this.filters], this.filters);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = single(inputs);
    let padding = this.padding;
    if (padding === 'causal') {
      // Pad the start only, so output t sees inputs up to t.
      x = pad(x, [[0, 0], [(this.kernelSize[0] - 1) * this.dilationRate[0], 0], [0, 0]]);
      padding = 'valid';
    }
    const y = conv1d(x, this.kernel.variable, this.strides[0], padding, 'NWC', this.dilationRate[0]);
    return getActivation(this.activation)(this.bias ? add(y, this.bias.variable) : y);
  }
}

/** Keras's deconv_output_length (no output padding). */
function transposeOutputLength(size: number | null, kernel: number, padding: Padding, stride: number): number | null {
  if (size === null) return null;
  return padding === 'valid' ? (size - 1) * stride + kernel : size * stride;
}

export class Conv2DTranspose extends Conv {
  static override readonly className = 'Conv2DTranspose';
  constructor(args: ConvArgs) {
    super(2, args);
    if (this.dilationRate.some((d) => d !== 1)) throw new Error('tensorweb: conv2dTranspose: dilationRate must be 1');
  }

  override build(inputShape: Shape | Shape[]): void {
    // [kh, kw, filters (outputs), inputs]: conv2d's filter for the output's channels.
    this.addKernelAndBias([...this.kernelSize, this.filters, this.inChannels(inputShape)], this.filters);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const [, h, w] = x.shape;
    const outShape = [x.shape[0], ...[h, w].map((d, i) => transposeOutputLength(d, this.kernelSize[i], this.padding, this.strides[i])!), this.filters];
    const y = conv2dTranspose(x, this.kernel.variable, outShape, this.strides, this.padding as 'valid' | 'same');
    return getActivation(this.activation)(this.bias ? add(y, this.bias.variable) : y);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], ...[s[1], s[2]].map((d, i) => transposeOutputLength(d, this.kernelSize[i], this.padding, this.strides[i])), this.filters];
  }
}

export interface DepthwiseArgs extends LayerArgs, Omit<KernelBiasArgs, 'kernelInitializer' | 'kernelRegularizer' | 'kernelConstraint'> {
  kernelSize: number | number[];
  depthMultiplier?: number;
  strides?: number | number[];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
  dilationRate?: number | number[];
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
}

/** One filter per input channel (times depthMultiplier); no mixing across channels. */
export class DepthwiseConv2D extends Conv {
  static override readonly className: string = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly depthwiseSpec: WeightSpec;
  depthwiseKernel!: LayerWeight;

  constructor(args: DepthwiseArgs, filters = 0) {
    super(2, { ...args, filters });
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.depthwiseSpec = new WeightSpec('depthwise', args, 'glorotUniform');
  }

  protected addDepthwiseKernel(inputShape: Shape | Shape[]): number {
    const channels = this.inChannels(inputShape);
    this.depthwiseKernel = this.depthwiseSpec.addTo(this, [...this.kernelSize, channels, this.depthMultiplier], { name: 'depthwise_kernel' });
    return channels * this.depthMultiplier;
  }

  override build(inputShape: Shape | Shape[]): void {
    const outChannels = this.addDepthwiseKernel(inputShape);
    if (this.useBias) this.bias = this.biasSpec.addTo(this, [outChannels]);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const pad = this.padding as 'valid' | 'same';
    const filter = this.depthwiseKernel.variable;
    return this.withBiasAndActivation(
      (bias, activation) => fused.depthwiseConv2d({ x, filter, strides: this.strides, pad, dilations: this.dilationRate, bias, activation }),
      () => depthwiseConv2d(x, filter, this.strides, pad, 'NHWC', this.dilationRate));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = super.computeOutputShape(inputShape);
    const channels = singleShape(inputShape)[3];
    out[3] = channels === null ? null : channels * this.depthMultiplier;
    return out;
  }

  override getConfig(): Record<string, unknown> {
    const { filters: _filters, kernelInitializer: _ki, kernelRegularizer: _kr, kernelConstraint: _kc, ...rest } = super.getConfig();
    return { ...rest, depthMultiplier: this.depthMultiplier, ...this.depthwiseSpec.config() };
  }
}

export interface SeparableArgs extends DepthwiseArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseConstraint?: ConstraintIdentifier | null;
}

/** A depthwise convolution followed by a 1×1 convolution to `filters` channels. */
export class SeparableConv2D extends DepthwiseConv2D {
  static override readonly className = 'SeparableConv2D';
  readonly pointwiseSpec: WeightSpec;
  pointwiseKernel!: LayerWeight;

  constructor(args: SeparableArgs) {
    super(args, args.filters);
    this.pointwiseSpec = new WeightSpec('pointwise', args, 'glorotUniform');
  }

  override build(inputShape: Shape | Shape[]): void {
    const spread = this.addDepthwiseKernel(inputShape);
    this.pointwiseKernel = this.pointwiseSpec.addTo(this, [1, 1, spread, this.filters], { name: 'pointwise_kernel' });
    if (this.useBias) this.bias = this.biasSpec.addTo(this, [this.filters]);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const y = separableConv2d(single(inputs), this.depthwiseKernel.variable, this.pointwiseKernel.variable, this.strides,
      this.padding as 'valid' | 'same', this.dilationRate);
    return getActivation(this.activation)(this.bias ? add(y, this.bias.variable) : y);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = super.computeOutputShape(inputShape);
    out[3] = this.filters;
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, ...this.pointwiseSpec.config() };
  }
}

type Pairs = [[number, number], [number, number]];

/** Keras's padding/cropping argument: n, [h, w] or [[top, bottom], [left, right]]. */
function pairs(value: number | number[] | number[][], what: string): Pairs {
  if (typeof value === 'number') return [[value, value], [value, value]];
  if (value.length === 2 && value.every((v) => typeof v === 'number')) {
    const [h, w] = value as number[];
    return [[h, h], [w, w]];
  }
  if (value.length === 2 && value.every((v) => Array.isArray(v) && v.length === 2)) return value as Pairs;
  throw new Error(`tensorweb: ${what} must be n, [h, w] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`);
}

const grow = (d: number | null, [a, b]: [number, number], sign: number) => (d === null ? null : d + sign * (a + b));

export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  readonly padding: Pairs;
  constructor(args: LayerArgs & { padding?: number | number[] | number[][]; dataFormat?: string } = {}) {
    super(args);
    checkFormat(args);
    this.padding = pairs(args.padding ?? 1, 'zeroPadding2d: padding');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return pad(single(inputs), [[0, 0], ...this.padding, [0, 0]]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = singleShape(inputShape);
    return [b, grow(h, this.padding[0], 1), grow(w, this.padding[1], 1), c];
  }

  override getConfig() {
    return { ...super.getConfig(), padding: this.padding, dataFormat: 'channels_last' };
  }
}

export class Cropping2D extends Layer {
  static override readonly className = 'Cropping2D';
  readonly cropping: Pairs;
  constructor(args: LayerArgs & { cropping?: number | number[] | number[][]; dataFormat?: string } = {}) {
    super(args);
    checkFormat(args);
    this.cropping = pairs(args.cropping ?? 0, 'cropping2d: cropping');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const [[top, bottom], [left, right]] = this.cropping;
    return slice(x, [0, top, left, 0], [-1, x.shape[1] - top - bottom, x.shape[2] - left - right, -1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = singleShape(inputShape);
    return [b, grow(h, this.cropping[0], -1), grow(w, this.cropping[1], -1), c];
  }

  override getConfig() {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: 'channels_last' };
  }
}

/** Repeats rows and columns (nearest) or interpolates (bilinear, half-pixel centers as Keras). */
export class UpSampling2D extends Layer {
  static override readonly className = 'UpSampling2D';
  readonly size: number[];
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: LayerArgs & { size?: number | number[]; interpolation?: 'nearest' | 'bilinear'; dataFormat?: string } = {}) {
    super(args);
    checkFormat(args);
    this.size = tuple(args.size ?? 2, 2, 'upSampling2d: size');
    this.interpolation = args.interpolation ?? 'nearest';
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const size = [x.shape[1] * this.size[0], x.shape[2] * this.size[1]];
    return this.interpolation === 'nearest' ? resizeNearestNeighbor(x, size) : resizeBilinear(x, size, false, true);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = singleShape(inputShape);
    return [b, h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c];
  }

  override getConfig() {
    return { ...super.getConfig(), size: this.size, interpolation: this.interpolation, dataFormat: 'channels_last' };
  }
}
