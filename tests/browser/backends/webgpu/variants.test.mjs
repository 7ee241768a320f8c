// Every kernel variant forced through the backend flags (vec4 on/off,
// split-K on/off, conv direct/GEMM, subgroups on/off, float16 packed/native), each checked against the CPU backend in
// the same page and shown to have run through the shader it names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../../helper.mjs';

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
});
after(() => session.close());

/**
 * Runs each case (a function of tw and seeded inputs) on the CPU and on
 * webgpu with `flags`; returns per case the largest error relative to
 * sqrt(K)-scaled tolerance, and the shaders webgpu dispatched.
 */
function runVariant(flags, caseNames, onPage = page) {
  return onPage.run(async (tw, { flags, caseNames }) => {
    const input = (shape, seed) => tw.randomUniform(shape, -1, 1, 'float32', seed);
    const CASES = {
      matMulVec4Shape: { k: 64, f: () => tw.matMul(input([2, 33, 64], 1), input([64, 36], 2)) },
      matMulTransposed: { k: 24, f: () => tw.matMul(input([24, 9], 3), input([7, 24], 4), true, true) },
      // (Products of several rows take matvec.wgsl from 2^18 multiply-adds on CPU adapters: these are larger.)
      matMulLongK: { k: 2048, f: () => tw.matMul(input([4, 2048], 5), input([2048, 36], 6)) },
      // 16 workgroups of the 16-row registers kernel (64 rows x 16 columns each).
      matMulLongKManyRows: { k: 1024, f: () => tw.matMul(input([256, 1024], 166), input([1024, 64], 167)) },
      // An odd count of 4-deep K steps, rows past a 16-row thread tile and 9 vec4 columns.
      matMulOddKSteps: { k: 20, f: () => tw.matMul(input([2, 37, 20], 39), input([20, 36], 40)) },
      // Large enough (2^27 multiply-adds) for the registers kernel's 32 rows per thread and two K steps per loop iteration.
      matMulTwoKSteps: { k: 512, f: () => tw.matMul(input([512, 512], 41), input([512, 512], 42)) },
      // Products of few rows (matvec.wgsl under 'auto'): one row with a long K, B transposed, batches broadcast.
      matMulSmallRows: { k: 32, f: () => tw.matMul(input([9, 32], 162), input([32, 32], 163)) },
      matVecRow: { k: 1028, f: () => tw.matMul(input([1, 1028], 70), input([1028, 36], 71)) },
      matVecTransposedB: { k: 200, f: () => tw.matMul(input([3, 200], 72), input([64, 200], 73), false, true) },
      matVecBatched: { k: 480, f: () => tw.matMul(input([3, 1, 2, 480], 74), input([2, 480, 48], 75)) },
      fusedMatVecBiasRelu: {
        k: 64, f: () => tw.fused.matMul({ a: input([1, 64], 76), b: input([64, 12], 77), bias: input([12], 78), activation: 'relu' }),
      },
      fusedMatVecTransposedBiasElu: {
        k: 96, f: () => tw.fused.matMul({ a: input([8, 96], 79), b: input([20, 96], 80), transposeB: true, bias: input([20], 81),
          activation: 'elu' }),
      },
      fusedMatMulBiasRelu: {
        k: 32, f: () => tw.fused.matMul({ a: input([20, 32], 7), b: input([32, 12], 8), bias: input([12], 9), activation: 'relu' }),
      },
      fusedMatMulFullBiasSigmoid: {
        k: 40, f: () => tw.fused.matMul({ a: input([6, 40], 10), b: input([40, 8], 11), bias: input([6, 8], 12), activation: 'sigmoid' }),
      },
      fusedMatMulPrelu: {
        k: 16, f: () => tw.fused.matMul({ a: input([5, 16], 13), b: input([16, 4], 14), bias: input([1], 15), activation: 'prelu',
          preluActivationWeights: input([4], 16) }),
      },
      // N off a multiple of 4 (103 and 42 columns, over 4096 outputs): on CPU adapters B and the bias are zero-padded
      // to a multiple of 4 for the vec4 kernels, the first N columns copied out.
      fusedMatMulPaddedColumns: {
        k: 64, f: () => tw.fused.matMul({ a: input([2, 40, 64], 102), b: input([64, 103], 103), bias: input([103], 104), activation: 'relu6' }),
      },
      // The same with an addend (a residual connection) and prelu: added, and prelu applied, after the padded product.
      fusedConv2dPointwisePaddedColumnsAddend: {
        k: 36, f: () => tw.fused.conv2d({ x: input([1, 16, 16, 36], 122), filter: input([1, 1, 36, 42], 123), strides: 1, pad: 'same',
          bias: input([42], 124), activation: 'prelu', preluActivationWeights: input([42], 125), addend: input([1, 16, 16, 42], 126) }),
      },
      fusedConv2dPointwisePaddedColumns: {
        k: 36, f: () => tw.fused.conv2d({ x: input([1, 16, 16, 36], 105), filter: input([1, 1, 36, 42], 106), strides: 1, pad: 'same',
          bias: input([42], 107), activation: 'relu' }),
      },
      conv2dVec4Channels: { k: 72, f: () => tw.conv2d(input([2, 9, 9, 8], 17), input([3, 3, 8, 12], 18), 1, 'same') },
      conv2dOddChannels: { k: 27, f: () => tw.conv2d(input([1, 8, 7, 3], 19), input([3, 3, 3, 5], 20), 2, 'valid') },
      // 3 input channels, zero-padded to 4 for the vec4 GEMM (with a fused bias and activation).
      conv2dPaddedChannels: {
        k: 27, f: () => tw.fused.conv2d({ x: input([2, 9, 9, 3], 58), filter: input([3, 3, 3, 16], 59), strides: 2, pad: 'same',
          bias: input([16], 60), activation: 'relu' }),
      },
      // Few input channels: conv_thin_input.wgsl on CPU adapters past maxIm2colBytes (8 pixels of a row x 16 channels a thread); a width off
      // a multiple of 8, Cout off a multiple of 16, more than 4 input channels, dilation.
      conv2dThinInput: {
        k: 75, f: () => tw.fused.conv2d({ x: input([2, 11, 13, 3], 112), filter: input([5, 5, 3, 24], 113), strides: 2, pad: 'same',
          bias: input([24], 114), activation: 'relu6' }),
      },
      conv2dThinInputFiveChannels: {
        k: 45, f: () => tw.conv2d(input([1, 9, 10, 5], 115), input([3, 3, 5, 8], 116), 1, 'same', 'NHWC', 2),
      },
      // A window covering x exactly (a head on the last feature map): a matmul of the images by the filter.
      conv2dWholeWindow: {
        k: 72, f: () => tw.fused.conv2d({ x: input([2, 3, 3, 8], 117), filter: input([3, 3, 8, 20], 118), strides: 3, pad: 'valid',
          bias: input([20], 119), activation: 'relu' }),
      },
      // Windows tiling the output exactly (stride = window): a matmul of dy by the filter, transposed into place.
      conv2dTransposeTiling: { k: 8, f: () => tw.conv2dTranspose(input([2, 3, 4, 8], 120), input([2, 2, 3, 8], 121), [2, 6, 8, 3], 2, 'same') },
      // An addend (a residual connection) and prelu in the kernels' epilogue: a 1x1 conv (registers matmul), one of few
      // pixels (matvec), a 3x3 conv and a first layer (on CPU adapters im2col and the registers matmul; past
      // maxIm2colBytes the registers conv GEMM and the thin-input kernel), a thin output (direct).
      fusedPointwiseAddendPrelu: {
        k: 32, f: () => tw.fused.conv2d({ x: input([1, 12, 12, 32], 127), filter: input([1, 1, 32, 16], 128), strides: 1, pad: 'valid',
          bias: input([16], 129), activation: 'prelu', preluActivationWeights: input([1, 1, 16], 130), addend: input([1, 12, 12, 16], 131) }),
      },
      fusedFewPixelsAddendPrelu: {
        k: 32, f: () => tw.fused.conv2d({ x: input([1, 3, 3, 32], 132), filter: input([1, 1, 32, 16], 133), strides: 1, pad: 'valid',
          bias: input([16], 134), activation: 'prelu', preluActivationWeights: input([16], 135), addend: input([1, 3, 3, 16], 136) }),
      },
      fused3x3AddendPrelu: {
        k: 72, f: () => tw.fused.conv2d({ x: input([2, 9, 9, 8], 137), filter: input([3, 3, 8, 12], 138), strides: 1, pad: 'same',
          bias: input([12], 139), activation: 'prelu', preluActivationWeights: input([12], 140), addend: input([2, 9, 9, 12], 141) }),
      },
      fusedThinInputAddendPrelu: {
        k: 27, f: () => tw.fused.conv2d({ x: input([1, 10, 11, 3], 142), filter: input([3, 3, 3, 16], 143), strides: 2, pad: 'same',
          bias: input([16], 144), activation: 'prelu', preluActivationWeights: input([16], 145), addend: input([1, 5, 6, 16], 146) }),
      },
      fusedThinOutputAddendRelu: {
        k: 72, f: () => tw.fused.conv2d({ x: input([1, 6, 6, 8], 147), filter: input([3, 3, 8, 2], 148), strides: 1, pad: 'same',
          bias: input([2], 149), activation: 'relu', addend: input([1, 6, 6, 2], 150) }),
      },
      // The depthwise kernels take neither: added, and prelu applied, after them.
      fusedDepthwiseAddendPrelu: {
        k: 9, f: () => tw.fused.depthwiseConv2d({ x: input([1, 7, 8, 8], 151), filter: input([3, 3, 8, 1], 152), strides: 1, pad: 'same',
          bias: input([8], 153), activation: 'prelu', preluActivationWeights: input([8], 154), addend: input([1, 7, 8, 8], 155) }),
      },
      // 1x1 convs the matmul would run in the scalar GEMM (K off a multiple of 4; N off one, on few pixels).
      conv2dPointwiseOddInput: {
        k: 42, f: () => tw.fused.conv2d({ x: input([1, 6, 6, 42], 156), filter: input([1, 1, 42, 12], 157), strides: 1, pad: 'valid',
          bias: input([12], 158), activation: 'relu', addend: input([1, 6, 6, 12], 159) }),
      },
      conv2dPointwiseThinOutput: { k: 24, f: () => tw.conv2d(input([1, 5, 5, 24], 160), input([1, 1, 24, 6], 161), 1, 'valid') },
      conv2dPointwise: { k: 16, f: () => tw.conv2d(input([1, 6, 6, 16], 21), input([1, 1, 16, 8], 22), 1, 'valid') },
      fusedConv2dBiasRelu6: {
        k: 36, f: () => tw.fused.conv2d({ x: input([1, 7, 7, 4], 23), filter: input([3, 3, 4, 8], 24), strides: 1, pad: 'same',
          bias: input([8], 25), activation: 'relu6' }),
      },
      conv2dBackpropFilter: {
        k: 2 * 12 * 12, f: () => tw.conv2dBackpropFilter(input([2, 12, 12, 3], 26), input([2, 12, 12, 4], 27), [3, 3, 3, 4], 1, 'same'),
      },
      conv2dTranspose: { k: 36, f: () => tw.conv2dTranspose(input([1, 5, 5, 4], 28), input([3, 3, 2, 4], 29), [1, 10, 10, 2], 2, 'same') },
      depthwise: { k: 9, f: () => tw.depthwiseConv2d(input([1, 9, 9, 6], 30), input([3, 3, 6, 2], 31), 1, 'same') },
      // Stride 2: taps written out, tile rows reading input rows of their own and columns shared between taps.
      depthwiseTileStrided: {
        k: 9, f: () => tw.fused.depthwiseConv2d({ x: input([2, 9, 10, 8], 36), filter: input([3, 3, 8, 1], 37), strides: 2, pad: 'same',
          bias: input([8], 38), activation: 'relu' }),
      },
      // Stride 1: taps written out, tile rows sharing input rows.
      depthwiseTile: {
        k: 9, f: () => tw.fused.depthwiseConv2d({ x: input([2, 7, 10, 8], 39), filter: input([3, 3, 8, 1], 40), strides: 1, pad: 'same',
          bias: input([8], 41), activation: 'relu6' }),
      },
      // 56 taps: more than conv.ts writes out; stride 1 slides the loops as written, stride 2 runs 4 pixels of a row per thread.
      depthwiseTileWideWindow: { k: 56, f: () => tw.depthwiseConv2d(input([1, 9, 11, 4], 42), input([8, 7, 4, 1], 43), 1, 'same') },
      // 5x5 stride 2: 4 pixels of a row per thread (its written-out taps compile too slowly on SwiftShader).
      depthwise5x5Strided: { k: 25, f: () => tw.depthwiseConv2d(input([1, 11, 12, 8], 68), input([5, 5, 8, 1], 69), 2, 'same') },
      depthwiseVec4WideWindowStrided: {
        k: 56, f: () => tw.depthwiseConv2d(input([1, 12, 11, 4], 44), input([7, 8, 4, 1], 45), 2, 'same'),
      },
      float16RoundTrip: { k: 1, f: () => tw.cast(tw.cast(tw.mul(input([37], 32), 1000), 'float16'), 'float32') },
      sumRows: { k: 300, f: () => tw.sum(input([7, 300], 33), 1) },
      maxColumns: { k: 45, f: () => tw.max(input([45, 6, 5], 34), [0, 2]) },
      meanLong: { k: 20000, f: () => tw.mean(input([20000], 35)) },
      // Elementwise: 4 elements per thread where the count (unary) or out's last dim (binary) is a multiple of 4.
      unaryVec4: { k: 1, f: () => tw.sigmoid(tw.leakyRelu(input([3, 8], 46), 0.3)) },
      unaryOddSize: { k: 1, f: () => tw.exp(input([7, 3], 47)) },
      binarySameShape: { k: 1, f: () => tw.sub(input([6, 8], 48), input([6, 8], 49)) },
      binaryScalar: { k: 1, f: () => tw.mul(input([5, 12], 50), 0.5) },
      binaryScalarFirst: { k: 1, f: () => tw.sub(tw.scalar(3), input([4, 8], 51)) },
      binaryRow: { k: 1, f: () => tw.maximum(input([3, 4, 8], 52), input([8], 53)) },
      binaryColumn: { k: 1, f: () => tw.sub(input([6, 8], 54), input([6, 1], 55)) },
      binaryOddLastDim: { k: 1, f: () => tw.add(input([5, 6], 61), input([5, 1], 62)) },
      // The four arithmetic ops of floats on one layout, and three of integers (one with a splat scalar).
      arithmeticFloat: { k: 4, f: () => {
        const a = input([6, 8], 170);
        const b = tw.add(input([6, 8], 171), 2);
        return tw.div(tw.mul(tw.sub(a, b), tw.add(a, b)), b);
      } },
      arithmeticInt: { k: 1, f: () => {
        const a = tw.cast(tw.mul(input([4, 8], 172), 50), 'int32');
        const b = tw.cast(tw.mul(input([4, 8], 173), 9), 'int32');
        return tw.mul(tw.sub(tw.add(a, b), tw.scalar(3, 'int32')), b);
      } },
      // Dims of 1 dropped and neighbours merged where both operands step alike: [2, 3, 1, 4, 8] by [3, 1, 1, 8]
      // runs as [2, 3, 32] (b's strides [0, 8, 0] in elements); a per-channel prelu over pixels as [pixels, channels].
      binaryMergedDims: { k: 1, f: () => tw.mul(input([2, 3, 1, 4, 8], 108), input([3, 1, 1, 8], 109)) },
      preluPerChannel: { k: 1, f: () => tw.prelu(input([1, 5, 6, 12], 110), input([1, 1, 12], 111)) },
      // A softmax over rows of 12: max and sum broadcast back along the last dim.
      softmaxRows: { k: 12, f: () => tw.softmax(input([3, 5, 12], 63)) },
      softmaxMiddleAxis: { k: 7, f: () => tw.softmax(tw.mul(input([4, 7, 6], 82), 20), 1) },
      logSoftmaxFirstAxis: { k: 9, f: () => tw.logSoftmax(tw.mul(input([9, 20], 83), 20), 0) },
      // layerNorm over rows of 48 (gamma and beta per column), along a middle axis (gamma [7, 1] copied out over
      // [7, 6]), and over axes apart (transposed to the end and back) with gamma repeated along one of them, beta a scalar.
      layerNormRows: { k: 48, f: () => tw.layerNorm(tw.add(input([2, 5, 48], 84), 50), input([48], 85), input([48], 86)) },
      layerNormMiddleAxis: { k: 7, f: () => tw.layerNorm(input([4, 7, 6], 87), input([7, 1], 88), null, { axis: 1 }) },
      layerNormAxesApart: { k: 24, f: () => tw.layerNorm(input([4, 3, 6], 89), input([1, 6], 90), input([1], 91), { axis: [0, 2] }) },
      // batchNorm per channel (channels last), and with moments along a middle axis (copied out before the dispatch).
      batchNormChannels: {
        k: 1, f: () => tw.batchNorm(input([2, 5, 6], 92), input([6], 93), tw.add(input([6], 94), 2), input([6], 95), input([6], 96)),
      },
      batchNormMiddleAxis: { k: 1, f: () => tw.batchNorm(input([2, 5, 6], 97), input([5, 1], 98), tw.add(input([5, 1], 99), 2), null, input([5, 6], 100)) },
      lrnChannels: { k: 5, f: () => tw.localResponseNormalization(input([2, 3, 4, 9], 101), 2, 1, 0.5, 0.75) },
      // Copies: 4 elements per thread where the innermost dim runs contiguously in input and output.
      transposeKeepLast: { k: 1, f: () => tw.transpose(input([2, 3, 5, 8], 64), [0, 2, 1, 3]) },
      transposeLast: { k: 1, f: () => tw.transpose(input([3, 8], 65), [1, 0]) },
      // A fill (4 elements a thread, 21 elements), then the image's rows copied in (merged with their pixels).
      padImageRows: { k: 1, f: () => tw.pad(input([1, 3, 7, 3], 66), [[0, 0], [1, 0], [0, 1], [0, 0]], 1.5) },
      fillOddSize: { k: 1, f: () => tw.fill([7, 3], -2.5) },
      concatRows: { k: 1, f: () => tw.concat([input([2, 4], 66), input([3, 4], 67)], 0) },
      binaryInt: { k: 1, f: () => tw.cast(tw.mul(tw.cast(tw.mul(input([4, 8], 56), 10), 'int32'), tw.scalar(3, 'int32')), 'float32') },
      comparison: { k: 1, f: () => tw.cast(tw.greater(input([4, 8], 57), tw.zeros([8])), 'float32') },
    };
    const results = {};
    for (const name of caseNames) {
      const { k, f } = CASES[name];
      await tw.setBackend('cpu');
      const want = tw.tidy(f);
      const expected = await want.data();
      want.dispose();
      await tw.setBackend('webgpu');
      const backend = tw.engine().findBackend('webgpu');
      const saved = { ...backend.flags };
      // The variant named runs at once, not its quick stand-in nor a variant an earlier case compiled (see the
      // quickKernels and variantReuse tests below).
      backend.setFlags({ quickKernels: 'off', variantReuse: 'off', ...flags });
      try {
        const { result, kernels } = await tw.profile(() => tw.tidy(f));
        const got = await result.data();
        result.dispose();
        // float16 rounds to 11 bits; the rest are float32 sums of k products.
        const tolerance = name.startsWith('float16') ? 1e-3 : 1e-5 * Math.sqrt(k);
        let worst = 0;
        got.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - expected[i]) / (tolerance * (1 + Math.abs(expected[i]))));
        });
        results[name] = { worst, size: got.length, expectedSize: expected.length, shaders: [...new Set(kernels.map((kk) => kk.shader))] };
      } finally {
        backend.setFlags(saved);
      }
    }
    return results;
  }, { flags, caseNames });
}

