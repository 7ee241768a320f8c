// tw.signal: frame, stft and the Hann and Hamming windows, as TF.js has them;
// plain functions over registry ops (frames are a gather of the padded
// signal, so their gradient comes from pad and gather).
import { tidy } from '../core/globals.js';
import type { Tensor } from '../core/tensor.js';
import { mul, sub } from './binary.js';
import { ones, range, tensor, zeros } from './creation.js';
import { type TensorLike, withTensors } from './run.js';
import { gather, pad } from './shape.js';
import { rfft } from './spectral.js';
import { cos } from './unary.js';

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/**
 * tw.signal.frame(signal, frameLength, frameStep, padEnd?, padValue?): the
 * frames of frameLength values every frameStep along the signal's last axis,
 * shape [..., frames, frameLength]. With padEnd, frames run past the end
 * (filled with padValue) until every value starts one.
 */
export function frame(signal: TensorLike, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  return withTensors('frame', [['signal', signal]], (x) => tidy(() => {
    check(x.rank >= 1, () => 'tw.signal.frame: signal is a scalar; frames are taken along its last axis');
    check(Number.isInteger(frameLength) && frameLength > 0, () => `tw.signal.frame: frameLength ${frameLength} must be a positive integer`);
    check(Number.isInteger(frameStep) && frameStep >= 0, () => `tw.signal.frame: frameStep ${frameStep} must be a non-negative integer`);
    const last = x.rank - 1;
    const n = x.shape[last];
    const any = padEnd ? n > 0 : n >= frameLength;
    check(!any || frameStep > 0, () => `tw.signal.frame: frameStep 0 never moves on from the first of the signal's ${n} values`);
    const count = !any ? 0 : padEnd ? Math.ceil(n / frameStep) : Math.floor((n - frameLength) / frameStep) + 1;
    if (count === 0) return zeros([...x.shape.slice(0, last), 0, frameLength], x.dtype);
    const past = (count - 1) * frameStep + frameLength - n;
    const padded = past > 0 ? pad(x, x.shape.map((_, d) => (d === last ? [0, past] : [0, 0])), padValue) : x;
    const starts = Int32Array.from({ length: count * frameLength }, (_, i) => Math.floor(i / frameLength) * frameStep + (i % frameLength));
    return gather(padded, tensor(starts, [count, frameLength], 'int32'), last);
  }));
}

/** a - b cos(2 pi i / (N - 1)) for odd N, N for even (periodic), as TF.js's cosineWindow. */
function cosineWindow(windowLength: number, a: number, b: number, name: string): Tensor {
  check(Number.isInteger(windowLength) && windowLength > 0, () => `tw.signal.${name}: windowLength ${windowLength} must be a positive integer`);
  if (windowLength === 1) return ones([1]);
  const even = 1 - (windowLength % 2);
  return tidy(() => sub(a, mul(b, cos(mul(range(0, windowLength), (2 * Math.PI) / (windowLength + even - 1))))));
}

/** tw.signal.hannWindow(windowLength): 0.5 - 0.5 cos(2 pi i / (N - 1)). */
export function hannWindow(windowLength: number): Tensor {
  return cosineWindow(windowLength, 0.5, 0.5, 'hannWindow');
}

/** tw.signal.hammingWindow(windowLength): 0.54 - 0.46 cos(2 pi i / (N - 1)). */
export function hammingWindow(windowLength: number): Tensor {
  return cosineWindow(windowLength, 0.54, 0.46, 'hammingWindow');
}

/**
 * tw.signal.stft(signal, frameLength, frameStep, fftLength?, windowFn?): the
 * rfft of each frame times the window (Hann by default); fftLength defaults
 * to the smallest power of two holding a frame.
 */
export function stft(signal: TensorLike, frameLength: number, frameStep: number, fftLength?: number,
  windowFn: (length: number) => Tensor = hannWindow): Tensor {
  return withTensors('stft', [['signal', signal]], (x) => tidy(() => {
    const length = fftLength ?? 2 ** Math.ceil(Math.log2(frameLength));
    return rfft(mul(frame(x, frameLength, frameStep), windowFn(frameLength)), length);
  }));
}

export const signal = { frame, hannWindow, hammingWindow, stft };
