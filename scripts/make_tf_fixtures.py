"""Makes the TensorFlow, Keras and TensorFlow.js fixtures under tests/fixtures/tf/ (not run by CI).

Needs TensorFlow, which the project never installs; run it from a separate venv:

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0 numpy h5py
    /tmp/tfenv/bin/python scripts/make_tf_fixtures.py

Writes, for a small CNN and a small attention model, a SavedModel folder and a
frozen GraphDef; a TF1-style SavedModel (reference variables); for a two-branch Keras functional model, a `.keras` file and a
legacy `.h5` plus the SavedModel `model.export()` makes of it; for a small Keras
text model with MultiHeadAttention, a `.keras` file and a legacy `.h5`; for a 1-D
convolution model, a `.keras` file; and two TensorFlow.js model.json folders written by hand (this
script plays TF.js's converter, so `tensorflowjs` and its dependencies are not
needed): a graph model from the frozen CNN with one uint8- and one
float16-quantised weight, and a layers model from the Keras model with a
uint8-quantised kernel.  Each model's inputs and TensorFlow's outputs are
recorded in `<name>.npz` (keys `input:NAME` and `output:NAME`).

Regenerating changes the weights of every model.  tests/fixtures/train/
make_keras_layers_fixture.py copies Keras's outputs from two_branch*.npz, so
rerun it after regenerating the two_branch fixtures.

`corrupt_hdf5_loops.h5` is not made here: it is a byte-mutated copy of an
earlier two_branch.h5 on which libhdf5 loops, kept for the malformed-input tests.
"""

from __future__ import annotations

import json
import math
import shutil
import zlib
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tf"
rng = np.random.default_rng(7)


def seed(model: str):
    """Each model draws from generators seeded by its name, so adding or reordering models changes no other."""
    global rng
    number = zlib.crc32(model.encode())
    rng = np.random.default_rng(number)
    tf.keras.utils.set_random_seed(number % 2**31)


def variable(*shape, scale=0.3, name=None):
    return tf.Variable(rng.standard_normal(shape).astype(np.float32) * scale, name=name)


# ------------------------------------------------------------------ models written with TF ops


class SmallCnn(tf.Module):
    """Conv + FusedBatchNormV3 + relu6, depthwise, pooling, mirror pad, resize, dense and softmax."""

    def __init__(self):
        super().__init__()
        self.conv = variable(3, 3, 3, 8, name="conv/kernel")
        self.conv_bias = variable(8, name="conv/bias")
        self.bn_scale = tf.Variable(rng.uniform(0.5, 1.5, 8).astype(np.float32), name="bn/gamma")
        self.bn_offset = variable(8, scale=0.1, name="bn/beta")
        self.bn_mean = variable(8, scale=0.1, name="bn/moving_mean")
        self.bn_variance = tf.Variable(rng.uniform(0.5, 2.0, 8).astype(np.float32), name="bn/moving_variance")
        self.depthwise = variable(3, 3, 8, 2, name="depthwise/kernel")
        self.pointwise = variable(1, 1, 16, 12, name="pointwise/kernel")
        self.dense = variable(12, 10, name="dense/kernel")
        self.dense_bias = variable(10, scale=0.1, name="dense/bias")

    @tf.function(input_signature=[tf.TensorSpec([None, 16, 16, 3], tf.float32, name="image")])
    def __call__(self, image):
        x = tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
        x = tf.nn.conv2d(x, self.conv, strides=1, padding="VALID")
        x = tf.nn.bias_add(x, self.conv_bias)
        x, _, _, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=self.bn_scale, offset=self.bn_offset, mean=self.bn_mean, variance=self.bn_variance,
            epsilon=1e-3, is_training=False)
        x = tf.nn.relu6(x)
        x = tf.nn.depthwise_conv2d(x, self.depthwise, strides=[1, 2, 2, 1], padding="SAME")
        x = tf.nn.elu(x)
        x = tf.nn.max_pool2d(x, 2, 2, "SAME")
        x = tf.image.resize(x, [6, 6], method="bilinear")
        x = tf.nn.conv2d(x, self.pointwise, strides=1, padding="VALID")
        x = tf.nn.relu(x)
        x = tf.nn.avg_pool2d(x, 3, 1, "VALID")
        x = tf.reduce_mean(x, axis=[1, 2])
        logits = tf.matmul(x, self.dense) + self.dense_bias
        return {"probabilities": tf.nn.softmax(logits), "features": tf.sigmoid(x)}


