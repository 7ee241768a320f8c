// Compiling ahead of any model: on CPU adapters (SwiftShader, lavapipe) a
// pipeline takes 0.02-0.25 s to compile and a page's compiles run one at a
// time, so a model's load waits mostly on them (EfficientNet-Lite0's on
// SwiftShader: weights up at ~0.3 s, compiles done at ~0.7), yet most image
// models' first runs need the same few: the quick registers GEMM (every
// product, its epilogue in params), im2col, the depthwise conv's quick
// kernel, the binary kernel, a mean, a max pool, softmax. Once the backend
// has started they compile one by one while the page is idle, found as a
// model's are (a plan of a small network on placeholders: the kernels
// choose, nothing here names a shader), so that a model loaded later finds
// them compiled. A load that starts meanwhile compiles what it needs itself
// and the rest is dropped (WebGpuBackend's compileWhileUnused), so it is not
// slowed. GPUs compile quickly: nothing is done there. Off with
// tw.env().set('WEBGPU_PREWARM', false) before the backend starts.
import { sizeFromShape } from '../../core/dtype.js';
import { env } from '../../core/environment.js';
import { getEngine } from '../../core/engine.js';
import { fused, maxPool, mean, scalar, softmax, sub, tensor } from '../../ops/index.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from './backend.js';

env().registerFlag('WEBGPU_PREWARM', () => true);

/** A weight of zeros, uploaded as a model's are (not computed, as tw.zeros would be). */
function weight(shape: number[]): Tensor {
  return tensor(new Float32Array(sizeFromShape(shape)), shape);
}

/**
 * The small network planned, most needed first: an image shifted by a constant, a strided 3x3 conv on its 3
 * channels with relu6 (im2col and the GEMM), a 3x3 depthwise conv with relu6, a 1x1 conv (the GEMM again) and a
 * 2x2 max pool, at the sizes of a 224x224 classifier's first layers, then its head: a global average pool of a
 * 7x7 map, a dense layer and softmax. The kernels choose as they do for real models at those sizes.
 */
function commonNetwork(): void {
  const image = sub(weight([1, 224, 224, 3]), scalar(0.5));
  const stem = fused.conv2d({ x: image, filter: weight([3, 3, 3, 32]), strides: 2, pad: 'same', bias: weight([32]), activation: 'relu6' });
  const depthwise = fused.depthwiseConv2d({ x: stem, filter: weight([3, 3, 32, 1]), strides: 1, pad: 'same', bias: weight([32]), activation: 'relu6' });
  const pointwise = fused.conv2d({ x: depthwise, filter: weight([1, 1, 32, 16]), strides: 1, pad: 'valid', bias: weight([16]) });
  maxPool(pointwise, 2, 2, 'valid');
  softmax(fused.matMul({ a: mean(weight([1, 7, 7, 64]), [1, 2]), b: weight([64, 1000]), bias: weight([1000]) }));
}

/**
 * On CPU adapters (with WEBGPU_PREWARM on), compiles commonNetwork's pipelines while the page is idle and
 * `backend` is the active backend; resolves when they are compiled, or where nothing is done or a load took
 * over. A failure only warns: those pipelines then compile when a model needs them.
 */
export async function prewarmCommonPipelines(backend: WebGpuBackend): Promise<void> {
  if (!backend.info.runsOnCpu || !env().getBool('WEBGPU_PREWARM')) return;
  await backend.whenIdle();
  const engine = getEngine();
  if (!env().getBool('WEBGPU_PREWARM') || !engine.isActiveBackend(backend)) return;
  try {
    // Only the quick pipelines a first run takes: the best variants compile when a model's runs call for them.
    const specs = engine.unprofiled(() => backend.plan(() => engine.tidy(commonNetwork))).filter((spec) => !spec.background);
    await backend.compileWhileUnused(specs);
  } catch (error) {
    console.warn(`tensorweb: compiling the common pipelines ahead failed (${(error as Error).message}); they compile when needed`);
  }
}
