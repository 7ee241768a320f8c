"""Ops whose output shapes depend on data (the runtime's host ops): one-node ONNX models of NonZero,
NonMaxSuppression, TopK with a computed k and Unique, converted and run through reference.py against
onnxruntime, hostile inputs included. tests/js/graph/make_host_op_models.py runs the same models in the
runtime (tests/js/graph/async_executor.test.mjs)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto
from onnx_models import run_onnxruntime, single_op

from tensorweb.converter import reference
from tensorweb.converter.convert import read_graph

INT64 = TensorProto.INT64


def boxes_and_scores(batch, classes, n, seed, center=False):
    """Boxes in clusters (so that suppression happens) with distinct scores."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 10, (batch, 3, 2))[:, rng.integers(0, 3, n)]
    middle = centers + rng.normal(0, 0.6, (batch, n, 2))
    size = rng.uniform(1, 3, (batch, n, 2))
    if center:  # [xc, yc, w, h]
        boxes = np.concatenate([middle[..., ::-1], size[..., ::-1]], -1)
    else:  # [y1, x1, y2, x2], some with their corners swapped
        boxes = np.concatenate([middle - size / 2, middle + size / 2], -1)
        boxes[:, ::3] = boxes[:, ::3][..., [2, 3, 0, 1]]
    scores = rng.permutation(batch * classes * n).reshape(batch, classes, n) / (batch * classes * n)
    return boxes.astype(np.float32), scores.astype(np.float32)


def nms_case(batch, classes, n, seed, count, iou, score, center=0, as_inputs=False):
    boxes, scores = boxes_and_scores(batch, classes, n, seed, bool(center))
    limits = [np.array([count], np.int64), np.array([iou], np.float32), np.array([score], np.float32)]
    if as_inputs:  # thresholds the graph takes at run time
        model = single_op("NonMaxSuppression", [boxes.shape, scores.shape, [1], [1], [1]], {"center_point_box": center},
                          11, input_types={2: INT64})
        return model, {"in0": boxes, "in1": scores, "in2": limits[0], "in3": limits[1], "in4": limits[2]}
    model = single_op("NonMaxSuppression", [boxes.shape, scores.shape, *limits], {"center_point_box": center}, 11)
    return model, {"in0": boxes, "in1": scores}


def top_k_computed(x):
    """TopK whose k is a graph input (read back at run time)."""
    model = single_op("TopK", [x.shape, [1]], {"axis": 1, "largest": 0}, 11, outputs=2, input_types={1: INT64})
    return model, {"in0": x, "in1": np.array([3], np.int64)}


def top_k_of_shape(x):
    """TopK whose k is the length of another input (a shape program value)."""
    model = single_op("TopK", [x.shape, ["n"]], {}, 11, outputs=2)
    shape = onnx.helper.make_node("Shape", ["in1"], ["k"])
    model.graph.node.insert(0, shape)
    model.graph.node[1].input[1] = "k"
    return model, {"in0": x, "in1": np.zeros(4, np.float32)}


rng = np.random.default_rng(3)
MASK = rng.standard_normal((3, 4, 5)).astype(np.float32) * (rng.random((3, 4, 5)) < 0.4)
REPEATS = rng.integers(0, 4, (6, 3)).astype(np.float32)
REPEATS[4] = REPEATS[1]

# name: () -> (model, feeds)
CASES = {
    "NonZero": lambda: (single_op("NonZero", [MASK.shape], {}, 13), {"in0": MASK}),
    "NonZero-empty": lambda: (single_op("NonZero", [[0, 3]], {}, 13), {"in0": np.zeros((0, 3), np.float32)}),
    "NonZero-none": lambda: (single_op("NonZero", [[2, 3]], {}, 13), {"in0": np.zeros((2, 3), np.float32)}),
    "NonMaxSuppression": lambda: nms_case(1, 1, 40, 0, 10, 0.4, 0.1),
    "NonMaxSuppression-center": lambda: nms_case(1, 2, 30, 1, 6, 0.3, 0.0, center=1),
    "NonMaxSuppression-per-batch-class": lambda: nms_case(2, 3, 25, 2, 4, 0.5, 0.2),
    "NonMaxSuppression-inputs": lambda: nms_case(2, 2, 20, 3, 5, 0.45, 0.3, as_inputs=True),
    "NonMaxSuppression-huge-max": lambda: nms_case(1, 2, 30, 4, 2**62, 0.5, 0.0),
    "NonMaxSuppression-no-boxes": lambda: nms_case(1, 2, 0, 5, 10, 0.5, 0.0),
    "TopK-computed-k": lambda: top_k_computed(rng.standard_normal((2, 7, 3)).astype(np.float32)),
    "TopK-k-from-shape": lambda: top_k_of_shape(rng.standard_normal((2, 6)).astype(np.float32)),
    "TopK-constant": lambda: (single_op("TopK", [[3, 5], np.array([2], np.int64)], {}, 11, outputs=2),
                              {"in0": rng.standard_normal((3, 5)).astype(np.float32)}),
    "Unique": lambda: (single_op("Unique", [[9]], {}, 11, outputs=4),
                       {"in0": np.array([2, 1, 1, 3, 4, 3, 0, 2, 5], np.float32)}),
    "Unique-unsorted": lambda: (single_op("Unique", [[9]], {"sorted": 0}, 11, outputs=4),
                                {"in0": np.array([2, 1, 1, 3, 4, 3, 0, 2, 5], np.float32)}),
    "Unique-axis": lambda: (single_op("Unique", [list(REPEATS.shape)], {"axis": 0}, 11, outputs=4), {"in0": REPEATS}),
}


def case_files(name, folder):
    model, feeds = CASES[name]()
    path = folder / f"{name}.onnx"
    onnx.save(model, path)
    return path, feeds


@pytest.mark.parametrize("optimize", [False, True], ids=["raw", "optimized"])
@pytest.mark.parametrize("case", CASES)
def test_op_matches_onnxruntime(case, optimize, tmp_path):
    path, feeds = case_files(case, tmp_path)
    _, result = read_graph(path, optimized=optimize)
    expected = run_onnxruntime(path, feeds)
    actual = reference.run(result.graph, {k: v.astype(np.int32) if v.dtype == np.int64 else v for k, v in feeds.items()})
    for name, value in expected.items():
        assert actual[name].shape == value.shape, name
        if np.issubdtype(value.dtype, np.integer):
            np.testing.assert_array_equal(actual[name], value.astype(actual[name].dtype))
        else:
            np.testing.assert_allclose(actual[name], value, rtol=1e-6, atol=1e-6)


def test_the_nms_cases_keep_and_suppress_several_boxes(tmp_path):
    for name in ("NonMaxSuppression", "NonMaxSuppression-center", "NonMaxSuppression-per-batch-class"):
        path, feeds = case_files(name, tmp_path)
        kept = run_onnxruntime(path, feeds)["out0"]
        scored = (feeds["in1"] > 0).sum()
        assert 3 <= len(kept) <= scored - 3, (name, len(kept))


def test_the_graph_keeps_the_host_ops(tmp_path):
    ops = {name: {node.op for node in read_graph(case_files(name, tmp_path)[0])[1].graph.nodes}
           for name in ("NonZero", "NonMaxSuppression", "TopK-computed-k", "TopK-k-from-shape", "Unique")}
    assert "whereAsync" in ops["NonZero"]
    assert "nonMaxSuppressionPerClass" in ops["NonMaxSuppression"]
    assert "topkAsync" in ops["TopK-computed-k"]
    assert "topk" in ops["TopK-k-from-shape"]
    assert "uniqueAsync" in ops["Unique"]
