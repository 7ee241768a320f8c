// Byte-level BPE (GPT-2's tokenizer), built from a Hugging Face tokenizer.json
// and giving the ids its `tokenizers` library gives: added tokens are split
// out first; the rest is cut by GPT-2's pre-tokenizer pattern, each piece's
// UTF-8 bytes are written as GPT-2's printable byte characters, and merges
// join adjacent symbols, the lowest-ranked pair first. Decoding maps the
// characters back to bytes and reads them as UTF-8.

/** A Hugging Face tokenizer.json, as converted models carry it in `metadata.tokenizer.config`. */
export interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[]; [key: string]: unknown };
  added_tokens?: { id: number; content: string; special?: boolean; single_word?: boolean; lstrip?: boolean; rstrip?: boolean }[];
  normalizer?: unknown;
  pre_tokenizer?: { type: string; add_prefix_space?: boolean; use_regex?: boolean } | null;
  decoder?: { type: string } | null;
  [key: string]: unknown;
}

// GPT-2's pattern, with Unicode's White_Space for Rust regex's \s (JavaScript's \s differs on U+0085 and U+FEFF).
const PIECES = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for code points from 256 up. */
function byteCharacters(): string[] {
  const chars: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCodePoint(printable ? b : next++);
  }
  return chars;
}
const BYTE_CHARS = byteCharacters();
const CHAR_BYTES = new Map(BYTE_CHARS.map((char, byte) => [char, byte]));

function fail(message: string): never {
  throw new Error(`BPE tokenizer: ${message}`);
}

export class BPETokenizer {
  /** Tokens by id (gaps, if the vocabulary has any, are undefined). */
  readonly vocab: readonly (string | undefined)[];
  /** Added tokens by content, matched in the raw text before anything else. */
  readonly addedTokens: ReadonlyMap<string, number>;
  private readonly ids = new Map<string, number>();
  private readonly special = new Set<number>();
  private readonly ranks = new Map<string, number>();
  private readonly addPrefixSpace: boolean;
  private readonly ignoreMerges: boolean;
  private readonly addedPattern: RegExp | null;
  private readonly cache = new Map<string, number[]>();

