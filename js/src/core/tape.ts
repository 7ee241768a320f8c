// The gradient tape: which ops ran on tensors that depend on the watched
// sources, and the backward pass over them.
import type { Tensor } from './tensor.js';
import type { GradFn } from '../ops/registry.js';

export interface TapeNode {
  opName: string;
  /** Tape ids (Tensor.id) of the op's inputs and outputs, for connecting nodes. */
  inputIds: number[];
  outputIds: number[];
  /** Copies the engine holds so the gradient can use them after the user disposed the originals. */
  inputs: Tensor[];
  outputs: Tensor[];
  /** Extra tensors saved for the gradient (customGrad). */
  saved: Tensor[];
  grad: GradFn<unknown>;
  attrs: unknown;
}

export class Tape {
  /** Ids of the sources and of every output computed from them. */
  readonly watched = new Set<number>();
  readonly nodes: TapeNode[] = [];
  /**
   * Watched values read back to decide what runs (an if's condition, a loop's
   * trip count): no gradient flows through them, and an error or warning about
   * a source without one names them.
   */
  readonly readBacks: { id: number; what: string }[] = [];
}

/** What read back a value computed from `source`, if anything did (Tape.readBacks). */
export function readBackOf(tape: Tape, source: Tensor): string | null {
  if (tape.readBacks.length === 0) return null;
  const reached = new Set([source.id]);
  for (const node of tape.nodes) {
    if (node.inputIds.some((id) => reached.has(id))) node.outputIds.forEach((id) => reached.add(id));
  }
  return tape.readBacks.find(({ id }) => reached.has(id))?.what ?? null;
}

/** Runs `fn(name, inputs, attrs)` as an op; the tape needs only add, zerosLike and cast. */
export type RunOp = (name: string, inputs: Tensor[], attrs?: Record<string, unknown>) => Tensor;

/** Zeros shaped like x; float32 for an int32 or bool x, whose gradients are float as in TF.js. */
function zeroGradient(x: Tensor, runOp: RunOp): Tensor {
  const zeros = runOp('zerosLike', [x]);
  return x.dtype === 'int32' || x.dtype === 'bool' ? runOp('cast', [zeros], { dtype: 'float32' }) : zeros;
}

/**
 * Walks the tape backwards from `y` (seeded with `dy`) and returns the
 * accumulated gradient of each source, or null where no path leads to it
 * (a path through ops that give an input no gradient gives zeros).
 * Runs inside the caller's tidy; ops it runs are recorded on outer tapes,
 * which is what makes higher-order gradients work.
 */
export function backprop(tape: Tape, y: Tensor, dy: Tensor, sources: Tensor[], runOp: RunOp): (Tensor | null)[] {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  // Tensors on a path to y whose gradient is zero: an op gave them none (indices, conditions,
  // piecewise-constant ops). A source among them gets zeros, as in TF.js; no zeros flow meanwhile.
  const zero = new Set<number>();
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    if (!node.outputIds.some((id) => grads.has(id))) {
      if (node.outputIds.some((id) => zero.has(id))) node.inputIds.forEach((id) => tape.watched.has(id) && zero.add(id));
      continue;
    }
    const dys = node.outputIds.map((id, k) => grads.get(id) ?? runOp('zerosLike', [node.outputs[k]]));
    const needsGrad = node.inputIds.map((id) => tape.watched.has(id));
    const inputGrads = node.grad(dys, { inputs: node.inputs, outputs: node.outputs, saved: node.saved, needsGrad }, node.attrs);
    if (inputGrads.length !== node.inputIds.length) {
      throw new Error(`tensorweb: gradient of ${node.opName} returned ${inputGrads.length} gradients for ${node.inputIds.length} inputs`);
    }
    inputGrads.forEach((g, k) => {
      const id = node.inputIds[k];
      if (!tape.watched.has(id)) return;
      if (!g) {
        zero.add(id);
        return;
      }
      const input = node.inputs[k];
      if (g.shape.length !== input.shape.length || g.shape.some((d, i) => d !== input.shape[i])) {
        throw new Error(`tensorweb: gradient of ${node.opName} for input ${k} has shape [${g.shape}], the input has [${input.shape}]`);
      }
      const previous = grads.get(id);
      grads.set(id, previous ? runOp('add', [previous, g]) : g);
    });
  }
  return sources.map((x) => grads.get(x.id) ?? (zero.has(x.id) ? zeroGradient(x, runOp) : null));
}
