// BERT's WordPiece tokenizer, as Hugging Face's BertTokenizer runs it: clean the
// text (drop control characters, whitespace to spaces, spaces around CJK
// characters), lowercase and strip accents, split on whitespace and punctuation,
// then split each word greedily into the longest vocabulary pieces. Lengths and
// slices count code points, not UTF-16 units, as Python does.

/** The tokenizer's settings, as converted models carry them in `metadata.tokenizer`. */
export interface WordPieceConfig {
  type?: 'wordpiece';
  /** The vocabulary: a token's id is its index. */
  vocab: readonly string[];
  lowercase?: boolean;
  /** Drop combining marks after NFD decomposition; defaults to `lowercase`, as in BERT. */
  stripAccents?: boolean;
  tokenizeChineseChars?: boolean;
  continuingSubwordPrefix?: string;
  /** Words with more code points than this become `unkToken`. */
  maxInputCharsPerWord?: number;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  /** Longest encoding, [CLS] and [SEP] included; longer texts are truncated. */
  maxLength?: number;
}

/** One text ready for a model with `input_ids` and `attention_mask` inputs of shape [1, length]. */
export interface ModelInputs {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** How many of the ids are tokens ([CLS] and [SEP] included); the rest are padding. */
  tokenCount: number;
}

/** Padding for `encodeForModel`; with both, `padTo` rounded up to the multiple. */
export interface PaddingOptions {
  /** Pad to this many tokens; an error when the text has more. */
  padTo?: number;
  /** Pad up to a multiple of this (as Hugging Face's pad_to_multiple_of, even past maxLength). */
  padToMultipleOf?: number;
}

const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;
const PUNCTUATION = /^\p{P}$/u;

/** BERT counts every non-alphanumeric ASCII character as punctuation ($, +, ^ too), besides Unicode's P*. */
function isPunctuation(char: string): boolean {
  const code = char.codePointAt(0)!;
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) return true;
  return PUNCTUATION.test(char);
}

/** The CJK Unified Ideographs blocks BERT splits into one token per character (not Hangul or kana). */
function isChineseChar(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x20000 && code <= 0x2a6df)
    || (code >= 0x2a700 && code <= 0x2b73f) || (code >= 0x2b740 && code <= 0x2b81f) || (code >= 0x2b820 && code <= 0x2ceaf)
    || (code >= 0xf900 && code <= 0xfaff) || (code >= 0x2f800 && code <= 0x2fa1f);
}

function setting<T>(config: WordPieceConfig, key: keyof WordPieceConfig, kind: 'boolean' | 'string' | 'number', fallback: T): T {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== kind) throw new Error(`WordPiece tokenizer: ${key} must be a ${kind}, got ${JSON.stringify(value)}`);
  return value as T;
}

export class WordPieceTokenizer {
  readonly vocab: readonly string[];
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseChars: boolean;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly unkToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly maxLength: number;
  private readonly ids: Map<string, number>;

