from tensorweb.converter.ir import Graph
from tensorweb.converter.passes.dead_nodes import remove_dead_nodes

from graphs import weight


def test_nodes_and_weights_no_output_needs_are_removed():
    g = Graph()
    x = g.add_input("x", [2, 3], "float32")
    unused_weight = g.add_constant(weight(3), "unused")
    g.emit("add", x, unused_weight, name="dead")
    kept = g.emit("mul", x, g.add_constant(weight(3), "scale"), name="kept")
    g.outputs = [kept]
    assert remove_dead_nodes(g)
    assert [n.name for n in g.nodes] == ["kept"]
    assert list(g.constants) == ["scale"]
    assert not remove_dead_nodes(g)
