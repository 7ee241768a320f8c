// tw.data: datasets and the webcam/microphone sources.
export { Dataset, array, generator, zip, stackElements, type DataElement } from './dataset.js';
