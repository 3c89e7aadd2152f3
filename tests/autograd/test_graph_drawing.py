"""draw_graph and to_dot: the drawn graph has the vertices and arrows of the expression
(counted for known expressions), a shared subexpression is drawn once, a freed graph says
so, and the DOT text is well formed."""
import io
import re

import pytest
from PIL import Image

import scratchnet as sn
from scratchnet.autograd import draw_graph, to_dot


def drawn(fig):
    """{'tensor': [labels], 'op': [labels], 'saved': [labels], 'edge': [gids]} of a figure."""
    out = {"tensor": [], "op": [], "saved": [], "edge": []}
    (ax,) = fig.axes
    for text in ax.texts:
        kind = text.get_gid().split(":")[0]
        out[kind].append(text.get_gid() if kind == "edge" else text.get_text())
    return out


def parse_dot(text):
    """A small structural DOT reader: node ids with their attributes, and edges."""
    lines = text.strip().split("\n")
    assert lines[0] == "digraph scratchnet {" and lines[-1] == "}"
    nodes, edges = {}, []
    node_re = re.compile(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
    edge_re = re.compile(r"^  (\w+) -> (\w+)( \[.*\])?;$")
    for line in lines[1:-1]:
        if line.startswith(("  rankdir=", "  node [", "  label=")):
            continue
        m = node_re.match(line)
        if m:
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = m.group(2)
            continue
        m = edge_re.match(line)
        assert m, f"not a DOT statement: {line!r}"
        edges.append((m.group(1), m.group(2)))
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def leaves():
    a = sn.tensor([1.0, 2.0], requires_grad=True)
    b = sn.tensor([3.0, -1.0], requires_grad=True)
    c = sn.tensor([0.5, 0.5])                     # a constant: needs no gradient
    return a, b, c


def test_a_known_expression_has_its_vertices_and_arrows():
    a, b, c = leaves()
    y = (a * b + c).sum()
    parts = drawn(draw_graph(y))
    # tensors: a, b, c, a*b, a*b+c, y; ops: Mul, Add, Sum
    assert len(parts["tensor"]) == 6 and len(parts["op"]) == 3 and parts["saved"] == []
    # arrows: a->Mul, b->Mul, Mul->ab, ab->Add, c->Add, Add->abc, abc->Sum, Sum->y
    assert len(parts["edge"]) == 8
    assert sorted(label.split("\n")[0] for label in parts["op"]) == [
        "Add", "Mul", "Sum"]
    nodes, edges = parse_dot(to_dot(y))
    assert len(nodes) == 9 and len(edges) == 8


def test_a_shared_subexpression_is_drawn_once_with_one_arrow_per_use():
    a, b, _ = leaves()
    e = a * b
    y = e + e * e
    parts = drawn(draw_graph(y))
    # tensors: a, b, e, e*e, y (e once); ops: Mul (a*b), Mul (e*e), Add
    assert len(parts["tensor"]) == 5 and len(parts["op"]) == 3
    nodes, edges = parse_dot(to_dot(y))
    e_id = next(k for k, v in nodes.items()
                if k.startswith("tensor") and "data [3, -2]" in v)
    out_of_e = [edge for edge in edges if edge[0] == e_id]
    assert len(out_of_e) == 3            # into Add once, into the second Mul twice
    into_e = [edge for edge in edges if edge[1] == e_id]
    assert len(into_e) == 1              # made once, by the first Mul
    assert len(parts["edge"]) == len(edges) == 9
    # The two arrows of e * e are two distinct drawn arrows (the second bent).
    assert len(set(parts["edge"])) == len(parts["edge"])


def test_kinds_of_tensors_are_labelled():
    sn.manual_seed(0)
    model = sn.nn.Linear(3, 2)
    x = sn.randn(4, 3)
    loss = model(x).pow(2).mean()
    labels = "\n".join(drawn(draw_graph(loss, params=model))["tensor"])
    assert "weight (parameter)\n(2, 3) float32" in labels
    assert "bias (parameter)\n(2,) float32" in labels
    assert "constant\n(4, 3) float32" in labels and "no grad" in labels
    assert "output\n() float32" in labels
    # Without names a Parameter is still called a parameter; a plain leaf is a leaf.
    unnamed = "\n".join(drawn(draw_graph(loss))["tensor"])
    assert unnamed.count("parameter") == 2 and "weight" not in unnamed
    a = sn.tensor(2.0, requires_grad=True)
    leaf_labels = drawn(draw_graph(a.exp(), params={"a": a}))["tensor"]
    assert "a (leaf)\n() float32\ndata 2\nneeds grad" in leaf_labels


def test_values_and_gradients_of_small_tensors_are_shown():
    a = sn.tensor(2.0, requires_grad=True)
    b = sn.tensor(-3.0, requires_grad=True)
    y = a * b
    y.backward(retain_graph=True)
    labels = drawn(draw_graph(y, params={"a": a, "b": b}))["tensor"]
    assert "a (leaf)\n() float32\ndata 2\ngrad -3" in labels      # dy/da = b
    assert "b (leaf)\n() float32\ndata -3\ngrad 2" in labels      # dy/db = a
    hidden = drawn(draw_graph(y, max_values=0))["tensor"]
    assert not any("data" in label for label in hidden)


def test_after_backward_the_freed_graph_says_so():
    a, b, c = leaves()
    y = (a * b + c).sum()
    y.backward()
    fig = draw_graph(y)
    parts = drawn(fig)
    assert len(parts["op"]) == 1 and "released by backward" in parts["op"][0]
    assert "Sum" in parts["op"][0]
    assert "freed by backward()" in fig.get_suptitle()
    assert "retain_graph=True" in fig.get_suptitle()
    assert "freed by backward()" in to_dot(y)
    # retain_graph=True keeps it whole
    a, b, c = leaves()
    y = (a * b + c).sum()
    y.backward(retain_graph=True)
    fig = draw_graph(y)
    assert len(drawn(fig)["op"]) == 3 and "freed" not in fig.get_suptitle()


def test_a_graph_freed_only_in_part_does_not_claim_only_its_last_op_is_known():
    # x.backward() freed w's Mul; u = w * 2 is built on it afterwards. The drawing knows
    # u's Mul and Sum and w; only the red Mul forgot its inputs, not "all but the last op".
    x = sn.tensor([1.0, 2.0], requires_grad=True)
    w = x * 3
    w.sum().backward()
    u = (w * 2).sum()
    fig = draw_graph(u)
    parts = drawn(fig)
    assert len(parts["op"]) == 3
    assert sum("released by backward" in label for label in parts["op"]) == 1
    title = fig.get_suptitle()
    assert "Part of this graph was freed" in title and "only its last op" not in title
    assert "partly freed by backward()" in to_dot(u)


def test_the_pieces_of_a_multi_output_op_say_which_output_they_are():
    x = sn.arange(6.0).requires_grad_()
    first, second = x.split(3)
    labels = drawn(draw_graph((first * second).sum()))["tensor"]
    assert sum("output 0 of 2" in label for label in labels) == 1
    assert sum("output 1 of 2" in label for label in labels) == 1
    assert not any("of 2" in label for label in drawn(draw_graph((x * 2).sum()))["tensor"])


def test_a_graph_too_large_to_read_raises_and_names_the_way_out():
    x = sn.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(150):                 # 150 Adds: 150 ops and more than 300 tensors
        y = y + 1.0
    with pytest.raises(ValueError, match=r"boxes \(150 ops\), more than max_nodes=200.*to_dot"):
        draw_graph(y)
    small = x + 1.0                      # x, the constant 1, Add, the result: 4 boxes
    assert len(drawn(draw_graph(small, max_nodes=4))["op"]) == 1
    with pytest.raises(ValueError, match="4 boxes .*max_nodes=3"):
        draw_graph(small, max_nodes=3)
    assert draw_graph(y, max_nodes=None) is not None


def test_show_saved_draws_what_backward_keeps():
    a = sn.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp().sum()
    assert drawn(draw_graph(y))["saved"] == []
    saved = drawn(draw_graph(y, show_saved=True))["saved"]
    # exp keeps its output y for the backward dL/dx = dL/dy * y
    assert any("saved for backward" in label and "(2,) float32" in label for label in saved)
    nodes, edges = parse_dot(to_dot(y, show_saved=True))
    saved_ids = [k for k in nodes if k.startswith("saved")]
    assert saved_ids and all(any(e[0] == s for e in edges) for s in saved_ids)


def test_show_saved_lists_a_pytorch_style_functions_saved_tensors():
    class Cube(sn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    a = sn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    parts = drawn(draw_graph(Cube.apply(a), show_saved=True))
    assert parts["op"][0].startswith("CubeBackward")
    assert "saved_tensors[0]: (3,) float32" in parts["saved"][0]


def test_a_multi_output_op_is_one_vertex_with_one_arrow_per_used_output():
    x = sn.arange(6.0).requires_grad_()
    first, second = x.split(3)
    y = (first * second).sum()
    parts = drawn(draw_graph(y))
    ops = [label.split("\n")[0] for label in parts["op"]]
    assert sorted(ops) == ["Mul", "Split", "Sum"]
    # tensors: x, first, second, product, y
    assert len(parts["tensor"]) == 5


def test_a_leaf_alone_and_a_tensor_without_graph():
    a = sn.tensor([1.0], requires_grad=True)
    parts = drawn(draw_graph(a))
    assert len(parts["tensor"]) == 1 and parts["op"] == [] and parts["edge"] == []
    with sn.no_grad():
        y = a * 2
    fig = draw_graph(y)
    assert len(drawn(fig)["op"]) == 0
    # the title says why there is nothing to see
    assert "No graph" in fig.get_suptitle() and "no_grad()" in fig.get_suptitle()
    assert "No graph" in draw_graph(a).get_suptitle()
    assert "No graph" not in draw_graph(a * 2).get_suptitle()


def test_a_deep_graph_is_walked_without_recursion():
    x = sn.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1.0
    nodes, edges = parse_dot(to_dot(y))
    assert sum(k.startswith("op") for k in nodes) == 3000
    assert len(edges) == 3000 * 3     # each Add: the running tensor, the constant, its output


def test_dot_quotes_labels():
    a = sn.tensor(1.0, requires_grad=True)
    nodes, _ = parse_dot(to_dot(a * 2, params={'we"ird\\name': a}))
    assert any(label.startswith('we\\"ird\\\\name (leaf)') for label in nodes.values())


def test_the_figure_shows_inline_saves_on_request_and_lays_out_left_to_right(tmp_path):
    a, b, c = leaves()
    y = (a * b + c).sum()
    fig = draw_graph(y, path=tmp_path / "g.png")
    with Image.open(io.BytesIO(fig._repr_png_())) as inline, Image.open(tmp_path / "g.png") as s:
        assert inline.size == s.size and inline.height > inline.width   # top to bottom
    wide = draw_graph(y, rankdir="LR")
    width, height = wide.get_size_inches()
    assert width > height
    assert "rankdir=LR;" in to_dot(y, rankdir="LR")


def test_errors():
    a = sn.tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        draw_graph(a.numpy())
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR', got 'BT'"):
        draw_graph(a * 2, rankdir="BT")
    with pytest.raises(TypeError, match=r"params\['w'\] is a list"):
        to_dot(a * 2, params={"w": [1.0]})
    with pytest.raises(TypeError, match="params must map names to tensors"):
        draw_graph(a * 2, params=[a])
