// WebGPU kernel of fft and ifft (spectral/dft.wgsl): each row of the last
// axis of a complex64 tensor transformed by a direct sum, a thread per output
// element, so lengths that are not powers of two work as they are; the
// twiddles are a table computed here in double precision.
import { sizeFromShape } from '../../../core/dtype.js';
import { type WebGpuKernel, gpu, groupsFor } from './common.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({ dft: 'spectral/dft.wgsl' });

export function fftKernel(inverse: boolean): WebGpuKernel {
  return (args) => {
    const backend = gpu(args);
    const { inputs: [x], outputs: [spec] } = args;
    const out = backend.allocate(spec.shape, 'complex64');
    const size = sizeFromShape(x.shape);
    if (size === 0) return [out];
    const n = x.shape[x.shape.length - 1];
    const table = new Float32Array(2 * n);
    for (let t = 0; t < n; t++) {
      table[2 * t] = Math.cos((2 * Math.PI * t) / n);
      table[2 * t + 1] = Math.sin((2 * Math.PI * t) / n);
    }
    const twiddles = backend.write(table, [n], 'complex64');
    backend.run({
      shader: SHADERS.dft,
      bindings: { x: x.dataId, twiddles, out, params: { size, n, sign: inverse ? 1 : -1, scale: inverse ? 1 / n : 1 } },
      workgroups: groupsFor(size),
    });
    // The pool reuses the buffer only after this dispatch is submitted.
    backend.disposeData(twiddles);
    return [out];
  };
}
