// Weight initializers with Keras's names and formulas (fans from the shape:
// [in, out] for dense kernels, [...window, in, out] for convolution kernels).
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { fill, randomNormal, randomUniform, truncatedNormal } from '../ops/index.js';
import { normalAt, seedKey } from '../core/random.js';
import { type SerializedObject, type Serializable, asSerialized } from './serializable.js';
import { nextSeed } from './random.js';

export abstract class Initializer implements Serializable {
  abstract readonly className: string;
  abstract apply(shape: readonly number[]): Tensor;
  abstract getConfig(): Record<string, unknown>;
}

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

export class Constant extends Initializer {
  readonly className: string = 'Constant';
  constructor(readonly value = 0) {
    super();
  }

  apply(shape: readonly number[]): Tensor {
    return fill(shape, this.value);
  }

  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

export class Zeros extends Constant {
  override readonly className = 'Zeros';
  constructor() {
    super(0);
  }

  override getConfig() {
    return {};
  }
}

export class Ones extends Constant {
  override readonly className = 'Ones';
  constructor() {
    super(1);
  }

  override getConfig() {
    return {};
  }
}

/** Seeded initializers draw their seed once, so re-applying one gives the same values (as in Keras 3). */
abstract class SeededInitializer extends Initializer {
  readonly seed: number;
  constructor(seed?: number) {
    super();
    this.seed = seed ?? nextSeed();
  }
}

export class RandomNormal extends SeededInitializer {
  readonly className = 'RandomNormal';
  constructor(readonly mean = 0, readonly stddev = 0.05, seed?: number) {
    super(seed);
  }

  apply(shape: readonly number[]): Tensor {
    return randomNormal(shape, this.mean, this.stddev, 'float32', this.seed);
  }

