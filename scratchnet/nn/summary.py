"""``summary(model, input_shape)``: Keras' ``model.summary()`` for scratchnet models.

It runs one forward pass on zeros (in eval mode and without recording a graph, so batch
norm's running statistics are left alone) with a hook on every layer that records its
output shape, then prints a table of layers, output shapes and parameter counts.
"""
from .. import creation
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

__all__ = ["summary", "layer_outputs"]


def _shape_text(out):
    if isinstance(out, Tensor):
        return str([-1] + list(out.shape[1:]))
    if isinstance(out, (tuple, list)):
        return ", ".join(_shape_text(o) for o in out)
    return type(out).__name__


def summary(model, input_shape, dtype=None, device=None, print_fn=print):
    """Print (and return as a string) each layer's output shape and parameter count.

    ``input_shape`` excludes the batch dimension, e.g. ``(1, 28, 28)``; shapes print with
    -1 for the batch, as in Keras' "None".

    >>> import scratchnet as sn
    >>> text = sn.nn.summary(sn.nn.Sequential(sn.nn.Linear(4, 3)), (4,), print_fn=None)
    >>> "Total params: 15" in text
    True
    """
    layers = [(name, m) for name, m in model.named_modules()
              if name and not any(True for _ in m.children())]   # containers: list theirs
    if not layers:
        layers = [(type(model).__name__, model)]
    device = model.device if device is None else device
    x = creation.zeros((1,) + tuple(input_shape), dtype=dtype, device=device)
    outputs = layer_outputs(model, x, layers)
    rows = []
    for name, module in layers:
        if module is model:
            own = model.num_parameters()
        else:
            own = sum(p.numel() for p in module.parameters(recurse=False))
            name = f"{name} ({type(module).__name__})"
        rows.append((name, _shape_text(outputs.get(id(module))), own))
    total = model.num_parameters()
    trainable = model.num_parameters(trainable_only=True)
    headers = ("Layer (type)", "Output shape", "Param #")
    widths = [max(len(h), *(len(str(r[i])) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    rule = "=" * (sum(widths) + 4)
    lines = [rule, f"{headers[0]:<{widths[0]}}  {headers[1]:<{widths[1]}}  "
             f"{headers[2]:>{widths[2]}}", rule]
    for layer, shape, count in rows:
        lines.append(f"{layer:<{widths[0]}}  {shape:<{widths[1]}}  {count:>{widths[2]},}")
    lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", rule]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text


def layer_outputs(model, x, layers):
    """Run ``model(x)`` once in eval mode without recording a graph, and return
    {id(layer): its output} for each (name, layer) in ``layers`` (forward hooks, removed
    afterwards; the model's train/eval mode is restored, batch-norm statistics untouched)."""
    outputs = {}
    hooks = []
    for _, layer in layers:
        def record(m, inputs, out):
            outputs[id(m)] = out
        hooks.append(layer.register_forward_hook(record))
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            model(x)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return outputs
