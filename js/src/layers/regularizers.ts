// Weight regularizers (Keras's L1, L2, L1L2): a penalty added to the loss.
import type { Tensor } from '../core/tensor.js';
import { abs, add, mul, square, sum, scalar } from '../ops/index.js';
import { type SerializedObject, type Serializable, asSerialized } from './serializable.js';

export class L1L2 implements Serializable {
  readonly className: string = 'L1L2';
  constructor(readonly l1 = 0, readonly l2 = 0) {}

  /** l1·sum|w| + l2·sum(w²). */
  apply(weight: Tensor): Tensor {
    let penalty = scalar(0);
    if (this.l1) penalty = add(penalty, mul(this.l1, sum(abs(weight))));
    if (this.l2) penalty = add(penalty, mul(this.l2, sum(square(weight))));
    return penalty;
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export type RegularizerIdentifier = string | L1L2 | SerializedObject;

export function getRegularizer(identifier: RegularizerIdentifier): L1L2 {
  if (identifier instanceof L1L2) return identifier;
  if (typeof identifier === 'string') {
    const byName: Record<string, () => L1L2> = { l1: () => l1(), l2: () => l2(), l1l2: () => l1l2(), l1_l2: () => l1l2() };
    const make = byName[identifier.toLowerCase()];
    if (!make) throw new Error(`tensorweb: unknown regularizer '${identifier}' (known: l1, l2, l1l2)`);
    return make();
  }
  const serialized = asSerialized(identifier);
  if (serialized && ['L1L2', 'L1', 'L2'].includes(serialized.className)) {
    const { l1: a = 0, l2: b = 0 } = serialized.config as { l1?: number; l2?: number };
    return new L1L2(a, b);
  }
  throw new Error(`tensorweb: unknown regularizer ${JSON.stringify(identifier)}`);
}

/** Keras's defaults: 0.01 for each factor given by name alone. */
export const l1 = ({ l1: factor = 0.01 }: { l1?: number } = {}) => new L1L2(factor, 0);
export const l2 = ({ l2: factor = 0.01 }: { l2?: number } = {}) => new L1L2(0, factor);
export const l1l2 = ({ l1: a = 0.01, l2: b = 0.01 }: { l1?: number; l2?: number } = {}) => new L1L2(a, b);
