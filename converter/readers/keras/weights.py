"""A Keras layer's weights: TF.js's names for them per layer class, and which an optimizer may train.

Keras stores a layer's weights in order without names (`.keras`) or with names
of its own (`.h5`, TF.js manifests); WEIGHT_NAMES gives them the names
`<layer>/<weight>` that both output formats use.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ...errors import MalformedModelError, UnsupportedOpsError
from .config import KerasLayer


def weight_names(layer: KerasLayer) -> list[str]:
    """TF.js's names for a layer's weights, in Keras's order."""
    config = layer.config
    bias = ["bias"] if config.get("use_bias", True) else []
    names = WEIGHT_NAMES.get(layer.class_name)
    if names is None:
        return []
    return names(config, bias) if callable(names) else names + bias


def attention_weights(config, bias):
    return [f"{part}/{weight}" for part in ("query", "key", "value", "attention_output")
            for weight in ["kernel"] + bias]


def norm_weights(config, _bias):
    return (["gamma"] if config.get("scale", True) else []) + (["beta"] if config.get("center", True) else [])


WEIGHT_NAMES: dict[str, list[str] | Callable] = {
    "Dense": ["kernel"], "Conv1D": ["kernel"], "Conv2D": ["kernel"], "Conv3D": ["kernel"],
    "Conv2DTranspose": ["kernel"], "DepthwiseConv2D": ["depthwise_kernel"],
    "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel"],
    "BatchNormalization": lambda c, b: norm_weights(c, b) + ["moving_mean", "moving_variance"],
    "LayerNormalization": norm_weights,
    "Embedding": lambda c, b: ["embeddings"],
    "PReLU": lambda c, b: ["alpha"],
    "MultiHeadAttention": attention_weights,
}
# composite layers keep their weights in sublayers: in a `.keras` file, the sublayers' object paths in order
SUBLAYER_PATHS = {"MultiHeadAttention": ("query_dense", "key_dense", "value_dense", "output_dense")}
NON_TRAINABLE_WEIGHTS = ("moving_mean", "moving_variance")


def name_weights(layer: KerasLayer, arrays: list[np.ndarray], where: str) -> dict[str, np.ndarray]:
    names = weight_names(layer)
    if len(arrays) != len(names):
        if layer.class_name not in WEIGHT_NAMES and arrays:
            raise UnsupportedOpsError([(layer.name, layer.class_name, f"layer with {len(arrays)} weight(s) is not "
                                        f"supported")])
        raise MalformedModelError(f"{where}: layer {layer.name!r} ({layer.class_name}) has {len(arrays)} weights, "
                                  f"expected {len(names)} ({', '.join(names) or 'none'})")
    return dict(zip(names, arrays))

def is_trainable(layer: KerasLayer, name: str, array: np.ndarray) -> bool:
    """Whether an optimizer may update a layer's weight: a float one, not a batch-norm moving statistic,
    of a layer not saved with `trainable: false`.  Both output formats list these as trainable."""
    return (layer.config.get("trainable", True) is not False and name not in NON_TRAINABLE_WEIGHTS
            and array.dtype.kind == "f")
