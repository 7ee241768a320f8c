// Text generation with a converted decoder that keeps a KV cache: one graph
// serves the prompt (past length 0) and each later step, whose `present.*`
// outputs are the next step's `past_key_values.*` inputs (Optimum's names).
// The cache and the sampled token stay on the backend between steps: the
// token chosen on the device (argMax, or topk/softmax/cumsum and a seeded
// uniform draw) is the next step's input_ids, and its id is the one value
// read back per step.

import type { Tensor } from '../core/tensor.js';
import { dispose, keep, tidy } from '../core/globals.js';
import type { GraphModel } from '../graph/graph_model.js';
import { div, less, where } from '../ops/binary.js';
import { multinomial } from '../ops/composite.js';
import { tensor } from '../core/convert.js';
import { ones, range, zeros, zerosLike } from '../ops/creation.js';
import { softmax } from '../ops/nn.js';
import { argMax, cumsum, sum } from '../ops/reduction.js';
import { gather, reshape, slice, topk } from '../ops/shape.js';

/** What generate needs of a tokenizer (tw.text.BPETokenizer has it). */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export interface GenerateOptions {
  /** How many tokens to generate at most (default 32). */
  maxNewTokens?: number;
  /** 0 (the default) picks the likeliest token; above 0, tokens are drawn from softmax(logits / temperature). */
  temperature?: number;
  /** Draw among the k likeliest tokens only (0, the default: all). */
  topK?: number;
  /** Draw among the likeliest tokens whose probabilities add up to p (1, the default: all). */
  topP?: number;
  /** Step i draws from Philox key seed + i: a seed gives the same tokens every run (default: a random one). */
  seed?: number;
  /** Generation ends after yielding one of these ids. */
  stopTokens?: readonly number[];
}

export interface GeneratedToken {
  id: number;
  /** The text this token completes: '' while a character's UTF-8 bytes are still incomplete. */
  text: string;
}

