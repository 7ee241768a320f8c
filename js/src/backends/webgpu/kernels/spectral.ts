// WebGPU kernel of fft and ifft (spectral/dft.wgsl): each row of the last
// axis of a complex64 tensor transformed by a direct sum, a thread per output
// element, so lengths that are not powers of two work as they are.
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
    backend.run({
      shader: SHADERS.dft,
      bindings: { x: x.dataId, out, params: { size, n, sign: inverse ? 1 : -1, scale: inverse ? 1 / n : 1 } },
      workgroups: groupsFor(size),
    });
    return [out];
  };
}
