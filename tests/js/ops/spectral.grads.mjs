// Gradient cases of the complex views and the transforms: real inputs made
// complex, the result viewed as real pairs, so the check sees every part.
import * as tw from '../../../js/dist/tensorweb.js';

const pair = (shape) => [{ shape, low: -2, high: 2 }, { shape, low: -2, high: 2 }];

export const cases = [
  { op: 'viewAsComplex', f: (x) => tw.real(tw.mul(tw.viewAsComplex(x), tw.viewAsComplex(x))), inputs: [{ shape: [3, 2], low: -2, high: 2 }] },
  { op: 'viewAsReal', f: (a, b) => tw.viewAsReal(tw.mul(tw.complex(a, b), tw.complex(b, a))), inputs: pair([3]) },
  { name: 'abs of complex', op: 'abs', f: (a, b) => tw.abs(tw.complex(a, b)), inputs: pair([4]) },
  { name: 'fft, length 5', op: 'fft', f: (a, b) => tw.viewAsReal(tw.spectral.fft(tw.complex(a, b))), inputs: pair([2, 5]) },
  { name: 'fft, length 4', op: 'fft', f: (a, b) => tw.viewAsReal(tw.spectral.fft(tw.complex(a, b))), inputs: pair([4]) },
  { name: 'ifft, length 6', op: 'ifft', f: (a, b) => tw.viewAsReal(tw.spectral.ifft(tw.complex(a, b))), inputs: pair([6]) },
  { name: 'rfft and irfft', op: 'ifft', f: (x) => tw.spectral.irfft(tw.mul(tw.spectral.rfft(x), tw.complex([1, 2, 0.5, -1], [0, 1, 1, 0]))), inputs: [{ shape: [2, 6], low: -2, high: 2 }] },
];
