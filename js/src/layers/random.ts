// Seeds for everything random in the layers API (weight initializers,
// dropout, fit's shuffling): each draws its own seed from one stream, which
// tw.layers.setSeed restarts so that a model built and trained after it is
// reproducible.
import { randomStream, type RandomStream } from '../data/random.js';

let stream: RandomStream = randomStream();

/** Makes the following model builds and fits reproducible (Keras's set_random_seed). */
export function setSeed(seed: number | string): void {
  stream = randomStream(seed);
}

/** A fresh 32-bit seed from the layers stream. */
export function nextSeed(): number {
  return Math.floor(stream() * 2 ** 32);
}
