// tw.data.webcam: frames of a camera stream as [height, width, 3] int32 RGB
// tensors (TF.js's WebcamIterator). Frames are cropped and resized by the
// browser's 2-D canvas, so only the final pixels become a tensor: copied on
// the GPU where the backend uploads pixels itself (WebGPU, through
// tw.browser.fromPixels), else read while drawn.
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { getEngine } from '../core/engine.js';
import { browser } from '../ops/browser.js';
import { type Canvas2D, canvasContext, readPixels } from './pixels.js';

export interface WebcamConfig {
  /** 'user' (front) or 'environment' (back) camera. */
  facingMode?: 'user' | 'environment';
  deviceId?: string;
  /** Output size; default: the video's own size. */
  resizeWidth?: number;
  resizeHeight?: number;
  /** Crop the largest centred region with the output's aspect ratio before resizing (else the frame is stretched). */
  centerCrop?: boolean;
}

export class WebcamIterator implements AsyncIterable<Tensor> {
  private stream: MediaStream | null = null;
  private context: Canvas2D | null = null;
  /** Whether `context` is one the GPU copies from (not kept for CPU reads). */
  private contextForGpu = false;
  private closed = false;

  private constructor(readonly video: HTMLVideoElement, readonly config: WebcamConfig) {}

  /** Opens the camera (asking for permission) and starts the video. */
  static async create(video?: HTMLVideoElement, config: WebcamConfig = {}): Promise<WebcamIterator> {
    if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      throw new Error('tensorweb: webcam: this environment has no navigator.mediaDevices.getUserMedia (a browser page over https or localhost is needed)');
    }
    const { resizeWidth, resizeHeight } = config;
    if ((resizeWidth === undefined) !== (resizeHeight === undefined) || (resizeWidth !== undefined && !(resizeWidth > 0 && resizeHeight! > 0))) {
      throw new Error(`tensorweb: webcam: give both resizeWidth and resizeHeight as positive numbers, got ${resizeWidth} and ${resizeHeight}`);
    }
    const element = video ?? document.createElement('video');
    element.muted = true;
    element.playsInline = true;
    const iterator = new WebcamIterator(element, config);
    await iterator.start();
    return iterator;
  }

  async start(): Promise<void> {
    const { facingMode, deviceId, resizeWidth, resizeHeight } = this.config;
    const constraints: MediaTrackConstraints = {
      ...(deviceId ? { deviceId: { exact: deviceId } } : facingMode ? { facingMode } : {}),
      ...(resizeWidth ? { width: resizeWidth, height: resizeHeight } : {}),
    };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    } catch (error) {
      throw new Error(`tensorweb: webcam: the camera could not be opened (${(error as Error).message})`);
    }
    this.video.srcObject = this.stream;
    if (this.video.readyState < 2) {
      await new Promise<void>((resolve) => this.video.addEventListener('loadeddata', () => resolve(), { once: true }));
    }
    await this.video.play();
    this.closed = false;
  }

  /** Stops the camera; next() then reports done. */
  stop(): void {
    this.stream?.getTracks().forEach((track) => track.stop());
    this.video.srcObject = null;
    this.stream = null;
    this.closed = true;
  }

  /** The current frame: [height, width, 3] int32 RGB values 0-255. */
  async capture(): Promise<Tensor> {
    if (this.closed) throw new Error('tensorweb: webcam: the iterator is stopped; call start() first');
    const sourceWidth = this.video.videoWidth;
    const sourceHeight = this.video.videoHeight;
    const width = this.config.resizeWidth ?? sourceWidth;
    const height = this.config.resizeHeight ?? sourceHeight;
    const onGpu = getEngine().backend.writePixels !== undefined;
    if (!this.context || this.context.canvas.width !== width || this.context.canvas.height !== height || this.contextForGpu !== onGpu) {
      this.context = canvasContext(width, height, 'webcam', !onGpu);
      this.contextForGpu = onGpu;
    }
    let [sx, sy, sw, sh] = [0, 0, sourceWidth, sourceHeight];
    if (this.config.centerCrop) {
      const scale = Math.min(sourceWidth / width, sourceHeight / height);
      [sw, sh] = [width * scale, height * scale];
      [sx, sy] = [(sourceWidth - sw) / 2, (sourceHeight - sh) / 2];
    }
    if (onGpu) {
      this.context.drawImage(this.video, sx, sy, sw, sh, 0, 0, width, height);
      return browser.fromPixels(this.context.canvas, 3);
    }
    const rgb = readPixels(this.context, this.video, [sx, sy, sw, sh], 3, Int32Array);
    return tensor(rgb, [height, width, 3], 'int32');
  }

  async next(): Promise<IteratorResult<Tensor>> {
    if (this.closed) return { value: undefined, done: true };
    return { value: await this.capture(), done: false };
  }

  [Symbol.asyncIterator](): AsyncIterator<Tensor> {
    return { next: () => this.next() };
  }
}

/** tw.data.webcam(video?, config): a WebcamIterator over the camera (a hidden video element when none is given). */
export function webcam(video?: HTMLVideoElement, config: WebcamConfig = {}): Promise<WebcamIterator> {
  return WebcamIterator.create(video, config);
}
