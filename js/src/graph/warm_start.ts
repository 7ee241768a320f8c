// Warm start: which pipelines a graph's run compiles follows from its input
// shapes and the kernels' choices, not from weight values, so a dry run of the
// executor on placeholders (WebGpuBackend.plan) finds them as soon as
// model.json is read, and they compile together, off the page's thread, while
// the shards download; the first predict then compiles nothing.
import type { DataId, KernelBackend, TensorSpec } from '../core/backend.js';
import type { DataType } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import type { WeightSpec } from '../io/types.js';
import { decodeWeights, weightByteLength } from '../io/weights.js';
import { compileSchedule, runSchedule } from './executor.js';
import { untilFirstHostNode } from './async_executor.js';
import type { GraphTopology } from './topology.js';

/** Input shapes to prepare for: an array in input order, or a map by input name. */
export type InputShapes = readonly (readonly number[])[] | Readonly<Record<string, readonly number[]>>;

export interface PlannedPipeline {
  background?: boolean;
}

/** What a backend offers for compiling ahead (the WebGPU backend's plan and compilePipelines). */
interface PlanningBackend extends KernelBackend {
  /** The pipelines `work` needs; `background` ones are slow best variants whose quick stand-ins run until they compile. */
  plan(work: () => void): PlannedPipeline[];
  compilePipelines(specs: readonly PlannedPipeline[], onCompiled?: (done: number, total: number) => void,
    backgroundAfter?: Promise<unknown>): Promise<void>;
  allocate(shape: readonly number[], dtype: DataType): DataId;
  /** Resolves at the device's next idle moment: after the runs recorded so far, with none recorded since. */
  whenIdle(): Promise<void>;
}

/** The active backend, if it can compile ahead. */
export function planningBackend(): PlanningBackend | null {
  const backend = getEngine().backend as Partial<PlanningBackend>;
  return typeof backend.plan === 'function' && typeof backend.compilePipelines === 'function'
    ? backend as PlanningBackend : null;
}

/**
 * `work` (a run or a plan of `topology`) under the backend's whileSizesVary where the graph's inputs have free
 * dimensions, whose kernels then see new sizes from run to run: a new shape set runs on pipelines compiled
 * for earlier ones (webgpu backend.ts, pickVariant).
 */
export function withGraphSizes<T>(topology: GraphTopology, work: () => T): T {
  const backend = getEngine().backend as Partial<{ whileSizesVary<R>(work: () => R): R }>;
  const free = topology.inputs.some((input) => input.shape.some((d) => d < 0));
  return free && backend.whileSizesVary ? backend.whileSizesVary(work) : work();
}

/**
 * The graph inputs' specs at `shapes` (checked against the declared shapes:
 * same rank, fixed dimensions equal), or at their declared shapes when none
 * are given; null when a free dimension (-1) is left without a size.
 */
export function inputSpecsAt(topology: GraphTopology, shapes: InputShapes | undefined, caller: string): Map<string, TensorSpec> | null {
  const specs = new Map<string, TensorSpec>();
  if (Array.isArray(shapes) && shapes.length !== topology.inputs.length) {
    throw new Error(`tensorweb: ${caller}: the model takes ${topology.inputs.length} inputs, got ${shapes.length} shapes`);
  }
  if (shapes && !Array.isArray(shapes)) {
    for (const name of Object.keys(shapes)) {
      if (!topology.inputs.some((d) => d.name === name)) {
        throw new Error(`tensorweb: ${caller}: the model has no input named '${name}' (inputs: ${topology.inputs.map((d) => d.name).join(', ')})`);
      }
    }
  }
  for (const [i, desc] of topology.inputs.entries()) {
    const given = Array.isArray(shapes) ? shapes[i] : (shapes as Record<string, readonly number[]> | undefined)?.[desc.name];
    if (given === undefined) {
      if (desc.shape.some((d) => d < 0)) return null;
      specs.set(desc.name, { shape: desc.shape, dtype: desc.dtype });
      continue;
    }
    const fits = Array.isArray(given) && given.length === desc.shape.length &&
      given.every((d, k) => Number.isInteger(d) && d >= 0 && (desc.shape[k] < 0 || desc.shape[k] === d));
    if (!fits) {
      throw new Error(`tensorweb: ${caller}: input '${desc.name}' has shape [${desc.shape}] (-1: any size), ` +
        `so [${given}] does not fit it`);
    }
    specs.set(desc.name, { shape: [...given], dtype: desc.dtype });
  }
  return specs;
}

/**
 * The pipelines a run of `topology` up to `outputNames` needs and `backend`
 * has not compiled: the executor runs as a dry run on placeholders for the
 * inputs (at `inputs`) and for the weights not in `weights` (at
 * `weightSpecs`: those still downloading, quantised ones decoded as the load
 * will, `packed` or dequantised, so their kernels are planned too).
 */
export function planRun(backend: PlanningBackend, topology: GraphTopology, inputs: ReadonlyMap<string, TensorSpec>,
  weights: ReadonlyMap<string, Tensor>, weightSpecs: readonly WeightSpec[], outputNames: readonly string[],
  packed = false): PlannedPipeline[] {
  const engine = getEngine();
  const placeholders: Tensor[] = [];
  const placeholder = (spec: TensorSpec) => {
    const tensor = engine.makeTensorFromDataId(backend.allocate(spec.shape, spec.dtype), spec.shape, spec.dtype, backend);
    placeholders.push(tensor);
    return tensor;
  };
  return engine.unprofiled(() => backend.plan(() => withGraphSizes(topology, () => {
    try {
      const values = new Map<string, Tensor>(weights);
      // Quantised weights are decoded from zeros of their stored size: packed ones as packed placeholders (the
      // kernels plan their packed variants), dequantised ones by ops (cast, mul, add).
      const quantised = weightSpecs.filter((spec) => spec.quantization && !weights.has(spec.name));
      if (quantised.length > 0) {
        const bytes = quantised.reduce((total, spec) => total + weightByteLength(spec), 0);
        const decoded = decodeWeights(quantised, new ArrayBuffer(bytes), { packed });
        placeholders.push(...decoded.values());
        for (const [name, tensor] of decoded) values.set(name, tensor);
      }
      for (const spec of weightSpecs) {
        if (!values.has(spec.name)) values.set(spec.name, placeholder({ shape: spec.shape, dtype: spec.dtype }));
      }
      for (const [name, spec] of inputs) values.set(name, placeholder(spec));
      const known = new Map<string, TensorSpec>();
      for (const [name, value] of values) known.set(name, { shape: value.shape, dtype: value.dtype });
      // a graph with host ops is planned up to the first: what follows has shapes only the data decide
      const [planned, handOn] = untilFirstHostNode(topology, outputNames);
      placeholders.push(...runSchedule(compileSchedule(planned, known, handOn), values, handOn));
    } finally {
      for (const tensor of placeholders) tensor.dispose();
    }
  })));
}
