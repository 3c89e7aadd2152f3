"""The backward pass: walk the graph from the output back to the leaves.

Algorithm (reverse-mode automatic differentiation):

1. Seed: dL/dL = 1 (or the ``grad`` the caller gives) at the output's node.
2. Pop the node with the highest *generation* from a heap. A node's generation is larger
   than that of every node feeding it, so when a node is popped, every consumer of its
   output has already sent its share of the gradient: the sum is complete.
3. Call ``node.backward(grad)``, which returns one gradient per input. If an input was
   broadcast in the forward pass its gradient has the broadcast shape; it is summed back
   to the input's shape here, in one place, so no op has to do it (``sum_to``).
4. Add each input's gradient to what its own node has received so far (or, for a leaf, to
   ``leaf.grad``), and push that node on the heap the first time it receives something.
5. Release the node (its inputs and saved arrays) unless ``retain_graph=True``.

Before a node's backward runs, the versions of the tensors it saved are compared with those
it recorded (``Function.check_versions``): a tensor changed in place since the forward pass
raises PyTorch's "modified by an inplace operation" error instead of a wrong gradient. In
anomaly mode (``detect_anomaly``) each gradient a node returns is checked for NaN and inf.

The loop is iterative, so a chain of 100,000 ops needs no recursion. Gradients are computed
by Tensor ops with recording off, or on when ``create_graph=True`` (then the gradients are
themselves differentiable, which gives second derivatives).
"""
import heapq
import itertools

from .anomaly_mode import describe_frame, state as _anomaly_state
from .grad_mode import set_grad_enabled

__all__ = ["backward", "grad", "queue_callback"]

# Functions to call once the backward() now running has finished (queue_callback).
_callbacks = []


