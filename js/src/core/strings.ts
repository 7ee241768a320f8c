// String tensors' storage: each element's UTF-8 bytes, as TF.js keeps them
// (its `encodeStrings` test helper and `Tensor.bytes()` hand these arrays
// around). Reading a string tensor decodes them; ops that compare or move
// strings see them as int32 codes (engine.runStringOp).
import type { StringValues } from './dtype.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeString(value: string): Uint8Array {
  return encoder.encode(value);
}

export function decodeString(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function decodeStrings(values: StringValues): string[] {
  return values.map(decodeString);
}

/**
 * Each string as an int32 code into `table`, the distinct strings of all of
 * `arrays` sorted as JS compares strings (TF.js's CPU kernels compare the
 * decoded strings with < and ==), so codes order and equal as the strings do.
 * The table always starts with the empty string, so code 0, which kernels
 * write where no input element lands (an index out of range), reads as ''.
 */
export function stringCodes(arrays: readonly StringValues[]): { table: StringValues; codes: Int32Array[] } {
  const byText = new Map<string, Uint8Array>([['', new Uint8Array(0)]]);
  const texts = arrays.map((values) => values.map((bytes) => {
    const text = decodeString(bytes);
    if (!byText.has(text)) byText.set(text, bytes);
    return text;
  }));
  const sorted = [...byText.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const codeOf = new Map(sorted.map((text, i) => [text, i]));
  return {
    table: sorted.map((text) => byText.get(text)!),
    codes: texts.map((list) => Int32Array.from(list, (text) => codeOf.get(text)!)),
  };
}