const GEMM_CASES = ['matMulVec4Shape', 'matMulTransposed', 'matMulLongK', 'fusedMatMulBiasRelu', 'fusedMatMulFullBiasSigmoid',
  'fusedMatMulPrelu', 'conv2dVec4Channels', 'conv2dOddChannels', 'conv2dPaddedChannels', 'conv2dPointwise', 'fusedConv2dBiasRelu6',
  'conv2dBackpropFilter', 'conv2dTranspose', 'depthwise', 'depthwiseTileStrided', 'depthwiseTile',
  'depthwiseTileWideWindow', 'depthwiseVec4WideWindowStrided', 'depthwise5x5Strided'];

function assertAllMatch(results) {
  for (const [name, r] of Object.entries(results)) {
    assert.equal(r.size, r.expectedSize, `${name}: size`);
    assert.ok(r.worst <= 1, `${name}: differs from the CPU backend by ${r.worst.toFixed(2)}x the tolerance`);
  }
}

test('vec4 on, split-K off: vec4 matmul and conv kernels run, no split-K pass, results match the CPU', async () => {
  const results = await runVariant({ vec4: 'on', matmul: 'tiled', matvec: 'off', splitK: 'off', conv: 'gemm' }, GEMM_CASES);
  assertAllMatch(results);
  assert.ok(results.matMulVec4Shape.shaders.includes('matmul/matmul_vec4.wgsl'));
  assert.ok(results.conv2dVec4Channels.shaders.includes('conv/conv_vec4.wgsl'));
  assert.ok(results.conv2dPaddedChannels.shaders.includes('shape/strided_copy.wgsl') &&
    results.conv2dPaddedChannels.shaders.includes('conv/conv_vec4.wgsl'), '3 input channels padded to 4 for the vec4 GEMM');
  assert.ok(results.conv2dPointwise.shaders.includes('matmul/matmul_vec4.wgsl'), '1x1 conv runs as a matmul');
  for (const name of ['depthwiseTileStrided', 'depthwiseTile', 'depthwiseTileWideWindow']) {
    assert.ok(results[name].shaders.includes('conv/depthwise_conv2d_vec4_tile.wgsl'), `${name} ran a tile of pixels per thread`);
  }
  // 8 tile rows for the stride-1 3x3 window, 4 for the strided one and the wide window.
  const tileKeys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()]))
    .filter((key) => key.startsWith('conv/depthwise_conv2d_vec4_tile.wgsl|'));
  assert.ok(tileKeys.some((key) => key.includes('"TILE_ROWS":8')) && tileKeys.some((key) => key.includes('"TILE_ROWS":4')), tileKeys.join('\n'));
  assert.ok(results.depthwiseVec4WideWindowStrided.shaders.includes('conv/depthwise_conv2d_vec4.wgsl'), '4 pixels per thread');
  assert.ok(results.depthwise5x5Strided.shaders.includes('conv/depthwise_conv2d_vec4.wgsl'), '5x5 stride 2: 4 pixels per thread');
  assert.ok(results.depthwise.shaders.includes('conv/depthwise_conv2d.wgsl'), 'a channel multiplier of 2 runs the scalar kernel');
  assert.ok(results.matMulTransposed.shaders.includes('matmul/matmul.wgsl'), 'transposed operands fall back to the scalar kernel');
  for (const [name, r] of Object.entries(results)) assert.ok(!r.shaders.includes('matmul/split_k_reduce.wgsl'), `${name} used split-K`);
});

