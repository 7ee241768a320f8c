// What a converted model.json says about the model, read without loading it:
// its kind, op counts for a graph (topology.nodes) or layer counts for a
// layers model (modelTopology), and the size of the lookup table each int
// input indexes, so that made-up ids stay in range. Its inputs and outputs
// come from the server's model list (/api/models reads the signature).

const GRAPH = 'tensorweb-graph';
const LAYERS = ['tensorweb-layers', 'layers-model'];

function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The layers of a Keras/TF.js topology, nested models opened (they are containers, not layers that compute). */
function flatLayers(topology) {
  const config = topology?.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers)) return [];
  return layers.flatMap((layer) => (layer.config?.layers ? flatLayers(layer) : [layer]));
}

/** Rows of the largest lookup table an int input feeds, per input name: {rows, table}. */
function graphLookupSizes(modelJSON, inputNames) {
  const weightShapes = new Map(modelJSON.weightsManifest?.flatMap((group) => group.weights ?? []).map((w) => [w.name, w.shape]) ?? []);
  const nodes = modelJSON.topology.nodes;
  // An int input often reaches its gather through a cast; follow those.
  const sourceOf = new Map(inputNames.map((name) => [name, name]));
  for (const node of nodes) {
    if (node.op === 'cast' && sourceOf.has(node.inputs[0])) sourceOf.set(node.outputs?.[0] ?? node.name, sourceOf.get(node.inputs[0]));
  }
  const sizes = {};
  for (const node of nodes) {
    const input = sourceOf.get(node.inputs[1]);
    const table = weightShapes.get(node.inputs[0]);
    if (node.op !== 'gather' || !input || !table || (node.attrs?.axis ?? 0) !== 0) continue;
    if (!sizes[input] || table[0] < sizes[input].rows) sizes[input] = { rows: table[0], table: node.inputs[0] };
  }
  return sizes;
}

/** The smallest Embedding layer's row count, for every int input of a layers model. */
function layersLookupSizes(layers, inputs) {
  const embeddings = layers.filter((l) => l.class_name === 'Embedding')
    .map((l) => ({ rows: l.config.inputDim ?? l.config.input_dim, table: `Embedding layer '${l.config.name}'` }));
  if (!embeddings.length) return {};
  const smallest = embeddings.reduce((a, b) => (b.rows < a.rows ? b : a));
  return Object.fromEntries(inputs.filter((i) => i.dtype === 'int32').map((i) => [i.name, smallest]));
}

/**
 * {kind: 'graph' | 'layers', inputs, outputs, counts: [[name, count]], lookupSizes}
 * for a model.json whose inputs and outputs ({name, dtype, shape}) the server
 * listed; throws naming what is missing for any other file.
 */
export function describeModel(modelJSON, { inputs, outputs }) {
  if (modelJSON.format === GRAPH) {
    const nodes = modelJSON.topology?.nodes;
    if (!Array.isArray(nodes)) throw new Error('model.json has no topology.nodes');
    return { kind: 'graph', inputs, outputs, counts: countBy(nodes, (n) => n.op), lookupSizes: graphLookupSizes(modelJSON, inputs.map((i) => i.name)) };
  }
  if (LAYERS.includes(modelJSON.format)) {
    const layers = flatLayers(modelJSON.modelTopology).filter((l) => l.class_name !== 'InputLayer');
    if (!layers.length) throw new Error('model.json has no layers in modelTopology');
    // Nothing but the signature lists a layers model's inputs and outputs.
    if (!modelJSON.signature?.inputs || !modelJSON.signature?.outputs) throw new Error('model.json has no signature.inputs and signature.outputs');
    return { kind: 'layers', inputs, outputs, counts: countBy(layers, (l) => l.class_name), lookupSizes: layersLookupSizes(layers, inputs) };
  }
  throw new Error(`model.json has format '${modelJSON.format}'; this page reads '${GRAPH}' and '${LAYERS[0]}' models`);
}
