// tw.string: TF.js's string ops. Like TF.js on every backend, they read their
// inputs on the CPU (string tensors live there) and build their results
// there, so they are plain functions rather than registry ops; the results
// are string and int32 tensors every other op takes.
import type { DataType } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { fingerprint64 } from '../core/farmhash.js';
import { decodeString, encodeString } from '../core/strings.js';
import type { Tensor } from '../core/tensor.js';
import { type TensorLike, withTensors } from './run.js';

/** The bytes of a string tensor argument, with TF.js's message when it is not one. */
function stringBytes(t: Tensor, argName: string, opName: string): Uint8Array[] {
  if (t.dtype !== 'string') throw new Error(`Argument '${argName}' passed to '${opName}' must be string tensor, but got ${t.dtype} tensor`);
  return getEngine().readBytes(t);
}

function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const makeTensor = (values: Uint8Array[] | Int32Array, shape: readonly number[], dtype: DataType) =>
  getEngine().makeTensor(values, shape, dtype);

/**
 * The n-grams of ragged string data (`data` split into rows by `dataSplits`),
 * joined by `separator`, each row padded with up to `padWidth` pads a side
 * (-1: width - 1, never more than width - 1); TensorFlow's StringNGrams.
 */
function stringNGrams(data: TensorLike, dataSplits: TensorLike, separator: string, nGramWidths: number[], leftPad: string,
  rightPad: string, padWidth: number, preserveShortSequences: boolean): { nGrams: Tensor; nGramsSplits: Tensor } {
  const op = 'stringNGrams';
  return withTensors(op, [['data', data, 'string'], ['dataSplits', dataSplits]], (tData, tSplits) => {
    if (tData.dtype !== 'string') throw new Error('Data must be of datatype string');
    if (tData.rank !== 1) throw new Error(`Data must be a vector, saw: ${tData.shape}`);
    if (tSplits.dtype !== 'int32') throw new Error('Data splits must be of datatype int32');
    const tokens = stringBytes(tData, 'data', op);
    const splits = tSplits.dataSync();
    checkSplits(splits, tokens.length);
    const [sep, left, right] = [separator, leftPad, rightPad].map(encodeString);
    const padOf = (width: number) => Math.min(padWidth < 0 ? width - 1 : padWidth, width - 1);
    const countOf = (length: number, width: number) => Math.max(0, length + 2 * padOf(width) - width + 1);
    const nGrams: Uint8Array[] = [];
    const rowSplits = new Int32Array(splits.length);
    // `count` n-grams of `width` from the row starting at token `start`, pads as TF's kernel places them.
    const emit = (start: number, width: number, count: number) => {
      const pad = padOf(width);
      for (let g = 0; g < count; g++) {
        const leftPads = Math.max(0, pad - g);
        const rightPads = Math.max(0, pad - (count - 1 - g));
        const first = start + (leftPads > 0 ? 0 : g - pad);
        const items = [...new Array<Uint8Array>(leftPads).fill(left),
          ...tokens.slice(first, first + width - leftPads - rightPads), ...new Array<Uint8Array>(rightPads).fill(right)];
        nGrams.push(joinBytes(items.flatMap((item, i) => (i === 0 ? [item] : [sep, item]))));
      }
    };
    if (tokens.length > 0) {
      for (let row = 0; row + 1 < splits.length; row++) {
        const [start, length] = [splits[row], splits[row + 1] - splits[row]];
        const before = nGrams.length;
        for (const width of nGramWidths) emit(start, width, countOf(length, width));
        // A short row still gives one n-gram of all its tokens (padded by padWidth), as TF's kernel does.
        if (preserveShortSequences && length > 0 && nGrams.length === before) {
          emit(start, length + 2 * padWidth, 1);
        }
        rowSplits[row + 1] = nGrams.length;
      }
    }
    return { nGrams: makeTensor(nGrams, [nGrams.length], 'string'), nGramsSplits: makeTensor(rowSplits, tSplits.shape, 'int32') };
  });
}