test('vec4 off, split-K on: scalar kernels only, partial products summed by split_k_reduce, results match the CPU', async () => {
  const results = await runVariant({ vec4: 'off', splitK: 'on', conv: 'gemm' }, GEMM_CASES);
  assertAllMatch(results);
  for (const [name, r] of Object.entries(results)) assert.ok(!r.shaders.some((s) => s.includes('vec4')), `${name} used a vec4 kernel`);
  for (const name of ['matMulVec4Shape', 'matMulLongK', 'fusedMatMulBiasRelu', 'fusedMatMulFullBiasSigmoid', 'conv2dBackpropFilter']) {
    assert.ok(results[name].shaders.includes('matmul/split_k_reduce.wgsl'), `${name} did not split K`);
  }
  assert.ok(results.conv2dOddChannels.shaders.includes('conv/conv.wgsl'));
});

/**
 * The registers matmul's pipeline cache keys: its rows per thread and K steps
 * are pipeline constants, visible only there.
 */
async function registersMatMulKeys() {
  const keys = await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()]);
  return keys.filter((key) => key.startsWith('matmul/matmul_vec4_registers.wgsl|'));
}

const CONV_CASES = ['conv2dVec4Channels', 'conv2dOddChannels', 'fusedConv2dBiasRelu6', 'conv2dTranspose'];