  /** From a tokenizer.json's parsed contents: a BPE model with the ByteLevel pre-tokenizer and decoder. */
  constructor(json: TokenizerJson) {
    if (json === null || typeof json !== 'object' || json.model === null || typeof json.model !== 'object') {
      fail('the config must be a tokenizer.json object with a model');
    }
    const { model } = json;
    if (model.type !== 'BPE') fail(`model.type is ${JSON.stringify(model.type)}, not "BPE"`);
    if (model.dropout != null) fail('model.dropout is set: only deterministic BPE is supported');
    for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
      if (model[key]) fail(`model.${key} ${JSON.stringify(model[key])} is not supported (byte-level BPE has none)`);
    }
    if (json.normalizer != null) fail(`normalizer ${JSON.stringify((json.normalizer as { type?: string }).type)} is not supported`);
    if (json.pre_tokenizer?.type !== 'ByteLevel' || json.pre_tokenizer.use_regex === false) {
      fail(`pre_tokenizer must be ByteLevel with use_regex, got ${JSON.stringify(json.pre_tokenizer?.type ?? null)}`);
    }
    if (json.decoder != null && json.decoder.type !== 'ByteLevel') fail(`decoder ${JSON.stringify(json.decoder.type)} is not ByteLevel`);
    this.addPrefixSpace = json.pre_tokenizer.add_prefix_space === true;
    this.ignoreMerges = model.ignore_merges === true;
    if (model.vocab === null || typeof model.vocab !== 'object') fail('model.vocab must be an object of token: id');
    const vocab: (string | undefined)[] = [];
    for (const [token, id] of Object.entries(model.vocab)) {
      if (!Number.isInteger(id) || id < 0) fail(`model.vocab[${JSON.stringify(token)}] is ${JSON.stringify(id)}, not an id`);
      this.ids.set(token, id);
      vocab[id] = token;
    }
    if (!Array.isArray(model.merges)) fail('model.merges must be an array');
    model.merges.forEach((merge, rank) => {
      const pair = typeof merge === 'string' ? merge.split(' ') : merge;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        fail(`model.merges[${rank}] is ${JSON.stringify(merge)}, not a pair of tokens`);
      }
      if (!this.ranks.has(`${pair[0]} ${pair[1]}`)) this.ranks.set(`${pair[0]} ${pair[1]}`, rank);
    });
    const added = new Map<string, number>();
    for (const [k, token] of (json.added_tokens ?? []).entries()) {
      if (typeof token?.content !== 'string' || !Number.isInteger(token.id)) fail(`added_tokens[${k}] needs a content and an id`);
      if (token.single_word || token.lstrip || token.rstrip) fail(`added_tokens[${k}] (${JSON.stringify(token.content)}): single_word, lstrip and rstrip are not supported`);
      added.set(token.content, token.id);
      this.ids.set(token.content, token.id);
      vocab[token.id] = token.content;
      if (token.special) this.special.add(token.id);
    }
    this.vocab = vocab;
    this.addedTokens = added;
    // Longest first, as the library's leftmost-longest match.
    const contents = [...added.keys()].sort((a, b) => b.length - a.length);
    this.addedPattern = contents.length
      ? new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu') : null;
  }

  /** The tokenizer a converted model carries in `metadata.tokenizer` (`tensorweb convert --tokenizer`). */
  static fromMetadata(metadata: Record<string, unknown>): BPETokenizer {
    const tokenizer = metadata?.tokenizer as { type?: string; config?: TokenizerJson } | undefined;
    if (tokenizer === undefined) fail('the model\'s metadata has no tokenizer');
    if (tokenizer?.type !== 'huggingface') fail(`the model's metadata.tokenizer.type is ${JSON.stringify(tokenizer?.type)}, not "huggingface"`);
    return new BPETokenizer(tokenizer.config!);
  }

  /** The id of `token`, or undefined when the vocabulary lacks it. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** The BPE pieces of one pre-tokenized piece, as ids. */
  private pieceIds(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const chars = Array.from(new TextEncoder().encode(piece), (b) => BYTE_CHARS[b]);
    const whole = chars.join('');
    let symbols = chars;
    if (!(this.ignoreMerges && this.ids.has(whole))) {
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < symbols.length; i++) {
          const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
          if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
        }
        if (best < 0) break;
        const [left, right] = [symbols[best], symbols[best + 1]];
        const merged: string[] = [];
        for (let i = 0; i < symbols.length; i++) {
          if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) merged.push(left + symbols[++i]);
          else merged.push(symbols[i]);
        }
        symbols = merged;
      }
    } else {
      symbols = [whole];
    }
    const ids = symbols.map((symbol) => this.ids.get(symbol) ?? fail(`no id for ${JSON.stringify(symbol)} (the vocabulary lacks a byte)`));
    this.cache.set(piece, ids);
    return ids;
  }

  /** The ids of `text`: added tokens as themselves, the text between them through byte-level BPE. */
  encode(text: string): number[] {
    if (typeof text !== 'string') fail(`encode takes a string, got ${typeof text}`);
    const ids: number[] = [];
    const encodeRun = (run: string) => {
      if (!run) return;
      const input = this.addPrefixSpace && !run.startsWith(' ') ? ` ${run}` : run;
      for (const [piece] of input.matchAll(PIECES)) ids.push(...this.pieceIds(piece));
    };
    let start = 0;
    for (const match of this.addedPattern ? text.matchAll(this.addedPattern) : []) {
      encodeRun(text.slice(start, match.index));
      ids.push(this.addedTokens.get(match[0])!);
      start = match.index! + match[0].length;
    }
    encodeRun(text.slice(start));
    return ids;
  }

  /** The text of `ids`, special tokens left out unless asked for; incomplete UTF-8 reads as U+FFFD. */
  decode(ids: readonly number[], { skipSpecialTokens = true }: { skipSpecialTokens?: boolean } = {}): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.vocab[id] ?? fail(`decode: no token has id ${id}`);
      if (skipSpecialTokens && this.special.has(id)) continue;
      if (this.addedTokens.has(token)) {
        bytes.push(...new TextEncoder().encode(token));
        continue;
      }
      for (const char of token) {
        const byte = CHAR_BYTES.get(char);
        if (byte === undefined) bytes.push(...new TextEncoder().encode(char));
        else bytes.push(byte);
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
}