/** TF's checks of ragged splits, with its messages. */
function checkSplits(splits: ArrayLike<number>, size: number): void {
  if (splits.length === 0) return;
  if (splits[0] !== 0) throw new Error(`First split value must be 0, got ${splits[0]}`);
  for (let i = 1; i < splits.length; i++) {
    if (splits[i] < splits[i - 1] || splits[i] > size) {
      throw new Error(`Invalid split value ${splits[i]}, must be in [${splits[i - 1]}, ${size}]`);
    }
  }
  if (splits[splits.length - 1] !== size) {
    throw new Error(`Last split value must be data size. Expected ${size}, got ${splits[splits.length - 1]}`);
  }
}

/** The tokens of one string: at every byte of `delimiters` (each byte, if empty), empty tokens dropped if `skipEmpty`. */
function splitBytes(s: Uint8Array, delimiters: Uint8Array, skipEmpty: boolean): Uint8Array[] {
  if (s.length === 0) return [];
  if (delimiters.length === 0) return Array.from(s, (_, i) => s.subarray(i, i + 1));
  const tokens: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || delimiters.includes(s[i])) {
      if (!skipEmpty || i > start) tokens.push(s.slice(start, i));
      start = i + 1;
    }
  }
  return tokens;
}

/**
 * Splits each string of a vector at the bytes of `delimiter` into a sparse
 * [rows, longest row] matrix: its `indices`, `values` and dense `shape`.
 */
function stringSplit(input: TensorLike, delimiter: TensorLike, skipEmpty = true): { indices: Tensor; values: Tensor; shape: Tensor } {
  const op = 'stringSplit';
  return withTensors(op, [['input', input, 'string'], ['delimiter', delimiter, 'string']], (tInput, tDelimiter) => {
    if (tInput.rank !== 1) throw new Error(`Input should be Tensor1D but received shape ${tInput.shape}`);
    if (tDelimiter.rank !== 0) throw new Error(`Delimiter should be a scalar but received shape ${tDelimiter.shape}`);
    const [delimiters] = stringBytes(tDelimiter, 'delimiter', op);
    const rows = stringBytes(tInput, 'input', op).map((s) => splitBytes(s, delimiters, skipEmpty));
    const values = rows.flat();
    const indices = new Int32Array(values.length * 2);
    let at = 0;
    rows.forEach((tokens, r) => tokens.forEach((_, j) => {
      indices[at++] = r;
      indices[at++] = j;
    }));
    // Not Math.max(...lengths): a spread of 200,000 rows overflows the argument list.
    const longest = rows.reduce((m, tokens) => Math.max(m, tokens.length), 0);
    return {
      indices: makeTensor(indices, [values.length, 2], 'int32'),
      values: makeTensor(values, [values.length], 'string'),
      shape: makeTensor(Int32Array.of(rows.length, longest), [2], 'int32'),
    };
  });
}

/** Each string's bucket in [0, numBuckets): its farmhash Fingerprint64 modulo numBuckets, as TF's StringToHashBucketFast. */
function stringToHashBucketFast(input: TensorLike, numBuckets: number): Tensor {
  const op = 'stringToHashBucketFast';
  return withTensors(op, [['input', input, 'string']], (t) => {
    if (!(numBuckets >= 1)) throw new Error('Number of buckets must be at least 1');
    const buckets = BigInt(Math.floor(numBuckets));
    const out = Int32Array.from(stringBytes(t, 'input', op), (s) => Number(fingerprint64(s) % buckets));
    return makeTensor(out, t.shape, 'int32');
  });
}

/**
 * Replaces matches of the regular expression `pattern` (JavaScript's syntax,
 * as TF.js's CPU kernel uses) with `rewrite` in every string: all of them, or
 * the first when `replaceGlobal` is false.
 */
function staticRegexReplace(input: TensorLike, pattern: string, rewrite: string, replaceGlobal = true): Tensor {
  const op = 'staticRegexReplace';
  return withTensors(op, [['input', input, 'string']], (t) => {
    const regex = new RegExp(pattern, replaceGlobal ? 'g' : '');
    const out = stringBytes(t, 'input', op).map((s) => encodeString(decodeString(s).replace(regex, rewrite)));
    return makeTensor(out, t.shape, 'string');
  });
}

/** tw.string, as TF.js's tf.string. */
export const string = { stringNGrams, stringSplit, stringToHashBucketFast, staticRegexReplace };