test('registers matmul on CPU adapters: products with a bias and without share the 16-row pipeline (a zero bias bound); results match the CPU', async () => {
  await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    tw.engine().findBackend('webgpu').pipelines.clear();
  });
  const results = await runVariant({ quickKernels: 'off', vec4: 'auto', matmul: 'auto', matvec: 'off', splitK: 'off' },
    ['matMulVec4Shape', 'matMulOddKSteps', 'fusedMatMulBiasRelu', 'conv2dPointwise']);
  assertAllMatch(results);
  const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
  const keys = (await registersMatMulKeys()).filter((key) => key.includes('"ROWS_PER_THREAD":16,'));
  if (!runsOnCpu) return;
  assert.ok(keys.length > 0 && keys.every((key) => key.includes('"HAS_BIAS":true')), keys.join('\n'));
});

test('vec4 matmul and conv in registers, with and without split-K: results match the CPU', async () => {
  const matMulCases = ['matMulVec4Shape', 'matMulLongK', 'matMulOddKSteps', 'fusedMatMulBiasRelu', 'conv2dPointwise'];
  const convCases = ['conv2dVec4Channels', 'fusedConv2dBiasRelu6', 'conv2dPaddedChannels'];
  for (const splitK of ['off', 'on']) {
    const results = await runVariant({ vec4: 'on', matmul: 'registers', matvec: 'off', splitK, conv: 'gemm' }, [...matMulCases, ...convCases]);
    assertAllMatch(results);
    for (const name of matMulCases) assert.ok(results[name].shaders.includes('matmul/matmul_vec4_registers.wgsl'), `${name} (split-K ${splitK})`);
    for (const name of convCases) assert.ok(results[name].shaders.includes('conv/conv_vec4_registers.wgsl'), `${name} (split-K ${splitK})`);
    assert.equal(results.matMulLongK.shaders.includes('matmul/split_k_reduce.wgsl'), splitK === 'on');
  }
  // Products this small take 16 rows per thread.
  const keys = await registersMatMulKeys();
  assert.ok(keys.some((key) => key.includes('"ROWS_PER_THREAD":16,"TWO_K_STEPS":false')), keys.join('\n'));
});

test('registers matmul with 32 rows per thread and two K steps per loop iteration (a 512³ product): results match the CPU', async () => {
  const results = await runVariant({ vec4: 'on', matmul: 'registers', matvec: 'off', splitK: 'off' }, ['matMulTwoKSteps']);
  assertAllMatch(results);
  assert.ok(results.matMulTwoKSteps.shaders.includes('matmul/matmul_vec4_registers.wgsl'));
  const keys = await registersMatMulKeys();
  assert.ok(keys.some((key) => key.includes('"ROWS_PER_THREAD":32,"TWO_K_STEPS":true')), keys.join('\n'));
});

test('quick variants (quickKernels on): 8-row registers matmul, direct conv, 4 pixels per thread for depthwise; results match the CPU', async () => {
  const matMulCases = ['matMulVec4Shape', 'matMulOddKSteps', 'fusedMatMulBiasRelu', 'conv2dPointwise'];
  const convCases = ['conv2dVec4Channels', 'fusedConv2dBiasRelu6', 'conv2dPaddedChannels'];
  const depthwiseCases = ['depthwiseTile', 'depthwiseTileStrided', 'depthwiseTileWideWindow'];
  // conv 'gemm': the implicit GEMMs, whose quick variant is the direct conv ('auto' takes im2col on CPU adapters).
  const results = await runVariant({ quickKernels: 'on', vec4: 'on', matmul: 'registers', matvec: 'off', splitK: 'off', conv: 'gemm' },
    [...matMulCases, ...convCases, ...depthwiseCases]);
  assertAllMatch(results);
  for (const name of matMulCases) assert.ok(results[name].shaders.includes('matmul/matmul_vec4_registers.wgsl'), name);
  for (const name of convCases) {
    assert.ok(results[name].shaders.includes('conv/conv_direct.wgsl') && !results[name].shaders.includes('conv/conv_vec4_registers.wgsl'), name);
  }
  for (const name of depthwiseCases) {
    assert.ok(results[name].shaders.includes('conv/depthwise_conv2d_vec4.wgsl') &&
      !results[name].shaders.includes('conv/depthwise_conv2d_vec4_tile.wgsl'), `${name}: ${results[name].shaders}`);
  }
  const keys = await registersMatMulKeys();
  assert.ok(keys.some((key) => key.includes('"ROWS_PER_THREAD":8,')), keys.join('\n'));
});

