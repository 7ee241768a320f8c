// Control-flow nodes (converter/control_flow.py): 'if' and 'loop' carry
// subgraphs whose own nodes, inputs and outputs the loader checked as scopes
// of their own; a body reads the enclosing values its `outer` lists, which
// are also the node's trailing inputs. They run only in executeAsync
// (async_executor.ts treats them as host nodes): the node reads back its
// condition or trip count, nothing else, and runs the body through the
// graph executor once per branch taken or iteration. Under an asynchronous
// tape (Engine.gradientsAsync) those runs' ops are recorded as any others,
// each iteration's carried outputs being the next one's inputs, so gradients
// flow through the branch taken and every iteration; none flows through
// what is read back, which the tape notes so that a weight stopped there is named.
import { getEngine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import type { HostContext } from '../ops/registry.js';
import type { GraphNode, GraphTopology } from './topology.js';

/** A body: a graph whose values also include the enclosing scope's `outer`, by their names there. */
export interface Subgraph extends GraphTopology {
  outer: string[];
}

/** The bodies each control-flow op carries. */
export const CONTROL_FLOW_BODIES: Record<string, readonly string[]> = { if: ['then', 'else'], loop: ['body'] };

/**
 * Iterations a loop may run: a trip count above it is refused before the
 * first iteration, and a loop without one that is still going is stopped
 * here, so that a hostile or broken model fails instead of hanging the page.
 */
export const MAX_LOOP_ITERATIONS = 1 << 20;

export const isControlFlow = (node: GraphNode): boolean => node.subgraphs !== undefined;

/** Checks a node's bodies against its operands and outputs (ONNX's If and Loop); throws what is wrong. */
export function checkControlFlow(node: GraphNode, subgraphs: Record<string, Subgraph>): void {
  const roles = Object.keys(subgraphs).sort().join(', ');
  const wanted = [...CONTROL_FLOW_BODIES[node.op]].sort().join(', ');
  if (roles !== wanted) throw new Error(`has the subgraphs [${roles}], an ${node.op} takes [${wanted}]`);
  if (node.op === 'if') {
    const { then, else: other } = subgraphs;
    if (then.outputs.length !== node.outputs.length || other.outputs.length !== node.outputs.length) {
      throw new Error(`the then branch gives ${then.outputs.length} outputs, the else branch ${other.outputs.length}, ` +
        `the node has ${node.outputs.length}`);
    }
    return;
  }
  const { body } = subgraphs;
  const carried = body.inputs.length - 2;
  if (carried < 0 || node.inputs.length < 2 + carried || body.outputs.length !== node.outputs.length + 1 ||
    node.outputs.length < carried) {
    throw new Error(`its body takes ${body.inputs.length} inputs and gives ${body.outputs.length} outputs for ` +
      `${node.outputs.length} node outputs; a loop body takes [iteration, condition, carried...] and gives ` +
      '[condition, carried..., scan outputs...], the node [carried..., scan outputs...]');
  }
}

/** The value of `tensor` as `what` (an if's condition...) reads it: no gradient flows through it (Engine.noteReadBack). */
async function readBack(tensor: Tensor, what: string): Promise<number> {
  getEngine().noteReadBack(tensor, what);
  return Number((await tensor.data())[0]);
}

/** Runs a control-flow node on its inputs (in node.inputs' order); the caller owns the outputs. */
export async function runControlFlow(node: GraphNode, inputs: Tensor[], context: HostContext): Promise<Tensor[]> {
  const byName = new Map(node.inputs.map((name, k) => [name, inputs[k]]));
  const scope = (body: Subgraph) => new Map(body.outer.map((name) => [name, byName.get(name)!]));
  const outputsOf = (body: Subgraph) => body.outputs.map((output) => output.name);
  const bodies = node.subgraphs!;
  if (node.op === 'if') {
    const body = (await readBack(inputs[0], `the condition of if node '${node.name}'`)) ? bodies.then : bodies.else;
    return context.runGraph(body, scope(body), outputsOf(body));
  }
  return runLoop(node, inputs, bodies.body, scope(bodies.body), outputsOf(bodies.body), context);
}

async function runLoop(node: GraphNode, inputs: Tensor[], body: Subgraph, outer: Map<string, Tensor>,
  outputNames: string[], context: HostContext): Promise<Tensor[]> {
  const engine = getEngine();
  const whatCondition = `the condition of loop node '${node.name}'`;
  const trip = node.inputs[0] === '' ? null : await readBack(inputs[0], `the trip count of loop node '${node.name}'`);
  if (trip !== null && trip > MAX_LOOP_ITERATIONS) {
    throw new Error(`trip count ${trip} is over the limit of ${MAX_LOOP_ITERATIONS} iterations (MAX_LOOP_ITERATIONS)`);
  }
  let going = node.inputs[1] === '' || (await readBack(inputs[1], whatCondition)) !== 0;
  const count = body.inputs.length - 2;
  let carried = inputs.slice(2, 2 + count);
  let owned = false; // the first carried values are the caller's
  const scans: Tensor[][] = body.outputs.slice(1 + count).map(() => []);
  try {
    for (let i = 0; going && (trip === null || i < trip); i++) {
      if (i === MAX_LOOP_ITERATIONS) {
        throw new Error(`still running after ${MAX_LOOP_ITERATIONS} iterations (MAX_LOOP_ITERATIONS), its condition still true`);
      }
      const iteration = engine.makeTensor(Int32Array.of(i), [], 'int32');
      const condition = engine.makeTensor(Uint8Array.of(1), [], 'bool');
      const values = new Map(outer);
      values.set(body.inputs[0].name, iteration).set(body.inputs[1].name, condition);
      body.inputs.slice(2).forEach((input, k) => values.set(input.name, carried[k]));
      let outputs: Tensor[];
      try {
        outputs = await context.runGraph(body, values, outputNames);
      } finally {
        iteration.dispose();
        condition.dispose();
      }
      if (owned) carried.forEach((t) => t.dispose());
      carried = outputs.slice(1, 1 + count);
      owned = true;
      outputs.slice(1 + count).forEach((t, k) => scans[k].push(t));
      going = (await readBack(outputs[0], whatCondition)) !== 0;
      outputs[0].dispose();
    }
    const finals = owned ? carried : carried.map((t) => engine.runOp('clone', [t], {})[0]);
    owned = false;
    return [...finals, ...scans.map((stacked, k) => stacked.length > 0 ? engine.runOp('stack', stacked, { axis: 0 })[0]
      : emptyScan(body.outputs[1 + count + k]))];
  } finally {
    if (owned) carried.forEach((t) => t.dispose());
    scans.flat().forEach((t) => t.dispose());
  }
}

/** A scan output of a loop that ran no iteration: no rows (ONNX's [0, ...]). */
function emptyScan(desc: GraphTopology['outputs'][number]): Tensor {
  const shape = [0, ...desc.shape.map((d) => Math.max(d, 0))];
  return getEngine().runOp('fill', [], { shape, value: 0, dtype: desc.dtype })[0];
}
