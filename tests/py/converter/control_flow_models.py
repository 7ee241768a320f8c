"""One-node ONNX If, Loop and Scan models built with onnx.helper, with inputs to run them on: the cases of
readers/test_onnx_control_flow.py and of the runtime's tests (tests/js/graph/make_control_flow_models.py).

Each case is (model, feeds, ops the converted graph holds): bodies read outer values (a weight, a
graph input, an outer node's output), and `loop_with_if` nests an If in a Loop's body."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
FLOAT, INT64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
rng = np.random.default_rng(7)


def value(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "control_flow", inputs, outputs,
                              [numpy_helper.from_array(np.asarray(v), n) for n, v in initializers])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def body(name, nodes, inputs, outputs, initializers=()):
    return helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(np.asarray(v), n)
                                                            for n, v in initializers])


def constant(name, array):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(array)))


W = rng.standard_normal((2, 3)).astype(np.float32)


def if_model(cond_initializer=None):
    """y = x + W (then) or x * relu(x) (else), on sum(x) > 0 or a constant condition."""
    then_branch = body("then", [helper.make_node("Add", ["x", "W"], ["t"])], [], [value("t", FLOAT, [2, 3])])
    else_branch = body("else", [helper.make_node("Mul", ["x", "r"], ["e"])], [], [value("e", FLOAT, [2, 3])])
    nodes = [helper.make_node("Relu", ["x"], ["r"])]
    initializers = [("W", W)]
    if cond_initializer is None:
        nodes += [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                  constant("zero", np.array(0, np.float32)), helper.make_node("Greater", ["s", "zero"], ["c"])]
    else:
        initializers.append(("c", np.array(cond_initializer)))
    nodes.append(helper.make_node("If", ["c"], ["y"], name="choose", then_branch=then_branch, else_branch=else_branch))
    return model(nodes, [value("x", FLOAT, [2, 3])], [value("y", FLOAT, [2, 3])], initializers)


def counting_body(extra_nodes=(), step="x"):
    """v' = v + step * iteration; scan output v' * 2; the condition passed through."""
    nodes = [helper.make_node("Cast", ["i"], ["i_f"], to=FLOAT), helper.make_node("Mul", [step, "i_f"], ["inc"]),
             helper.make_node("Add", ["v", "inc"], ["v_next"]), helper.make_node("Identity", ["cond"], ["cond_out"]),
             constant("two", np.array(2, np.float32)), helper.make_node("Mul", ["v_next", "two"], ["scanned"]),
             *extra_nodes]
    return body("body", nodes, [value("i", INT64, []), value("cond", BOOL, []), value("v", FLOAT, [2, 3])],
                [value("cond_out", BOOL, []), value("v_next", FLOAT, [2, 3]), value("scanned", FLOAT, [2, 3])])


def loop_model(trip=None):
    """A counting loop over a runtime trip count (a graph input), or a constant one (unrolled)."""
    inputs = [value("x", FLOAT, [2, 3])]
    initializers = [("v0", W), ("true", np.array(True))]
    if trip is None:
        inputs.append(value("n", INT64, []))
    else:
        initializers.append(("n", np.array(trip, np.int64)))
    node = helper.make_node("Loop", ["n", "true", "v0"], ["v", "scans"], name="count", body=counting_body())
    return model([node], inputs, [value("v", FLOAT, [2, 3]), value("scans", FLOAT, [None, 2, 3])], initializers)


def while_model():
    """No trip count: doubles v while sum(v) < limit, the condition computed from data."""
    nodes = [helper.make_node("Mul", ["v", "x"], ["v_next"]), helper.make_node("ReduceSum", ["v_next"], ["s"], keepdims=0),
             helper.make_node("Less", ["s", "limit"], ["cond_out"])]
    loop_body = body("body", nodes, [value("i", INT64, []), value("cond", BOOL, []), value("v", FLOAT, [2, 3])],
                     [value("cond_out", BOOL, []), value("v_next", FLOAT, [2, 3])])
    node = helper.make_node("Loop", ["", "true", "v0"], ["v"], name="grow", body=loop_body)
    return model([node], [value("x", FLOAT, [2, 3]), value("limit", FLOAT, [])], [value("v", FLOAT, [2, 3])],
                 [("v0", np.ones((2, 3), np.float32)), ("true", np.array(True))])


def loop_with_if_model():
    """A Loop whose body holds an If on the iteration's parity: then adds an outer node's output (relu(x)),
    else subtracts a weight; both read values two scopes out."""
    then_branch = body("then", [helper.make_node("Add", ["v", "r"], ["t"])], [], [value("t", FLOAT, [2, 3])])
    else_branch = body("else", [helper.make_node("Sub", ["v", "W"], ["e"])], [], [value("e", FLOAT, [2, 3])])
    nodes = [constant("two", np.array(2, np.int64)), helper.make_node("Mod", ["i", "two"], ["parity"]),
             constant("zero", np.array(0, np.int64)), helper.make_node("Equal", ["parity", "zero"], ["even"]),
             helper.make_node("If", ["even"], ["v_next"], name="parity_if", then_branch=then_branch,
                              else_branch=else_branch),
             helper.make_node("Identity", ["cond"], ["cond_out"])]
    loop_body = body("body", nodes, [value("i", INT64, []), value("cond", BOOL, []), value("v", FLOAT, [2, 3])],
                     [value("cond_out", BOOL, []), value("v_next", FLOAT, [2, 3]), value("v_next", FLOAT, [2, 3])])
    node = helper.make_node("Loop", ["n", "", "x"], ["v", "trace"], name="outer_loop", body=loop_body)
    return model([helper.make_node("Relu", ["x"], ["r"]), node], [value("x", FLOAT, [2, 3]), value("n", INT64, [])],
                 [value("v", FLOAT, [2, 3]), value("trace", FLOAT, [None, 2, 3])], [("W", W)])


def scan_model(length: int):
    """A running sum over x's rows read backwards, each step's sum scaled by an outer weight and stacked
    along axis 1 in reverse: Scan's directions and axes. Long sequences stay a loop, short ones unroll."""
    scale = np.linspace(0.5, 1.5, 3).astype(np.float32)
    nodes = [helper.make_node("Add", ["acc", "row"], ["acc_next"]), helper.make_node("Mul", ["acc_next", "scale"], ["out"])]
    scan_body = body("body", nodes, [value("acc", FLOAT, [3]), value("row", FLOAT, [3])],
                     [value("acc_next", FLOAT, [3]), value("out", FLOAT, [3])])
    node = helper.make_node("Scan", ["acc0", "x"], ["total", "steps"], name="running_sum", body=scan_body,
                            num_scan_inputs=1, scan_input_directions=[1], scan_output_axes=[1],
                            scan_output_directions=[1])
    return model([node], [value("x", FLOAT, [length, 3])], [value("total", FLOAT, [3]), value("steps", FLOAT, [3, length])],
                 [("acc0", np.zeros(3, np.float32)), ("scale", scale)])