test('quickKernels auto: a slow best variant runs its quick stand-in until it has compiled in the background; a plan marks it background', async () => {
  const result = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const saved = { ...backend.flags };
    backend.setFlags({ quickKernels: 'auto', vec4: 'on' });
    try {
      // A window no other test here uses, so its tile pipeline is not compiled yet.
      const x = tw.randomUniform([1, 12, 12, 8], -1, 1, 'float32', 1);
      const filter = tw.randomUniform([3, 2, 8, 1], -1, 1, 'float32', 2);
      const conv = () => tw.depthwiseConv2d(x, filter, 1, 'same');
      const planned = backend.plan(() => conv().dispose());
      const shaders = async () => {
        const { result, kernels } = await tw.profile(conv);
        const values = await result.data();
        result.dispose();
        return { values: Array.from(values), shaders: kernels.map((k) => k.shader) };
      };
      const first = await shaders();
      await backend.bestVariantsReady();
      const later = await shaders();
      const worst = Math.max(...first.values.map((v, i) => Math.abs(v - later.values[i])));
      tw.dispose([x, filter]);
      return { planned: planned.map((p) => [p.shader, !!p.background]), first: first.shaders, later: later.shaders, worst };
    } finally {
      backend.setFlags(saved);
    }
  });
  assert.deepEqual(result.planned.find(([shader]) => shader === 'conv/depthwise_conv2d_vec4_tile.wgsl'),
    ['conv/depthwise_conv2d_vec4_tile.wgsl', true], JSON.stringify(result.planned));
  assert.deepEqual(result.first, ['conv/depthwise_conv2d_vec4.wgsl']);
  assert.deepEqual(result.later, ['conv/depthwise_conv2d_vec4_tile.wgsl']);
  assert.ok(result.worst < 1e-5, `the two variants differ by ${result.worst}`);
});

test('quickKernels auto: a plan compiles a best variant ahead where its stand-in, not compiled yet, would cost the run and its own compile more', async () => {
  const planned = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    const saved = { ...backend.flags };
    backend.setFlags({ quickKernels: 'auto', vec4: 'auto', matmul: 'auto', matvec: 'auto', splitK: 'off' });
    try {
      const background = (products) => {
        // No pipeline compiled, so the 8-row stand-in would be compiled too.
        backend.pipelines.clear();
        const a = tw.zeros([512, 256]);
        const b = tw.zeros([256, 512]);
        const specs = backend.plan(() => {
          for (let i = 0; i < products; i++) tw.matMul(a, b).dispose();
        });
        tw.dispose([a, b]);
        return specs.filter((spec) => spec.shader === 'matmul/matmul_vec4_registers.wgsl').map((spec) => [spec.constants.ROWS_PER_THREAD, !!spec.background]);
      };
      // ~0.25 ns more a multiply-add in the 8-row stand-in: twenty 512 x 256 x 512 products (1.3 G) ~0.34 s, less
      // than the 16-row variant's ~0.35 s compile, but with the stand-in's ~0.22 s more than it; two not. (Small
      // first: a plan's choice to compile a best variant ahead stands for later plans.)
      const small = background(2);
      return { small, large: background(20) };
    } finally {
      backend.setFlags(saved);
    }
  });
  assert.deepEqual(planned.large, [[16, false]], JSON.stringify(planned));
  assert.deepEqual(planned.small, [[16, true], [8, false]], JSON.stringify(planned));
});

test('variantReuse on: while sizes vary, new sizes run on a variant compiled for earlier ones and the best compiles in the background, as does each choice\'s any-size variant; outside, the best runs', async () => {
  // A fresh page, so that only these runs compiled anything.
  const fresh = await session.newPage();
  const result = await fresh.run(async (tw) => {
    await tw.setBackend('webgpu');
    const backend = tw.engine().findBackend('webgpu');
    backend.setFlags({ quickKernels: 'off', vec4: 'auto', matvec: 'auto' });
    // Uploaded values (no kernel makes them): sines of their index.
    const input = (shape, seed) => tw.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i + seed)), shape);
    const w = input([64, 32], 1);
    // A layer of a model whose row count varies (a batch or a sequence): matMul, a bias, an activation, a norm.
    const layer = (rows) => tw.tidy(() => tw.softmax(tw.tanh(tw.add(tw.matMul(input([rows, 64], rows), w), input([32], 2)))));
    const run = async (rows, sizesVary = true) => {
      const compiled = backend.stats.compiledAtDispatch;
      const { result, kernels } = await tw.profile(() => (sizesVary ? backend.whileSizesVary(() => layer(rows)) : layer(rows)));
      const values = Array.from(await result.data());
      result.dispose();
      await tw.setBackend('cpu');
      const y = layer(rows);
      const expected = Array.from(await y.data());
      y.dispose();
      await tw.setBackend('webgpu');
      return { rows, values, expected, shaders: kernels.map((k) => k.shader), compiledAtDispatch: backend.stats.compiledAtDispatch - compiled };
    };
    const out = { runs: [] };
    out.one = await run(1); // 1 row: matvec.wgsl, the first compiles
    out.forty = await run(40); // 40 rows would take a GEMM: they run on what 1 row compiled
    await backend.bestVariantsReady();
    out.fortyLater = await run(40);
    for (const rows of [7, 13, 2, 90]) out.runs.push(await run(rows));
    // Outside whileSizesVary: each kernel's best variant, as with variantReuse off.
    out.fixed = await run(3, false);
    backend.setFlags({ variantReuse: 'off' });
    out.best = await run(3);
    w.dispose();
    return out;
  });
  assert.ok(result.one.compiledAtDispatch > 0);
  assert.equal(result.one.shaders[0], 'matmul/matvec.wgsl');
  assert.equal(result.forty.compiledAtDispatch, 0, JSON.stringify(result.forty.shaders));
  assert.deepEqual(result.forty.shaders, result.one.shaders, 'the variants 1 row compiled');
  assert.notEqual(result.fortyLater.shaders[0], 'matmul/matvec.wgsl', 'the GEMM for 40 rows, once compiled');
  assert.deepEqual(result.fixed.shaders, result.best.shaders);
  for (const run of [result.one, result.forty, result.fortyLater, ...result.runs, result.fixed, result.best]) {
    const worst = Math.max(...run.values.map((v, i) => Math.abs(v - run.expected[i])));
    assert.ok(worst < 1e-5, `${run.rows} rows: ${worst}`);
  }
  for (const { rows, compiledAtDispatch } of result.runs) assert.equal(compiledAtDispatch, 0, `${rows} rows compiled ${compiledAtDispatch} pipelines at dispatch`);
  await fresh.close?.();
});

test('conv direct: convolutions and input gradients one thread per output (or per 4 channels), results match the CPU', async () => {
  const results = await runVariant({ conv: 'direct' }, CONV_CASES);
  assertAllMatch(results);
  for (const name of CONV_CASES) {
    assert.ok(results[name].shaders.includes('conv/conv_direct.wgsl'), `${name} did not run directly`);
    assert.ok(!results[name].shaders.some((s) => /conv\/conv(_vec4|_backprop_input)?\.wgsl/.test(s)), `${name} ran a GEMM`);
  }
  const keys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()]))
    .filter((key) => key.startsWith('conv/conv_direct.wgsl|'));
  for (const four of [true, false]) assert.ok(keys.some((key) => key.includes(`"FOUR_CHANNELS":${four}`)), keys.join('\n'));
});

test('conv gemm: the same convolutions as implicit GEMMs, results match the CPU', async () => {
  const results = await runVariant({ conv: 'gemm' }, CONV_CASES);
  assertAllMatch(results);
  assert.ok(results.conv2dOddChannels.shaders.includes('conv/conv.wgsl'));
  assert.ok(results.conv2dTranspose.shaders.includes('conv/conv_backprop_input.wgsl'));
  for (const name of CONV_CASES) assert.ok(!results[name].shaders.includes('conv/conv_direct.wgsl'), `${name} ran directly`);
});

