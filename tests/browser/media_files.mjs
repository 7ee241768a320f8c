// Files for Chromium's fake camera and microphone
// (--use-file-for-fake-video-capture / --use-file-for-fake-audio-capture):
// YUV4MPEG2 video and 16-bit PCM WAV, made in memory by the tests that need them.

/**
 * YUV4MPEG2 4:2:0 video of `frames` identical frames. `luma(x, y)` and, when
 * given, `chroma(x, y)` -> [u, v] (on the half-resolution grid) give the
 * picture; chroma defaults to neutral grey (128, 128).
 */
export function y4m({ width, height, frames, fps = 30, luma, chroma = () => [128, 128] }) {
  if (width % 2 || height % 2) throw new Error(`y4m: width and height must be even, got ${width}x${height}`);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const lumaPlane = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) lumaPlane[y * width + x] = luma(x, y);
  const half = (width / 2) * (height / 2);
  const u = Buffer.alloc(half);
  const v = Buffer.alloc(half);
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) [u[y * (width / 2) + x], v[y * (width / 2) + x]] = chroma(x, y);
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), lumaPlane, u, v]);
  return Buffer.concat([header, ...Array(frames).fill(frame)]);
}

/**
 * YUV4MPEG2 4:2:0 video of the given RGB `frames` (each width*height*3 bytes,
 * row-major), converted with the JPEG (full-range BT.601) matrix that C420jpeg
 * names; chroma is the mean of each 2x2 block.
 */
export function y4mFromRgb({ width, height, fps = 30, frames }) {
  if (width % 2 || height % 2) throw new Error(`y4m: width and height must be even, got ${width}x${height}`);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  const encoded = frames.map((rgb) => {
    const luma = Buffer.alloc(width * height);
    const u = Buffer.alloc((width / 2) * (height / 2));
    const v = Buffer.alloc(u.length);
    for (let i = 0; i < width * height; i++) luma[i] = clamp(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
    for (let y = 0; y < height / 2; y++) {
      for (let x = 0; x < width / 2; x++) {
        const mean = [0, 1, 2].map((c) => [0, 1].flatMap((dy) => [0, 1].map((dx) => rgb[3 * ((2 * y + dy) * width + 2 * x + dx) + c])).reduce((a, b) => a + b) / 4);
        u[y * (width / 2) + x] = clamp(128 - 0.168736 * mean[0] - 0.331264 * mean[1] + 0.5 * mean[2]);
        v[y * (width / 2) + x] = clamp(128 + 0.5 * mean[0] - 0.418688 * mean[1] - 0.081312 * mean[2]);
      }
    }
    return Buffer.concat([Buffer.from('FRAME\n'), luma, u, v]);
  });
  return Buffer.concat([header, ...encoded]);
}

/** 16-bit mono PCM WAV of `samples` (floats in [-1, 1]) at `sampleRate`. */
export function wav(samples, sampleRate) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, s))), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** `seconds` of a sine at `hz`, amplitude `amplitude`, as float samples. */
export function tone(seconds, hz, sampleRate, amplitude = 0.5) {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

/**
 * Chromium flags for the fake camera and microphone playing `camera` (a y4m
 * path) and `microphone` (a WAV path); none when neither is given. Chromium
 * reopens the file each time a page starts a new stream, so a test can change
 * what the device plays by rewriting the file between streams.
 */
export function fakeMediaArgs({ camera, microphone } = {}) {
  if (!camera && !microphone) return [];
  return [
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    ...(camera ? [`--use-file-for-fake-video-capture=${camera}`] : []),
    ...(microphone ? [`--use-file-for-fake-audio-capture=${microphone}`] : []),
  ];
}