  /** Settings left out take BERT's (bert-base-uncased) defaults. */
  constructor(config: WordPieceConfig) {
    if (config === null || typeof config !== 'object') throw new Error('WordPiece tokenizer: the config must be an object with a vocab');
    if (config.type !== undefined && config.type !== 'wordpiece') {
      throw new Error(`WordPiece tokenizer: the config's type is ${JSON.stringify(config.type)}, not "wordpiece"`);
    }
    if (!Array.isArray(config.vocab) || config.vocab.length === 0) throw new Error('WordPiece tokenizer: vocab must be a non-empty array of tokens');
    this.vocab = config.vocab;
    this.ids = new Map();
    config.vocab.forEach((token, id) => {
      if (typeof token !== 'string') throw new Error(`WordPiece tokenizer: vocab[${id}] is not a string`);
      if (this.ids.has(token)) throw new Error(`WordPiece tokenizer: vocab has ${JSON.stringify(token)} twice (ids ${this.ids.get(token)} and ${id})`);
      this.ids.set(token, id);
    });
    this.lowercase = setting(config, 'lowercase', 'boolean', true);
    this.stripAccents = setting(config, 'stripAccents', 'boolean', this.lowercase);
    this.tokenizeChineseChars = setting(config, 'tokenizeChineseChars', 'boolean', true);
    this.continuingSubwordPrefix = setting(config, 'continuingSubwordPrefix', 'string', '##');
    this.maxInputCharsPerWord = setting(config, 'maxInputCharsPerWord', 'number', 100);
    this.unkToken = setting(config, 'unkToken', 'string', '[UNK]');
    this.clsToken = setting(config, 'clsToken', 'string', '[CLS]');
    this.sepToken = setting(config, 'sepToken', 'string', '[SEP]');
    this.padToken = setting(config, 'padToken', 'string', '[PAD]');
    this.maxLength = setting(config, 'maxLength', 'number', 512);
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) {
      throw new Error(`WordPiece tokenizer: maxLength must be an integer of at least 2 ([CLS] and [SEP]), got ${this.maxLength}`);
    }
    if (!Number.isInteger(this.maxInputCharsPerWord) || this.maxInputCharsPerWord < 1) {
      throw new Error(`WordPiece tokenizer: maxInputCharsPerWord must be a positive integer, got ${this.maxInputCharsPerWord}`);
    }
    for (const key of ['unkToken', 'clsToken', 'sepToken', 'padToken'] as const) {
      if (!this.ids.has(this[key])) throw new Error(`WordPiece tokenizer: ${key} ${JSON.stringify(this[key])} is not in the vocab`);
    }
  }

  /** The tokenizer a converted model describes in `metadata.tokenizer` (pass `model.metadata`). */
  static fromMetadata(metadata: Record<string, unknown>): WordPieceTokenizer {
    const tokenizer = metadata?.tokenizer as WordPieceConfig | undefined;
    if (tokenizer === undefined) throw new Error('WordPiece tokenizer: the model\'s metadata has no tokenizer');
    if (tokenizer?.type !== 'wordpiece') {
      throw new Error(`WordPiece tokenizer: the model's metadata.tokenizer.type is ${JSON.stringify(tokenizer?.type)}, not "wordpiece"`);
    }
    return new WordPieceTokenizer(tokenizer);
  }

  /** The id of `token`, or undefined when the vocab lacks it. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Cleaning, CJK spacing, lowercasing and accent stripping, before any split. */
  normalize(text: string): string {
    let cleaned = '';
    for (const char of text) {
      const code = char.codePointAt(0)!;
      if (code === 0 || code === 0xfffd || (CONTROL.test(char) && char !== '\t' && char !== '\n' && char !== '\r')) continue;
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r' || SPACE_SEPARATOR.test(char)) cleaned += ' ';
      else if (this.tokenizeChineseChars && isChineseChar(code)) cleaned += ` ${char} `;
      else cleaned += char;
    }
    if (this.lowercase) cleaned = cleaned.toLowerCase();
    if (this.stripAccents) cleaned = cleaned.normalize('NFD').replace(NONSPACING_MARK, '');
    return cleaned;
  }

  /** The normalised text split on whitespace, and around every punctuation character. */
  words(text: string): string[] {
    const words: string[] = [];
    for (const chunk of this.normalize(text).split(/\s+/u)) {
      let current = '';
      for (const char of chunk) {
        if (isPunctuation(char)) {
          if (current) words.push(current);
          words.push(char);
          current = '';
        } else {
          current += char;
        }
      }
      if (current) words.push(current);
    }
    return words;
  }

  /** Greedy longest-match-first pieces of one word; the unknown token when any part matches nothing. */
  wordPieces(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unkToken];
    const pieces: string[] = [];
    for (let start = 0; start < chars.length;) {
      let end = chars.length;
      let piece = '';
      for (; end > start; end--) {
        piece = (start === 0 ? '' : this.continuingSubwordPrefix) + chars.slice(start, end).join('');
        if (this.ids.has(piece)) break;
      }
      if (end === start) return [this.unkToken];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }

  /** The text's word pieces, without [CLS], [SEP] or truncation. */
  tokenize(text: string): string[] {
    return this.words(text).flatMap((word) => this.wordPieces(word));
  }

  /** [CLS] pieces [SEP] as ids, the pieces truncated so that the whole fits in maxLength. */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new Error(`WordPiece tokenizer: encode takes a string, got ${typeof text}`);
    const pieces = this.tokenize(text).slice(0, this.maxLength - 2);
    return [this.ids.get(this.clsToken)!, ...pieces.map((piece) => this.ids.get(piece)!), this.ids.get(this.sepToken)!];
  }

  /**
   * The encoding as int32 ids and attention mask, padded with padToken (mask 0) as the options ask:
   * texts of different lengths can then share one input shape.
   */
  encodeForModel(text: string, { padTo, padToMultipleOf }: PaddingOptions = {}): ModelInputs {
    const ids = this.encode(text);
    if (padTo !== undefined && (!Number.isInteger(padTo) || padTo < ids.length)) {
      throw new Error(`WordPiece tokenizer: padTo ${padTo} is shorter than the text's ${ids.length} tokens (or not an integer)`);
    }
    if (padToMultipleOf !== undefined && (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1)) {
      throw new Error(`WordPiece tokenizer: padToMultipleOf must be a positive integer, got ${padToMultipleOf}`);
    }
    const step = padToMultipleOf ?? 1;
    const length = Math.ceil((padTo ?? ids.length) / step) * step;
    const inputIds = new Int32Array(length).fill(this.ids.get(this.padToken)!);
    inputIds.set(ids);
    const attentionMask = new Int32Array(length);
    attentionMask.fill(1, 0, ids.length);
    return { inputIds, attentionMask, tokenCount: ids.length };
  }
}