test('auto: a long K with a small output splits K by itself (matvec off)', async () => {
  const results = await runVariant({ vec4: 'auto', matvec: 'off', splitK: 'auto' }, ['matMulLongK', 'matMulVec4Shape']);
  assertAllMatch(results);
  assert.ok(results.matMulLongK.shaders.includes('matmul/split_k_reduce.wgsl'));
  assert.ok(!results.matMulVec4Shape.shaders.includes('matmul/split_k_reduce.wgsl'));
});

test('auto: a CPU adapter splits K only under two workgroups a core, a GPU under 32', async () => {
  const results = await runVariant({ quickKernels: 'off', vec4: 'auto', matmul: 'registers', matvec: 'off', splitK: 'auto' },
    ['matMulLongKManyRows']);
  assertAllMatch(results);
  const { runsOnCpu, cpuCores } = await page.run((tw) => tw.engine().findBackend('webgpu').info);
  const workgroups = 16;
  assert.equal(results.matMulLongKManyRows.shaders.includes('matmul/split_k_reduce.wgsl'),
    runsOnCpu ? workgroups < 2 * cpuCores : workgroups < 32, `runsOnCpu ${runsOnCpu}, ${cpuCores} cores`);
});

/** Runs `work` with the webgpu backend's limit maxIm2colBytes at `bytes`, then restores it. */
async function withIm2colLimit(bytes, work) {
  const setLimit = (value) => page.run((tw, value) => tw.engine().findBackend('webgpu').setLimits({ maxIm2colBytes: value }), value);
  const before = await page.run((tw) => tw.engine().findBackend('webgpu').limits.maxIm2colBytes);
  await setLimit(bytes);
  try {
    return await work();
  } finally {
    await setLimit(before);
  }
}

test('auto: forward convs run as im2col and the registers matmul on CPU adapters (an implicit GEMM elsewhere, or past maxIm2colBytes); results match the CPU', async () => {
  // 8 -> 12 channels, 3 -> 24 (few input channels, more than 16 output ones: im2col too), 3 and 5 -> 16 or fewer (thin input).
  const names = ['conv2dVec4Channels', 'conv2dThinInput', 'fused3x3AddendPrelu'];
  const thinNames = ['conv2dPaddedChannels', 'conv2dThinInputFiveChannels', 'fusedThinInputAddendPrelu'];
  for (const quickKernels of ['off', 'on']) {
    const results = await runVariant({ quickKernels, vec4: 'auto', conv: 'auto' }, [...names, ...thinNames]);
    assertAllMatch(results);
    const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
    for (const name of names) {
      const shaders = results[name].shaders;
      assert.equal(shaders.includes('conv/im2col.wgsl') && shaders.includes('matmul/matmul_vec4_registers.wgsl'), runsOnCpu, `${name}: ${shaders}`);
      if (runsOnCpu) assert.ok(!shaders.some((shader) => shader.startsWith('conv/') && shader !== 'conv/im2col.wgsl'), `${name}: ${shaders}`);
    }
    for (const name of thinNames) assert.ok(!results[name].shaders.includes('conv/im2col.wgsl'), `${name}: ${results[name].shaders}`);
  }
  // Forced on any adapter.
  const forced = await runVariant({ conv: 'im2col' }, ['conv2dOddChannels', 'conv2dVec4Channels']);
  assertAllMatch(forced);
  for (const name of ['conv2dOddChannels', 'conv2dVec4Channels']) assert.ok(forced[name].shaders.includes('conv/im2col.wgsl'), name);
  // Past the limit: the implicit GEMMs.
  const limited = await withIm2colLimit(0, () => runVariant({ quickKernels: 'off', vec4: 'auto', conv: 'auto' }, names));
  assertAllMatch(limited);
  for (const name of names) assert.ok(!limited[name].shaders.includes('conv/im2col.wgsl'), `${name}: ${limited[name].shaders}`);
});

test('auto past maxIm2colBytes: convolutions of few input channels run conv_thin_input on CPU adapters, else the GEMM; results match the CPU', async () => {
  const names = ['conv2dThinInput', 'conv2dThinInputFiveChannels', 'conv2dPaddedChannels'];
  const results = await withIm2colLimit(0, () => runVariant({ quickKernels: 'off', vec4: 'auto', conv: 'auto' }, names));
  assertAllMatch(results);
  const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
  for (const name of names) {
    assert.equal(results[name].shaders.includes('conv/conv_thin_input.wgsl'), runsOnCpu, `${name}: ${results[name].shaders}`);
    if (runsOnCpu) assert.ok(!results[name].shaders.includes('shape/strided_copy.wgsl'), `${name}: x padded to 4 channels`);
  }
});

test('auto: a conv whose window covers x exactly runs as a matmul of the images by the filter; results match the CPU', async () => {
  for (const conv of ['auto', 'gemm']) {
    const results = await runVariant({ conv }, ['conv2dWholeWindow']);
    assertAllMatch(results);
    const shaders = results.conv2dWholeWindow.shaders;
    assert.ok(shaders.some((shader) => shader.startsWith('matmul/')) && !shaders.some((shader) => shader.startsWith('conv/')),
      `${conv}: ${shaders}`);
  }
});

test('a transposed conv whose windows tile its output runs conv_transpose_tiles.wgsl alone (conv auto or gemm); results match the CPU', async () => {
  for (const conv of ['auto', 'gemm']) {
    const results = await runVariant({ conv }, ['conv2dTransposeTiling']);
    assertAllMatch(results);
    const shaders = results.conv2dTransposeTiling.shaders.filter((shader) => shader !== 'elementwise/random.wgsl');
    assert.deepEqual(shaders, ['conv/conv_transpose_tiles.wgsl'], `${conv}: ${shaders}`);
  }
});

test('fused ops with an addend and prelu: the conv and matmul kernels apply both in their epilogue, depthwise after; results match the CPU', async () => {
  const fused = ['fusedPointwiseAddendPrelu', 'fusedFewPixelsAddendPrelu', 'fused3x3AddendPrelu', 'fusedThinInputAddendPrelu', 'fusedThinOutputAddendRelu'];
  for (const flags of [{ quickKernels: 'off' }, { quickKernels: 'on' }, { quickKernels: 'off', vec4: 'off' }, { quickKernels: 'off', splitK: 'on' }]) {
    const results = await runVariant(flags, [...fused, 'fusedDepthwiseAddendPrelu']);
    assertAllMatch(results);
    for (const name of fused) {
      // (generate.wgsl: the zeros of a filter padded to a multiple of 4 rows for the im2col matmul.)
      assert.ok(!results[name].shaders.some((shader) => shader.startsWith('elementwise/') && !['elementwise/random.wgsl', 'elementwise/generate.wgsl'].includes(shader)),
        `${JSON.stringify(flags)} ${name}: ${results[name].shaders}`);
    }
    assert.ok(results.fusedDepthwiseAddendPrelu.shaders.includes('elementwise/binary.wgsl'));
  }
});

test('auto: a 1x1 conv whose channels would send the matmul to the scalar GEMM runs directly on CPU adapters; results match the CPU', async () => {
  const names = ['conv2dPointwiseOddInput', 'conv2dPointwiseThinOutput'];
  const results = await runVariant({ vec4: 'auto', conv: 'auto' }, names);
  assertAllMatch(results);
  const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
  for (const name of names) {
    assert.equal(results[name].shaders.includes('conv/conv_direct.wgsl'), runsOnCpu, `${name}: ${results[name].shaders}`);
    assert.equal(results[name].shaders.includes('matmul/matmul.wgsl'), !runsOnCpu, `${name}: ${results[name].shaders}`);
  }
  const gemm = await runVariant({ vec4: 'auto', conv: 'gemm' }, names);
  assertAllMatch(gemm);
  for (const name of names) assert.ok(gemm[name].shaders.includes('matmul/matmul.wgsl'), name);
});

