// tw.data.microphone: the microphone as a stream of spectrograms and/or
// waveforms (TF.js's MicrophoneIterator). An AnalyserNode is read once per
// fftSize samples; capture() waits for numFramesPerSpectrogram frames.
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';

export interface MicrophoneConfig {
  sampleRateHz?: number;
  /** Samples per frame (a power of two, 32 to 32768). */
  fftSize?: number;
  /** Spectrogram bins kept per frame (default fftSize / 2). */
  columnTruncateLength?: number;
  numFramesPerSpectrogram?: number;
  smoothingTimeConstant?: number;
  includeSpectrogram?: boolean;
  includeWaveform?: boolean;
  audioTrackConstraints?: MediaTrackConstraints;
}

export interface MicrophoneCapture {
  /** [numFramesPerSpectrogram, columnTruncateLength, 1], decibels from the AnalyserNode. */
  spectrogram?: Tensor;
  /** [numFramesPerSpectrogram · fftSize, 1], samples in [-1, 1]. */
  waveform?: Tensor;
}

export class MicrophoneIterator implements AsyncIterable<MicrophoneCapture> {
  readonly fftSize: number;
  readonly columnTruncateLength: number;
  readonly numFrames: number;
  readonly sampleRateHz: number;
  private context: AudioContext | null = null;
  private stream: MediaStream | null = null;
  private analyser: AnalyserNode | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private frequencyFrames: Float32Array[] = [];
  private waveformFrames: Float32Array[] = [];
  private waiting: (() => void) | null = null;
  private closed = true;

  private constructor(readonly config: MicrophoneConfig) {
    this.fftSize = config.fftSize ?? 1024;
    if (!(Number.isInteger(Math.log2(this.fftSize)) && this.fftSize >= 32 && this.fftSize <= 32768)) {
      throw new Error(`tensorweb: microphone: fftSize must be a power of two from 32 to 32768, got ${this.fftSize}`);
    }
    this.columnTruncateLength = config.columnTruncateLength ?? this.fftSize / 2;
    if (this.columnTruncateLength > this.fftSize / 2) {
      throw new Error(`tensorweb: microphone: columnTruncateLength ${this.columnTruncateLength} exceeds fftSize / 2 (${this.fftSize / 2})`);
    }
    this.numFrames = config.numFramesPerSpectrogram ?? 43;
    this.sampleRateHz = config.sampleRateHz ?? 44100;
    if (config.includeSpectrogram === false && !config.includeWaveform) {
      throw new Error('tensorweb: microphone: includeSpectrogram and includeWaveform are both false; nothing to capture');
    }
  }

  static async create(config: MicrophoneConfig = {}): Promise<MicrophoneIterator> {
    if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      throw new Error('tensorweb: microphone: this environment has no navigator.mediaDevices.getUserMedia (a browser page over https or localhost is needed)');
    }
    const iterator = new MicrophoneIterator(config);
    await iterator.start();
    return iterator;
  }

  get includeSpectrogram(): boolean {
    return this.config.includeSpectrogram ?? true;
  }

  get includeWaveform(): boolean {
    return this.config.includeWaveform ?? false;
  }

  /** The audio context's real rate (the page may not get the one asked for). */
  getSampleRate(): number {
    return this.context?.sampleRate ?? this.sampleRateHz;
  }

  async start(): Promise<void> {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: this.config.audioTrackConstraints ?? true, video: false });
    } catch (error) {
      throw new Error(`tensorweb: microphone: the microphone could not be opened (${(error as Error).message})`);
    }
    this.context = new AudioContext({ sampleRate: this.sampleRateHz });
    if (this.context.sampleRate !== this.sampleRateHz) {
      const actual = this.context.sampleRate;
      this.stop();
      throw new Error(`tensorweb: microphone: asked for ${this.sampleRateHz} Hz, the audio context runs at ${actual} Hz`);
    }
    await this.context.resume();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = this.fftSize;
    this.analyser.smoothingTimeConstant = this.config.smoothingTimeConstant ?? 0;
    this.context.createMediaStreamSource(this.stream).connect(this.analyser);
    this.frequencyFrames = [];
    this.waveformFrames = [];
    this.closed = false;
    // One read per fftSize samples: consecutive frames do not overlap.
    this.timer = setInterval(() => this.readFrame(), (this.fftSize / this.sampleRateHz) * 1000);
  }

  private readFrame(): void {
    if (!this.analyser) return;
    if (this.includeSpectrogram) {
      const frequencies = new Float32Array(this.fftSize / 2);
      this.analyser.getFloatFrequencyData(frequencies);
      // The analyser reports -Infinity dB before any sound arrives; such frames carry nothing.
      if (frequencies[0] === -Infinity) return;
      this.frequencyFrames.push(frequencies.subarray(0, this.columnTruncateLength));
    }
    if (this.includeWaveform) {
      const samples = new Float32Array(this.fftSize);
      this.analyser.getFloatTimeDomainData(samples);
      this.waveformFrames.push(samples);
    }
    if (this.frameCount() >= this.numFrames) this.waiting?.();
  }

  private frameCount(): number {
    return this.includeSpectrogram ? this.frequencyFrames.length : this.waveformFrames.length;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.analyser?.disconnect();
    void this.context?.close();
    this.context = null;
    this.analyser = null;
    this.stream = null;
    this.closed = true;
    this.waiting?.();
  }

  /** Waits for the next numFramesPerSpectrogram frames and returns them as tensors. */
  async capture(): Promise<MicrophoneCapture> {
    if (this.closed) throw new Error('tensorweb: microphone: the iterator is stopped; call start() first');
    this.frequencyFrames = [];
    this.waveformFrames = [];
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
    });
    this.waiting = null;
    if (this.closed) throw new Error('tensorweb: microphone: stopped while capturing');
    const joined = (frames: Float32Array[], width: number) => {
      const out = new Float32Array(this.numFrames * width);
      frames.slice(0, this.numFrames).forEach((frame, i) => out.set(frame, i * width));
      return out;
    };
    const result: MicrophoneCapture = {};
    if (this.includeSpectrogram) {
      result.spectrogram = tensor(joined(this.frequencyFrames, this.columnTruncateLength), [this.numFrames, this.columnTruncateLength, 1]);
    }
    if (this.includeWaveform) result.waveform = tensor(joined(this.waveformFrames, this.fftSize), [this.numFrames * this.fftSize, 1]);
    return result;
  }

  async next(): Promise<IteratorResult<MicrophoneCapture>> {
    if (this.closed) return { value: undefined, done: true };
    return { value: await this.capture(), done: false };
  }

  [Symbol.asyncIterator](): AsyncIterator<MicrophoneCapture> {
    return { next: () => this.next() };
  }
}

/** tw.data.microphone(config): a MicrophoneIterator over the default microphone. */
export function microphone(config: MicrophoneConfig = {}): Promise<MicrophoneIterator> {
  return MicrophoneIterator.create(config);
}
