// Runs a graph: a schedule (the nodes an output set needs, in order, each
// value's last reader, every shape inferred through the registry's shape
// rules) is compiled once per set of input shapes and reused; intermediates
// are disposed right after their last reader. Attributes that follow free
// dimensions (a node's shapeAttrs) are computed by the shape program as the
// schedule is compiled, so they are fixed for its input shapes. A graph with
// host ops (output shapes that depend on data) runs through async_executor.ts,
// which compiles and runs the stretches between them with these functions.
import type { TensorSpec } from '../core/backend.js';
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { type AnyOpDef, getOpDef, scheduledAttrs } from '../ops/registry.js';
import { isControlFlow } from './control_flow.js';
import { evaluateShapeProgram, shapeProgramReads } from './shape_program.js';
import type { GraphNode, GraphTopology } from './topology.js';

interface Step {
  node: GraphNode;
  /** The node's attrs, with its shapeAttrs computed for the schedule's input shapes, checked (scheduledAttrs). */
  attrs: Record<string, unknown>;
  /** Values produced so far that no later step (and no requested output) reads. */
  release: string[];
}

export interface Schedule {
  steps: Step[];
  /** Shape and dtype of every value the schedule produces or reads. */
  specs: Map<string, TensorSpec>;
}

/** Wraps an error from a node so that it names the node and its op. */
export function nodeError(node: GraphNode, error: unknown): Error {
  const message = (error as Error).message.replace(/^tensorweb: /, '');
  return new Error(`tensorweb: graph node '${node.name}' (${node.op}): ${message}`);
}

/** The spec an op's shape rule sees for an input, after the engine's casts (see Engine.castForOp). */
function specAsOpSees(def: AnyOpDef, spec: TensorSpec): TensorSpec {
  if (def.name === 'cast') return spec;
  const want = def.inputDtype ?? (spec.dtype === 'float16' ? 'float32' : undefined);
  return want ? { shape: spec.shape, dtype: want } : spec;
}

/** The values `node` reads: its inputs, and those whose shapes its shapeAttrs' program reads. */
export function nodeReads(topology: GraphTopology, node: GraphNode): string[] {
  return node.shapeAttrs ? [...node.inputs, ...shapeProgramReads(topology.shapeProgram, Object.values(node.shapeAttrs))] : node.inputs;
}

/** The nodes computing `outputNames`, in the topology's order. */
export function neededNodes(topology: GraphTopology, outputNames: readonly string[]): GraphNode[] {
  const producer = new Map<string, GraphNode>();
  for (const node of topology.nodes) for (const output of node.outputs) producer.set(output, node);
  const needed = new Set<GraphNode>();
  const pending = [...outputNames];
  while (pending.length > 0) {
    const node = producer.get(pending.pop()!);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    pending.push(...nodeReads(topology, node));
  }
  return topology.nodes.filter((node) => needed.has(node));
}

/**
 * The schedule computing `outputNames` from values whose specs are `known`
 * (graph inputs with their actual shapes, and weights). Throws, naming the
 * node, when a shape rule rejects what would reach it.
 */
export function compileSchedule(topology: GraphTopology, known: Map<string, TensorSpec>, outputNames: readonly string[]): Schedule {
  const nodes = neededNodes(topology, outputNames);
  const lastReader = new Map<string, number>();
  nodes.forEach((node, index) => node.inputs.forEach((input) => lastReader.set(input, index)));
  const kept = new Set(outputNames);
  const releaseAt: string[][] = nodes.map(() => []);
  nodes.forEach((node, index) => {
    for (const output of node.outputs) {
      if (!kept.has(output)) releaseAt[lastReader.get(output) ?? index].push(output);
    }
  });
  const specs = new Map(known);
  const programValues = new Map();
  const attrsOf = nodes.map((node) => {
    try {
      if (isControlFlow(node)) {
        throw new Error('it runs subgraphs (control flow) as its condition or trip count decides, so the model runs only with executeAsync');
      }
      const def = getOpDef(node.op);
      if (def.host) {
        throw new Error('its output shape depends on the values of its inputs, so the model runs only with executeAsync');
      }
      let attrs = node.attrs;
      if (node.shapeAttrs) {
        const names = Object.keys(node.shapeAttrs);
        const values = evaluateShapeProgram(topology.shapeProgram, Object.values(node.shapeAttrs),
          (value) => specs.get(value)!.shape, programValues);
        attrs = { ...attrs, ...Object.fromEntries(names.map((name, k) => [name, values[k]])) };
      }
      const checked = scheduledAttrs(def, attrs);
      const outputs = def.shape(node.inputs.map((input) => specAsOpSees(def, specs.get(input)!)), checked);
      if (outputs.length !== node.outputs.length) {
        throw new Error(`the node lists ${node.outputs.length} outputs, the op makes ${outputs.length}`);
      }
      node.outputs.forEach((output, k) => specs.set(output, outputs[k]));
      return checked;
    } catch (error) {
      throw nodeError(node, error);
    }
  });
  return { steps: nodes.map((node, index) => ({ node, attrs: attrsOf[index], release: releaseAt[index] })), specs };
}

/**
 * Runs `schedule` on `values` (graph inputs and weights, which it never
 * disposes) and returns the tensors of `outputNames`, each owned by the
 * caller. If a node fails, every intermediate is disposed and the error names the node.
 */
export function runSchedule(schedule: Schedule, values: ReadonlyMap<string, Tensor>, outputNames: readonly string[]): Tensor[] {
  const engine = getEngine();
  const produced = new Map<string, Tensor>();
  const valueOf = (name: string) => produced.get(name) ?? values.get(name)!;
  try {
    for (const { node, attrs, release } of schedule.steps) {
      let outputs: Tensor[];
      try {
        outputs = engine.runOp(node.op, node.inputs.map(valueOf), attrs);
      } catch (error) {
        throw nodeError(node, error);
      }
      node.outputs.forEach((name, k) => produced.set(name, outputs[k]));
      for (const name of release) {
        produced.get(name)!.dispose();
        produced.delete(name);
      }
    }
    // An output that is a graph input or a weight is cloned, so the caller may dispose what it gets.
    return outputNames.map((name) => produced.get(name) ?? engine.runOp('clone', [values.get(name)!], {})[0]);
  } catch (error) {
    for (const tensor of produced.values()) tensor.dispose();
    throw error;
  }
}
