"""Control flow in the IR: `if` and `loop` nodes carrying subgraphs (ir.Graph bodies).

A body reads its own `inputs`, its own nodes' outputs and the enclosing scope's values listed in
its `outer` (under their enclosing names; a body's weights are the root graph's constants, read
the same way, so they go in the same shards).  The node's inputs are its operands followed by
every value its bodies' `outer` lists, so passes, dead-node removal and the runtime's value
lifetimes see what the bodies read.  The semantics are ONNX's:

- `if`: operands [cond]; bodies `then` and `else`, no inputs, as many outputs as the node.
- `loop`: operands [trip count (int32 scalar, '' for none), cond (bool scalar, '' for none),
  carried values...]; body `body` takes [iteration (int32 scalar), cond, carried...] and gives
  [cond, carried..., scan outputs...]; the node gives the last carried values, then each scan
  output stacked along a new first axis.  TensorFlow's While is a `loop` without a trip count.

Readers fold control flow whose condition or trip count is known while converting (the chosen
branch inlined, a short loop unrolled); what remains runs in the runtime's executeAsync
(js/src/graph/control_flow.ts), which refuses a loop past MAX_LOOP_ITERATIONS.
"""

from __future__ import annotations

import numpy as np

from .errors import ConversionError
from .ops import TensorInfo

BODIES = {"if": ("then", "else"), "loop": ("body",)}
MAX_LOOP_ITERATIONS = 1 << 20  # the runtime's limit too (control_flow.ts), so that a hostile loop fails, not hangs
UNROLL_NODES = 256  # a loop whose iterations hold at most this many nodes in all is unrolled while converting


def merged_info(a: TensorInfo, b: TensorInfo, what: str) -> TensorInfo:
    """What two bodies (or two iterations) may give for one value: dims that differ become free."""
    if a.dtype != b.dtype:
        raise ConversionError(f"{what}: {a.dtype} on one path, {b.dtype} on the other")
    if len(a.shape) != len(b.shape):
        raise ConversionError(f"{what}: rank {len(a.shape)} on one path, {len(b.shape)} on the other")
    return TensorInfo(tuple(x if x == y else -1 for x, y in zip(a.shape, b.shape)), a.dtype)


def seal(body, parent) -> object:
    """Finishes a body lowered into its own ir.Graph (outputs bound): drops what its outputs do not need,
    and moves its constants into `parent`, the enclosing graph, reading them from there as outer values."""
    from .readers.lowering import Unsupported
    body.remove_unused()
    body.outer = [name for name in body.outer if name in body.info]
    if len(body.shape_program) or any(n.shape_attrs for n in body.nodes):
        raise Unsupported("sizes inside a subgraph follow a free dimension; fix them with --input-shape")
    for name in list(body.constants):
        parent.set_constant(name, body.constants.pop(name), name in body.parameters)
        body.parameters.discard(name)
        body.outer.append(name)
    return body


def refined(build, infos: list[TensorInfo], parent, what: str):
    """A loop body built by `build(carried infos)` (outputs bound), rebuilt with the dims its iterations
    change made free until its carried outputs keep their inputs' infos (each rebuild frees a dim, so
    this ends), then sealed into `parent`."""
    while True:
        body = build(infos)
        after = [merged_info(info, body.info[body.outputs[1 + k]], f"{what}: carried value {k}")
                 for k, info in enumerate(infos)]
        if after == infos:
            return seal(body, parent)
        infos = after


def captured(bodies) -> list[str]:
    """The enclosing-scope values the bodies read, in first-use order: the node's trailing inputs."""
    return list(dict.fromkeys(name for body in bodies for name in body.outer))


# ---------------------------------------------------------------------- model.json


def subgraph_json(body, node_json) -> dict:
    from .model_json import tensor_entries
    if len(body.shape_program) or any(n.shape_attrs for n in body.nodes):
        raise ConversionError("a subgraph's attributes may not follow free dimensions")
    return {"inputs": tensor_entries(body, body.inputs), "outputs": tensor_entries(body, body.outputs),
            "outer": list(body.outer), "nodes": [node_json(n) for n in body.nodes]}


