// The op graph of a "tensorweb-graph" model.json (converter/model.schema.json),
// checked when a model loads so that a bad file fails before any weight is decoded.
import type { DataType } from '../core/dtype.js';
import { listOps } from '../ops/registry.js';
import { checkFormatVersion } from '../io/model_json.js';
import type { ModelFields } from '../io/types.js';
import { SHAPE_PROGRAM_OPS, type ShapeNode, shapeProgramReads } from './shape_program.js';

export const GRAPH_FORMAT = 'tensorweb-graph';

/** A graph input or output: shape with -1 for a free dimension. */
export interface TensorDesc {
  name: string;
  shape: number[];
  dtype: DataType;
}

export interface GraphNode {
  name: string;
  /** A registry op name (tw.listOps()). */
  op: string;
  /** Value names: graph inputs, weights or earlier nodes' outputs. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, unknown>;
  /** Attribute -> the shape program value it takes for the actual input shapes. */
  shapeAttrs?: Record<string, string>;
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
  const known = new Set(listOps());
  const available = new Set<string>([...inputs.map((i) => i.name), ...weightNames]);
  const shapeProgram = readShapeProgram(raw.shapeProgram);
  const nodes = raw.nodes.map((entry, index): GraphNode => {
    const node = entry as GraphNode;
    if (typeof node?.name !== 'string' || typeof node.op !== 'string' || !Array.isArray(node.inputs) || !Array.isArray(node.outputs)) {
      fail(`node ${index} must be {name, op, inputs, outputs, attrs}, got ${JSON.stringify(entry).slice(0, 200)}`);
    }
    if (!known.has(node.op)) fail(`unknown op '${node.op}' at node '${node.name}' (this runtime has no such op; see tw.listOps())`);
    for (const input of node.inputs) {
      if (!available.has(input)) fail(`node '${node.name}' reads '${input}', which no graph input, weight or earlier node provides`);
    }
    const checked: GraphNode = { name: node.name, op: node.op, inputs: [...node.inputs], outputs: [...node.outputs], attrs: { ...(node.attrs ?? {}) } };
    if (node.shapeAttrs !== undefined) {
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
  for (const output of outputs) {
    if (!available.has(output.name)) fail(`graph output '${output.name}' is produced by no node`);
  }
  return { inputs, outputs, nodes, shapeProgram };
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
