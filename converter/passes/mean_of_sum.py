"""A global average pool of a sum becomes the sum of the operands' pools: avgPool(a + b) = avgPool(a) + avgPool(b)
where a, b and the sum have one shape and the pool's window is the whole image (one output pixel). The sum of the
feature maps is then never written: two reductions read what the add read, and the add runs on the pooled
channels. MediaPipe's selfie segmentation gates each decoder level by the pooled sum of a skip connection and the
upsampled features (its feature maps are read elsewhere, so the add does not fuse into the conv before it)."""

from __future__ import annotations

from ..ir import Graph, Node
from ..ops import complete_attrs
from .common import rewrite_each, sole_consumer


def global_pool(graph: Graph, node: Node) -> bool:
    """Whether `node` is an NHWC average pool whose one window covers its whole input."""
    if node.op != "avgPool" or node.attrs["dataFormat"] != "NHWC" or node.attrs["pad"] != "valid":
        return False
    spatial = graph.info[node.inputs[0]].shape[1:-1]
    return all(d > 0 for d in spatial) and list(node.attrs["filterSize"]) == list(spatial)


def split_one(graph: Graph, pool: Node, consumers, producers) -> bool:
    if not global_pool(graph, pool):
        return False
    add = producers.get(pool.inputs[0])
    if add is None or add.op != "add" or sole_consumer(graph, consumers, add.outputs[0]) is not pool:
        return False
    shape = graph.info[add.outputs[0]].shape
    if any(graph.info[x].shape != shape or graph.info[x].dtype != "float32" for x in add.inputs):
        return False
    pooled = [graph.unique_name(f"{pool.name}/{i}") for i in range(2)]
    new = [Node(name, "avgPool", [x], [name], dict(pool.attrs)) for name, x in zip(pooled, add.inputs)]
    new.append(Node(add.name, "add", pooled, pool.outputs, complete_attrs("add", {})))
    graph.replace_nodes([add, pool], new)
    return True


def pool_operands_of_sum(graph: Graph) -> bool:
    return rewrite_each(graph, lambda node: split_one(graph, node, graph.consumers(), graph.producers()))