/** The decoder's inputs and outputs by role, read from its names. */
interface DecoderLayout {
  ids: string;
  logits: string;
  /** Past input -> the present output that feeds it next step. */
  cache: [string, string][];
  attentionMask?: string;
  positionIds?: string;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function decoderLayout(model: GraphModel): DecoderLayout {
  const inputs = new Set(model.inputNodes);
  const outputs = new Set(model.outputNodes);
  if (!inputs.has('input_ids')) throw new Error(`generate: the model has no input_ids input (inputs: ${[...inputs].join(', ')})`);
  const cache: [string, string][] = [];
  for (const name of inputs) {
    const match = PAST.exec(name);
    if (!match) continue;
    const present = `present.${match[1]}.${match[2]}`;
    if (!outputs.has(present)) throw new Error(`generate: the model has input ${name} but no output ${present}`);
    cache.push([name, present]);
  }
  if (cache.length === 0) throw new Error('generate: the model has no past_key_values.N.key/value inputs (a decoder exported with its KV cache)');
  const known = new Set(['input_ids', 'attention_mask', 'position_ids', ...cache.map(([past]) => past)]);
  const other = [...inputs].filter((name) => !known.has(name));
  if (other.length > 0) throw new Error(`generate: the model's inputs ${other.join(', ')} are not a decoder's`);
  return {
    ids: 'input_ids',
    logits: outputs.has('logits') ? 'logits' : model.outputNodes[0],
    cache,
    attentionMask: inputs.has('attention_mask') ? 'attention_mask' : undefined,
    positionIds: inputs.has('position_ids') ? 'position_ids' : undefined,
  };
}

function checkOptions(options: GenerateOptions): Required<Omit<GenerateOptions, 'seed'>> & { seed: number } {
  const {
    maxNewTokens = 32, temperature = 0, topK = 0, topP = 1, stopTokens = [],
    seed = Math.floor(Math.random() * 2 ** 31),
  } = options;
  const bad = (name: string, what: string, value: unknown) => new Error(`generate: options.${name} must be ${what}, got ${JSON.stringify(value)}`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw bad('maxNewTokens', 'a positive integer', maxNewTokens);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw bad('temperature', 'a finite number >= 0', temperature);
  if (!Number.isInteger(topK) || topK < 0) throw bad('topK', 'an integer >= 0', topK);
  if (!(topP > 0 && topP <= 1)) throw bad('topP', 'in (0, 1]', topP);
  if (!Number.isInteger(seed)) throw bad('seed', 'an integer', seed);
  if (!Array.isArray(stopTokens) || stopTokens.some((id) => !Number.isInteger(id))) throw bad('stopTokens', 'an array of token ids', stopTokens);
  return { maxNewTokens, temperature, topK, topP, seed, stopTokens };
}

/** The next token (int32 [1]) from one row of logits [vocab], chosen on the backend. */
function chooseToken(row: Tensor, { temperature, topK, topP }: ReturnType<typeof checkOptions>, seed: number): Tensor {
  if (temperature === 0) return reshape(argMax(row, 0), [1]);
  const vocab = row.shape[0];
  const scaled = div(row, temperature);
  // top-k and top-p look at the likeliest tokens first, sorted by topk
  const sorted = (topK > 0 && topK < vocab) || topP < 1 ? topk(scaled, topK > 0 ? Math.min(topK, vocab) : vocab) : null;
  let probabilities = softmax(sorted ? sorted.values : scaled);
  if (topP < 1) {
    // keep a token while the tokens before it hold less than topP (the likeliest is always kept)
    const kept = where(less(cumsum(probabilities, 0, true), topP), probabilities, zerosLike(probabilities));
    probabilities = div(kept, sum(kept));
  }
  const choice = probabilities.size === 1 ? zeros([1], 'int32') : multinomial(probabilities, 1, seed, true);
  return sorted ? gather(sorted.indices, choice) : choice;
}

/**
 * Generates text after `prompt` (a string, or token ids) with a converted
 * decoder, yielding each token as it is chosen. Stopping the iteration early
 * (break) disposes the cache. Runs at batch 1.
 */
export async function* generate(model: GraphModel, tokenizer: TextTokenizer, prompt: string | readonly number[],
  options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
  const layout = decoderLayout(model);
  const settings = checkOptions(options);
  const promptIds = typeof prompt === 'string' ? tokenizer.encode(prompt) : [...prompt];
  if (promptIds.length === 0 || promptIds.some((id) => !Number.isInteger(id))) {
    throw new Error('generate: the prompt must encode to at least one token id');
  }
  const stops = new Set(settings.stopTokens);
  const shapes = new Map(model.inputs.map((d) => [d.name, d.shape]));
  // the prompt step's cache is empty: batch 1, the other free dimension (the past length) 0
  let cache = new Map(layout.cache.map(([past]) => [past,
    zeros(shapes.get(past)!.map((d, axis) => (d >= 0 ? d : axis === 0 ? 1 : 0)))]));
  let ids: Tensor = tensor(promptIds, [1, promptIds.length], 'int32');
  let pastLength = 0;
  const generated: number[] = [];
  let emitted = '';
  let extra: Tensor[] = [];
  try {
    for (let step = 0; step < settings.maxNewTokens; step++) {
      const length = ids.shape[1];
      extra = [];
      const feeds: Record<string, Tensor> = { [layout.ids]: ids, ...Object.fromEntries(cache) };
      if (layout.attentionMask) extra.push(feeds[layout.attentionMask] = ones([1, pastLength + length], 'int32'));
      if (layout.positionIds) {
        extra.push(feeds[layout.positionIds] = tidy(() => reshape(range(pastLength, pastLength + length, 1, 'int32'), [1, length])));
      }
      const names = [layout.logits, ...layout.cache.map(([, present]) => present)];
      const [logits, ...presents] = model.execute(feeds, names) as Tensor[];
      dispose([ids, ...extra, ...cache.values()]);
      cache = new Map(layout.cache.map(([past], k) => [past, presents[k]]));
      pastLength += length;
      const token = tidy(() => {
        const vocab = logits.shape[logits.rank - 1];
        const row = reshape(slice(logits, [0, length - 1, 0], [1, 1, vocab]), [vocab]);
        return keep(chooseToken(row, settings, (settings.seed + step) >>> 0));
      });
      logits.dispose();
      ids = reshape(token, [1, 1]);
      const id = (await token.data())[0];
      token.dispose();
      generated.push(id);
      const text = tokenizer.decode(generated);
      // hold back a character whose bytes the next tokens complete
      const complete = text.endsWith('\ufffd') ? emitted : text;
      yield { id, text: complete.slice(emitted.length) };
      emitted = complete;
      if (stops.has(id)) break;
    }
  } finally {
    // disposing is idempotent: a step that failed leaves its inputs here
    dispose([ids, ...extra, ...cache.values()]);
  }
}