class TinyAttention(tf.Module):
    """Embedding gather, layer norm (Mean, Square, Rsqrt), einsum projections, batch matmul attention,
    erf-gelu, slicing and concatenation."""

    def __init__(self, vocab=50, dim=16, heads=2):
        super().__init__()
        self.heads, self.dim = heads, dim
        self.embedding = variable(vocab, dim, scale=1.0, name="embedding")
        self.position = variable(8, dim, scale=0.1, name="position")
        self.gamma = tf.Variable(rng.uniform(0.5, 1.5, dim).astype(np.float32), name="ln/gamma")
        self.beta = variable(dim, scale=0.1, name="ln/beta")
        self.qkv = variable(dim, 3 * dim, name="qkv")
        self.out = variable(dim, dim, name="out")
        self.ff1 = variable(dim, 32, name="ff1")
        self.ff2 = variable(32, dim, name="ff2")
        self.head = variable(2 * dim, 4, name="head")

    def layer_norm(self, x):
        mean = tf.reduce_mean(x, axis=-1, keepdims=True)
        variance = tf.reduce_mean(tf.square(x - mean), axis=-1, keepdims=True)
        return (x - mean) * tf.math.rsqrt(variance + 1e-5) * self.gamma + self.beta

    @tf.function(input_signature=[tf.TensorSpec([None, 8], tf.int32, name="tokens")])
    def __call__(self, tokens):
        x = tf.gather(self.embedding, tokens) + self.position
        h = self.layer_norm(x)
        qkv = tf.einsum("bsd,de->bse", h, self.qkv)
        q, k, v = tf.split(qkv, 3, axis=-1)
        batch = tf.shape(tokens)[0]
        head_dim = self.dim // self.heads

        def heads(t):
            t = tf.reshape(t, tf.stack([batch, 8, self.heads, head_dim]))
            return tf.transpose(t, [0, 2, 1, 3])

        q, k, v = heads(q), heads(k), heads(v)
        scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(head_dim)
        attention = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
        attention = tf.reshape(tf.transpose(attention, [0, 2, 1, 3]), tf.stack([batch, 8, self.dim]))
        x = x + tf.einsum("bsd,de->bse", attention, self.out)
        h = self.layer_norm(x)
        flat = tf.reshape(h, [-1, self.dim])
        hidden = tf.matmul(flat, self.ff1)
        hidden = 0.5 * hidden * (1.0 + tf.math.erf(hidden / math.sqrt(2.0)))
        x = x + tf.reshape(tf.matmul(hidden, self.ff2), tf.shape(x))
        first = x[:, 0, :]
        pooled = tf.reduce_max(x, axis=1)
        joined = tf.concat([first, pooled], axis=-1)
        mask = tf.cast(tf.expand_dims(tokens, -1) > 0, tf.float32)
        masked_mean = tf.reduce_sum(x * mask, axis=1) / (tf.reduce_sum(mask, axis=1) + 1.0)
        return {"logits": tf.tanh(tf.matmul(joined, self.head)), "pooled": masked_mean}


