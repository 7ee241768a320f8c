"""One build of the example models per test session (exporting EfficientNet is the slow part)."""

import pytest

from tensorweb.examples import RECIPES, make_examples


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples")
    results = make_examples(out, progress=lambda _message: None)
    assert [r.built for r in results] == [True] * len(RECIPES)
    return out
