"""ONNX If, Loop and Scan: folded while reading where their condition or trip count is known,
else `if`/`loop` nodes carrying subgraphs (control_flow.py describes them).

A body is lowered by the same lowerings into its own ir.Graph through a child context, which
finds the enclosing scope's values by name (`OnnxLowering.outer_value`) and lists them in the
body's `outer`; its constants move to the root graph, read the same way.  Scan becomes a `loop`
over its sequence length, each iteration gathering its slice of the scanned inputs.
"""

from __future__ import annotations

from collections import ChainMap

import numpy as np
import onnx

from ..control_flow import MAX_LOOP_ITERATIONS, UNROLL_NODES, captured, refined, seal
from ..errors import ConversionError
from ..ir import Graph
from ..ops import TensorInfo
from .lowering import Known, Unsupported, narrow
from .onnx import LOWERINGS, OnnxLowering, fold, lowers, node_display_name, should_fold


def lower_nodes(ctx: OnnxLowering, nodes, prefix: str):
    """Lowers a body's nodes into ctx's graph; an unsupported one names its path from the graph's node."""
    for index, node in enumerate(nodes):
        name = f"{prefix}/{node_display_name(node, index)}"
        if node.domain not in ("", "ai.onnx") or node.op_type not in LOWERINGS:
            raise Unsupported(f"{name} ({node.op_type}) has no lowering")
        ctx.begin(node, name)
        try:
            if not (should_fold(ctx, node) and fold(ctx, node, name)):
                LOWERINGS[node.op_type](ctx)
        except Unsupported as e:
            raise Unsupported(f"{name} ({node.op_type}): {e}") from None


def value_of(ctx: OnnxLowering, name: str, what: str) -> str:
    """The IR value behind an ONNX name in ctx's scope (a known one added as a constant)."""
    if name in ctx.values:
        return ctx.values[name]
    known = ctx.known.get(name)
    if known is not None and not known.partial:
        return ctx.known_constant(name, known, what)
    outer = ctx.outer_value(name)
    if outer is None:
        raise ConversionError(f"node {ctx.node_name!r}: {what} {name!r} is produced by no node")
    return outer


def child(ctx: OnnxLowering) -> OnnxLowering:
    sub = OnnxLowering(Graph(parent=ctx.graph), ChainMap({}, ctx.known), ctx.opset, ctx.base_dir, parent=ctx)
    sub.node_name = ctx.node_name
    return sub


def body_input(sub: OnnxLowering, onnx_name: str, info) -> str:
    """A body input, bound to its ONNX name (none for the inputs a Scan's loop adds)."""
    name = sub.graph.add_input(sub.graph.unique_name(onnx_name or f"{sub.node_name}/input"), info.shape, info.dtype)
    if onnx_name:
        sub.values[onnx_name] = name
    return name


def finish(sub: OnnxLowering, outputs: list[str], role: str) -> Graph:
    """The body's graph with its outputs bound."""
    sub.graph.outputs = [value_of(sub, name, f"{role} output") for name in outputs]
    return sub.graph


def inline(ctx: OnnxLowering, branch: onnx.GraphProto, role: str) -> list[str | Known]:
    """Lowers a body's nodes into ctx's own graph; returns its outputs (IR values or known values)."""
    node, name = ctx.node, ctx.node_name
    lower_nodes(ctx, branch.node, f"{name}/{role}")
    ctx.begin(node, name)
    return [result_of(ctx, out.name, f"{role} output") for out in branch.output]


def result_of(ctx: OnnxLowering, name: str, what: str) -> str | Known:
    """A body output lowered into ctx's graph: its known contents, else its IR value."""
    known = ctx.known.get(name)
    return known if known is not None and name not in ctx.values else value_of(ctx, name, what)


def bind(ctx: OnnxLowering, index: int, result: str | Known):
    if isinstance(result, Known):
        if index < len(ctx.node.output) and ctx.node.output[index]:
            ctx.known[ctx.node.output[index]] = result
    else:
        ctx.output(index, result)


