// tw.string (ops/string.ts): TF.js's string ops, their results and TF's checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('stringNGrams: padded, unpadded and short rows, with their splits', () => {
  const data = ['a', 'b', 'c', 'd', 'e', 'f'];
  const padded = tw.string.stringNGrams(data, tw.tensor1d([0, 4, 6], 'int32'), '|', [2, 3], 'LP', 'RP', -1, false);
  assert.deepEqual(padded.nGrams.dataSync(), ['LP|a', 'a|b', 'b|c', 'c|d', 'd|RP', 'LP|LP|a', 'LP|a|b', 'a|b|c', 'b|c|d',
    'c|d|RP', 'd|RP|RP', 'LP|e', 'e|f', 'f|RP', 'LP|LP|e', 'LP|e|f', 'e|f|RP', 'f|RP|RP']);
  assert.deepEqual([...padded.nGramsSplits.dataSync()], [0, 11, 18]);
  assert.equal(padded.nGrams.dtype, 'string');
  assert.equal(padded.nGramsSplits.dtype, 'int32');
  const short = tw.string.stringNGrams(data, tw.tensor1d([0, 4, 4, 6], 'int32'), '|', [3], 'L', 'R', 1, true);
  assert.deepEqual(short.nGrams.dataSync(), ['L|a|b', 'a|b|c', 'b|c|d', 'c|d|R', 'L|e|f', 'e|f|R']);
  assert.deepEqual([...short.nGramsSplits.dataSync()], [0, 4, 4, 6]);
  const none = tw.string.stringNGrams(['a'], tw.tensor1d([0, 0, 1], 'int32'), '|', [3], 'L', 'R', 0, false);
  assert.deepEqual(none.nGrams.dataSync(), []);
  assert.deepEqual([...none.nGramsSplits.dataSync()], [0, 0, 0]);
  tw.dispose([padded, short, none]);
});

test("stringNGrams checks its inputs with TF's messages", () => {
  const grams = (splits) => () => tw.string.stringNGrams(['a'], tw.tensor1d(splits, 'int32'), '|', [3], '', '', 0, false);
  assert.throws(grams([1, 1, 1]), /First split value must be 0, got 1/);
  assert.throws(grams([0, 1, 0]), /Invalid split value 0, must be in \[1, 1\]/);
  assert.throws(grams([0, 2, 1]), /Invalid split value 2, must be in \[0, 1\]/);
  assert.throws(grams([0, 0]), /Last split value must be data size. Expected 1, got 0/);
  assert.throws(() => tw.string.stringNGrams([['a']], tw.tensor1d([0, 1], 'int32'), '|', [1], '', '', 0, false), /Data must be a vector/);
  assert.throws(() => tw.string.stringNGrams(['a'], tw.tensor1d([0, 1]), '|', [1], '', '', 0, false), /Data splits must be of datatype int32/);
  assert.throws(() => tw.string.stringNGrams([1], tw.tensor1d([0, 1], 'int32'), '|', [1], '', '', 0, false),
    /Argument 'data' passed to 'stringNGrams' must be string tensor, but got float32 tensor/);
});

test('stringSplit: by each delimiter byte, by byte when empty, keeping empty tokens on request', () => {
  const check = (result, indices, values, shape) => {
    assert.deepEqual(result.indices.arraySync(), indices);
    assert.deepEqual(result.values.dataSync(), values);
    assert.deepEqual([...result.shape.dataSync()], shape);
    assert.deepEqual([result.indices.dtype, result.values.dtype, result.shape.dtype], ['int32', 'string', 'int32']);
    tw.dispose(result);
  };
  check(tw.string.stringSplit(['hello.cruel,world', 'hello cruel world'], '.,'),
    [[0, 0], [0, 1], [0, 2], [1, 0]], ['hello', 'cruel', 'world', 'hello cruel world'], [2, 3]);
  check(tw.string.stringSplit(['#a', 'b#'], '#', false), [[0, 0], [0, 1], [1, 0], [1, 1]], ['', 'a', 'b', ''], [2, 2]);
  check(tw.string.stringSplit(['hi', ''], ''), [[0, 0], [0, 1]], ['h', 'i'], [2, 2]);
  assert.throws(() => tw.string.stringSplit([['a']], ' '), /Input should be Tensor1D but received shape 1,1/);
  assert.throws(() => tw.string.stringSplit(['a'], [' ']), /Delimiter should be a scalar but received shape 1/);
});

test('stringToHashBucketFast keeps the shape and refuses fewer than one bucket', () => {
  const buckets = tw.string.stringToHashBucketFast([[['a'], ['b']], [['c'], ['d']]], 10);
  assert.deepEqual(buckets.shape, [2, 2, 1]);
  assert.deepEqual([...buckets.dataSync()], [9, 2, 2, 5]);
  assert.equal(buckets.dtype, 'int32');
  assert.deepEqual([...tw.string.stringToHashBucketFast(['a', 'b'], 1).dataSync()], [0, 0]);
  assert.throws(() => tw.string.stringToHashBucketFast(['a'], 0), /Number of buckets must be at least 1/);
  buckets.dispose();
});

test('staticRegexReplace: every match by default, the first on request, JavaScript regex syntax', () => {
  const text = ['this', 'test test', 'a  b   c'];
  assert.deepEqual(tw.string.staticRegexReplace(text, 'test', 'done').dataSync(), ['this', 'done done', 'a  b   c']);
  assert.deepEqual(tw.string.staticRegexReplace(text, 'test', 'done', false).dataSync(), ['this', 'done test', 'a  b   c']);
  assert.deepEqual(tw.string.staticRegexReplace(text, ' +', ' ').dataSync(), ['this', 'test test', 'a b c']);
  assert.deepEqual(tw.string.staticRegexReplace(tw.tensor2d([['ab'], ['cb']]), '(.)b', '$1!').arraySync(), [['a!'], ['c!']]);
});
