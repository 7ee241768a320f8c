// Replays of the numpy goldens in tests/fixtures/train, shared by the node
// tests (cpu) and the browser tests (webgpu), which import this file into the
// page. Each replay throws an Error that names the first mismatch.

export function assertClose(actual, expected, what, rtol = 1e-4, atol = 1e-5) {
  const flat = [expected].flat(Infinity);
  if (actual.length !== flat.length) throw new Error(`${what}: ${actual.length} values, expected ${flat.length}`);
  for (let i = 0; i < flat.length; i++) {
    if (!(Math.abs(actual[i] - flat[i]) <= atol + rtol * Math.abs(flat[i]))) throw new Error(`${what}[${i}]: ${actual[i]} vs ${flat[i]}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The clip options come after every positional argument of the factory. */
const POSITIONAL = { sgd: 0, momentum: 2, adam: 3, adamw: 4, adamax: 4, rmsprop: 4, adagrad: 1, adadelta: 2 };

function makeOptimizer(tw, { factory, learningRate, args, options }) {
  const rate = typeof learningRate === 'number' ? learningRate : tw.train[learningRate.schedule](learningRate.config);
  if (Object.keys(options).length === 0) return tw.train[factory](rate, ...args);
  const padded = [...args, ...Array(POSITIONAL[factory] - args.length).fill(undefined)];
  return tw.train[factory](rate, ...padded, options);
}

/** One optimizer golden: every step's variables match numpy, and nothing leaks. */
export async function replayOptimizer(tw, golden) {
  const before = tw.memory().numTensors;
  const optimizer = makeOptimizer(tw, golden);
  const variables = golden.initial.map((values, i) => tw.tidy(() => tw.variable(tw.tensor(values.flat(), golden.shapes[i]))));
  for (const [step, stepGrads] of golden.grads.entries()) {
    const grads = stepGrads.map((g, i) => ({ name: variables[i].name, tensor: tw.tensor(g.flat(), golden.shapes[i]) }));
    optimizer.applyGradients(grads);
    tw.dispose(grads.map((g) => g.tensor));
    for (const [i, v] of variables.entries()) assertClose(await v.data(), golden.expected[step][i], `step ${step + 1} variable ${i}`);
  }
  check(optimizer.iterations === golden.grads.length, `iterations ${optimizer.iterations}`);
  optimizer.dispose();
  tw.dispose(variables);
  check(tw.memory().numTensors === before, `${tw.memory().numTensors - before} tensors leaked`);
}

/**
 * One layer golden: output, symbolic output shape, and the gradients of
 * sum(output · R) with respect to the inputs and the trainable weights.
 */
export async function replayLayer(tw, c) {
  const before = tw.memory().numTensors;
  const layer = tw.layers[c.factory](c.config);
  const inputs = c.inputs.map((i) => tw.tensor(i.values, i.shape, i.dtype));
  const asArg = (list) => (list.length > 1 ? list : list[0]);
  const callArgs = { training: c.training, ...c.call };
  tw.dispose(layer.apply(asArg(inputs), callArgs));
  check(layer.weights.length === c.weights.length, `${layer.weights.length} weights, expected ${c.weights.length}`);
  const weights = c.weights.map((w) => tw.tensor(w.values, w.shape));
  layer.setWeights(weights);
  const output = layer.apply(asArg(inputs), callArgs);
  check(output.shape.join() === c.output.shape.join(), `output shape [${output.shape}], expected [${c.output.shape}]`);
  assertClose(await output.data(), c.output.values, 'output', 1e-3, 1e-4);
  const symbolic = layer.computeOutputShape(c.inputs.length > 1 ? c.inputs.map((i) => [null, ...i.shape.slice(1)]) : [null, ...c.inputs[0].shape.slice(1)]);
  check(JSON.stringify(symbolic) === JSON.stringify([null, ...c.output.shape.slice(1)]), `computeOutputShape ${JSON.stringify(symbolic)}`);

  const r = tw.tensor(c.r, c.output.shape);
  const objective = (...xs) => tw.sum(tw.mul(layer.apply(asArg(xs), callArgs), r));
  const differentiable = c.inputs.map((i, k) => (i.dtype === 'int32' ? -1 : k)).filter((k) => k >= 0);
  if (differentiable.length > 0) {
    const grads = tw.grads((...xs) => objective(...inputs.map((t, k) => (differentiable.includes(k) ? xs[differentiable.indexOf(k)] : t))))(
      differentiable.map((k) => inputs[k]));
    for (const [j, k] of differentiable.entries()) assertClose(await grads[j].data(), c.inputGrads[k], `d/d input ${k}`, 1e-3, 1e-4);
    tw.dispose(grads);
  }
  const trainable = layer.weights.filter((w) => w.variable.trainable);
  const { value, grads } = tw.variableGrads(() => objective(...inputs), trainable.map((w) => w.variable));
  for (const [k, w] of layer.weights.entries()) {
    if (w.variable.trainable) assertClose(await grads[w.variable.name].data(), c.weightGrads[k], `d/d ${w.name}`, 1e-3, 1e-4);
  }
  tw.dispose([value, Object.values(grads), output, inputs, weights, r]);
  layer.dispose();
  check(tw.memory().numTensors === before, `${tw.memory().numTensors - before} tensors leaked`);
}
