from graphs import run_pass_and_compare

from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.mean_of_sum import pool_operands_of_sum


def test_a_global_pool_of_a_sum_pools_each_operand_then_adds():
    g = Graph()
    a = g.add_input("a", [1, 6, 5, 4], "float32")
    b = g.add_input("b", [1, 6, 5, 4], "float32")
    total = g.emit("add", a, b)
    g.outputs = [g.emit("avgPool", total, filterSize=[6, 5], strides=[6, 5], pad="valid", name="out")]
    assert run_pass_and_compare(g, pool_operands_of_sum)
    assert [n.op for n in g.nodes] == ["avgPool", "avgPool", "add"]
    pools, add = g.nodes[:2], g.nodes[2]
    assert [p.inputs for p in pools] == [[a], [b]] and add.outputs == ["out"]
    assert g.info["out"].shape == (1, 1, 1, 4)


def test_sums_read_elsewhere_broadcast_or_pooled_in_windows_stay():
    g = Graph()
    a = g.add_input("a", [1, 6, 6, 4], "float32")
    b = g.add_input("b", [1, 6, 6, 4], "float32")
    row = g.add_input("row", [1, 1, 1, 4], "float32")
    pool = {"filterSize": [6, 6], "strides": [6, 6], "pad": "valid"}
    read_twice = g.emit("add", a, b)
    broadcast = g.emit("add", a, row)
    g.outputs = [
        g.emit("avgPool", read_twice, name="p1", **pool), g.emit("neg", read_twice, name="n"),
        g.emit("avgPool", broadcast, name="p2", **pool),
        g.emit("avgPool", g.emit("add", b, a), filterSize=[3, 3], strides=[3, 3], pad="valid", name="p3"),
        g.emit("avgPool", g.emit("add", b, b), filterSize=[6, 6], strides=[1, 1], pad="same", name="p4"),
    ]
    assert not pool_operands_of_sum(g)


def test_nodes_without_inputs_pass_by():
    g = Graph()
    g.outputs = [g.emit("range", start=0, stop=4, step=1, dtype="float32", name="out")]
    assert not pool_operands_of_sum(g)