def backward(output, grad=None, retain_graph=False, create_graph=False):
    """Accumulate d(output)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
    if not output.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of the computation "
            "had requires_grad=True, or it ran under no_grad()"
        )
    seed = _seed_gradient(output, grad)
    try:
        _run([output], [seed], retain_graph or create_graph, create_graph, capture=None)
    finally:
        queued = _callbacks[:]
        del _callbacks[:]
    for fn in queued:        # not reached when the walk raised: nothing to finish then
        fn()


def queue_callback(fn):
    """Call ``fn()`` once, when the ``backward()`` now running has finished walking the graph
    (PyTorch's ``Variable._execution_engine.queue_callback``); a gradient hook uses it to
    finish work it started (``scratchnet.distributed`` waits there for the gradient
    averages). Dropped if that backward raises."""
    _callbacks.append(fn)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``.

    Mirrors ``torch.autograd.grad``. ``outputs`` and ``inputs`` are a Tensor or a sequence of
    Tensors; ``grad_outputs`` gives d(loss)/d(output) for non-scalar outputs.
    """
    from .tensor import Tensor
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad(): input {i} (shape {x.shape}) does not require grad")
    seeds = [_seed_gradient(y, g) for y, g in zip(outputs, grad_outputs)]
    captured = {id(x): None for x in inputs}
    _run(outputs, seeds, retain_graph, create_graph, capture=captured, targets=inputs)
    result = []
    for i, x in enumerate(inputs):
        g = captured[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {i} (shape {x.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        result.append(g)
    return tuple(result)


def _seed_gradient(output, grad):
    if grad is None:
        a = output.array
        if a.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a one-element output, got shape "
                f"{output.shape}; pass grad= (d(loss)/d(output), same shape as the output)"
            )
        return _ops()[3]._make(output.xp.ones_like(a))
    from .tensor import Tensor, tensor
    if not isinstance(grad, Tensor):
        grad = tensor(grad, dtype=output.dtype, device=output.device)
    if grad.shape != output.shape:
        raise RuntimeError(
            f"backward(): gradient of shape {grad.shape} given for an output of shape "
            f"{output.shape}"
        )
    return grad


def _run(outputs, seeds, retain_graph, create_graph, capture, targets=()):
    """The reverse walk shared by ``backward`` and ``grad`` (see the module docstring).

    ``capture`` is None for ``backward`` (gradients go to ``leaf.grad``), or a dict
    ``id(tensor) -> gradient`` to fill for the ``targets`` of ``grad``.

    This loop runs once per node of every training step, so it is written for speed:
    dicts that are usually empty are tested before they are searched, and a leaf's
    gradient is accumulated in line (the common case of ``backward``).
    """
    add, astype, sum_to, _ = _ops()
    # Targets of grad() that are not leaves: their gradient is what their node receives.
    node_targets = {}
    for x in targets:
        if x._node is not None:
            node_targets.setdefault(x._node, []).append(x)

    grads = {}          # node -> gradient of its output (a list for multi-output nodes)
    retained = {}       # node -> its output tensors that called retain_grad()
    heap = []
    tie = itertools.count()  # equal generations pop in insertion order, never compare nodes
    push = heapq.heappush

    def send(x, g):
        """Add gradient ``g`` to input tensor ``x``: to its node, or to the leaf itself."""
        a, xa = g.array, x.array
        if a.shape != xa.shape:
            g = sum_to(g, xa.shape)
        if a.dtype != xa.dtype:
            # A float32 tensor used with a float64 one gets its gradient in float32 again.
            g = astype(g, xa.dtype)
        node = x._node
        if node is None:
            if capture is None:
                if x.requires_grad:
                    _accumulate_leaf(x, g, add)
            elif id(x) in capture:
                key = id(x)
                capture[key] = g if capture[key] is None else add(capture[key], g)
            return
        if x._retain:
            retained.setdefault(node, []).append(x)
        first = node not in grads
        if node.n_outputs is None:
            grads[node] = g if first else add(grads[node], g)
        else:
            slots = grads[node] if not first else [None] * node.n_outputs
            i = x._index
            slots[i] = g if slots[i] is None else add(slots[i], g)
            grads[node] = slots
        if first:
            push(heap, (-node.generation, next(tie), node))

    def output_grad(gy, t):
        return gy if t._node.n_outputs is None else gy[t._index]

    check_nan = _anomaly_state.enabled and _anomaly_state.check_nan
    pop = heapq.heappop

    with set_grad_enabled(create_graph):
        for y, g in zip(outputs, seeds):
            if y.requires_grad:
                send(y, g)
        while heap:
            node = pop(heap)[2]
            gy = grads.pop(node)
            if node_targets:
                for t in node_targets.get(node, ()):
                    capture[id(t)] = output_grad(gy, t)
            if retained:
                for t in retained.pop(node, ()):
                    t.grad = output_grad(gy, t)
            if node.released:
                raise RuntimeError(
                    f"backward through {node.name} a second time: its saved values were freed "
                    "by the first backward; pass retain_graph=True to the first call"
                )
            node.check_versions()
            if node._ctx_style:
                # PyTorch-style node: backward(ctx, *grad_outputs), checked and mapped from
                # one gradient per argument to one per Tensor input (function.py).
                gxs = node._ctx_backward(gy)
                needs = node._input_needs
            else:
                gxs = node.backward(gy)
                if type(gxs) is not tuple:
                    gxs = (gxs,)
                needs = node.needs_input_grad
            if check_nan:
                _check_finite(node, gxs, needs)   # only those sent on: the engine drops the rest
            for x, gx, need in zip(node.inputs, gxs, needs):
                if need and gx is not None:
                    send(x, gx)
            if not retain_graph:
                node.release()


_OPS = None


def _ops():
    """The three ops the walk itself uses, and Tensor, imported once on first use (``ops``
    and ``tensor`` import this module)."""
    global _OPS
    if _OPS is None:
        from ..ops import add, astype, sum_to
        from .tensor import Tensor
        _OPS = add, astype, sum_to, Tensor
    return _OPS


def _check_finite(node, gxs, needs):
    """Anomaly mode: raise at the first gradient holding NaN or inf, naming op and input."""
    for i, (x, gx, need) in enumerate(zip(node.inputs, gxs, needs)):
        if not need or gx is None or gx.array.dtype.kind not in "fc":
            continue
        xp = gx.xp
        if bool(xp.isfinite(gx.array).all()):
            continue
        kind = "nan" if bool(xp.isnan(gx.array).any()) else "inf"
        where = ("; the op was created at " + describe_frame(node.created_at)
                 if node.created_at is not None else
                 "; run the forward pass under detect_anomaly() too, to learn which line "
                 "created the op")
        raise RuntimeError(
            f"Function '{node.name}' returned {kind} values in its {_ordinal(i)} output gradient "
            f"(the gradient for input {i}, of shape {tuple(x.shape)}){where}"
        )


def _ordinal(i):
    if 10 <= i % 100 <= 20:
        return f"{i}th"
    return f"{i}" + {1: "st", 2: "nd", 3: "rd"}.get(i % 10, "th")


def _accumulate_leaf(x, g, add):
    """``x.grad += g`` for a leaf ``x`` that requires grad (``g`` becomes ``x.grad`` when it
    had none)."""
    # A broadcast view would make .grad read-only and strided; give leaves a plain array.
    if g._node is None and not g.array.flags.c_contiguous:
        g = type(g)._make(g.xp.ascontiguousarray(g.array))
    x.grad = g if x.grad is None else add(x.grad, g)
    hooks = getattr(x, "_grad_hooks", None)     # register_post_accumulate_grad_hook
    if hooks:
        for hook in tuple(hooks.values()):
            hook(x)