def save_tf_model(name: str, module: tf.Module, feeds: dict[str, np.ndarray]):
    folder = OUT / f"{name}_saved_model"
    shutil.rmtree(folder, ignore_errors=True)
    concrete = module.__call__.get_concrete_function()
    tf.saved_model.save(module, str(folder), signatures={"serving_default": concrete})
    outputs = {k: v.numpy() for k, v in concrete(**{k: tf.constant(v) for k, v in feeds.items()}).items()}
    frozen = convert_variables_to_constants_v2(concrete)
    graph_def = frozen.graph.as_graph_def()
    (OUT / f"{name}_frozen.pb").write_bytes(graph_def.SerializeToString())
    # the frozen graph's outputs are Identity nodes in the structured outputs' (sorted) order
    frozen_outputs = dict(zip([t.name.split(":")[0] for t in frozen.outputs], frozen(**{
        k: tf.constant(v) for k, v in feeds.items()})))
    record(f"{name}_saved_model", feeds, outputs)
    record(f"{name}_frozen", {f"{k}": v for k, v in feeds.items()},
           {k: v.numpy() for k, v in frozen_outputs.items()})
    return graph_def, feeds


def save_tf1_model():
    """A TF1-style SavedModel: a reference variable (VariableV2) and a resource one, restored by
    save/restore_all's Assign ops rather than by a traced restore function."""
    tf1 = tf.compat.v1
    folder = OUT / "tf1_saved_model"
    shutil.rmtree(folder, ignore_errors=True)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        kernel = tf1.Variable(rng.standard_normal((4, 3)).astype(np.float32), name="dense/kernel",
                              use_resource=False)
        bias = tf1.get_variable("dense/bias", initializer=rng.standard_normal(3).astype(np.float32),
                                use_resource=True)
        y = tf.nn.tanh(tf.matmul(x, kernel) + bias, name="y")
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            tf1.saved_model.simple_save(session, str(folder), {"x": x}, {"y": y})
            feeds = {"x": rng.standard_normal((2, 4)).astype(np.float32)}
            record("tf1_saved_model", feeds, {"y": session.run(y, {x: feeds["x"]})})


def record(name: str, feeds: dict, outputs: dict):
    arrays = {f"input:{k}": v for k, v in feeds.items()} | {f"output:{k}": np.asarray(v) for k, v in outputs.items()}
    np.savez_compressed(OUT / f"{name}.npz", **arrays)


# ------------------------------------------------------------------ Keras


