// tw.io.decodeWeights / encodeWeights on hand-made manifests: every stored
// dtype, TF.js's per-tensor quantisation and per-channel vectors along any axis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

await tw.setBackend('cpu');

function bytesOf(...arrays) {
  const total = arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out.buffer;
}

test('plain weights of every dtype decode to their values', () => {
  const f32 = Float32Array.of(1.5, -2, 3.25);
  const i32 = Int32Array.of(-7, 8);
  const bool = Uint8Array.of(1, 0, 1, 1);
  const f16 = Uint16Array.of(0x3c00, 0xc000); // 1, -2
  const specs = [
    { name: 'a', shape: [3], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'int32' },
    { name: 'c', shape: [2, 2], dtype: 'bool' }, { name: 'd', shape: [2], dtype: 'float16' },
  ];
  const weights = tw.io.decodeWeights(specs, bytesOf(f32, i32, bool, f16));
  assert.deepEqual(Array.from(weights.get('a').dataSync()), [1.5, -2, 3.25]);
  assert.deepEqual(Array.from(weights.get('b').dataSync()), [-7, 8]);
  assert.deepEqual(weights.get('c').arraySync(), [[1, 0], [1, 1]]);
  assert.equal(weights.get('d').dtype, 'float16');
  assert.deepEqual(Array.from(weights.get('d').dataSync()), [1, -2]);
  tw.dispose([...weights.values()]);
});

test('uint8/uint16 codes dequantise as q * scale + min, per tensor or per channel along any axis', () => {
  const codes = Uint8Array.of(0, 1, 2, 3, 4, 5);
  const wide = Uint16Array.of(0, 1000, 65535);
  const specs = [
    { name: 'tensor', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'last', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: [1, 2, 3], min: [0, -1, -2], axis: 1 } },
    { name: 'first', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: [1, 10], min: [0, -100], axis: 0 } },
    { name: 'wide', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: -1 } },
  ];
  const weights = tw.io.decodeWeights(specs, bytesOf(codes, codes, codes, wide));
  const close = (name, expected) => weights.get(name).dataSync()
    .forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${name}[${i}]: ${v} vs ${expected[i]}`));
  close('tensor', [-1, -0.5, 0, 0.5, 1, 1.5]);
  close('last', [0, 1, 4, 3, 7, 13]);
  close('first', [0, 1, 2, -70, -60, -50]);
  close('wide', [-1, 0, 64.535]);
  tw.dispose([...weights.values()]);
});

test('malformed specs and short data are named and leave nothing behind', () => {
  const before = tw.memory().numTensors;
  assert.throws(() => tw.io.decodeWeights([{ name: 'x', shape: [4], dtype: 'float32' }], new ArrayBuffer(12)),
    /the weight data is 12 bytes, the weight specs need 16/);
  assert.throws(() => tw.io.decodeWeights([{ name: 'x', shape: [1.5], dtype: 'float32' }], new ArrayBuffer(4)),
    /weight 'x' has an invalid shape \[1.5\]/);
  assert.throws(() => tw.io.decodeWeights([{ name: 'x', shape: [1], dtype: 'float64' }], new ArrayBuffer(8)),
    /weight 'x' has unknown dtype 'float64'/);
  assert.throws(() => tw.io.decodeWeights([
    { name: 'x', shape: [1], dtype: 'float32' }, { name: 'x', shape: [1], dtype: 'float32' }], new ArrayBuffer(8)),
  /weight 'x' appears twice/);
  assert.equal(tw.memory().numTensors, before);
});

test('encodeWeights writes what decodeWeights reads back', async () => {
  const tensors = [
    { name: 'f', tensor: tw.tensor([[1.25, -3], [0, 7]]) }, { name: 'i', tensor: tw.tensor([3, -4], [2], 'int32') },
    { name: 'b', tensor: tw.tensor([true, false], [2], 'bool') }, { name: 'h', tensor: tw.tensor([0.5, -2], [2], 'float16') },
  ];
  const { weightSpecs, weightData } = await tw.io.encodeWeights(tensors);
  assert.equal(weightData.byteLength, 16 + 8 + 2 + 4);
  const back = tw.io.decodeWeights(weightSpecs, weightData);
  for (const { name, tensor } of tensors) {
    assert.equal(back.get(name).dtype, tensor.dtype);
    assert.deepEqual(back.get(name).arraySync(), tensor.arraySync());
  }
  tw.dispose([...back.values(), ...tensors.map((t) => t.tensor)]);
});
