// tw.data: datasets and the webcam/microphone sources.
export { Dataset, array, generator, zip, stackElements, type DataElement } from './dataset.js';
export { webcam, WebcamIterator, type WebcamConfig } from './webcam.js';
export { microphone, MicrophoneIterator, type MicrophoneConfig, type MicrophoneCapture } from './microphone.js';
