// How public op functions call registry entries: TensorLike arguments become
// tensors (disposed again after the op), then the engine runs the entry.
import { type DataType, upcastType } from '../core/dtype.js';
import { type ParseDtype, type TensorLike, toTensor } from '../core/convert.js';
import { getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { getOpDef } from './registry.js';

export type { TensorLike };

/** Attributes as public functions pass them: undefined means "use the default". */
export type AttrArgs = Record<string, unknown>;

/** The name TF.js gives argument `index` in its errors: the input's, `tensors[2]` within a variadic one. */
function argName(opName: string, index: number): string {
  const inputs = getOpDef(opName).inputs;
  const last = inputs.length - 1;
  if (last >= 0 && index >= last && inputs[last].variadic) return `${inputs[last].name}[${index - last}]`;
  return inputs[Math.min(index, last)]?.name ?? `#${index}`;
}

export interface RunOptions {
  /** Inputs cast to their common dtype before the op (true: all), as TF.js binary ops do. */
  upcast?: boolean | readonly number[];
  /**
   * The dtype TF.js parses each input as (default: any numeric dtype, a
   * TensorLike's inferred from its values, strings only for ops that take
   * them): a TensorLike is created with it, a tensor of another dtype is
   * refused with TF.js's message.
   */
  dtypes?: readonly (DataType | undefined)[];
}

/** Runs op `name` on `inputs`, converting TensorLikes and disposing what it created. Returns all outputs. */
export function runOpMulti(name: string, inputs: readonly TensorLike[], attrs: AttrArgs = {}, options: RunOptions = {}): Tensor[] {
  const engine = getEngine();
  const created: Tensor[] = [];
  try {
    const parse: ParseDtype = getOpDef(name).strings ? 'string_or_numeric' : 'numeric';
    const tensors = inputs.map((x, i) => {
      const { tensor, created: isNew } = toTensor(x, argName(name, i), name, options.dtypes?.[i] ?? parse);
      if (isNew) created.push(tensor);
      return tensor;
    });
    const upcast = options.upcast === true ? tensors.map((_, i) => i) : options.upcast || [];
    if (upcast.length > 1) {
      upcast.forEach((i) => tensors[i].assertNotDisposed(`tw.${name} input ${argName(name, i)}`));
      const dtype = upcast.map((i) => tensors[i].dtype).reduce(upcastType);
      for (const i of upcast) {
        if (tensors[i].dtype === dtype) continue;
        tensors[i] = engine.runOp('cast', [tensors[i]], { dtype })[0];
        created.push(tensors[i]);
      }
    }
    return engine.runOp(name, tensors, attrs);
  } finally {
    for (const t of created) engine.disposeTensor(t);
  }
}

/** `runOpMulti` for the usual single-output op. */
export function runOp(name: string, inputs: readonly TensorLike[], attrs: AttrArgs = {}, options: RunOptions = {}): Tensor {
  return runOpMulti(name, inputs, attrs, options)[0];
}

/**
 * For plain functions over ops (rank helpers, losses): `fn` gets `args` as
 * tensors, converted as op arguments are (TF.js's messages name `opName` and
 * each argument; a TensorLike is made with the dtype given, if any), and
 * whatever was converted is disposed after.
 */
export function withTensors<T>(opName: string, args: readonly (readonly [name: string, value: TensorLike, dtype?: ParseDtype])[],
  fn: (...tensors: Tensor[]) => T): T {
  const created: Tensor[] = [];
  try {
    const tensors = args.map(([name, value, dtype]) => {
      const { tensor, created: isNew } = toTensor(value, name, opName, dtype);
      if (isNew) created.push(tensor);
      return tensor;
    });
    return fn(...tensors);
  } finally {
    for (const t of created) getEngine().disposeTensor(t);
  }
}

/** Adds ops as Tensor methods (`x.add(y)` calls `add(x, y)`), as TF.js chaining does. */
export function addMethods(methods: Record<string, (...args: never[]) => unknown>): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...args: unknown[]) {
        return (fn as (...a: unknown[]) => unknown)(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
}