test('auto: a product whose N is off a multiple of 4 runs the vec4 kernels with N padded on CPU adapters, results match the CPU', async () => {
  const names = ['fusedMatMulPaddedColumns', 'fusedConv2dPointwisePaddedColumns', 'fusedConv2dPointwisePaddedColumnsAddend'];
  const results = await runVariant({ vec4: 'auto', matvec: 'auto', splitK: 'auto' }, names);
  assertAllMatch(results);
  const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
  for (const name of names) {
    assert.equal(results[name].shaders.includes('matmul/matmul.wgsl'), !runsOnCpu, `${name}: ${results[name].shaders}`);
    if (runsOnCpu) assert.ok(results[name].shaders.includes('shape/strided_copy.wgsl'), `${name}: the first N columns copied out`);
  }
  // vec4 off keeps the scalar GEMM.
  const scalar = await runVariant({ vec4: 'off' }, names);
  assertAllMatch(scalar);
  for (const name of names) assert.ok(scalar[name].shaders.includes('matmul/matmul.wgsl'), name);
});

/** The matmul shaders a case ran (its inputs are drawn by the random kernel). */
const matMulShaders = (result) => result.shaders.filter((shader) => shader.startsWith('matmul/'));

const MATVEC_CASES = ['matVecRow', 'matVecTransposedB', 'matVecBatched', 'fusedMatVecBiasRelu', 'fusedMatVecTransposedBiasElu',
  'matMulLongK'];

test('matvec auto: products of few rows run matvec.wgsl (B transposed or not, batched, fused), results match the CPU', async () => {
  const results = await runVariant({ matvec: 'auto', splitK: 'off' }, [...MATVEC_CASES, 'matMulVec4Shape', 'matMulTransposed']);
  assertAllMatch(results);
  for (const name of MATVEC_CASES) assert.deepEqual(matMulShaders(results[name]), ['matmul/matvec.wgsl'], name);
  assert.ok(!results.matMulVec4Shape.shaders.includes('matmul/matvec.wgsl'), '33 rows take a GEMM');
  assert.ok(!results.matMulTransposed.shaders.includes('matmul/matvec.wgsl'), 'a transposed A takes the scalar kernel');
  // One pipeline per row count: 1 (matVecRow), 2 (matVecBatched), 3, 4 and 8.
  const keys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()]))
    .filter((key) => key.startsWith('matmul/matvec.wgsl|'));
  for (const rows of [1, 2, 3, 4, 8]) assert.ok(keys.some((key) => key.includes(`"ROWS":${rows},`)), keys.join('\n'));
});

test('matvec on, with split-K: any row count in tiles of 8 rows, partials summed by split_k_reduce, results match the CPU', async () => {
  const results = await runVariant({ matvec: 'on', splitK: 'on' }, [...MATVEC_CASES, 'matMulVec4Shape', 'matMulOddKSteps']);
  assertAllMatch(results);
  for (const name of [...MATVEC_CASES, 'matMulVec4Shape', 'matMulOddKSteps']) assert.equal(matMulShaders(results[name])[0], 'matmul/matvec.wgsl', name);
  // K deep enough for two splits on any adapter (each a K step of 4 for up to 64 threads sharing a sum, twice over).
  for (const name of ['matVecRow', 'matMulLongK']) {
    assert.deepEqual(matMulShaders(results[name]), ['matmul/matvec.wgsl', 'matmul/split_k_reduce.wgsl'], name);
  }
});

test('auto: on CPU adapters small products of several rows take the registers kernel rather than matvec; results match the CPU', async () => {
  const results = await runVariant({ matvec: 'auto', splitK: 'off' }, ['matMulSmallRows']);
  assertAllMatch(results);
  const runsOnCpu = await page.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu);
  assert.deepEqual(matMulShaders(results.matMulSmallRows), [runsOnCpu ? 'matmul/matmul_vec4_registers.wgsl' : 'matmul/matvec.wgsl']);
});

test('matvec off: the same products take the GEMM kernels', async () => {
  const results = await runVariant({ matvec: 'off' }, MATVEC_CASES);
  assertAllMatch(results);
  for (const name of MATVEC_CASES) assert.ok(!results[name].shaders.includes('matmul/matvec.wgsl'), name);
});

const REDUCE_CASES = ['sumRows', 'maxColumns', 'meanLong'];

test('subgroups auto: reductions combine by subgroup shuffles where the adapter has subgroups, results match the CPU', async (t) => {
  const results = await runVariant({ subgroups: 'auto', reduce: 'workgroup' }, REDUCE_CASES);
  assertAllMatch(results);
  const hasSubgroups = await page.run(async (tw) => tw.engine().findBackend('webgpu').info.features.includes('subgroups'));
  t.diagnostic(`adapter subgroups: ${hasSubgroups}`);
  const expected = hasSubgroups ? 'reduce/reduce_subgroup.wgsl' : 'reduce/reduce.wgsl';
  for (const name of REDUCE_CASES) assert.ok(results[name].shaders.includes(expected), `${name} did not run ${expected}`);
});

test('subgroups off: the workgroup-memory tree reduction, results match the CPU', async () => {
  const results = await runVariant({ subgroups: 'off', reduce: 'workgroup' }, REDUCE_CASES);
  assertAllMatch(results);
  for (const name of REDUCE_CASES) {
    assert.ok(results[name].shaders.includes('reduce/reduce.wgsl'));
    assert.ok(!results[name].shaders.includes('reduce/reduce_subgroup.wgsl'));
  }
});

test('reduce thread: one thread per output loops over the axis, results match the CPU', async () => {
  const results = await runVariant({ reduce: 'thread' }, REDUCE_CASES);
  assertAllMatch(results);
  for (const name of REDUCE_CASES) {
    assert.ok(results[name].shaders.includes('reduce/reduce_per_thread.wgsl'), `${name} did not run a thread per output`);
    assert.ok(!results[name].shaders.some((s) => /reduce\/reduce(_subgroup)?\.wgsl/.test(s)), `${name} ran a workgroup per output`);
  }
});

test('reduce auto: on CPU adapters a thread per output for axes up to 4096 however few the outputs, a workgroup past them', async (t) => {
  const runsOnCpu = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    return tw.engine().findBackend('webgpu').info.runsOnCpu;
  });
  t.diagnostic(`adapter runs on CPU: ${runsOnCpu}`);
  // 7 sums of 300 and 15 softmax rows of 12 (fewer than 16 outputs), one mean of 20000.
  const results = await runVariant({ reduce: 'auto' }, ['sumRows', 'softmaxRows', 'meanLong']);
  assertAllMatch(results);
  assert.equal(results.sumRows.shaders.includes('reduce/reduce_per_thread.wgsl'), runsOnCpu);
  const softmaxKeys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()])).filter((key) => key.startsWith('norm/softmax.wgsl|'));
  assert.ok(softmaxKeys.some((key) => key.includes(`"THREAD_PER_ROW":${runsOnCpu}`)), softmaxKeys.join('\n'));
  assert.ok(!results.meanLong.shaders.includes('reduce/reduce_per_thread.wgsl'));
});

