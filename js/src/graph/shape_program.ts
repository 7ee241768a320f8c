// The shape program of a graph model (model.json's topology.shapeProgram, as
// converter/shape_program.py defines it): integer arithmetic on shapes that
// follow free dimensions, evaluated on the CPU from the actual shapes when a
// schedule is compiled for a new set of input shapes, so that a node's
// attributes listed in its shapeAttrs (a reshape's target, a range's bounds)
// take their values for those shapes. The ops are ONNX's of the same names.

/** One program value: a small array, row-major. */
interface Value {
  shape: number[];
  data: number[];
  /** A float value (integer division truncates only integers, as ONNX's Div). */
  float?: boolean;
}

export interface ShapeNode {
  name: string;
  op: string;
  /** Earlier program values. */
  inputs: string[];
  attrs: Record<string, unknown>;
}

type Kernel = (inputs: Value[], attrs: Record<string, any>) => Value;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const strides = (shape: readonly number[]) => {
  const out = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
};
const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Numpy broadcasting of two or three values through `f`; the result is float if an input is, or as `float` says. */
function broadcast(inputs: Value[], f: (...xs: number[]) => number, float = inputs.some((v) => v.float)): Value {
  const rank = Math.max(...inputs.map((v) => v.shape.length));
  const padded = inputs.map((v) => [...Array(rank - v.shape.length).fill(1), ...v.shape]);
  const shape = Array.from({ length: rank }, (_, i) => Math.max(...padded.map((s) => s[i])));
  for (const s of padded) {
    if (s.some((d, i) => d !== 1 && d !== shape[i])) throw new Error(`cannot broadcast [${inputs.map((v) => `[${v.shape}]`)}]`);
  }
  const outStrides = strides(shape);
  const inStrides = padded.map((s) => strides(s).map((st, i) => (s[i] === 1 ? 0 : st)));
  const data = Array.from({ length: size(shape) }, (_, flat) => {
    const args = inputs.map((v, k) => {
      let offset = 0;
      for (let i = 0; i < rank; i++) offset += Math.floor(flat / outStrides[i]) % shape[i] * inStrides[k][i];
      return v.data[offset];
    });
    return f(...args);
  });
  return { shape, data, float };
}

/** Picks index `index` along `axis` of `v` for each outer/inner position (gather and slice build on it). */
function take(v: Value, axis: number, indices: number[]): Value {
  const outer = size(v.shape.slice(0, axis));
  const inner = size(v.shape.slice(axis + 1));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      for (let i = 0; i < inner; i++) data.push(v.data[(o * v.shape[axis] + index) * inner + i]);
    }
  }
  const shape = [...v.shape];
  shape[axis] = indices.length;
  return { shape, data, float: v.float };
}

/** ONNX Slice's clamped indices of `dim` from start to end by step. */
function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new Error('slice step 0');
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x < 0 ? x + dim : x, lo), hi);
  const out: number[] = [];
  if (step > 0) for (let i = clamp(start, 0, dim); i < clamp(end, 0, dim); i += step) out.push(i);
  else for (let i = clamp(start, -1, dim - 1); i > clamp(end, -1, dim - 1); i += step) out.push(i);
  return out;
}

const truncDiv = (a: number, b: number) => {
  if (b === 0) throw new Error('integer division by zero');
  return Math.trunc(a / b);
};

