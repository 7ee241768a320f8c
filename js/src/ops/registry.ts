// The op registry: one entry per op, joining its name, inputs, attributes,
// shape+dtype rule, kernels per backend and gradient. See ops/README.md.
import type { DataId, KernelBackend, TensorInfo, TensorSpec } from '../core/backend.js';
import { DATA_TYPES, type DataType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import type { CpuBackend } from '../backends/cpu/backend.js';
import type { GraphTopology } from '../graph/topology.js';

export type AttrValue = number | boolean | string | null | readonly AttrValue[] | { readonly [key: string]: AttrValue };

/**
 * How an attribute is validated. `nullable` admits null (and makes it the
 * default when no default is given); `oneOf` restricts strings or numbers.
 */
export interface AttrSpec {
  type: 'number' | 'int' | 'bool' | 'string' | 'dtype' | 'ints' | 'numbers' | 'intOrInts' | 'numberOrString'
    /** pairs: [[before, after], ...] ints; pad: conv padding, 'valid' | 'same' | an int | pairs. */
    | 'pairs' | 'pad';
  default?: AttrValue;
  nullable?: boolean;
  oneOf?: readonly (string | number)[];
  doc?: string;
}

/** A tensor input; `variadic` (last input only) takes any number of tensors, `optional` may be absent. */
export interface InputSpec {
  name: string;
  optional?: boolean;
  variadic?: boolean;
}

export interface KernelArgs<B extends KernelBackend, A> {
  backend: B;
  inputs: TensorInfo[];
  attrs: A;
  /** Output shapes and dtypes from the shape rule; the kernel allocates them. */
  outputs: readonly TensorSpec[];
}

/** What a gradient function sees: the op's inputs and outputs (held for the tape). */
export interface SavedTensors {
  inputs: Tensor[];
  outputs: Tensor[];
  /** Extra tensors a customGrad forward pass saved. */
  saved?: Tensor[];
  /**
   * Per input, whether the backward pass will use its gradient (it leads to
   * a source). A gradient may return null for the others instead of paying
   * for them (a first layer's input gradient, say).
   */
  needsGrad: readonly boolean[];
}

/**
 * Gradient of an op, written with ops so it runs on every backend: given the
 * gradient of each output (`dys`, zeros for outputs not on the path), returns
 * one gradient per input, shaped like that input, or null where none flows.
 */
export type GradFn<A> = (dys: Tensor[], saved: SavedTensors, attrs: A) => (Tensor | null)[];

export interface OpDef<A = Record<string, AttrValue>> {
  /** The TF.js function name in camelCase (`conv2d`, `fusedMatMul`). */
  name: string;
  inputs: readonly InputSpec[];
  /** Attributes in TF.js argument order, with TF.js names. */
  attrs: { readonly [K in keyof A]-?: AttrSpec };
  /**
   * int32/bool inputs are cast to this dtype before the rule and kernel see
   * them (TF.js does the same for float-only ops and logical ops). float16
   * inputs are always upcast to float32, except by `cast`.
   */
  inputDtype?: 'float32' | 'bool';
  /**
   * Whether string tensors may be inputs (TF.js's 'string_or_numeric' ops).
   * A kernel op's CPU kernel then sees each string as an int32 code that
   * orders and compares as the string does (engine.runStringKernel); the
   * engine refuses string inputs of every other op with TF.js's message.
   */
  strings?: boolean;
  /** The only place inputs are checked: throws (naming the attribute) or returns the outputs. */
  shape(inputs: readonly TensorSpec[], attrs: A): TensorSpec[];
  /**
   * How many outputs the shape rule returns: 1 unless given, or 'variable'
   * where the inputs and attributes decide (split). The engine holds every
   * run to it.
   */
  outputs?: number | 'variable';
  /**
   * A kernel op's kernels, one per backend: the CPU reference kernel
   * (backends/cpu/) and the WebGPU kernel (backends/webgpu/kernels/, which
   * picks the shader, its specialisation and the dispatches).
   */
  kernels?: {
    cpu(args: KernelArgs<CpuBackend, A>): DataId[];
    webgpu(args: KernelArgs<KernelBackend, A>): DataId[];
  };
  /** Kernel ops: the gradient, or the explicit decision that there is none. */
  grad?: GradFn<A> | 'not-differentiable';
  /** Instead of kernels and grad: the op as other ops; gradients come from those. */
  decompose?(inputs: Tensor[], attrs: A): Tensor[];
  /**
   * How the op takes complex64 (an input of that dtype, or a `dtype`
   * attribute asking for it): 'native' where its shape rule and kernels (or
   * decomposition) take it as it is, or the op written over real ops
   * (ops/complex.ts has the helpers). Absent: the engine refuses it, naming
   * the input.
   */
  complex?: 'native' | ((inputs: Tensor[], attrs: A) => Tensor[]);
  /**
   * Instead of kernels and grad: a host op, whose output shapes depend on
   * input values (NonZero, NMS, a TopK with computed k). It reads back what
   * it needs (the fewer values the better: a TopK reads its k, not x), then
   * computes its outputs, with ops where it can. Its shape rule checks the
   * inputs and gives -1 for the sizes the data decide. It runs only through
   * `engine.runHostOp` (its async public function) and a graph model's
   * executeAsync, which runs the nodes before it, awaits it, and goes on.
   */
  host?(inputs: Tensor[], attrs: A, context: HostContext): Promise<Tensor[]>;
  doc?: string;
}

/** What a host op may call besides ops: a graph's executor, for ops holding subgraphs. */
export interface HostContext {
  /** Runs `graph` on `values` (tensors by name, which it never disposes) up to `outputNames`; the caller owns the results. */
  runGraph(graph: GraphTopology, values: ReadonlyMap<string, Tensor>, outputNames: readonly string[]): Promise<Tensor[]>;
}

// Entries are stored with their attr type erased; each defineOp call checks its own.
export type AnyOpDef = OpDef<any>;

const registry = new Map<string, AnyOpDef>();

/** The dtypes a `dtype` attribute may name: no op computes strings from numbers (they come from values: tw.tensor, tw.fill). */
export const ATTR_DTYPES: readonly DataType[] = DATA_TYPES.filter((d) => d !== 'string');

/**
 * Adds an entry. An entry is either a kernel op (a kernel for every backend
 * and a gradient decision), a decomposition or a host op; anything else
 * fails here, as the bundle loads. tests/js/ops/registry.test.mjs checks the rest.
 */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  if (registry.has(def.name)) throw new Error(`tensorweb: op '${def.name}' is registered twice`);
  const problem = def.decompose && def.host ? 'is both a decomposition and a host op'
    : def.decompose || def.host
    ? (def.kernels || def.grad ? `is a ${def.host ? 'host op' : 'decomposition'} and also has kernels or a gradient` : null)
    : !def.kernels?.cpu || !def.kernels?.webgpu ? 'has no decomposition and lacks a cpu or webgpu kernel'
      : !def.grad ? "has no gradient decision (a gradient, or 'not-differentiable')" : null;
  if (problem) throw new Error(`tensorweb: op '${def.name}' ${problem}`);
  registry.set(def.name, def);
  return def;
}

