"""Mutated TensorFlow, Keras and TF.js files (bytes flipped, cut out, inserted) either convert or fail with a
ConversionError naming the problem: never another exception, never a partial output folder."""

import random
import shutil
from pathlib import Path

import pytest

from tensorweb.converter.convert import convert
from tensorweb.converter.errors import ConversionError

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "tf"
TARGETS = {
    # id: (fixture, file inside it that gets mutated, or "" for the fixture file itself)
    "frozen-graph": ("cnn_frozen.pb", ""),
    "saved-model-graph": ("attention_saved_model", "saved_model.pb"),
    "checkpoint-index": ("cnn_saved_model", "variables/variables.index"),
    "legacy-h5": ("two_branch.h5", ""),
    "keras-archive": ("two_branch.keras", ""),
    "tfjs-model-json": ("cnn_tfjs_graph", "model.json"),
    "tfjs-layers-json": ("two_branch_tfjs_layers", "model.json"),
}
MUTANTS = 12


def mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(data))
        kind = rng.random()
        if kind < 0.6:
            data[at] = rng.randrange(256)
        elif kind < 0.8:
            del data[at:at + rng.randint(1, 64)]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


@pytest.mark.parametrize("target", TARGETS, ids=list(TARGETS))
def test_mutants_convert_or_fail_cleanly(target, tmp_path):
    fixture, inner = TARGETS[target]
    rng = random.Random(target)
    failures = 0
    for attempt in range(MUTANTS):
        source = tmp_path / f"m{attempt}" / fixture
        source.parent.mkdir()
        (shutil.copytree if (FIXTURES / fixture).is_dir() else shutil.copy)(FIXTURES / fixture, source)
        victim = source / inner if inner else source
        victim.write_bytes(mutate(victim.read_bytes(), rng))
        out = tmp_path / f"out{attempt}"
        out.mkdir()
        try:
            convert(source, out / "model")
        except ConversionError as e:
            failures += 1
            assert str(e).strip()
            assert list(out.iterdir()) == []
        else:
            assert (out / "model" / "model.json").is_file()
    assert failures, "no mutant was refused; the mutations are too gentle to test anything"
