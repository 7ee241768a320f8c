// Merge layers: several inputs in, one out.
import type { Tensor } from '../core/tensor.js';
import { add, concat, div, maximum, minimum, mul, sub } from '../ops/index.js';
import { broadcastShapes } from '../ops/helpers.js';
import { Layer, type LayerArgs, type Shape, isShapeList } from './topology.js';

function inputList(inputs: Tensor | Tensor[], layer: string, min = 2): Tensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length < min) throw new Error(`tensorweb: layer '${layer}' merges ${min} or more inputs, got ${list.length}`);
  return list;
}

function shapeList(shape: Shape | Shape[], layer: string): Shape[] {
  if (!isShapeList(shape)) throw new Error(`tensorweb: layer '${layer}' takes a list of inputs`);
  return shape;
}

/** Elementwise merges: the inputs broadcast against each other (unknown dims stay unknown). */
abstract class ElementwiseMerge extends Layer {
  protected abstract readonly combine: (tensors: Tensor[]) => Tensor;

  call(inputs: Tensor | Tensor[]): Tensor {
    return this.combine(inputList(inputs, this.name));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = shapeList(inputShape, this.name);
    const rank = Math.max(...shapes.map((s) => s.length));
    return Array.from({ length: rank }, (_, i) => {
      const dims = shapes.map((s) => s[s.length - rank + i]).filter((d) => d !== undefined);
      if (dims.some((d) => d === null)) return null;
      return broadcastShapes(...dims.map((d) => [d as number]))[0];
    });
  }
}

const pairwise = (op: (a: Tensor, b: Tensor) => Tensor) => (tensors: Tensor[]) => tensors.reduce((a, b) => op(a, b));

export class Add extends ElementwiseMerge {
  static override readonly className = 'Add';
  protected combine = pairwise(add);
}

export class Subtract extends ElementwiseMerge {
  static override readonly className = 'Subtract';
  protected combine = (tensors: Tensor[]): Tensor => {
    if (tensors.length !== 2) throw new Error(`tensorweb: layer '${this.name}' subtracts exactly 2 inputs, got ${tensors.length}`);
    return sub(tensors[0], tensors[1]);
  };
}

export class Multiply extends ElementwiseMerge {
  static override readonly className = 'Multiply';
  protected combine = pairwise(mul);
}

export class Average extends ElementwiseMerge {
  static override readonly className = 'Average';
  protected combine = (tensors: Tensor[]): Tensor => div(pairwise(add)(tensors), tensors.length);
}

export class Maximum extends ElementwiseMerge {
  static override readonly className = 'Maximum';
  protected combine = pairwise(maximum);
}

export class Minimum extends ElementwiseMerge {
  static override readonly className = 'Minimum';
  protected combine = pairwise(minimum);
}

export class Concatenate extends Layer {
  static override readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const list = inputList(inputs, this.name);
    return concat(list, this.axis < 0 ? list[0].rank + this.axis : this.axis);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = shapeList(inputShape, this.name);
    const axis = this.axis < 0 ? shapes[0].length + this.axis : this.axis;
    const out = [...shapes[0]];
    out[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return out;
  }

  override getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}
