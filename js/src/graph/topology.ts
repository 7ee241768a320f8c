// The op graph of a "tensorweb-graph" model.json (converter/model.schema.json),
// checked when a model loads so that a bad file fails before any weight is decoded.
import type { DataType } from '../core/dtype.js';
import { listOps } from '../ops/registry.js';
import { checkFormatVersion } from '../io/model_json.js';
import type { ModelFields } from '../io/types.js';
import { SHAPE_PROGRAM_OPS, type ShapeNode, shapeProgramReads } from './shape_program.js';
import { CONTROL_FLOW_BODIES, type Subgraph, checkControlFlow } from './control_flow.js';

export const GRAPH_FORMAT = 'tensorweb-graph';

/** A graph input or output: shape with -1 for a free dimension. */
export interface TensorDesc {
  name: string;
  shape: number[];
  dtype: DataType;
}

export interface GraphNode {
  name: string;
  /** A registry op name (tw.listOps()), or a control-flow node's 'if' or 'loop' (./control_flow.ts). */
  op: string;
  /** Value names: graph inputs, weights or earlier nodes' outputs. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, unknown>;
  /** Attribute -> the shape program value it takes for the actual input shapes. */
  shapeAttrs?: Record<string, string>;
  /** A control-flow node's bodies by role (then, else; body), which executeAsync runs. */
  subgraphs?: Record<string, Subgraph>;
}

export interface GraphTopology {
  inputs: TensorDesc[];
  outputs: TensorDesc[];
  nodes: GraphNode[];
  /** Shape arithmetic over free dimensions (./shape_program.ts), by value name; empty for most models. */
  shapeProgram: Map<string, ShapeNode>;
}

function fail(message: string): never {
  throw new Error(`tensorweb: loadGraphModel: ${message}`);
}

function checkDesc(entry: unknown, what: string): TensorDesc {
  const desc = entry as TensorDesc;
  if (typeof desc?.name !== 'string' || !Array.isArray(desc.shape) || typeof desc.dtype !== 'string') {
    fail(`${what} must be {name, shape, dtype}, got ${JSON.stringify(entry)}`);
  }
  return { name: desc.name, shape: [...desc.shape], dtype: desc.dtype };
}

/**
 * The topology of `modelJSON`, checked: the format and its version, every op registered, and
 * every node input provided by a graph input, a weight or an earlier node.
 */
export function readTopology(modelJSON: ModelFields, weightNames: ReadonlySet<string>): GraphTopology {
  if (modelJSON.format !== GRAPH_FORMAT) {
    fail(`model.json has format '${modelJSON.format}', not '${GRAPH_FORMAT}'` +
      (modelJSON.format === 'tensorweb-layers' ? ' (load layers models with tw.loadLayersModel)' : ''));
  }
  checkFormatVersion(modelJSON, 'loadGraphModel');
  const raw = modelJSON.topology as { inputs?: unknown; outputs?: unknown; nodes?: unknown; shapeProgram?: unknown } | undefined;
  if (!raw || !Array.isArray(raw.inputs) || !Array.isArray(raw.outputs) || !Array.isArray(raw.nodes)) {
    fail('model.json has no topology with inputs, outputs and nodes');
  }
  const inputs = raw.inputs.map((e, i) => checkDesc(e, `topology input ${i}`));
  const outputs = raw.outputs.map((e, i) => checkDesc(e, `topology output ${i}`));
  const available = new Set<string>([...inputs.map((i) => i.name), ...weightNames]);
  const shapeProgram = readShapeProgram(raw.shapeProgram);
  const nodes = readNodes(raw.nodes, available, shapeProgram, '');
  for (const output of outputs) {
    if (!available.has(output.name)) fail(`graph output '${output.name}' is produced by no node`);
  }
  return { inputs, outputs, nodes, shapeProgram };
}

/**
 * Nodes of the topology or of a subgraph (`where` names it), checked: each op
 * registered or control flow, each input in `available`, which gains each
 * node's outputs in turn.
 */