def keras_model():
    from tensorflow import keras
    layers = keras.layers
    image = keras.Input((12, 12, 3), name="image")
    x = layers.Conv2D(8, 3, padding="same", name="stem")(image)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    left = layers.DepthwiseConv2D(3, padding="same", activation="relu6", name="left_dw")(x)
    left = layers.Conv2D(8, 1, name="left_pw")(left)
    right = layers.Conv2D(8, 3, padding="same", activation="elu", name="right_conv")(x)
    added = layers.Add(name="add")([left, right])
    pooled = layers.MaxPooling2D(2, name="pool")(added)
    wide = layers.Concatenate(name="concat")([pooled, layers.AveragePooling2D(2, name="avg")(x)])
    wide = layers.Conv2D(12, 3, strides=2, padding="valid", activation="tanh", name="down")(wide)
    flat = layers.Flatten(name="flatten")(wide)
    gap = layers.GlobalAveragePooling2D(name="gap")(added)
    joined = layers.Concatenate(name="join")([flat, gap])
    hidden = layers.Dense(16, activation="gelu", name="hidden")(joined)
    hidden = layers.Dropout(0.3, name="dropout")(hidden)
    hidden = layers.LayerNormalization(name="norm")(hidden)
    output = layers.Dense(5, activation="softmax", name="probabilities")(hidden)
    model = keras.Model(image, output, name="two_branch")
    # non-trivial batch-norm statistics
    bn = model.get_layer("stem_bn")
    bn.set_weights([rng.uniform(0.5, 1.5, 8).astype(np.float32), rng.standard_normal(8).astype(np.float32) * 0.1,
                    rng.standard_normal(8).astype(np.float32) * 0.1, rng.uniform(0.5, 2, 8).astype(np.float32)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def save_keras(model):
    feeds = {"image": rng.standard_normal((2, 12, 12, 3)).astype(np.float32)}
    outputs = {"probabilities": model.predict(feeds["image"], verbose=0)}
    model.save(OUT / "two_branch.keras")
    model.save(OUT / "two_branch.h5")
    record("two_branch", feeds, outputs)
    # the SavedModel Keras 3 exports (its ops differ from hand-written TF: Erfc gelu, unfused batch norm)
    shutil.rmtree(OUT / "two_branch_saved_model", ignore_errors=True)
    model.export(str(OUT / "two_branch_saved_model"), format="tf_saved_model", verbose=False)
    record("two_branch_saved_model", feeds, {"output_0": outputs["probabilities"]})
    return feeds, outputs


def save_keras_text_model():
    """Embedding, self-attention (MultiHeadAttention), residual, layer norm, pooling: as .keras and .h5."""
    from tensorflow import keras
    layers = keras.layers
    tokens = keras.Input((8,), dtype="int32", name="tokens")
    x = layers.Embedding(20, 8, name="embed")(tokens)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="attention")(x, x)
    x = layers.LayerNormalization(name="norm")(layers.Add(name="residual")([x, attended]))
    x = layers.GlobalAveragePooling1D(name="pool")(x)
    output = layers.Dense(3, activation="softmax", name="out")(x)
    model = keras.Model(tokens, output, name="tiny_text")
    feeds = {"tokens": rng.integers(0, 20, (2, 8)).astype(np.int32)}
    model.save(OUT / "tiny_text.keras")
    model.save(OUT / "tiny_text.h5")
    record("tiny_text", feeds, {"out": model.predict(feeds["tokens"], verbose=0)})


def save_keras_signal_model():
    """1-D convolutions (causal with dilation, strided same, valid) and 1-D pooling, as .keras."""
    from tensorflow import keras
    layers = keras.layers
    signal = keras.Input((16, 3), name="signal")
    x = layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu", name="causal")(signal)
    x = layers.Conv1D(5, 3, strides=2, padding="same", name="strided")(x)
    x = layers.MaxPooling1D(2, name="max_pool")(x)
    x = layers.AveragePooling1D(2, padding="same", name="avg_pool")(x)
    output = layers.Conv1D(2, 2, padding="valid", name="head")(x)
    model = keras.Model(signal, output, name="signal_1d")
    feeds = {"signal": rng.standard_normal((2, 16, 3)).astype(np.float32)}
    model.save(OUT / "signal_1d.keras")
    record("signal_1d", feeds, {"head": model.predict(feeds["signal"], verbose=0)})


# ------------------------------------------------------------------ TensorFlow.js folders (written by hand)


def quantize_uint8(array: np.ndarray):
    low, high = float(array.min()), float(array.max())
    scale = (high - low) / 255 or 1.0
    codes = np.round((array - low) / scale).astype(np.uint8)
    return codes, {"dtype": "uint8", "min": low, "scale": scale}, (codes * scale + low).astype(np.float32)


def write_tfjs(folder: Path, document: dict, weights: list[tuple[dict, bytes]]):
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "group1-shard1of1.bin").write_bytes(b"".join(data for _, data in weights))
    document["weightsManifest"] = [{"paths": ["group1-shard1of1.bin"], "weights": [e for e, _ in weights]}]
    (folder / "model.json").write_text(json.dumps(document))


