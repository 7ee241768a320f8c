// Runs a graph holding host ops (ops/registry.ts, OpDef.host: NonZero, NMS, a
// TopK with a computed k...), whose output shapes depend on data. The nodes
// needed are cut at each host op: the stretch before it is compiled into a
// schedule (executor.ts) on the shapes known by then and run, the host op is
// awaited (it reads back only what it needs, a k or a mask, not the
// stretch's other values), and the rest is compiled on the shapes it gave.
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import { type HostContext, getOpDef } from '../ops/registry.js';
import { isControlFlow, runControlFlow } from './control_flow.js';
import { compileSchedule, neededNodes, nodeError, nodeReads, runSchedule } from './executor.js';
import type { GraphNode, GraphTopology } from './topology.js';

// control-flow nodes (control_flow.ts) run here too: they read back their condition or trip count
const isHost = (node: GraphNode) => isControlFlow(node) || getOpDef(node.op).host !== undefined;

/** The first host op the outputs need, or null when a synchronous schedule computes them. */
export function firstHostNode(topology: GraphTopology, outputNames: readonly string[]): GraphNode | null {
  return neededNodes(topology, outputNames).find(isHost) ?? null;
}

/**
 * The stretch of `nodes` before their first host op (all of them when there
 * is none) and the values it must hand on: those `later` nodes or `outputNames` read.
 */
function stretchBefore(topology: GraphTopology, nodes: GraphNode[], outputNames: readonly string[]) {
  const cut = nodes.findIndex(isHost);
  const stretch = cut < 0 ? nodes : nodes.slice(0, cut);
  const later = cut < 0 ? [] : nodes.slice(cut);
  const produced = new Set(stretch.flatMap((node) => node.outputs));
  const reads = new Set([...outputNames, ...later.flatMap((node) => nodeReads(topology, node))]);
  return { stretch, later, handOn: [...reads].filter((name) => produced.has(name)) };
}

/** The graph up to its first host op and the values that stretch hands on: what a dry run (warm_start.ts) can plan. */
export function untilFirstHostNode(topology: GraphTopology, outputNames: readonly string[]): [GraphTopology, string[]] {
  const { stretch, handOn } = stretchBefore(topology, neededNodes(topology, outputNames), outputNames);
  return [{ ...topology, nodes: stretch }, handOn];
}

/**
 * Runs `topology` on `values` (graph inputs and weights, never disposed) up
 * to `outputNames`, stretch by stretch, and returns tensors the caller owns.
 * Values are disposed once no later node reads them; if a node fails, every
 * intermediate is disposed and the error names the node.
 */
export async function runGraphAsync(topology: GraphTopology, values: ReadonlyMap<string, Tensor>,
  outputNames: readonly string[]): Promise<Tensor[]> {
  const engine = getEngine();
  const context: HostContext = { runGraph: runGraphAsync };
  const produced = new Map<string, Tensor>();
  const valueOf = (name: string) => produced.get(name) ?? values.get(name)!;
  try {
    let nodes = neededNodes(topology, outputNames);
    for (;;) {
      const { stretch, later, handOn } = stretchBefore(topology, nodes, outputNames);
      if (stretch.length > 0) {
        const available = new Map([...values, ...produced]);
        const known = new Map([...available].map(([name, t]) => [name, { shape: t.shape, dtype: t.dtype }]));
        const outputs = runSchedule(compileSchedule({ ...topology, nodes: stretch }, known, handOn), available, handOn);
        handOn.forEach((name, k) => produced.set(name, outputs[k]));
      }
      // what the rest and the caller no longer read goes now, before the host op reads back
      const stillRead = new Set([...outputNames, ...later.flatMap((node) => nodeReads(topology, node))]);
      for (const [name, tensor] of produced) {
        if (!stillRead.has(name)) {
          tensor.dispose();
          produced.delete(name);
        }
      }
      if (later.length === 0) break;
      const [node, ...rest] = later;
      let outputs: Tensor[];
      try {
        outputs = isControlFlow(node) ? await runControlFlow(node, node.inputs.map(valueOf), context)
          : await engine.runHostOp(node.op, node.inputs.map(valueOf), node.attrs, context);
      } catch (error) {
        throw nodeError(node, error);
      }
      node.outputs.forEach((name, k) => produced.set(name, outputs[k]));
      nodes = rest;
    }
    // an output that is a graph input, a weight, or asked for twice is cloned, so that the caller owns each tensor
    const given = new Set<Tensor>();
    const results = outputNames.map((name) => {
      const tensor = valueOf(name);
      const result = produced.get(name) === tensor && !given.has(tensor) ? tensor : engine.runOp('clone', [tensor], {})[0];
      given.add(result);
      return result;
    });
    for (const name of outputNames) produced.delete(name);
    return results;
  } catch (error) {
    for (const tensor of produced.values()) tensor.dispose();
    throw error;
  }
}
