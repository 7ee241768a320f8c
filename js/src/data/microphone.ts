// tw.data.microphone: the microphone as a stream of spectrograms and/or
// waveforms (TF.js's MicrophoneIterator). Spectrogram frames are an
// AnalyserNode read once per fftSize samples on a timer, as in TF.js. Waveform
// frames come from an AudioWorklet, every sample in order: a timer read of the
// analyser would skip or repeat audio whenever the page is busy, which cuts
// words apart. capture() waits for numFramesPerSpectrogram frames.
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';

// The AudioWorklet processor that hands the page the microphone's samples in
// frames of frameLength, in order (loaded from a Blob URL: the bundle is one file).
const RECORDER_NAME = 'tensorweb-microphone-recorder';
const RECORDER_SOURCE = `registerProcessor('${RECORDER_NAME}', class extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frameLength = options.processorOptions.frameLength;
    this.frame = new Float32Array(this.frameLength);
    this.filled = 0;
  }
  process(inputs) {
    const samples = inputs[0][0];
    if (!samples) return true;
    for (let i = 0; i < samples.length;) {
      const n = Math.min(samples.length - i, this.frameLength - this.filled);
      this.frame.set(samples.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === this.frameLength) {
        this.port.postMessage(this.frame, [this.frame.buffer]); // transferred: this.frame is empty from here
        this.frame = new Float32Array(this.frameLength);
        this.filled = 0;
      }
    }
    return true;
  }
});`;
// Waveform frames kept between captures, in captures' worth.
const MAX_QUEUED_CAPTURES = 8;

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
  private recorder: AudioWorkletNode | null = null;
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
    const source = this.context.createMediaStreamSource(this.stream);
    source.connect(this.analyser);
    this.frequencyFrames = [];
    this.waveformFrames = [];
    if (this.includeWaveform && this.context.audioWorklet) {
      const url = URL.createObjectURL(new Blob([RECORDER_SOURCE], { type: 'text/javascript' }));
      try {
        await this.context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      // No outputs: the node is a sink, processed without being connected to the speakers.
      this.recorder = new AudioWorkletNode(this.context, RECORDER_NAME, { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: { frameLength: this.fftSize } });
      this.recorder.port.onmessage = (event: MessageEvent<Float32Array>) => this.addWaveformFrame(event.data);
      source.connect(this.recorder);
    }
    this.closed = false;
    // One read per fftSize samples: consecutive frames do not overlap.
    if (this.includeSpectrogram || !this.recorder) this.timer = setInterval(() => this.readFrame(), (this.fftSize / this.sampleRateHz) * 1000);
  }

  /**
   * A frame from the recorder. Frames queue from one capture() to the next, so
   * a caller that captures again as soon as a capture resolves gets the audio
   * without a gap; at most MAX_QUEUED_CAPTURES captures' worth (the oldest go).
   */
  private addWaveformFrame(samples: Float32Array): void {
    this.waveformFrames.push(samples);
    const excess = this.waveformFrames.length - this.numFrames * MAX_QUEUED_CAPTURES;
    if (excess > 0) this.waveformFrames.splice(0, excess);
    if (this.frameCount() >= this.numFrames) this.waiting?.();
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
    if (this.includeWaveform && !this.recorder) {
      const samples = new Float32Array(this.fftSize);
      this.analyser.getFloatTimeDomainData(samples);
      this.waveformFrames.push(samples);
    }
    if (this.frameCount() >= this.numFrames) this.waiting?.();
  }

  /** Frames ready: of each kind asked for, the fewer. */
  private frameCount(): number {
    const counts = [];
    if (this.includeSpectrogram) counts.push(this.frequencyFrames.length);
    if (this.includeWaveform) counts.push(this.waveformFrames.length);
    return Math.min(...counts);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.analyser?.disconnect();
    this.recorder?.disconnect();
    if (this.recorder) this.recorder.port.onmessage = null;
    void this.context?.close();
    this.context = null;
    this.analyser = null;
    this.recorder = null;
    this.stream = null;
    this.closed = true;
    this.waiting?.();
  }

  /**
   * Waits for the next numFramesPerSpectrogram frames and returns them as
   * tensors. The waveform continues where the last capture's ended (from the
   * AudioWorklet; the analyser's timer reads, where there is no AudioWorklet,
   * start anew); spectrogram frames start at the call.
   */
  async capture(): Promise<MicrophoneCapture> {
    if (this.closed) throw new Error('tensorweb: microphone: the iterator is stopped; call start() first');
    this.frequencyFrames = [];
    if (!this.recorder) this.waveformFrames = [];
    if (this.frameCount() < this.numFrames) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
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
    if (this.includeWaveform) {
      result.waveform = tensor(joined(this.waveformFrames, this.fftSize), [this.numFrames * this.fftSize, 1]);
      this.waveformFrames.splice(0, this.numFrames);
    }
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
