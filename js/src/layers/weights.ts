// The initializer/regularizer/constraint triple every weight of a layer is
// configured by (kernelInitializer, kernelRegularizer, kernelConstraint...),
// read from the layer's args and written back into its config.
import { type Constraint, type ConstraintIdentifier, getConstraint } from './constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer } from './initializers.js';
import { type L1L2, type RegularizerIdentifier, getRegularizer } from './regularizers.js';
import { serialize } from './serializable.js';
import type { Layer, LayerWeight } from './topology.js';

export interface WeightArgs {
  initializer?: InitializerIdentifier;
  regularizer?: RegularizerIdentifier | null;
  constraint?: ConstraintIdentifier | null;
}

export class WeightSpec {
  readonly initializer: Initializer;
  readonly regularizer: L1L2 | null;
  readonly constraint: Constraint | null;

  /**
   * @param prefix the args' key prefix: 'kernel' reads kernelInitializer, kernelRegularizer, kernelConstraint
   */
  constructor(readonly prefix: string, args: object, defaultInitializer: InitializerIdentifier) {
    const get = (suffix: string) => (args as Record<string, unknown>)[`${prefix}${suffix}`];
    this.initializer = getInitializer((get('Initializer') as InitializerIdentifier | undefined) ?? defaultInitializer);
    const regularizer = get('Regularizer') as RegularizerIdentifier | null | undefined;
    const constraint = get('Constraint') as ConstraintIdentifier | null | undefined;
    this.regularizer = regularizer == null ? null : getRegularizer(regularizer);
    this.constraint = constraint == null ? null : getConstraint(constraint);
  }

  /** Adds the weight `name` (default: the prefix) of this spec to `layer`. */
  addTo(layer: Layer, shape: readonly number[], options: { name?: string; trainable?: boolean } = {}): LayerWeight {
    return layer.addWeight(options.name ?? this.prefix, shape, this.initializer,
      { regularizer: this.regularizer, constraint: this.constraint, trainable: options.trainable });
  }

  config(): Record<string, unknown> {
    return {
      [`${this.prefix}Initializer`]: serialize(this.initializer),
      [`${this.prefix}Regularizer`]: this.regularizer ? serialize(this.regularizer) : null,
      [`${this.prefix}Constraint`]: this.constraint ? serialize(this.constraint) : null,
    };
  }
}
