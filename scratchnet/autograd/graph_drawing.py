"""The computational graph of a result, drawn: ``draw_graph`` (a matplotlib figure, no
graphviz needed) and ``to_dot`` (DOT text for those who have graphviz).

The picture follows the data: input tensors at the top, each op (a graph node, a
``Function``) below the tensors it reads, the result at the bottom; ``backward()`` walks it
from the bottom up. Two kinds of boxes, as in DeZero's pictures (micrograd draws the op
inside the value's box, which hides that a node and a tensor are different things):

* tensors (rounded boxes): name where known, shape and dtype, small values, and what they
  are: a *parameter* or a *leaf* that needs a gradient (blue), a *constant* that needs none
  (grey), an intermediate result (white) or the *output* (green); a tensor whose ``.grad``
  is set says so;
* ops (yellow boxes): the Function's name and its generation (backward visits the highest
  generation first); with ``show_saved=True`` what it kept for backward besides its inputs
  hangs beside it (orange, dashed arrows).

A tensor used twice is drawn once, with two arrows out of it. After ``backward()`` the graph
is freed (each node drops its inputs to free memory, as PyTorch does): only the last op
remains known, drawn in red, and the title says to pass ``retain_graph=True``.

The layout is a plain layered one (longest path from the result, then a few barycentre
sweeps to untangle each layer), enough for the graphs of a lesson; for large graphs use
``to_dot`` and graphviz.
"""
import numbers

import numpy

from .. import backend
from .tensor import Tensor

__all__ = ["draw_graph", "to_dot"]

# Bookkeeping every node has; not "saved for backward" in the sense a learner means.
_NODE_BOOKKEEPING = frozenset({
    "inputs", "generation", "needs_input_grad", "n_outputs", "released", "input_versions",
    "saved_outputs", "created_at", "_saved", "_input_needs", "_materialize_grads",
    "_non_differentiable", "_dirty"})

_COLOURS = {   # (fill, edge) per kind of box
    "parameter": ("#cfe2ff", "#1f5fbf"),
    "leaf": ("#cfe2ff", "#1f5fbf"),
    "constant": ("#e9e9e9", "#8a8a8a"),
    "intermediate": ("#ffffff", "#555555"),
    "output": ("#d4f0d0", "#2e7d32"),
    "op": ("#fff3c4", "#b38600"),
    "released": ("#ffd6d6", "#c62828"),
    "saved": ("#ffe3c7", "#d9730d"),
}


class _Vertex:
    __slots__ = ("key", "kind", "label", "index")

    def __init__(self, key, kind, label, index):
        self.key, self.kind, self.label, self.index = key, kind, label, index

    @property
    def shape(self):
        """'tensor', 'op' or 'saved': which family of box."""
        if self.kind in ("op", "released"):
            return "op"
        return "saved" if self.kind == "saved" else "tensor"


class _Graph:
    """Vertices in discovery order and edges (source key, target key, style)."""

    def __init__(self):
        self.vertices = {}
        self.edges = []
        self.released = False
        self.whole_released = False   # the result's own op was freed: nothing else is known

    def add(self, key, kind, label):
        if key not in self.vertices:
            self.vertices[key] = _Vertex(key, kind, label, len(self.vertices))
        return self.vertices[key]


