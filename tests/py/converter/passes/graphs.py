"""Helpers for the pass tests: run a pass and check the graph still computes the same outputs."""

import copy

import numpy as np

from tensorweb.converter import reference
from tensorweb.converter.ir import NUMPY_DTYPES, Graph


def random_feeds(graph: Graph, seed: int = 0, batch: int = 2):
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal([d if d >= 0 else batch for d in graph.info[name].shape])
            .astype(NUMPY_DTYPES[graph.info[name].dtype]) for name in graph.inputs}


def assert_index_current(graph: Graph):
    """The producer/reader index the graph maintains equals one built afresh from its nodes."""
    fresh = Graph()
    fresh.nodes = graph.nodes
    assert {k: id(v) for k, v in graph.producers().items()} == {k: id(v) for k, v in fresh.producers().items()}
    readers = lambda g: {k: sorted(map(id, v)) for k, v in g.consumers().items() if v}  # noqa: E731
    assert readers(graph) == readers(fresh)


def run_pass_and_compare(graph: Graph, run_pass, rtol: float = 1e-5) -> bool:
    """Runs `run_pass` on `graph`; asserts the outputs (names and values) did not change."""
    before = copy.deepcopy(graph)
    changed = run_pass(graph)
    assert_index_current(graph)
    feeds = random_feeds(before)
    expected, actual = reference.run(before, feeds), reference.run(graph, feeds)
    assert list(actual) == list(expected)
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=rtol, atol=rtol)
    return changed


def weight(*shape, seed=0, positive=False):
    values = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return np.abs(values) + 0.5 if positive else values
