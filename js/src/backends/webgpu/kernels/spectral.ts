// WebGPU kernel of fft and ifft along the last axis of a complex64 tensor:
// rows of a power-of-two length take log2(n) radix-2 Stockham passes
// (spectral/fft_radix2.wgsl, a thread per butterfly), other lengths a direct
// sum (spectral/dft.wgsl, a thread per output element), so any length works.
// Both read their twiddles from a table computed here in double precision.
import { sizeFromShape } from '../../../core/dtype.js';
import type { DataId } from '../../../core/backend.js';
import { type WebGpuKernel, gpu, groupsFor } from './common.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({ dft: 'spectral/dft.wgsl', radix2: 'spectral/fft_radix2.wgsl' });

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
    const sign = inverse ? 1 : -1;
    const scale = inverse ? 1 / n : 1;
    // Temporaries go back to the pool, which reuses them only after these dispatches are submitted.
    const temporaries: DataId[] = [twiddles];
    if (n >= 2 && (n & (n - 1)) === 0) {
      // Pass by pass, ping-ponging between two buffers; the last pass writes `out`.
      let source = x.dataId;
      for (let span = 1; span < n; span *= 2) {
        const last = span * 2 === n;
        const target = last ? out : backend.allocate(spec.shape, 'complex64');
        if (!last) temporaries.push(target);
        backend.run({
          shader: SHADERS.radix2,
          bindings: { x: source, twiddles, out: target, params: { size: size / 2, n, span, sign, scale: last ? scale : 1 } },
          workgroups: groupsFor(size / 2),
        });
        source = target;
      }
    } else {
      backend.run({
        shader: SHADERS.dft,
        bindings: { x: x.dataId, twiddles, out, params: { size, n, sign, scale } },
        workgroups: groupsFor(size),
      });
    }
    for (const id of temporaries) backend.disposeData(id);
    return [out];
  };
}