def _param_names(params):
    """id(tensor) -> name, from a mapping name -> tensor or anything with
    ``named_parameters()`` (a Module); autograd does not import nn, so this is duck-typed."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if not hasattr(params, "items"):
        raise TypeError("draw_graph: params must map names to tensors (e.g. "
                        "dict(model.named_parameters())) or be a Module, got "
                        f"{type(params).__name__}")
    names = {}
    for name, value in params.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"draw_graph: params[{name!r}] is a {type(value).__name__}, "
                            "not a Tensor")
        names[id(value)] = str(name)
    return names


def _is_parameter(t):
    return any(cls.__name__ == "Parameter" for cls in type(t).__mro__)


def _host(array):
    return backend.to_device(array, "cpu")


def _values(array, max_values):
    """'[1, 2.5]' or '3.25' for a small array, None for a large one."""
    if max_values <= 0 or array.size > max_values:
        return None
    def text(a):
        if a.ndim == 0:
            v = a.item()
            return f"{v:.4g}" if isinstance(v, float) else str(v)
        return "[" + ", ".join(text(row) for row in a) + "]"

    return text(_host(array))


def _describe(array):
    shape = str(tuple(array.shape))
    where = backend.device_of(array)
    return f"{shape} {array.dtype}" + ("" if where == "cpu" else f" {where}")


def _tensor_label(t, kind, name, max_values):
    lines = []
    title = {"parameter": "parameter", "leaf": "leaf", "constant": "constant",
             "intermediate": "", "output": "output"}[kind]
    if name:
        title = f"{name} ({title})" if title else name
    if title:
        lines.append(title)
    n_outputs = (getattr(t._node, "n_outputs", None) or 1) if t._node is not None else 1
    if n_outputs > 1:
        # The arrows out of a Split all look alike: say which piece this one is.
        lines.append(f"output {t._index} of {n_outputs}")
    lines.append(_describe(t.array))
    values = _values(t.array, max_values)
    if values is not None:
        lines.append(f"data {values}")
    if t.requires_grad:
        if t.grad is not None:
            grad = _values(t.grad.array, max_values)
            lines.append(f"grad {grad}" if grad is not None else ".grad is set")
        elif kind in ("leaf", "parameter"):
            lines.append("needs grad")
    else:
        lines.append("no grad")
    return "\n".join(lines)


def _saved_items(node, max_values):
    """One line per array (or setting) ``node`` kept for backward beyond its inputs."""
    items = []
    state = node.__dict__
    for name, value in state.items():
        if name in _NODE_BOOKKEEPING or name.startswith("__"):
            continue
        if isinstance(value, Tensor):
            value = value.array
        if hasattr(value, "shape") and hasattr(value, "dtype"):      # a NumPy / CuPy array
            small = _values(value, max_values)
            items.append(f"{name}: {_describe(value)}" + (f" = {small}" if small else ""))
        elif isinstance(value, (numbers.Number, str, tuple)):     # a setting such as axis
            items.append(f"{name} = {value!r}")
    for i, entry in enumerate(state.get("_saved") or ()):   # ctx.save_for_backward(...)
        if entry is not None:
            tensor = entry[0]
            array = tensor.array if isinstance(tensor, Tensor) else tensor
            items.append(f"saved_tensors[{i}]: {_describe(array)}")
    return items


def _tensor_key(t):
    # An op's output is named by (node, output index): the same value even if reached
    # through two Python objects; a leaf is its own object.
    return ("t", id(t._node), t._index) if t._node is not None else ("t", id(t))


def _build(tensor, show_saved, params, max_values):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    names = _param_names(params)
    graph = _Graph()

    def tensor_vertex(t, is_output=False):
        if is_output:
            kind = "output"
        elif t._node is not None:
            kind = "intermediate"
        elif not t.requires_grad:
            kind = "constant"
        else:
            kind = "parameter" if _is_parameter(t) else "leaf"
        key = _tensor_key(t)
        return graph.add(key, kind, _tensor_label(t, kind, names.get(id(t)), max_values))

    out = tensor_vertex(tensor, is_output=True)
    stack = [(tensor._node, out.key)] if tensor._node is not None else []
    seen_ops = set()
    while stack:        # a loop, not recursion: deep graphs do not hit the recursion limit
        node, output_key = stack.pop()
        op_key = ("op", id(node))
        graph.edges.append((op_key, output_key, "data", 0))
        if op_key in seen_ops:
            continue
        seen_ops.add(op_key)
        if node.released or node.inputs is None:
            graph.released = True
            graph.whole_released |= output_key == out.key
            graph.add(op_key, "released", f"{node.name}\nreleased by backward:\n"
                                          "its inputs are forgotten")
            continue
        graph.add(op_key, "op", f"{node.name}\ngeneration {node.generation}")
        for slot, x in enumerate(node.inputs):
            # One arrow per input slot: x * x draws two arrows from x into Mul.
            vertex = tensor_vertex(x)
            graph.edges.append((vertex.key, op_key, "data", slot))
            if x._node is not None:
                stack.append((x._node, vertex.key))
        if show_saved:
            items = _saved_items(node, max_values)
            if items:
                saved = graph.add(("saved", id(node)), "saved",
                                  "saved for backward:\n" + "\n".join(items))
                graph.edges.append((saved.key, op_key, "saved", 0))
    # A tensor used twice is reached twice: its producer's op->tensor edge is kept once.
    graph.edges = list(dict.fromkeys(graph.edges))
    return graph


def _layers(graph):
    """Rank 0 = the output; a vertex sits one rank above its farthest consumer."""
    consumers = {key: [] for key in graph.vertices}
    producers = {key: [] for key in graph.vertices}
    for source, target, _, _ in graph.edges:
        consumers[source].append(target)
        producers[target].append(source)
    waiting = {key: len(set(c)) for key, c in consumers.items()}
    rank = {}
    ready = [key for key, n in waiting.items() if n == 0]
    while ready:
        key = ready.pop()
        rank[key] = max((rank[c] + 1 for c in consumers[key]), default=0)
        for p in set(producers[key]):
            waiting[p] -= 1
            if waiting[p] == 0:
                ready.append(p)
    depth = max(rank.values())
    layers = [[] for _ in range(depth + 1)]
    for key in graph.vertices:                  # discovery order, kept within a layer
        layers[depth - rank[key]].append(key)   # top layer first
    # Barycentre sweeps: each vertex moves towards the mean position of its neighbours.
    neighbours = {key: consumers[key] + producers[key] for key in graph.vertices}
    for _ in range(4):
        for order in (range(1, len(layers)), range(len(layers) - 2, -1, -1)):
            position = {k: i - (len(layer) - 1) / 2
                        for layer in layers for i, k in enumerate(layer)}
            for i in order:
                layers[i].sort(key=lambda k: (
                    numpy.mean([position[n] for n in neighbours[k]])
                    if neighbours[k] else position[k]))
    return layers


def draw_graph(tensor, show_saved=False, params=None, max_values=4, rankdir="TB",
               path=None, max_nodes=200):
    """Draw the computational graph that produced ``tensor`` as a matplotlib Figure.

    Tensors are rounded boxes (blue: a leaf or parameter that needs a gradient; grey: a
    constant; white: an intermediate; green: the output), ops are yellow boxes with their
    generation; arrows follow the forward pass, and ``backward()`` walks them in reverse.

    Args:
        tensor: the result (usually a loss), a Tensor.
        show_saved: also draw what each op kept for backward besides its inputs (arrays
            such as exp's output, and settings such as an axis), in orange.
        params: names for parameters: ``model`` (anything with ``named_parameters()``) or
            a mapping name -> Tensor; a tensor found there is labelled with its name.
        max_values: tensors with at most this many elements show their values (and their
            ``.grad`` once set); 0 shows none.
        rankdir: "TB" (inputs at the top) or "LR" (inputs on the left), as in graphviz.
        path: also save the picture there (PNG, SVG or PDF by the file's extension).
        max_nodes: the most boxes (tensors, ops, saved) drawn; a larger graph raises
            instead of making a picture hundreds of inches tall that takes minutes to
            render. ``None``: no limit. For big graphs, ``to_dot`` and graphviz.

    Returns:
        A ``matplotlib.figure.Figure`` (shown inline by Jupyter). Its boxes and arrows carry
        gids "tensor:N", "op:N", "saved:N" and "edge:SRC->DST" for whoever needs to find them.

    Raises:
        TypeError: ``tensor`` is not a Tensor, or ``params`` maps to non-tensors.
        ValueError: ``rankdir`` is neither "TB" nor "LR", or the graph has more than
            ``max_nodes`` boxes.

    After ``backward()`` the graph is freed: the drawing shows the last op in red and says
    so; call ``backward(retain_graph=True)`` or draw before backward.

    >>> import scratchnet as sn
    >>> x = sn.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> fig = draw_graph(y)
    >>> gids = [t.get_gid() for t in fig.axes[0].texts]
    >>> sorted(g for g in gids if not g.startswith("edge"))    # x, x * x, y; Mul, Sum
    ['op:1', 'op:3', 'tensor:0', 'tensor:2', 'tensor:4']
    >>> sorted(g for g in gids if g.startswith("edge:tensor:4"))   # x feeds Mul twice
    ['edge:tensor:4->op:3', 'edge:tensor:4->op:3#1']
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    graph = _build(tensor, show_saved, params, max_values)
    if max_nodes is not None and len(graph.vertices) > max_nodes:
        n_ops = sum(v.shape == "op" for v in graph.vertices.values())
        raise ValueError(
            f"draw_graph: this graph has {len(graph.vertices)} boxes ({n_ops} ops), more than "
            f"max_nodes={max_nodes} can be drawn readably; draw a smaller piece, pass "
            "max_nodes=None to draw it anyway, or use to_dot(tensor) with graphviz")
    layers = _layers(graph)

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .._figures import inline_figure_class

    widest = max(max(len(line) for line in v.label.split("\n"))
                 for v in graph.vertices.values())
    tallest = max(v.label.count("\n") + 1 for v in graph.vertices.values())
    fontsize = 9
    char = fontsize / 72 * 0.62                  # inches per character of DejaVu Sans Mono
    box_w = widest * char + 0.45
    box_h = tallest * fontsize / 72 * 1.25 + 0.35
    breadth = max(len(layer) for layer in layers)
    if rankdir == "TB":
        width, height = max(breadth * box_w, 4.5), len(layers) * (box_h + 0.35) + 0.9
    else:
        width, height = max(len(layers) * (box_w + 0.6), 4.5), breadth * (box_h + 0.2) + 0.9
    title = _title(graph, 0, 0)
    width = max(width, max(len(line) for line in title.split("\n")) * char * 1.15 + 0.4)
    fig = inline_figure_class()(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1 - 0.75 / height))
    ax.set_axis_off()

    texts = {}
    for li, layer in enumerate(layers):
        for i, key in enumerate(layer):
            vertex = graph.vertices[key]
            along = (i + 0.5) / len(layer)
            # TB: layers are rows from the top; LR: columns from the left.
            x, y = (along, 1 - (li + 0.5) / len(layers)) if rankdir == "TB" else \
                ((li + 0.5) / len(layers), 1 - along)
            fill, edge = _COLOURS[vertex.kind]
            style = "round,pad=0.4" if vertex.shape != "op" else "square,pad=0.4"
            texts[key] = ax.text(
                x, y, vertex.label, ha="center", va="center", fontsize=fontsize,
                family="monospace", zorder=3, gid=f"{vertex.shape}:{vertex.index}",
                bbox=dict(boxstyle=style, fc=fill, ec=edge,
                          lw=2.0 if vertex.kind in ("output", "released") else 1.0,
                          ls="--" if vertex.kind == "saved" else "-"))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)

    pad = 0.4 * fontsize + 1                     # the box's padding, in points
    ends = ((0.5, 0.0), (0.5, 1.0)) if rankdir == "TB" else ((1.0, 0.5), (0.0, 0.5))
    repeats = {}
    for source, target, kind, slot in graph.edges:
        a, b = graph.vertices[source], graph.vertices[target]
        # A tensor feeding one op twice (x * x): the second arrow bends away from the first.
        nth = repeats[source, target] = repeats.get((source, target), -1) + 1
        bend = 0.0 if nth == 0 else (0.35 if nth % 2 else -0.35) * ((nth + 1) // 2)
        ax.annotate("", xy=ends[1], xycoords=texts[target], xytext=ends[0],
                    textcoords=texts[source], zorder=2,
                    gid=f"edge:{a.shape}:{a.index}->{b.shape}:{b.index}" +
                        (f"#{nth}" if nth else ""),
                    arrowprops=dict(arrowstyle="-|>", shrinkA=pad, shrinkB=pad,
                                    connectionstyle=f"arc3,rad={bend}",
                                    color="#d9730d" if kind == "saved" else "#333333",
                                    ls="--" if kind == "saved" else "-", lw=1.0))

    n_ops = sum(v.shape == "op" for v in graph.vertices.values())
    n_tensors = sum(v.shape == "tensor" for v in graph.vertices.values())
    fig.suptitle(_title(graph, n_ops, n_tensors), fontsize=fontsize + 1,
                 color="#c62828" if graph.released else "black")
    if path is not None:
        import os
        import pathlib
        path = pathlib.Path(os.fspath(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    return fig


def _title(graph, n_ops, n_tensors):
    if graph.whole_released:
        return ("This graph was freed by backward():\nonly its last op is still known.\n"
                "Draw before backward, or call\nbackward(retain_graph=True).")
    if n_ops == 0 and len(graph.vertices) == 1:
        # One box and nothing above it: a student drawing a model's output computed under
        # no_grad (or a leaf) should learn why, not wonder where the graph went.
        return ("No graph: this tensor was not made by\nrecorded ops (a leaf, or computed under\n"
                "no_grad() / inference_mode()).")
    if graph.released:
        # An earlier backward freed the part this result was built on (y = f(x) after
        # x.backward()): the ops above the red ones are unknown, the rest is drawn.
        return ("Part of this graph was freed by an\nearlier backward(): the red ops forgot\n"
                "their inputs. Draw before backward, or\ncall backward(retain_graph=True).")
    return (f"{n_ops} op{'s' * (n_ops != 1)}, {n_tensors} tensor{'s' * (n_tensors != 1)}\n"
            "blue: needs a gradient, grey: constant\n"
            "forward follows the arrows, backward()\n"
            "walks back, highest generation first")


def _dot_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(tensor, show_saved=False, params=None, max_values=4, rankdir="TB"):
    """The graph ``draw_graph`` draws, as DOT text for graphviz (``dot -Tpng``).

    Same arguments and colours as ``draw_graph``; vertices are named ``tensor_N``, ``op_N``
    and ``saved_N``. Returns a ``str``; raises as ``draw_graph`` does.

    >>> import scratchnet as sn
    >>> x = sn.tensor(3.0, requires_grad=True)
    >>> lines = to_dot(x.exp()).splitlines()
    >>> lines[0], lines[-1]
    ('digraph scratchnet {', '}')
    >>> [line.strip() for line in lines if "->" in line]      # Exp made y; x feeds Exp
    ['op_1 -> tensor_0;', 'tensor_2 -> op_1;']
    >>> print(lines[4].split(", shape")[0].strip())
    op_1 [label="Exp\\ngeneration 1"
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"to_dot: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    graph = _build(tensor, show_saved, params, max_values)
    lines = ["digraph scratchnet {", f"  rankdir={rankdir};",
             '  node [fontname="monospace", fontsize=10, style=filled];']
    ids = {}
    for key, v in graph.vertices.items():
        ids[key] = f"{v.shape}_{v.index}"
        fill, edge = _COLOURS[v.kind]
        style = "" if v.shape == "op" else (
            ', style="rounded,filled,dashed"' if v.kind == "saved" else ', style="rounded,filled"')
        lines.append(f"  {ids[key]} [label={_dot_quote(v.label)}, shape=box{style}, "
                     f'fillcolor="{fill}", color="{edge}"];')
    for source, target, kind, _ in graph.edges:
        extra = ' [style=dashed, color="#d9730d"]' if kind == "saved" else ""
        lines.append(f"  {ids[source]} -> {ids[target]}{extra};")
    if graph.released:
        part = "" if graph.whole_released else "partly "
        lines.append(f'  label="{part}freed by backward(): draw before backward or pass '
                     'retain_graph=True"; labelloc=t; fontcolor="#c62828";')
    lines.append("}")
    return "\n".join(lines)