def known_scalar(ctx: OnnxLowering, index: int):
    known = ctx.known_input(index)
    return None if known is None or known.partial else known.value.reshape(-1)[0].item()


# ------------------------------------------------------------------------ If


@lowers("If")
def lower_if(ctx: OnnxLowering):
    then_branch, else_branch = ctx.attr("then_branch", None, "graph"), ctx.attr("else_branch", None, "graph")
    if then_branch is None or else_branch is None:
        raise ConversionError(f"node {ctx.node_name!r} (If): needs then_branch and else_branch")
    if len(then_branch.output) != len(else_branch.output) or len(then_branch.output) != len(ctx.node.output):
        raise ConversionError(f"node {ctx.node_name!r} (If): then_branch gives {len(then_branch.output)} outputs, "
                              f"else_branch {len(else_branch.output)}, the node has {len(ctx.node.output)}")
    cond = known_scalar(ctx, 0)
    if cond is not None:  # known while converting: the chosen branch is ordinary graph
        branch, role = (then_branch, "then") if cond else (else_branch, "else")
        for k, result in enumerate(inline(ctx, branch, role)):
            bind(ctx, k, result)
        return
    condition = ctx.tensor(0)
    bodies = {}
    for role, branch in (("then", then_branch), ("else", else_branch)):
        sub = child(ctx)
        lower_nodes(sub, branch.node, f"{ctx.node_name}/{role}")
        bodies[role] = seal(finish(sub, [o.name for o in branch.output], role), ctx.graph)
    ctx.begin(ctx.node, ctx.node_name)
    outs = ctx.graph.add_control_flow("if", [condition, *captured(bodies.values())], bodies, ctx.node_name)
    for k, out in enumerate(outs):
        ctx.output(k, out)


# ------------------------------------------------------------------------ Loop


def trip_count(ctx: OnnxLowering) -> int | None:
    count = known_scalar(ctx, 0) if ctx.has(0) else None
    if count is not None and count > MAX_LOOP_ITERATIONS:
        raise ConversionError(f"node {ctx.node_name!r} (Loop): trip count {count} is over the runtime's limit of "
                              f"{MAX_LOOP_ITERATIONS} iterations")
    return count


def cond_is_kept(body: onnx.GraphProto) -> bool:
    """Whether the body's condition output is its condition input (or a constant): then a known
    trip count decides the iterations while converting."""
    cond_in, cond_out = body.input[1].name, body.output[0].name
    producer = {out: node for node in body.node for out in node.output}.get(cond_out)
    return (cond_out == cond_in or (producer is not None and producer.op_type == "Identity" and producer.input[0] == cond_in)
            or (producer is not None and producer.op_type == "Constant"))


@lowers("Loop")
def lower_loop(ctx: OnnxLowering):
    body = ctx.attr("body", None, "graph")
    carried = len(ctx.node.input) - 2
    if body is None or carried < 0 or len(body.input) != 2 + carried or len(body.output) < 1 + carried:
        raise ConversionError(f"node {ctx.node_name!r} (Loop): its body must take the iteration, the condition and "
                              f"{max(carried, 0)} carried values and give the condition and them")
    scans = len(body.output) - 1 - carried
    count = trip_count(ctx)
    cond = known_scalar(ctx, 1) if ctx.has(1) else True
    if count is not None and cond and 1 <= count * max(len(body.node), 1) <= UNROLL_NODES and cond_is_kept(body):
        unroll(ctx, body, count, carried, scans)
        return
    trip = ctx.tensor(0) if ctx.has(0) else ""
    condition = ctx.tensor(1) if ctx.has(1) else ""
    initial = [ctx.tensor(2 + k) for k in range(carried)]

    def build(infos):
        sub = child(ctx)
        body_input(sub, body.input[0].name, TensorInfo((), "int32"))
        body_input(sub, body.input[1].name, TensorInfo((), "bool"))
        for value, info in zip(body.input[2:], infos):
            body_input(sub, value.name, info)
        lower_nodes(sub, body.node, f"{ctx.node_name}/body")
        return finish(sub, [o.name for o in body.output], "body")

    graph = refined(build, [ctx.graph.info[v] for v in initial], ctx.graph, f"node {ctx.node_name!r} (Loop)")
    ctx.begin(ctx.node, ctx.node_name)
    outs = ctx.graph.add_control_flow("loop", [trip, condition, *initial, *captured([graph])], {"body": graph},
                                      ctx.node_name)
    for k, out in enumerate(outs):
        ctx.output(k, out)


