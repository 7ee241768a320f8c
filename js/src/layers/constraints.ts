// Weight constraints (Keras's MaxNorm, NonNeg, UnitNorm, MinMaxNorm): applied
// to a weight after every optimizer step.
import type { Tensor } from '../core/tensor.js';
import { add, clipByValue, div, greaterEqual, mul, sqrt, square, sum, where } from '../ops/index.js';
import { type SerializedObject, type Serializable, asSerialized } from './serializable.js';

export abstract class Constraint implements Serializable {
  abstract readonly className: string;
  abstract apply(weight: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
}

const EPSILON = 1e-7;
const norms = (w: Tensor, axis: number | number[]) => sqrt(sum(square(w), axis, true));

/** Rescales each slice along `axis` (default 0: each output unit's incoming weights) to a norm of at most maxValue. */
export class MaxNorm extends Constraint {
  readonly className = 'MaxNorm';
  constructor(readonly maxValue = 2, readonly axis: number | number[] = 0) {
    super();
  }

  apply(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    return mul(w, div(clipByValue(n, 0, this.maxValue), add(n, EPSILON)));
  }

  getConfig() {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Sets negative weights to zero. */
export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  apply(w: Tensor): Tensor {
    return where(greaterEqual(w, 0), w, 0);
  }

  getConfig() {
    return {};
  }
}

export class UnitNorm extends Constraint {
  readonly className = 'UnitNorm';
  constructor(readonly axis: number | number[] = 0) {
    super();
  }

  apply(w: Tensor): Tensor {
    return div(w, add(norms(w, this.axis), EPSILON));
  }

  getConfig() {
    return { axis: this.axis };
  }
}

export type ConstraintIdentifier = string | Constraint | SerializedObject;

export function getConstraint(identifier: ConstraintIdentifier): Constraint {
  if (identifier instanceof Constraint) return identifier;
  const serialized = asSerialized(identifier);
  const [name, config] = typeof identifier === 'string' ? [identifier, {}]
    : serialized ? [serialized.className, serialized.config] : ['', {}];
  const c = config as { maxValue?: number; axis?: number | number[] };
  switch (name.toLowerCase().replace(/_/g, '')) {
    case 'maxnorm': return new MaxNorm(c.maxValue, c.axis);
    case 'nonneg': return new NonNeg();
    case 'unitnorm': return new UnitNorm(c.axis);
    default: throw new Error(`tensorweb: unknown constraint ${JSON.stringify(identifier)} (known: maxNorm, nonNeg, unitNorm)`);
  }
}

export const constraints = {
  maxNorm: ({ maxValue, axis }: { maxValue?: number; axis?: number | number[] } = {}) => new MaxNorm(maxValue, axis),
  nonNeg: () => new NonNeg(),
  unitNorm: ({ axis }: { axis?: number | number[] } = {}) => new UnitNorm(axis),
};