def tfjs_graph_model(graph_def, outputs: list[str]):
    """TF.js graph model: the frozen CNN's GraphDef as JSON, Const values moved into the weights."""
    from google.protobuf import json_format
    from tensorflow.core.framework import graph_pb2

    graph_def = graph_pb2.GraphDef.FromString(graph_def.SerializeToString())
    weights, replaced = [], {}
    for node in graph_def.node:
        if node.op != "Const":
            continue
        value = tf.make_ndarray(node.attr["value"].tensor)
        if value.dtype != np.float32 or value.size < 8:
            continue  # small and integer constants stay inline, as TF.js's converter keeps shapes inline
        entry = {"name": node.name, "shape": list(value.shape), "dtype": "float32"}
        if value.ndim == 4 and not weights:  # the first convolution kernel: uint8
            codes, entry["quantization"], value = quantize_uint8(value)
            data = codes.tobytes()
        elif value.ndim == 2:  # dense kernel: float16
            half = value.astype(np.float16)
            entry["quantization"] = {"dtype": "float16"}
            data, value = half.tobytes(), half.astype(np.float32)
        else:
            data = value.astype("<f4").tobytes()
        replaced[node.name] = value
        weights.append((entry, data))
        del node.attr["value"]
    topology = json_format.MessageToDict(graph_def)
    document = {"format": "graph-model", "generatedBy": "2.21.0", "convertedBy": "make_tf_fixtures.py",
                "modelTopology": topology,
                "signature": {"inputs": {"image:0": {"name": "image:0"}},
                              "outputs": {f"{o}:0": {"name": f"{o}:0"} for o in outputs}}}
    write_tfjs(OUT / "cnn_tfjs_graph", document, weights)
    return replaced


def run_graph_def(graph_def, replaced: dict, feeds: dict, outputs: list[str]):
    """Runs a GraphDef in TensorFlow with some Const values replaced (the dequantised weights)."""
    from tensorflow.core.framework import graph_pb2

    graph_def = graph_pb2.GraphDef.FromString(graph_def.SerializeToString())
    for node in graph_def.node:
        if node.name in replaced:
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(replaced[node.name]))
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as session:
        values = session.run([f"{o}:0" for o in outputs], {f"{k}:0": v for k, v in feeds.items()})
    return dict(zip(outputs, values))


def tfjs_layers_model(model, feeds):
    """TF.js layers model from the legacy (Keras 2 style) config of the Keras model, one kernel in uint8."""
    import h5py

    with h5py.File(OUT / "two_branch.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
    weights = []
    for layer in model.layers:
        for variable in layer.weights:
            value = variable.numpy()
            entry = {"name": f"{layer.name}/{variable.path.split('/')[-1]}", "shape": list(value.shape),
                     "dtype": "float32"}
            if layer.name == "right_conv" and value.ndim == 4:
                codes, entry["quantization"], dequantized = quantize_uint8(value)
                variable.assign(dequantized)
                data = codes.tobytes()
            else:
                data = value.astype("<f4").tobytes()
            weights.append((entry, data))
    document = {"format": "layers-model", "generatedBy": "keras v3", "convertedBy": "make_tf_fixtures.py",
                "modelTopology": {"class_name": config["class_name"], "config": config["config"],
                                  "keras_version": "2.15.0", "backend": "tensorflow"}}
    write_tfjs(OUT / "two_branch_tfjs_layers", document, weights)
    record("two_branch_tfjs_layers", feeds, {"probabilities": model.predict(feeds["image"], verbose=0)})


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seed("cnn")
    cnn_graph, cnn_feeds = save_tf_model("cnn", SmallCnn(), {"image": rng.standard_normal((2, 16, 16, 3))
                                                             .astype(np.float32)})
    seed("attention")
    tokens = rng.integers(0, 50, (2, 8)).astype(np.int32)
    tokens[1, 5:] = 0
    save_tf_model("attention", TinyAttention(), {"tokens": tokens})
    seed("tf1")
    save_tf1_model()
    outputs = [n.name for n in cnn_graph.node if n.op == "Identity" and n.name.startswith("Identity")]
    replaced = tfjs_graph_model(cnn_graph, outputs)
    record("cnn_tfjs_graph", cnn_feeds, run_graph_def(cnn_graph, replaced, cnn_feeds, outputs))
    seed("two_branch")
    model = keras_model()
    feeds, _ = save_keras(model)
    tfjs_layers_model(model, feeds)
    seed("tiny_text")
    save_keras_text_model()
    seed("signal_1d")
    save_keras_signal_model()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
