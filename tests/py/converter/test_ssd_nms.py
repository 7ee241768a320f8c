"""The SSD-style detector exported from PyTorch with its NMS in the graph (tests/fixtures/onnx/make_ssd_nms.py):
score mask (NonZero), class-aware NonMaxSuppression, TopK with k = min(8, kept), gathers. Converted with and
without the passes, reference.py matches onnxruntime's boxes, scores and labels recorded in ssd_nms.npz."""

from pathlib import Path

import numpy as np
import pytest

from tensorweb.converter import reference
from tensorweb.converter.convert import read_graph

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "onnx"


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
def test_detector_matches_onnxruntime(optimize):
    _, result = read_graph(FIXTURES / "ssd_nms.onnx", optimized=optimize)
    ops = {node.op for node in result.graph.nodes}
    assert {"whereAsync", "nonMaxSuppressionPerClass", "topk"} <= ops, sorted(ops)
    recorded = np.load(FIXTURES / "ssd_nms.npz")
    actual = reference.run(result.graph, {"image": recorded["image"]})
    np.testing.assert_allclose(actual["boxes"], recorded["output_boxes"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(actual["scores"], recorded["output_scores"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(actual["labels"], recorded["output_labels"])


def test_the_recorded_case_is_meaningful():
    recorded = np.load(FIXTURES / "ssd_nms.npz")
    assert len(recorded["output_scores"]) == 8  # k = min(8, kept): more boxes survived NMS than the 8 kept
    assert len(set(recorded["output_scores"].tolist())) == 8
    assert len(set(recorded["output_labels"].tolist())) >= 2