const KERNELS: Record<string, Kernel> = {
  gather: ([data, indices], { axis }) => {
    const a = axisOf(axis, data.shape.length);
    const dim = data.shape[a];
    const picked = take(data, a, indices.data.map((i) => {
      if (i < -dim || i >= dim) throw new Error(`index ${i} is outside [${-dim}, ${dim})`);
      return i < 0 ? i + dim : i;
    }));
    return { shape: [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)], data: picked.data, float: data.float };
  },
  concat: (inputs, { axis }) => {
    const a = axisOf(axis, inputs[0].shape.length);
    const outer = size(inputs[0].shape.slice(0, a));
    const data: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const v of inputs) {
        const chunk = size(v.shape.slice(a));
        data.push(...v.data.slice(o * chunk, (o + 1) * chunk));
      }
    }
    const shape = [...inputs[0].shape];
    shape[a] = inputs.reduce((total, v) => total + v.shape[a], 0);
    return { shape, data, float: inputs.some((v) => v.float) };
  },
  unsqueeze: ([x], { axes }) => {
    const shape = [...x.shape];
    for (const a of axes as number[]) shape.splice(a, 0, 1);
    return { ...x, shape };
  },
  squeeze: ([x], { axes }) => ({ ...x, shape: x.shape.filter((d, i) => !(axes.length ? axes.includes(i) : d === 1)) }),
  slice: ([data, starts, ends, axes, steps]) => {
    let v = data;
    starts.data.forEach((start, k) => {
      const a = axisOf(axes ? axes.data[k] : k, data.shape.length);
      v = take(v, a, sliceIndices(v.shape[a], start, ends.data[k], steps ? steps.data[k] : 1));
    });
    return v;
  },
  reshape: ([data, target], { allowzero }) => {
    const shape = target.data.map((d, i) => (d === 0 && !allowzero ? data.shape[i] : d));
    const free = shape.indexOf(-1);
    if (free >= 0) shape[free] = size(data.shape) / -size(shape);
    if (size(shape) !== data.data.length) throw new Error(`cannot reshape [${data.shape}] into [${target.data}]`);
    return { ...data, shape };
  },
  expand: ([x, target]) => broadcast([x, { shape: target.data, data: new Array(size(target.data)).fill(0) }], (a) => a),
  range: ([start, limit, delta]) => {
    const [s, l, d] = [start.data[0], limit.data[0], delta.data[0]];
    if (d === 0) throw new Error('range delta 0');
    const count = Math.max(Math.ceil((l - s) / d), 0);
    return { shape: [count], data: Array.from({ length: count }, (_, i) => s + i * d), float: start.float };
  },
  add: (i) => broadcast(i, (a, b) => a + b),
  sub: (i) => broadcast(i, (a, b) => a - b),
  mul: (i) => broadcast(i, (a, b) => a * b),
  // Integer values truncate toward zero (ONNX's integer Div); floats divide.
  div: (i) => broadcast(i, i.some((v) => v.float) ? (a, b) => a / b : truncDiv),
  mod: (i) => broadcast(i, (a, b) => a - Math.floor(a / b) * b),
  min: (i) => broadcast(i, Math.min),
  max: (i) => broadcast(i, Math.max),
  neg: ([x]) => ({ ...x, data: x.data.map((a) => -a) }),
  equal: (i) => broadcast(i, (a, b) => Number(a === b), false),
  less: (i) => broadcast(i, (a, b) => Number(a < b), false),
  greater: (i) => broadcast(i, (a, b) => Number(a > b), false),
  where: (i) => broadcast(i, (c, a, b) => (c ? a : b), i[1].float || i[2].float),
  not: ([x]) => ({ shape: x.shape, data: x.data.map((a) => Number(!a)) }),
  cast: ([x], { to }) => ({
    shape: x.shape, float: to === 'float',
    data: x.data.map((a) => (to === 'int' ? Math.trunc(a) : to === 'bool' ? Number(a !== 0) : a)),
  }),
  reduceProd: ([x], { axes, keepdims }) => {
    const all = (axes as number[]).length === 0 ? x.shape.map((_, i) => i) : axes as number[];
    let v = x;
    for (const a of all) {
      const parts = Array.from({ length: v.shape[a] }, (_, k) => take(v, a, [k]));
      v = parts.reduce((acc, p) => ({ ...acc, data: acc.data.map((d, j) => d * p.data[j]) }));
    }
    const shape = keepdims ? v.shape : v.shape.filter((_, i) => !all.includes(i));
    return { ...v, shape };
  },
};

/** The ops a shape program may use (the graph values' shapes and literals, then KERNELS). */
export const SHAPE_PROGRAM_OPS: ReadonlySet<string> = new Set(['shape', 'size', 'const', ...Object.keys(KERNELS)]);

/**
 * Evaluates the program values `names` (and what they read), with graph
 * values' shapes from `shapeOf`; `memo` keeps values across calls for one set
 * of input shapes. Returns each as an attribute: its entries, or a number for
 * a rank-0 value. Errors name the program value and its op.
 */
export function evaluateShapeProgram(program: ReadonlyMap<string, ShapeNode>, names: readonly string[],
  shapeOf: (value: string) => readonly number[], memo: Map<string, Value>): (number | number[])[] {
  const valueOf = (name: string): Value => {
    const cached = memo.get(name);
    if (cached) return cached;
    const node = program.get(name)!;
    const inputs = node.inputs.map(valueOf);
    const a = node.attrs as Record<string, any>;
    let value: Value;
    try {
      if (node.op === 'shape') {
        const dims = shapeOf(a.of);
        const data = dims.slice(a.start ?? 0, a.end ?? undefined);
        value = { shape: [data.length], data };
      } else if (node.op === 'size') {
        value = { shape: [], data: [size(shapeOf(a.of))] };
      } else if (node.op === 'const') {
        value = { shape: [...a.shape], data: [...a.values].map(Number), float: a.dtype === 'float' };
      } else {
        value = KERNELS[node.op](inputs, a);
      }
    } catch (error) {
      throw new Error(`shape program value '${name}' (${node.op}): ${(error as Error).message}`);
    }
    memo.set(name, value);
    return value;
  };
  return names.map((name) => {
    const value = valueOf(name);
    return value.shape.length === 0 ? value.data[0] : [...value.data];
  });
}

/** The graph values whose shapes the program reads to compute `names`. */
export function shapeProgramReads(program: ReadonlyMap<string, ShapeNode>, names: Iterable<string>): Set<string> {
  const reads = new Set<string>();
  const seen = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = program.get(name)!;
    if (node.op === 'shape' || node.op === 'size') reads.add(node.attrs.of as string);
    pending.push(...node.inputs);
  }
  return reads;
}
