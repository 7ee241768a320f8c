// Pooling layers: windowed max/average (1-D through the 2-D ops) and global pools.
import type { Tensor } from '../core/tensor.js';
import { avgPool, expandDims, max, maxPool, mean, squeeze } from '../ops/index.js';
import { convOutputLength, tuple } from './conv.js';
import { single, singleShape } from './core.js';
import { Layer, type LayerArgs, type Shape } from './topology.js';

export interface PoolingArgs extends LayerArgs {
  poolSize?: number | number[];
  /** Defaults to poolSize. */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';

  constructor(readonly rank: 1 | 2, readonly kind: 'max' | 'avg', args: PoolingArgs) {
    super(args);
    // Keras 2 / TF.js write pool_size, Keras 3's Pooling1D pool_length aliases are not used.
    this.poolSize = tuple(args.poolSize ?? 2, rank, 'poolSize');
    this.strides = tuple(args.strides ?? this.poolSize, rank, 'strides');
    this.padding = args.padding ?? 'valid';
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = single(inputs);
    const pool = this.kind === 'max' ? maxPool : avgPool;
    if (this.rank === 2) return pool(x, this.poolSize, this.strides, this.padding);
    // [batch, steps, channels] pooled as an image of height 1.
    const y = pool(expandDims(x, 1), [1, this.poolSize[0]], [1, this.strides[0]], this.padding);
    return squeeze(y, [1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    const spatial = s.slice(1, 1 + this.rank).map((d, i) => convOutputLength(d, this.poolSize[i], this.padding, this.strides[i]));
    return [s[0], ...spatial, s[s.length - 1]];
  }

  override getConfig(): Record<string, unknown> {
    const size = (v: number[]) => (this.rank === 1 ? v[0] : v);
    return { ...super.getConfig(), poolSize: size(this.poolSize), strides: size(this.strides), padding: this.padding, dataFormat: 'channels_last' };
  }
}

export class MaxPooling1D extends Pooling {
  static override readonly className = 'MaxPooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'max', args);
  }
}

export class MaxPooling2D extends Pooling {
  static override readonly className = 'MaxPooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'max', args);
  }
}

export class AveragePooling1D extends Pooling {
  static override readonly className = 'AveragePooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'avg', args);
  }
}

export class AveragePooling2D extends Pooling {
  static override readonly className = 'AveragePooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'avg', args);
  }
}

/** Reduces every spatial axis; keepdims keeps them as size 1 (Keras). */
abstract class GlobalPooling extends Layer {
  readonly keepdims: boolean;
  constructor(readonly rank: 1 | 2, readonly kind: 'max' | 'avg', args: LayerArgs & { keepdims?: boolean; dataFormat?: string }) {
    super(args);
    this.keepdims = args.keepdims ?? false;
  }

  private get axes(): number[] {
    return this.rank === 1 ? [1] : [1, 2];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return (this.kind === 'max' ? max : mean)(single(inputs), this.axes, this.keepdims);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return this.keepdims ? s.map((d, i) => (this.axes.includes(i) ? 1 : d)) : [s[0], s[s.length - 1]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), keepdims: this.keepdims, dataFormat: 'channels_last' };
  }
}

type GlobalArgs = LayerArgs & { keepdims?: boolean };

export class GlobalAveragePooling1D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling1D';
  constructor(args: GlobalArgs = {}) {
    super(1, 'avg', args);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalArgs = {}) {
    super(2, 'avg', args);
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling1D';
  constructor(args: GlobalArgs = {}) {
    super(1, 'max', args);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalArgs = {}) {
    super(2, 'max', args);
  }
}