def read_subgraph(entry: dict, parent, add_nodes) -> object:
    from .ir import Graph
    body = Graph(parent=parent)
    for name in entry["outer"]:
        if name not in parent.info:
            raise ConversionError(f"subgraph reads {name!r}, which its enclosing scope lacks")
        body.add_outer(name, parent.info[name])
    for tensor in entry["inputs"]:
        body.add_input(tensor["name"], tensor["shape"], tensor["dtype"])
    add_nodes(body, entry["nodes"])
    body.outputs = [t["name"] for t in entry["outputs"]]
    return body


# ---------------------------------------------------------------------- evaluation (reference.run)


def run_node(node, inputs: list[np.ndarray], run_body) -> list[np.ndarray]:
    """Evaluates a control-flow node; `run_body(body, values by name)` evaluates a body's outputs."""
    if node.op == "if":
        body = node.subgraphs["then" if bool(np.asarray(inputs[0]).reshape(-1)[0]) else "else"]
        return run_body(body, scope(node, inputs, body, []))
    body = node.subgraphs["body"]
    trip, cond = inputs[0], inputs[1]
    carried = list(inputs[2:2 + len(body.inputs) - 2])
    limit = MAX_LOOP_ITERATIONS if trip is None else int(trip)
    if limit > MAX_LOOP_ITERATIONS:
        raise ConversionError(f"node {node.name!r} (loop): trip count {limit} exceeds {MAX_LOOP_ITERATIONS}")
    going = True if cond is None else bool(cond)
    scans: list[list[np.ndarray]] = [[] for _ in range(len(body.outputs) - 1 - len(carried))]
    iteration = 0
    while going and iteration < limit:
        feeds = [np.array(iteration, np.int32), np.array(going), *carried]
        outputs = run_body(body, scope(node, inputs, body, feeds))
        going = bool(outputs[0])
        carried = list(outputs[1:1 + len(carried)])
        for stacked, value in zip(scans, outputs[1 + len(carried):]):
            stacked.append(value)
        iteration += 1
    if trip is None and going:
        raise ConversionError(f"node {node.name!r} (loop): still running after {MAX_LOOP_ITERATIONS} iterations")
    from .ir import NUMPY_DTYPES
    # a scan output of no iteration has no rows (ONNX's [0, ...])
    empty = [body.info[name] for name in body.outputs[1 + len(carried):]]
    return carried + [np.stack(s) if s else np.zeros((0, *(max(d, 0) for d in info.shape)), NUMPY_DTYPES[info.dtype])
                      for s, info in zip(scans, empty)]


def scope(node, inputs: list, body, feeds: list) -> dict:
    values = dict(zip(node.inputs, inputs))
    bound = {name: values[name] for name in body.outer}
    bound.update(zip(body.inputs, feeds))
    return bound


# ---------------------------------------------------------------------- shapes


def output_infos(op: str, names: list[str], inputs: list[TensorInfo | None], bodies: dict) -> list[TensorInfo]:
    """A control-flow node's output infos from its inputs' and bodies', after checking that they fit."""
    if sorted(bodies) != sorted(BODIES.get(op, ())):
        raise ConversionError(f"a {op!r} node has the bodies {sorted(BODIES.get(op, ()))}, not {sorted(bodies)}")
    for body in bodies.values():
        missing = [name for name in body.outer if name not in names]
        if missing:
            raise ConversionError(f"its subgraph reads {missing}, which the node's inputs do not list")
    if op == "if":
        then, other = bodies["then"], bodies["else"]
        if len(then.outputs) != len(other.outputs):
            raise ConversionError(f"the then branch gives {len(then.outputs)} outputs, the else branch "
                                  f"{len(other.outputs)}")
        return [merged_info(then.info[a], other.info[b], f"output {k}") for k, (a, b)
                in enumerate(zip(then.outputs, other.outputs))]
    body = bodies["body"]
    carried = len(body.inputs) - 2
    if carried < 0 or len(body.outputs) < 1 + carried or len(inputs) < 2 + carried:
        raise ConversionError(f"its body takes {len(body.inputs)} inputs and gives {len(body.outputs)} outputs; "
                              f"a loop body takes the iteration, the condition and the carried values, and gives "
                              f"the condition, the carried values and the scan outputs")
    infos = [merged_info(inputs[2 + k], body.info[body.outputs[1 + k]], f"carried value {k}")
             for k in range(carried)]
    return infos + [TensorInfo((-1, *body.info[name].shape), body.info[name].dtype)
                    for name in body.outputs[1 + carried:]]