def if_after_conv_model():
    """Branches reading an NCHW convolution's output (which the layout pass rewrites around), one of them
    convolving again inside the body (which keeps its transposes): the passes must leave the bodies right."""
    conv_w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    inner_w = rng.standard_normal((3, 3, 1, 1)).astype(np.float32)
    then_branch = body("then", [helper.make_node("Conv", ["r", "inner_w"], ["t"])], [], [value("t", FLOAT, [1, 3, 4, 4])])
    else_branch = body("else", [helper.make_node("Mul", ["c", "c"], ["e"])], [], [value("e", FLOAT, [1, 3, 4, 4])])
    nodes = [helper.make_node("Conv", ["x", "conv_w"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0), constant("zero", np.array(0, np.float32)),
             helper.make_node("Greater", ["s", "zero"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], name="after_conv", then_branch=then_branch, else_branch=else_branch),
             helper.make_node("Sigmoid", ["r"], ["z"])]
    outputs = [value("y", FLOAT, [1, 3, 4, 4]), value("z", FLOAT, [1, 3, 4, 4])]
    return model(nodes, [value("x", FLOAT, [1, 2, 4, 4])], outputs, [("conv_w", conv_w), ("inner_w", inner_w)])


def x23(sign=1.0):
    return (sign * np.abs(rng.standard_normal((2, 3)))).astype(np.float32)


# name -> (model, feeds, control-flow ops left in the converted graph)
CASES = {
    "if_runtime_then": (if_model(), {"x": x23(1)}, ["if"]),
    "if_runtime_else": (if_model(), {"x": x23(-1)}, ["if"]),
    "if_after_conv": (if_after_conv_model(), {"x": np.abs(rng.standard_normal((1, 2, 4, 4))).astype(np.float32)}, ["if"]),
    "if_known_condition": (if_model(cond_initializer=False), {"x": x23()}, []),
    "loop_runtime_trip_count": (loop_model(), {"x": x23(), "n": np.array(5, np.int64)}, ["loop"]),
    "loop_no_iteration": (loop_model(), {"x": x23(), "n": np.array(0, np.int64)}, ["loop"]),
    "loop_unrolled": (loop_model(trip=3), {"x": x23()}, []),
    "loop_while_condition": (while_model(), {"x": (x23() + 1.2).astype(np.float32), "limit": np.array(60, np.float32)},
                             ["loop"]),
    "loop_with_if": (loop_with_if_model(), {"x": x23(), "n": np.array(4, np.int64)}, ["loop"]),
    "scan_unrolled": (scan_model(4), {"x": rng.standard_normal((4, 3)).astype(np.float32)}, []),
    "scan_loop": (scan_model(150), {"x": rng.standard_normal((150, 3)).astype(np.float32)}, ["loop"]),
}
