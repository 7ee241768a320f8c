// Audio features: the log-mel spectrogram as one registry entry, decomposed
// into ops that every backend runs (gather for the frames, one matMul for a
// windowed DFT, one for the mel filterbank), so it runs on the GPU under
// webgpu and is differentiable. The mel filterbank is TensorFlow's
// tf.signal.linear_to_mel_weight_matrix (HTK mel scale, DC bin left out).
import { tensor } from '../core/convert.js';
import type { Tensor } from '../core/tensor.js';
import { add } from './binary.js';
import { matMul } from './linalg.js';
import { defineOp, spec } from './registry.js';
import { type TensorLike, runOp } from './run.js';
import { gather, reshape, slice } from './shape.js';
import { log, sqrt, square } from './unary.js';

interface LogMelAttrs {
  sampleRate: number;
  frameLength: number;
  frameStep: number;
  fftLength: number | null;
  numMelBins: number;
  lowerEdgeHertz: number;
  upperEdgeHertz: number | null;
  power: number;
  logOffset: number;
}

const hertzToMel = (hz: number) => 1127 * Math.log(1 + hz / 700);

/** TF's linear_to_mel_weight_matrix: [numSpectrogramBins, numMelBins] triangular filters. */
export function melWeightMatrix(numMelBins: number, numSpectrogramBins: number, sampleRate: number, lowerEdgeHertz: number,
  upperEdgeHertz: number): Float32Array {
  const weights = new Float32Array(numSpectrogramBins * numMelBins);
  const lower = hertzToMel(lowerEdgeHertz);
  const step = (hertzToMel(upperEdgeHertz) - lower) / (numMelBins + 1);
  for (let bin = 1; bin < numSpectrogramBins; bin++) {
    const mel = hertzToMel((bin * sampleRate) / 2 / (numSpectrogramBins - 1));
    for (let m = 0; m < numMelBins; m++) {
      const [left, center, right] = [lower + m * step, lower + (m + 1) * step, lower + (m + 2) * step];
      const value = Math.min((mel - left) / (center - left), (right - mel) / (right - center));
      weights[bin * numMelBins + m] = Math.max(0, value);
    }
  }
  return weights;
}

function frameCount(samples: number, frameLength: number, frameStep: number): number {
  return samples < frameLength ? 0 : 1 + Math.floor((samples - frameLength) / frameStep);
}

defineOp<LogMelAttrs>({
  name: 'logMelSpectrogram',
  inputs: [{ name: 'signals' }],
  attrs: {
    sampleRate: { type: 'number' },
    frameLength: { type: 'int' },
    frameStep: { type: 'int' },
    fftLength: { type: 'int', nullable: true, doc: 'default: the smallest power of two >= frameLength' },
    numMelBins: { type: 'int', default: 80 },
    lowerEdgeHertz: { type: 'number', default: 80 },
    upperEdgeHertz: { type: 'number', nullable: true, doc: 'default: sampleRate / 2' },
    power: { type: 'number', default: 1, oneOf: [1, 2], doc: '1: magnitude, 2: power spectrum' },
    logOffset: { type: 'number', default: 1e-6 },
  },
  inputDtype: 'float32',
  shape([signals], a) {
    if (signals.shape.length < 1) throw new Error('input signals must have a samples axis');
    if (a.frameLength < 1 || a.frameStep < 1) throw new Error(`attributes frameLength and frameStep must be positive, got ${a.frameLength}, ${a.frameStep}`);
    const fft = a.fftLength ?? 2 ** Math.ceil(Math.log2(a.frameLength));
    if (fft < a.frameLength) throw new Error(`attribute fftLength ${fft} is shorter than frameLength ${a.frameLength}`);
    const upper = a.upperEdgeHertz ?? a.sampleRate / 2;
    if (!(a.sampleRate > 0) || !(a.lowerEdgeHertz >= 0) || !(upper > a.lowerEdgeHertz) || upper > a.sampleRate / 2) {
      throw new Error(`attributes need 0 <= lowerEdgeHertz (${a.lowerEdgeHertz}) < upperEdgeHertz (${upper}) <= sampleRate / 2 (${a.sampleRate / 2})`);
    }
    if (a.numMelBins < 1) throw new Error(`attribute numMelBins must be positive, got ${a.numMelBins}`);
    const samples = signals.shape[signals.shape.length - 1];
    return [spec([...signals.shape.slice(0, -1), frameCount(samples, a.frameLength, a.frameStep), a.numMelBins], 'float32')];
  },
  decompose([signals], a) {
    const fft = a.fftLength ?? 2 ** Math.ceil(Math.log2(a.frameLength));
    const bins = fft / 2 + 1;
    const samples = signals.shape[signals.rank - 1];
    const frames = frameCount(samples, a.frameLength, a.frameStep);
    const lead = signals.shape.slice(0, -1);
    // Frame f holds samples f·step ... f·step + frameLength - 1.
    const indices = tensor(Int32Array.from({ length: frames * a.frameLength }, (_, i) => Math.floor(i / a.frameLength) * a.frameStep + (i % a.frameLength)),
      [frames, a.frameLength], 'int32');
    const framed = reshape(gather(signals, indices, signals.rank - 1), [-1, a.frameLength]);
    // The periodic Hann window folded into the DFT matrix: [cos | -sin] columns, zero padding implicit.
    const dft = new Float32Array(a.frameLength * 2 * bins);
    for (let n = 0; n < a.frameLength; n++) {
      const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / a.frameLength);
      for (let k = 0; k < bins; k++) {
        const angle = (2 * Math.PI * k * n) / fft;
        dft[n * 2 * bins + k] = window * Math.cos(angle);
        dft[n * 2 * bins + bins + k] = -window * Math.sin(angle);
      }
    }
    const spectrum = matMul(framed, tensor(dft, [a.frameLength, 2 * bins]));
    const rows = spectrum.shape[0];
    const powerSpectrum = add(square(slice(spectrum, [0, 0], [rows, bins])), square(slice(spectrum, [0, bins], [rows, bins])));
    const magnitude: Tensor = a.power === 2 ? powerSpectrum : sqrt(powerSpectrum);
    const mel = matMul(magnitude, tensor(melWeightMatrix(a.numMelBins, bins, a.sampleRate, a.lowerEdgeHertz, a.upperEdgeHertz ?? a.sampleRate / 2),
      [bins, a.numMelBins]));
    return [reshape(log(add(mel, a.logOffset)), [...lead, frames, a.numMelBins])];
  },
});

export interface LogMelOptions {
  sampleRate: number;
  frameLength: number;
  frameStep: number;
  fftLength?: number;
  numMelBins?: number;
  lowerEdgeHertz?: number;
  upperEdgeHertz?: number;
  /** 1 (default): mel-weighted magnitudes; 2: mel-weighted power. */
  power?: 1 | 2;
  logOffset?: number;
}

/**
 * Not in TF.js (TensorFlow's log-mel recipe as one op): signals [..., samples]
 * → log(mel filterbank · |STFT| + logOffset), shaped [..., frames, numMelBins];
 * periodic Hann window, frames without end padding.
 */
export function logMelSpectrogram(signals: TensorLike, options: LogMelOptions): Tensor {
  const { sampleRate, frameLength, frameStep, fftLength = null, numMelBins, lowerEdgeHertz, upperEdgeHertz = null, power, logOffset } = options;
  return runOp('logMelSpectrogram', [signals], { sampleRate, frameLength, frameStep, fftLength, numMelBins, lowerEdgeHertz, upperEdgeHertz, power, logOffset });
}