/** Every registered op name, sorted. */
export function listOps(): string[] {
  return [...registry.keys()].sort();
}

export function getOpDef(name: string): AnyOpDef {
  const def = registry.get(name);
  if (!def) throw new Error(`tensorweb: no op named '${name}' (see tw.listOps())`);
  return def;
}

export interface OpDescription {
  inputs: InputSpec[];
  attrs: Record<string, Omit<AttrSpec, 'doc'>>;
  /** The dtype int32/bool inputs are cast to first, where the op has one. */
  inputDtype?: 'float32' | 'bool';
  /** The number of outputs, or 'variable' where the inputs and attributes decide. */
  outputs: number | 'variable';
  /** 'kernel' ops have per-backend kernels; 'decomposition' ops run other ops; 'host' ops read values back first. */
  kind: 'kernel' | 'decomposition' | 'host';
  /** Whether gradients flow through the op (decompositions: through the ops they use). */
  differentiable: boolean;
  /** Backends with a kernel for it. */
  backends: string[];
}

/**
 * The registry as plain JSON, for tools outside the runtime: every op's
 * inputs, attribute schema, input dtype rule and kind. scripts/write_op_schema.mjs
 * writes it (less `backends`) to converter/op_schema.json, the converter's op set.
 */
export function describeOps(): Record<string, OpDescription> {
  return Object.fromEntries(listOps().map((name) => {
    const def = registry.get(name)!;
    const attrs = Object.fromEntries(Object.entries(def.attrs as Record<string, AttrSpec>)
      .map(([key, { doc: _doc, ...rest }]) => [key, rest]));
    return [name, {
      inputs: def.inputs.map((i) => ({ ...i })),
      attrs,
      inputDtype: def.inputDtype,
      outputs: def.outputs ?? 1,
      kind: def.decompose ? 'decomposition' : def.host ? 'host' : 'kernel',
      differentiable: def.decompose ? true : !def.host && def.grad !== 'not-differentiable',
      backends: Object.keys(def.kernels ?? {}),
    }];
  }));
}