test('softmax and logSoftmax: one dispatch of norm/softmax.wgsl, a thread or a workgroup per row as the reduce flag says, results match the CPU', async () => {
  const cases = ['softmaxRows', 'softmaxMiddleAxis', 'logSoftmaxFirstAxis'];
  for (const reduce of ['thread', 'workgroup']) {
    const results = await runVariant({ reduce }, cases);
    assertAllMatch(results);
    // beside the inputs' random and scaling kernels, the softmax alone (its decomposition ran reductions and elementwise ops)
    const own = (result) => result.shaders.filter((s) => !['elementwise/random.wgsl', 'elementwise/binary.wgsl'].includes(s));
    for (const name of cases) assert.deepEqual(own(results[name]), ['norm/softmax.wgsl'], name);
  }
  const keys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()])).filter((key) => key.startsWith('norm/softmax.wgsl|'));
  for (const perRow of [true, false]) assert.ok(keys.some((key) => key.includes(`"THREAD_PER_ROW":${perRow}`)), keys.join('\n'));
});

test('layerNorm, batchNorm and localResponseNormalization: one dispatch of their norm shader (copies only for broadcasts and axes apart), results match the CPU', async () => {
  const single = { layerNormRows: 'norm/layer_norm.wgsl', batchNormChannels: 'norm/batch_norm.wgsl', lrnChannels: 'norm/lrn.wgsl' };
  const copied = { layerNormMiddleAxis: 'norm/layer_norm.wgsl', layerNormAxesApart: 'norm/layer_norm.wgsl', batchNormMiddleAxis: 'norm/batch_norm.wgsl' };
  const inputKernels = ['elementwise/random.wgsl', 'elementwise/binary.wgsl'];
  for (const reduce of ['thread', 'workgroup']) {
    const results = await runVariant({ reduce }, [...Object.keys(single), ...Object.keys(copied)]);
    assertAllMatch(results);
    for (const [name, shader] of Object.entries(single)) {
      assert.deepEqual(results[name].shaders.filter((s) => !inputKernels.includes(s)), [shader], name);
    }
    for (const [name, shader] of Object.entries(copied)) {
      assert.deepEqual(results[name].shaders.filter((s) => !inputKernels.includes(s)).sort(), [shader, 'shape/strided_copy.wgsl'], name);
    }
  }
  const keys = (await page.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()])).filter((key) => key.startsWith('norm/layer_norm.wgsl|'));
  for (const perRow of [true, false]) assert.ok(keys.some((key) => key.includes(`"THREAD_PER_ROW":${perRow}`)), keys.join('\n'));
});

test('float16: packed conversion (no shader-f16 needed) round-trips within half precision', async () => {
  const results = await runVariant({ f16: 'packed' }, ['float16RoundTrip']);
  assertAllMatch(results);
  assert.ok(results.float16RoundTrip.shaders.includes('elementwise/cast_f16_packed.wgsl'));
});

test('float16: native conversion runs where the adapter has shader-f16, and is refused clearly where not', async (t) => {
  const hasF16 = await page.run(async (tw) => {
    await tw.setBackend('webgpu');
    return tw.engine().findBackend('webgpu').hasF16;
  });
  t.diagnostic(`adapter shader-f16: ${hasF16}`);
  if (hasF16) {
    const results = await runVariant({ f16: 'native' }, ['float16RoundTrip']);
    assertAllMatch(results);
    assert.ok(results.float16RoundTrip.shaders.includes('elementwise/unary.wgsl'));
    assert.ok(!results.float16RoundTrip.shaders.includes('elementwise/cast_f16_packed.wgsl'));
  } else {
    await assert.rejects(runVariant({ f16: 'native' }, ['float16RoundTrip']), /shader-f16/);
  }
});

const ELEMENTWISE_CASES = ['unaryVec4', 'unaryOddSize', 'binarySameShape', 'binaryScalar', 'binaryScalarFirst', 'binaryRow',
  'binaryColumn', 'binaryOddLastDim', 'softmaxRows', 'binaryInt', 'comparison', 'transposeKeepLast', 'transposeLast', 'concatRows',
  'padImageRows', 'fillOddSize', 'binaryMergedDims', 'preluPerChannel'];

test('arithmetic on CPU adapters: add, sub, mul and div of a type share one binary pipeline for every layout, the op and the splats in params; results match the CPU', async () => {
  const fresh = await session.newPage();
  assertAllMatch(await runVariant({}, ['arithmeticFloat', 'arithmeticInt'], fresh));
  const { keys, runsOnCpu } = await fresh.run((tw) => {
    const backend = tw.engine().findBackend('webgpu');
    return { keys: [...backend.pipelines.keys()].filter((key) => key.startsWith('elementwise/binary.wgsl|')), runsOnCpu: backend.info.runsOnCpu };
  });
  const own = keys.filter((key) => /(add|sub|mul|div)_(f32|i32)\(a, b\)/.test(key));
  if (!runsOnCpu) {
    assert.equal(own.length, keys.length, keys.join('\n'));
    return;
  }
  assert.deepEqual(own, [], 'no op compiled its own pipeline');
  // Two layouts of each type (both operands a vec4 at a time; b a splat scalar, the `+ 2`, the `- 3`), one pipeline.
  assert.equal(keys.length, 2, keys.join('\n'));
  assert.equal(keys.filter((key) => key.includes('alias In = i32')).length, 1, keys.join('\n'));
});

test('elementwise and copies: vec4 off runs an element per thread, vec4 on 4 where shapes allow; results match the CPU', async () => {
  // A fresh page, so its pipeline cache holds only what these runs compiled.
  const fresh = await session.newPage();
  const vec4Pipelines = () => fresh.run((tw) => [...tw.engine().findBackend('webgpu').pipelines.keys()]
    .filter((key) => (key.startsWith('elementwise/') && key.includes('vec4<In>')) ||
      ((key.startsWith('shape/strided_copy.wgsl|') || key.startsWith('elementwise/generate.wgsl|')) && key.includes('vec4<u32>'))));
  assertAllMatch(await runVariant({ vec4: 'off' }, ELEMENTWISE_CASES, fresh));
  assert.deepEqual(await vec4Pipelines(), []);
  assertAllMatch(await runVariant({ vec4: 'on' }, ELEMENTWISE_CASES, fresh));
  const keys = await vec4Pipelines();
  assert.ok(keys.some((key) => key.startsWith('elementwise/unary.wgsl|')), keys.join('\n'));
  const binary = keys.filter((key) => key.startsWith('elementwise/binary.wgsl|'));
  if (await fresh.run((tw) => tw.engine().findBackend('webgpu').info.runsOnCpu)) {
    // On CPU adapters every layout (splat a, splat b, neither) reads both operands as params say.
    assert.ok(binary.every((key) => key.includes('params.a_splat') && key.includes('params.b_splat')), binary.join('\n'));
  } else {
    assert.ok(binary.some((key) => key.includes('let a_value = vec4<In>(a[a_index / 4u]')), 'a first operand splat along the last dim');
    assert.ok(binary.some((key) => key.includes('let b_value = vec4<In>(b[b_index / 4u]')), 'a second operand splat along the last dim');
    assert.ok(binary.some((key) => key.includes('let a_value = a[a_index]; let b_value = b[b_index]')), 'both operands a vec4 at a time');
  }
  assert.ok(keys.some((key) => key.includes('i32') && key.includes('vec4<In>')), 'int32 operands');
  assert.ok(keys.some((key) => key.startsWith('shape/strided_copy.wgsl|')), 'copies in vec4s');
  assert.ok(keys.some((key) => key.startsWith('elementwise/generate.wgsl|')), 'fills in vec4s');
});