def unroll(ctx: OnnxLowering, body: onnx.GraphProto, count: int, carried: int, scans: int):
    """A loop of known trip count, its body lowered once per iteration into ctx's graph."""
    node, name = ctx.node, ctx.node_name
    produced = [o for inner in body.node for o in inner.output] + [v.name for v in body.input]
    state = [result_of(ctx, ctx.node.input[2 + k], "carried value") for k in range(carried)]
    stacked: list[list[str]] = [[] for _ in range(scans)]
    for iteration in range(count):
        for value in produced:  # each iteration's values replace the last one's
            ctx.values.pop(value, None)
            ctx.known.pop(value, None)
        ctx.known[body.input[0].name] = Known(np.array(iteration, np.int64))
        ctx.known[body.input[1].name] = Known(np.array(True))
        for value, current in zip(body.input[2:], state):
            if isinstance(current, Known):
                ctx.known[value.name] = current
            else:
                ctx.values[value.name] = current
        lower_nodes(ctx, body.node, f"{name}/body{iteration}")
        ctx.begin(node, name)
        results = [result_of(ctx, o.name, "body output") for o in body.output]
        state = results[1:1 + carried]
        for per_iteration, result in zip(stacked, results[1 + carried:]):
            per_iteration.append(as_value(ctx, result, name))
        going = results[0]
        if not isinstance(going, Known):
            raise ConversionError(f"node {name!r} (Loop): the condition became a runtime value while unrolling")
        if not going.value.reshape(-1)[0]:
            break
    for k, current in enumerate(state):
        bind(ctx, k, current)
    for k, values in enumerate(stacked):
        ctx.output(carried + k, stack(ctx, values, 0, name))


def as_value(ctx: OnnxLowering, result, name: str) -> str:
    if isinstance(result, Known):
        return ctx.graph.add_constant(narrow(result.value, f"node {name!r} scan output"), f"{name}/scan")
    return result


def stack(ctx: OnnxLowering, values: list[str], axis: int, name: str) -> str:
    expanded = [ctx.graph.emit("expandDims", v, axis=axis, name=f"{name}/stack") for v in values]
    return expanded[0] if len(expanded) == 1 else ctx.graph.emit("concat", *expanded, axis=axis, name=f"{name}/stack")


# ------------------------------------------------------------------------ Scan


