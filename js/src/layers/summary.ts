// model.summary(): Keras's table of layers, output shapes and parameter counts.
import type { LayersModel } from './model.js';
import { InputLayer, type Shape } from './topology.js';

const shapeText = (shape: Shape | Shape[]): string =>
  Array.isArray(shape[0]) ? (shape as Shape[]).map(shapeText).join(', ') : `[${(shape as Shape).map((d) => d ?? 'null').join(',')}]`;

function row(cells: string[], positions: number[]): string {
  let line = '';
  cells.forEach((cell, i) => {
    line = `${line}${cell}`.slice(0, positions[i]);
    line = line.padEnd(positions[i]);
  });
  return line.trimEnd();
}

export function summaryLines(model: LayersModel, lineLength = 98, positions?: number[]): string[] {
  const sequentialLike = model.className === 'Sequential';
  const cuts = positions ?? (sequentialLike ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
  const at = cuts.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const header = sequentialLike ? ['Layer (type)', 'Output shape', 'Param #'] : ['Layer (type)', 'Output shape', 'Param #', 'Receives inputs'];
  const lines = [`Model: "${model.name}"`, '_'.repeat(lineLength), row(header, at), '='.repeat(lineLength)];
  const layers = model.layers;
  layers.forEach((layer, i) => {
    const output = layer.inboundNodes.length > 0 ? shapeText(layer.outputShape) : '?';
    const cells = [`${layer.name} (${layer.className})`, output, String(layer.countParams())];
    if (!sequentialLike) {
      const sources = layer instanceof InputLayer ? [] : (layer.inboundNodes[0]?.inputs ?? []).map((t) => t.sourceLayer.name);
      cells.push(sources.join(', '));
    }
    lines.push(row(cells, at));
    lines.push(i === layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((n, w) => n + w.variable.size, 0);
  lines.push(`Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`, '_'.repeat(lineLength));
  return lines;
}
