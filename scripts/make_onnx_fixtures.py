"""Exports small PyTorch models to ONNX fixtures for the converter tests, with PyTorch's own outputs.

Run by hand (needs torch: `pip install torch==2.13.0`, and onnxscript for the torch.export-based
exporter); the tests only read what it writes into tests/fixtures/onnx/: <name>.onnx (the
torch.export-based exporter's also <name>.onnx.data, its weights as external data) and <name>.npz
(inputs under their names, outputs as output_<name>).  Each model is exported twice: by the
TorchScript exporter at opsets 13/14 (layer norm and GELU written out) and by the torch.export-based
exporter (opset 20: LayerNormalization, Gelu). minilm_dynamic (MiniLM's architecture, small and seeded) and
torch_tiled_positions (Tile repetitions read from a shape) are exported once, by the TorchScript exporter with
batch and sequence free.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "onnx"


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.reduce = nn.Conv2d(channels, channels // 4, 1)
        self.expand = nn.Conv2d(channels // 4, channels, 1)

    def forward(self, x):
        s = nn.functional.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.expand(nn.functional.silu(self.reduce(s))))


class TinyConvNet(nn.Module):
    """Stem, a depthwise-separable residual block with squeeze-excite, a grouped conv with channel
    shuffle, a 2x upsample, pooling and a classifier: the layers the image models in the issue use."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.depthwise = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16),
                                       nn.Hardswish())
        self.excite = SqueezeExcite(16)
        self.pointwise = nn.Sequential(nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.grouped = nn.Sequential(nn.Conv2d(16, 24, 3, 2, 1, groups=4, bias=False), nn.BatchNorm2d(24), nn.ReLU())
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(24 * 8 * 8, 10))

    def forward(self, x):
        x = self.stem(x)
        x = x + self.pointwise(self.excite(self.depthwise(x)))
        x = self.grouped(x)
        n, c, h, w = x.shape
        x = x.view(n, 4, c // 4, h, w).transpose(1, 2).reshape(n, c, h, w)  # channel shuffle
        x = self.pool(self.up(x))
        return torch.softmax(self.head(x), dim=1)


class EncoderLayer(nn.Module):
    """A BERT-style embedding + encoder layer + pooler, written as transformers writes it."""

    def __init__(self, vocab=100, hidden=32, heads=4, max_positions=64):
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.words = nn.Embedding(vocab, hidden)
        self.positions = nn.Embedding(max_positions, hidden)
        self.register_buffer("position_ids", torch.arange(max_positions).unsqueeze(0))
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.attention_out = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, hidden * 4)
        self.output = nn.Linear(hidden * 4, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.pooler = nn.Linear(hidden, hidden)

    def split_heads(self, x):
        batch, length, _ = x.size()
        return x.view(batch, length, self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, input_ids, attention_mask):
        length = input_ids.size(1)
        x = self.words(input_ids) + self.positions(self.position_ids[:, :length])
        x = self.embedding_norm(x)
        mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        q, k, v = (self.split_heads(f(x)) for f in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + mask
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        context = context.view(context.size(0), context.size(1), -1)
        x = self.attention_norm(self.attention_out(context) + x)
        x = self.output_norm(self.output(nn.functional.gelu(self.intermediate(x))) + x)
        return x, torch.tanh(self.pooler(x[:, 0]))


def export(name: str, build, inputs: dict[str, torch.Tensor], outputs: list[str], free: dict[str, list[int]],
           opset: int, dynamo: bool):
    """`free`: input -> the axes left free in the ONNX model."""
    torch.manual_seed(0)
    model = build().eval()
    with torch.no_grad():
        for module in model.modules():  # batch norms with non-trivial statistics
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
        results = model(*inputs.values())
    results = results if isinstance(results, tuple) else (results,)
    path = OUT / f"{name}.onnx"
    if dynamo:
        batch = torch.export.Dim("batch", min=1, max=64)
        parameters = list(inspect.signature(model.forward).parameters)
        torch.onnx.export(model, tuple(inputs.values()), path, input_names=list(inputs), output_names=outputs,
                          dynamic_shapes={p: {axis: batch for axis in free[i]} for p, i in zip(parameters, inputs)},
                          dynamo=True)
    else:
        names = {0: "batch", 1: "sequence"}
        torch.onnx.export(model, tuple(inputs.values()), path, input_names=list(inputs), output_names=outputs,
                          dynamic_axes={i: {axis: names[axis] for axis in axes} for i, axes in free.items()},
                          opset_version=opset, dynamo=False)
    arrays = {k: v.numpy() for k, v in inputs.items()}
    arrays.update({f"output_{n}": r.numpy() for n, r in zip(outputs, results)})
    np.savez(OUT / f"{name}.npz", **arrays)


def export_minilm():
    """all-MiniLM-L6-v2's architecture (py/tensorweb/examples/minilm.py), small and seeded, exported as the
    example is, with batch and sequence free: its attention heads reshape over both."""
    import sys
    sys.path.insert(0, str(OUT.parents[2] / "py"))
    from tensorweb.examples.minilm import BertConfig, SentenceEncoder
    torch.manual_seed(0)
    model = SentenceEncoder(BertConfig(vocab_size=100, hidden_size=32, layers=2, heads=4, intermediate_size=64,
                                       max_positions=64, type_vocab_size=2, layer_norm_eps=1e-12)).eval()
    ids, mask = torch.randint(0, 100, (2, 7)), torch.ones(2, 7, dtype=torch.int64)
    mask[1, 5:] = 0
    with torch.no_grad():
        embedding = model(ids, mask)
    free = {0: "batch", 1: "sequence"}
    torch.onnx.export(model, (ids, mask), OUT / "minilm_dynamic.onnx", input_names=["input_ids", "attention_mask"],
                      output_names=["embedding"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": free, "attention_mask": free, "embedding": {0: "batch"}})
    np.savez(OUT / "minilm_dynamic.npz", input_ids=ids.numpy(), attention_mask=mask.numpy(),
             output_embedding=embedding.numpy())


class TiledPositions(nn.Module):
    """Token and position embeddings, the positions tiled over the batch by a count read from the ids'
    shape: Tile repetitions that follow a free dimension, which the converter needs fixed."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(100, 16)
        self.positions = nn.Embedding(64, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, input_ids, attention_mask):
        batch, length = input_ids.shape
        positions = torch.arange(length).unsqueeze(0).repeat(batch, 1)
        x = (self.tokens(input_ids) + self.positions(positions)) * attention_mask.unsqueeze(-1)
        return self.head(x.sum(dim=1))


def export_tiled_positions():
    torch.manual_seed(0)
    model = TiledPositions().eval()
    ids, mask = torch.randint(0, 100, (2, 8)), torch.ones(2, 8, dtype=torch.int64)
    with torch.no_grad():
        logits = model(ids, mask)
    free = {0: "batch", 1: "sequence"}
    torch.onnx.export(model, (ids, mask), OUT / "torch_tiled_positions.onnx", input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": free, "attention_mask": free})
    np.savez(OUT / "torch_tiled_positions.npz", input_ids=ids.numpy(), attention_mask=mask.numpy(),
             output_logits=logits.numpy())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    export_minilm()
    export_tiled_positions()
    torch.manual_seed(0)
    image = torch.randn(2, 3, 32, 32)
    ids = torch.randint(0, 100, (2, 12))
    mask = torch.ones(2, 12, dtype=torch.int64)
    mask[1, 9:] = 0
    for dynamo, suffix in ((False, ""), (True, "_dynamo")):
        export(f"torch_convnet{suffix}", TinyConvNet, {"image": image}, ["probabilities"], {"image": [0]},
               opset=13, dynamo=dynamo)
        # the torch.export-based exporter keeps the sequence fixed; the TorchScript one frees it too
        free = [0] if dynamo else [0, 1]
        export(f"torch_encoder{suffix}", EncoderLayer, {"input_ids": ids, "attention_mask": mask},
               ["sequence", "pooled"], {"input_ids": free, "attention_mask": free}, opset=14, dynamo=dynamo)


if __name__ == "__main__":
    main()