@lowers("Scan")
def lower_scan(ctx: OnnxLowering):
    if ctx.opset < 9:
        raise Unsupported("Scan before opset 9 (batched, with sequence_lens)")
    body = ctx.attr("body", None, "graph")
    scanned = ctx.attr("num_scan_inputs", 0)
    states = len(ctx.node.input) - scanned
    if body is None or scanned < 1 or states < 0 or len(body.input) != len(ctx.node.input):
        raise ConversionError(f"node {ctx.node_name!r} (Scan): its body must take {len(ctx.node.input)} inputs "
                              f"(states, then one slice of each of the num_scan_inputs={scanned} scanned inputs)")
    scan_outputs = len(body.output) - states
    in_axes = ctx.ints("scan_input_axes", [0] * scanned)
    in_reverse = ctx.ints("scan_input_directions", [0] * scanned)
    out_axes = ctx.ints("scan_output_axes", [0] * scan_outputs)
    out_reverse = ctx.ints("scan_output_directions", [0] * scan_outputs)
    xs = [ctx.tensor(states + j) for j in range(scanned)]
    axes = [in_axes[j] % len(ctx.graph.info[x].shape) for j, x in enumerate(xs)]
    lengths = {ctx.graph.info[x].shape[a] for x, a in zip(xs, axes)}
    if len(lengths) != 1 or -1 in lengths:
        raise Unsupported(f"Scan over sequences of lengths {sorted(lengths)}: they must be one size fixed while "
                          f"converting (--input-shape)")
    length = lengths.pop()
    if length < 1:
        raise Unsupported("Scan over an empty sequence")
    initial = [ctx.tensor(k) for k in range(states)]
    if length * max(len(body.node), 1) <= UNROLL_NODES:
        per_step = scan_unrolled(ctx, body, xs, axes, in_reverse, initial, length)
    else:
        per_step = scan_loop(ctx, body, xs, axes, in_reverse, initial, length)
    finals, stacked = per_step
    for k, value in enumerate(finals):
        ctx.output(k, value)
    for k, value in enumerate(stacked):
        rank = len(ctx.graph.info[value].shape)
        if out_reverse[k]:
            order = ctx.graph.add_constant(np.arange(length - 1, -1, -1, dtype=np.int32), f"{ctx.node_name}/reversed")
            value = ctx.emit("gather", value, order, axis=0, batchDims=0)
        axis = out_axes[k] % rank
        if axis:
            value = ctx.emit("transpose", value, perm=[*range(1, axis + 1), 0, *range(axis + 1, rank)])
        ctx.output(states + k, value)


def scan_unrolled(ctx, body, xs, axes, reverse, initial, length):
    node, name = ctx.node, ctx.node_name
    produced = [o for inner in body.node for o in inner.output] + [v.name for v in body.input]
    states = len(initial)
    state, stacked = list(initial), [[] for _ in range(len(body.output) - states)]
    for step in range(length):
        for value in produced:
            ctx.values.pop(value, None)
            ctx.known.pop(value, None)
        for value, current in zip(body.input, state):
            ctx.values[value.name] = current
        for j, (x, axis) in enumerate(zip(xs, axes)):
            index = ctx.graph.add_constant(np.array(length - 1 - step if reverse[j] else step, np.int32), f"{name}/step")
            ctx.values[body.input[states + j].name] = ctx.emit("gather", x, index, axis=axis, batchDims=0)
        lower_nodes(ctx, body.node, f"{name}/body{step}")
        ctx.begin(node, name)
        results = [value_of(ctx, o.name, "body output") for o in body.output]
        state = results[:states]
        for per_step, result in zip(stacked, results[states:]):
            per_step.append(result)
    return state, [stack(ctx, values, 0, name) for values in stacked]


def scan_loop(ctx, body, xs, axes, reverse, initial, length):
    name = ctx.node_name
    states = len(initial)

    def build(infos):
        sub = child(ctx)
        graph = sub.graph
        iteration = body_input(sub, "", TensorInfo((), "int32"))
        keep_going = body_input(sub, "", TensorInfo((), "bool"))
        for value, info in zip(body.input, infos):
            body_input(sub, value.name, info)
        last = graph.add_constant(np.array(length - 1, np.int32), f"{name}/last")
        for j, (x, axis) in enumerate(zip(xs, axes)):
            index = graph.emit("sub", last, iteration) if reverse[j] else iteration
            sub.values[body.input[states + j].name] = graph.emit("gather", graph.add_outer(x, ctx.graph.info[x]),
                                                                 index, axis=axis, batchDims=0)
        lower_nodes(sub, body.node, f"{name}/body")
        graph = finish(sub, [o.name for o in body.output], "body")
        graph.outputs.insert(0, keep_going)
        return graph

    graph = refined(build, [ctx.graph.info[v] for v in initial], ctx.graph, f"node {name!r} (Scan)")
    ctx.begin(ctx.node, name)
    trip = ctx.graph.add_constant(np.array(length, np.int32), f"{name}/length")
    outs = ctx.graph.add_control_flow("loop", [trip, "", *initial, *captured([graph])], {"body": graph}, name)
    return outs[:states], outs[states:]