  getConfig() {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

export class RandomUniform extends SeededInitializer {
  readonly className = 'RandomUniform';
  constructor(readonly minval = -0.05, readonly maxval = 0.05, seed?: number) {
    super(seed);
  }

  apply(shape: readonly number[]): Tensor {
    return randomUniform(shape, this.minval, this.maxval, 'float32', this.seed);
  }

  getConfig() {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

export class TruncatedNormal extends SeededInitializer {
  readonly className = 'TruncatedNormal';
  constructor(readonly mean = 0, readonly stddev = 0.05, seed?: number) {
    super(seed);
  }

  apply(shape: readonly number[]): Tensor {
    return truncatedNormal(shape, this.mean, this.stddev, 'float32', this.seed);
  }

  getConfig() {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'truncatedNormal' | 'normal' | 'untruncatedNormal' | 'uniform';

/** Keras's stddev correction for a normal truncated at two standard deviations. */
const TRUNCATION_STDDEV = 0.87962566103423978;

/** Variance scale / fan (fan by `mode`), drawn from `distribution`: the family of glorot*, he*, lecun*. */
export class VarianceScaling extends SeededInitializer {
  readonly className: string = 'VarianceScaling';
  constructor(readonly scale = 1, readonly mode: FanMode = 'fanIn', readonly distribution: Distribution = 'truncatedNormal', seed?: number) {
    super(seed);
    if (!(scale > 0)) throw new Error(`tensorweb: VarianceScaling: scale must be positive, got ${scale}`);
  }

  apply(shape: readonly number[]): Tensor {
    const { fanIn, fanOut } = fans(shape);
    const fan = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return randomUniform(shape, -limit, limit, 'float32', this.seed);
    }
    if (this.distribution === 'truncatedNormal') {
      return truncatedNormal(shape, 0, Math.sqrt(variance) / TRUNCATION_STDDEV, 'float32', this.seed);
    }
    return randomNormal(shape, 0, Math.sqrt(variance), 'float32', this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

function preset(className: string, scale: number, mode: FanMode, distribution: Distribution) {
  return class extends VarianceScaling {
    override readonly className = className;
    constructor(seed?: number) {
      super(scale, mode, distribution, seed);
    }

    override getConfig() {
      return { seed: this.seed };
    }
  };
}

export const GlorotUniform = preset('GlorotUniform', 1, 'fanAvg', 'uniform');
export const GlorotNormal = preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal');
export const HeUniform = preset('HeUniform', 2, 'fanIn', 'uniform');
export const HeNormal = preset('HeNormal', 2, 'fanIn', 'truncatedNormal');
export const LecunUniform = preset('LecunUniform', 1, 'fanIn', 'uniform');
export const LecunNormal = preset('LecunNormal', 1, 'fanIn', 'truncatedNormal');

/**
 * A (semi-)orthogonal matrix times `gain`: Gram-Schmidt on seeded normal
 * samples (the sign-fixed Q of a QR decomposition), flattened to
 * [prod(shape[:-1]), shape[-1]] as Keras does. Computed once on the CPU.
 */
export class Orthogonal extends SeededInitializer {
  readonly className = 'Orthogonal';
  constructor(readonly gain = 1, seed?: number) {
    super(seed);
  }

  apply(shape: readonly number[]): Tensor {
    if (shape.length < 2) throw new Error(`tensorweb: Orthogonal: needs a shape of rank 2 or more, got [${shape}]`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    // Orthonormalize the longer side's vectors: columns of a tall matrix, rows of a wide one.
    const [count, length] = rows >= cols ? [cols, rows] : [rows, cols];
    const key = seedKey(this.seed);
    const vectors: Float64Array[] = [];
    for (let v = 0; v < count; v++) {
      const vec = Float64Array.from({ length }, (_, i) => normalAt(key, v * length + i));
      for (const done of vectors) {
        const dot = done.reduce((s, d, i) => s + d * vec[i], 0);
        done.forEach((d, i) => (vec[i] -= dot * d));
      }
      const norm = Math.sqrt(vec.reduce((s, x) => s + x * x, 0));
      vectors.push(vec.map((x) => x / norm));
    }
    const values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        values[r * cols + c] = this.gain * (rows >= cols ? vectors[c][r] : vectors[r][c]);
      }
    }
    return tensor(values, shape);
  }

  getConfig() {
    return { gain: this.gain, seed: this.seed };
  }
}

/** The identity matrix (for square kernels), times gain. */
export class Identity extends Initializer {
  readonly className = 'Identity';
  constructor(readonly gain = 1) {
    super();
  }

  apply(shape: readonly number[]): Tensor {
    if (shape.length !== 2) throw new Error(`tensorweb: Identity: needs a 2-D shape, got [${shape}]`);
    const values = new Float32Array(shape[0] * shape[1]);
    for (let i = 0; i < Math.min(shape[0], shape[1]); i++) values[i * shape[1] + i] = this.gain;
    return tensor(values, shape);
  }

  getConfig() {
    return { gain: this.gain };
  }
}

type Maker = (config: Record<string, unknown>) => Initializer;
const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
const seeded = (Cls: new (seed?: number) => Initializer): Maker => (c) => new Cls(num(c.seed));
const KERAS_MODES: Record<string, FanMode> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg', fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg' };
const KERAS_DISTRIBUTIONS: Record<string, Distribution> = {
  truncated_normal: 'truncatedNormal', truncatedNormal: 'truncatedNormal', normal: 'normal',
  untruncated_normal: 'untruncatedNormal', untruncatedNormal: 'untruncatedNormal', uniform: 'uniform',
};

const INITIALIZERS: Record<string, Maker> = {
  Zeros: () => new Zeros(), Ones: () => new Ones(), Constant: (c) => new Constant(num(c.value)),
  RandomNormal: (c) => new RandomNormal(num(c.mean), num(c.stddev), num(c.seed)),
  RandomUniform: (c) => new RandomUniform(num(c.minval), num(c.maxval), num(c.seed)),
  TruncatedNormal: (c) => new TruncatedNormal(num(c.mean), num(c.stddev), num(c.seed)),
  VarianceScaling: (c) => new VarianceScaling(num(c.scale), KERAS_MODES[String(c.mode ?? 'fanIn')],
    KERAS_DISTRIBUTIONS[String(c.distribution ?? 'truncatedNormal')], num(c.seed)),
  GlorotUniform: seeded(GlorotUniform), GlorotNormal: seeded(GlorotNormal), HeUniform: seeded(HeUniform), HeNormal: seeded(HeNormal),
  LecunUniform: seeded(LecunUniform), LecunNormal: seeded(LecunNormal),
  Orthogonal: (c) => new Orthogonal(num(c.gain), num(c.seed)), Identity: (c) => new Identity(num(c.gain)),
};

/** The string names Keras and TF.js accept, e.g. 'glorotUniform', 'glorot_uniform', 'zeros'. */
const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());

export type InitializerIdentifier = string | Initializer | SerializedObject;

export function getInitializer(identifier: InitializerIdentifier): Initializer {
  if (identifier instanceof Initializer) return identifier;
  const serialized = asSerialized(identifier);
  const [name, config] = typeof identifier === 'string' ? [pascal(identifier), {}]
    : serialized ? [serialized.className, serialized.config] : ['', {}];
  const make = INITIALIZERS[name];
  if (!make) throw new Error(`tensorweb: unknown initializer ${JSON.stringify(identifier)} (known: ${Object.keys(INITIALIZERS).join(', ')})`);
  return make(config);
}

// Factories with TF.js's names: tw.layers.initializers.glorotUniform({seed}).
export const initializers = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: ({ value }: { value: number }) => new Constant(value),
  randomNormal: ({ mean, stddev, seed }: { mean?: number; stddev?: number; seed?: number } = {}) => new RandomNormal(mean, stddev, seed),
  randomUniform: ({ minval, maxval, seed }: { minval?: number; maxval?: number; seed?: number } = {}) => new RandomUniform(minval, maxval, seed),
  truncatedNormal: ({ mean, stddev, seed }: { mean?: number; stddev?: number; seed?: number } = {}) => new TruncatedNormal(mean, stddev, seed),
  varianceScaling: ({ scale, mode, distribution, seed }: { scale?: number; mode?: FanMode; distribution?: Distribution; seed?: number } = {}) =>
    new VarianceScaling(scale, mode, distribution, seed),
  glorotUniform: ({ seed }: { seed?: number } = {}) => new GlorotUniform(seed),
  glorotNormal: ({ seed }: { seed?: number } = {}) => new GlorotNormal(seed),
  heUniform: ({ seed }: { seed?: number } = {}) => new HeUniform(seed),
  heNormal: ({ seed }: { seed?: number } = {}) => new HeNormal(seed),
  lecunUniform: ({ seed }: { seed?: number } = {}) => new LecunUniform(seed),
  lecunNormal: ({ seed }: { seed?: number } = {}) => new LecunNormal(seed),
  orthogonal: ({ gain, seed }: { gain?: number; seed?: number } = {}) => new Orthogonal(gain, seed),
  identity: ({ gain }: { gain?: number } = {}) => new Identity(gain),
};

