// Keras's MultiHeadAttention: per-head dense projections of query, key and
// value, scaled dot-product attention, and an output projection.
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { add, dropout, matMul, mul, reshape, softmax, sub, transpose, cast } from '../ops/index.js';
import type { KernelBiasArgs } from './core.js';
import { nextSeed } from './random.js';
import { type CallArgs, Layer, type LayerArgs, type LayerWeight, type Shape, isShapeList } from './topology.js';
import { WeightSpec } from './weights.js';

/** The projections' kernel and bias options are Dense's (no activation: attention has none). */
export interface MultiHeadAttentionArgs extends LayerArgs, Omit<KernelBiasArgs, 'activation'> {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  /** The last dimension of the output (default: the query's). */
  outputShape?: number | null;
}

interface Projection {
  kernel: LayerWeight;
  bias: LayerWeight | null;
}

/**
 * Inputs: [query, value] or [query, value, key], each [batch, steps, dim].
 * Call options: attentionMask ([batch, queries, keys], 1 = attend),
 * useCausalMask, and (when called on tensors) returnAttentionScores, which
 * makes the output [output, scores].
 */
export class MultiHeadAttention extends Layer {
  static override readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;
  readonly outputDim: number | null;
  readonly kernelSpec: WeightSpec;
  readonly biasSpec: WeightSpec;
  private projections: Record<'query' | 'key' | 'value' | 'output', Projection> | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    if (args.numHeads < 1 || args.keyDim < 1) throw new Error('tensorweb: multiHeadAttention: numHeads and keyDim must be positive');
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropoutRate = args.dropout ?? 0;
    this.useBias = args.useBias ?? true;
    this.outputDim = args.outputShape ?? null;
    this.kernelSpec = new WeightSpec('kernel', args, 'glorotUniform');
    this.biasSpec = new WeightSpec('bias', args, 'zeros');
  }

  override build(inputShape: Shape | Shape[]): void {
    if (!isShapeList(inputShape) || inputShape.length < 2) throw new Error(`tensorweb: layer '${this.name}' takes [query, value] or [query, value, key]`);
    const [queryShape, valueShape, keyShape = valueShape] = inputShape;
    const dim = (s: Shape) => s[s.length - 1] as number;
    const heads = this.numHeads;
    // Keras's EinsumDense weights: kernels [dim, heads, headDim] and biases [heads, headDim]; output [heads, valueDim, dim].
    const project = (name: string, inDim: number, headDim: number): Projection => ({
      kernel: this.kernelSpec.addTo(this, [inDim, heads, headDim], { name: `${name}/kernel` }),
      bias: this.useBias ? this.biasSpec.addTo(this, [heads, headDim], { name: `${name}/bias` }) : null,
    });
    const query = project('query', dim(queryShape), this.keyDim);
    const key = project('key', dim(keyShape), this.keyDim);
    const value = project('value', dim(valueShape), this.valueDim);
    const outDim = this.outputDim ?? dim(queryShape);
    const output = {
      kernel: this.kernelSpec.addTo(this, [heads, this.valueDim, outDim], { name: 'attention_output/kernel' }),
      bias: this.useBias ? this.biasSpec.addTo(this, [outDim], { name: 'attention_output/bias' }) : null,
    };
    this.projections = { query, key, value, output };
  }

  /** [batch, steps, dim] → [batch, heads, steps, headDim]. */
  private toHeads(x: Tensor, { kernel, bias }: Projection): Tensor {
    const [batch, steps, dim] = x.shape;
    const [, heads, headDim] = kernel.shape;
    let y = matMul(reshape(x, [batch * steps, dim]), reshape(kernel.variable, [dim, heads * headDim]));
    if (bias) y = add(y, reshape(bias.variable, [heads * headDim]));
    return transpose(reshape(y, [batch, steps, heads, headDim]), [0, 2, 1, 3]);
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [query, value, key = value] = list;
    const p = this.projections!;
    const q = mul(this.toHeads(query, p.query), 1 / Math.sqrt(this.keyDim));
    const k = this.toHeads(key, p.key);
    const v = this.toHeads(value, p.value);
    let scores = matMul(q, k, false, true); // [batch, heads, queries, keys]
    const mask = this.mask(args, query.shape[1], key.shape[1]);
    if (mask) {
      // Masked positions get a large negative logit, as Keras does.
      scores = add(scores, mul(sub(1, reshape(mask, [mask.shape[0], 1, ...mask.shape.slice(1)])), -1e9));
    }
    const weights = softmax(scores, -1);
    const attended = args.training && this.dropoutRate > 0 ? dropout(weights, this.dropoutRate, undefined, nextSeed()) : weights;
    const [batch, heads, steps, valueDim] = [query.shape[0], this.numHeads, query.shape[1], this.valueDim];
    const merged = reshape(transpose(matMul(attended, v), [0, 2, 1, 3]), [batch * steps, heads * valueDim]);
    const outDim = p.output.kernel.shape[2];
    let out = matMul(merged, reshape(p.output.kernel.variable, [heads * valueDim, outDim]));
    if (p.output.bias) out = add(out, p.output.bias.variable);
    const output = reshape(out, [batch, steps, outDim]);
    return args.returnAttentionScores ? [output, weights] : output;
  }

  /** The attention mask as float32 [batch | 1, queries, keys], combining the given one and the causal one. */
  private mask(args: CallArgs, queries: number, keys: number): Tensor | null {
    const given = args.attentionMask as Tensor | undefined;
    let mask = given ? cast(given, 'float32') : null;
    if (args.useCausalMask) {
      // Query i attends to keys 0..i.
      const lower = Float32Array.from({ length: queries * keys }, (_, n) => (n % keys <= Math.floor(n / keys) ? 1 : 0));
      const causal = tensor(lower, [1, queries, keys]);
      mask = mask ? mul(mask, causal) : causal;
    }
    return mask;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [queryShape] = inputShape as Shape[];
    return [...queryShape.slice(0, -1), this.outputDim ?? queryShape[queryShape.length - 1]];
  }

  override getConfig() {
    return {
      ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, dropout: this.dropoutRate,
      useBias: this.useBias, outputShape: this.outputDim, ...this.kernelSpec.config(), ...this.biasSpec.config(),
    };
  }
}