/** Attribute sets scheduledAttrs made, by the op they were checked for. */
const scheduled = new WeakMap<object, AnyOpDef>();

/**
 * checkAttrs for a graph's schedule, whose steps pass the same attributes to every run: the result is frozen
 * and marked, so that checkAttrs returns it as it is (a graph's runs check nothing twice).
 */
export function scheduledAttrs(def: AnyOpDef, given: Record<string, unknown>): Record<string, AttrValue> {
  const out = Object.freeze(checkAttrs(def, given));
  scheduled.set(out, def);
  return out;
}

/** Fills defaults and checks every attribute against the entry's schema; unknown names are errors. */
export function checkAttrs(def: AnyOpDef, given: Record<string, unknown>): Record<string, AttrValue> {
  if (scheduled.get(given) === def) return given as Record<string, AttrValue>;
  const out: Record<string, AttrValue> = {};
  for (const key of Object.keys(given)) {
    if (!(key in def.attrs) && given[key] !== undefined) {
      throw new Error(`unknown attribute '${key}' (${def.name} takes: ${Object.keys(def.attrs).join(', ') || 'none'})`);
    }
  }
  for (const [key, spec] of Object.entries(def.attrs) as [string, AttrSpec][]) {
    let value = given[key];
    if (value === undefined) {
      if (spec.default !== undefined) value = spec.default;
      else if (spec.nullable) value = null;
      else throw new Error(`attribute '${key}' is required`);
    }
    if (value === null) {
      if (!spec.nullable) throw new Error(`attribute '${key}' may not be null`);
    } else {
      const problem = attrProblem(spec, value);
      if (problem) throw new Error(`attribute '${key}' ${problem}, got ${JSON.stringify(value)}`);
    }
    out[key] = value as AttrValue;
  }
  return out;
}

const ATTR_TYPE_WORDS: Partial<Record<AttrSpec['type'], string>> = {
  intOrInts: 'an int or a list of ints',
  pairs: 'a list of [before, after] int pairs',
  pad: "'valid', 'same', an int or a list of [before, after] int pairs",
};

function attrProblem(spec: AttrSpec, value: unknown): string | null {
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  const isIntList = (v: unknown) => Array.isArray(v) && v.every(isInt);
  const isPairs = (v: unknown) => Array.isArray(v) && v.every((p) => isIntList(p) && (p as number[]).length === 2);
  let ok: boolean;
  switch (spec.type) {
    case 'number': ok = typeof value === 'number'; break;
    case 'int': ok = isInt(value); break;
    case 'bool': ok = typeof value === 'boolean'; break;
    case 'string': ok = typeof value === 'string'; break;
    case 'dtype': ok = (ATTR_DTYPES as readonly unknown[]).includes(value); break;
    case 'ints': ok = isIntList(value); break;
    case 'numbers': ok = Array.isArray(value) && value.every((v) => typeof v === 'number'); break;
    case 'intOrInts': ok = isInt(value) || isIntList(value); break;
    case 'numberOrString': ok = typeof value === 'number' || typeof value === 'string'; break;
    case 'pairs': ok = isPairs(value); break;
    case 'pad': ok = value === 'valid' || value === 'same' || isInt(value) || isPairs(value); break;
  }
  if (!ok) return `must be ${ATTR_TYPE_WORDS[spec.type] ?? `of type ${spec.type}`}`;
  if (spec.oneOf && !spec.oneOf.includes(value as string | number)) {
    return `must be one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return null;
}

/** Shorthand for dtype-valued outputs in shape rules. */
export function spec(shape: readonly number[], dtype: DataType): TensorSpec {
  return { shape: [...shape], dtype };
}