function readNodes(raw: unknown[], available: Set<string>, shapeProgram: Map<string, ShapeNode>, where: string): GraphNode[] {
  const known = new Set(listOps());
  return raw.map((entry, index): GraphNode => {
    const node = entry as GraphNode;
    if (typeof node?.name !== 'string' || typeof node.op !== 'string' || !Array.isArray(node.inputs) || !Array.isArray(node.outputs)) {
      fail(`${where}node ${index} must be {name, op, inputs, outputs, attrs}, got ${JSON.stringify(entry).slice(0, 200)}`);
    }
    const controlFlow = node.op in CONTROL_FLOW_BODIES;
    if (!known.has(node.op) && !controlFlow) fail(`unknown op '${node.op}' at node '${node.name}' (this runtime has no such op; see tw.listOps())`);
    for (const input of node.inputs) {
      // '' is an optional operand left out (a loop's trip count or condition)
      if (!available.has(input) && !(controlFlow && input === '')) {
        fail(`node '${node.name}' reads '${input}', which no ${where ? 'subgraph input, outer value' : 'graph input, weight'} or earlier node provides`);
      }
    }
    const checked: GraphNode = { name: node.name, op: node.op, inputs: [...node.inputs], outputs: [...node.outputs], attrs: { ...(node.attrs ?? {}) } };
    if (controlFlow) {
      checked.subgraphs = readSubgraphs(node);
    } else if (node.subgraphs !== undefined) {
      fail(`node '${node.name}' (${node.op}) has subgraphs, which only control-flow nodes (if, loop) carry`);
    }
    if (node.shapeAttrs !== undefined) {
      if (where) fail(`node '${node.name}': a subgraph's nodes take no shapeAttrs`);
      if (typeof node.shapeAttrs !== 'object' || node.shapeAttrs === null) fail(`node '${node.name}': shapeAttrs must be an object`);
      for (const [attr, value] of Object.entries(node.shapeAttrs)) {
        if (!shapeProgram.has(value)) fail(`node '${node.name}': shapeAttrs.${attr} names '${value}', which the shapeProgram lacks`);
      }
      for (const read of shapeProgramReads(shapeProgram, Object.values(node.shapeAttrs))) {
        if (!available.has(read)) fail(`node '${node.name}': its shapeAttrs read the shape of '${read}', which no graph input, weight or earlier node provides`);
      }
      checked.shapeAttrs = { ...node.shapeAttrs };
    }
    for (const output of node.outputs) available.add(output);
    return checked;
  });
}

/** A control-flow node's subgraphs, each checked as a scope of its own: its inputs and the outer values it lists. */
function readSubgraphs(node: GraphNode): Record<string, Subgraph> {
  const raw = node.subgraphs as Record<string, unknown> | undefined;
  if (typeof raw !== 'object' || raw === null) fail(`node '${node.name}' (${node.op}) has no subgraphs`);
  const subgraphs: Record<string, Subgraph> = {};
  for (const [role, entry] of Object.entries(raw)) {
    const where = `node '${node.name}' (${node.op}) subgraph '${role}': `;
    const body = entry as { inputs?: unknown; outputs?: unknown; outer?: unknown; nodes?: unknown };
    if (!Array.isArray(body?.inputs) || !Array.isArray(body.outputs) || !Array.isArray(body.outer) || !Array.isArray(body.nodes)) {
      fail(`${where}must be {inputs, outputs, outer, nodes}`);
    }
    const outer = body.outer.map(String);
    for (const name of outer) {
      if (!node.inputs.includes(name)) fail(`${where}reads '${name}' from the enclosing scope, which the node's inputs do not list`);
    }
    const inputs = body.inputs.map((e, i) => checkDesc(e, `${where}input ${i}`));
    const scope = new Set([...inputs.map((i) => i.name), ...outer]);
    const nodes = readNodes(body.nodes, scope, new Map(), where);
    const outputs = body.outputs.map((e, i) => checkDesc(e, `${where}output ${i}`));
    for (const output of outputs) {
      if (!scope.has(output.name)) fail(`${where}output '${output.name}' is produced by no input, outer value or node of it`);
    }
    subgraphs[role] = { inputs, outputs, nodes, outer, shapeProgram: new Map() };
  }
  try {
    checkControlFlow(node, subgraphs);
  } catch (error) {
    fail(`node '${node.name}' (${node.op}): ${(error as Error).message}`);
  }
  return subgraphs;
}

/** topology.shapeProgram, checked: known ops, each input an earlier program value. */
function readShapeProgram(raw: unknown): Map<string, ShapeNode> {
  const program = new Map<string, ShapeNode>();
  if (raw === undefined) return program;
  if (!Array.isArray(raw)) fail('topology.shapeProgram must be an array');
  raw.forEach((entry, index) => {
    const node = entry as ShapeNode;
    if (typeof node?.name !== 'string' || typeof node.op !== 'string' || !Array.isArray(node.inputs) || typeof node.attrs !== 'object') {
      fail(`shapeProgram entry ${index} must be {name, op, inputs, attrs}, got ${JSON.stringify(entry).slice(0, 200)}`);
    }
    if (!SHAPE_PROGRAM_OPS.has(node.op)) fail(`shapeProgram value '${node.name}' has unknown op '${node.op}'`);
    for (const input of node.inputs) {
      if (!program.has(input)) fail(`shapeProgram value '${node.name}' reads '${input}', which no earlier shapeProgram value is`);
    }
    program.set(node.name, { name: node.name, op: node.op, inputs: [...node.inputs], attrs: { ...node.attrs } });
  });
  return program;
}
