"""One rule for PyTorch's ``dim=``/``keepdim=`` and NumPy's ``axis=``/``keepdims=`` (see
scratchnet/_dims.py): every public function and Tensor method that takes an axis accepts both
names as keywords, gives the same answer under either, and refuses both at once.

The walk below fails when a public callable with an axis parameter is added without the
alias, or without an entry in SAMPLES (a representative call, run under both names)."""
import inspect
import re

import numpy as np
import pytest

import scratchnet as sn
import scratchnet.nn.functional as F

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) % 7 - 3.0
INDEX = np.zeros((2, 1, 4), dtype=np.int64)


def x():
    return sn.tensor(X)


# name -> (call taking the axis keyword as **kw, the keyword's NumPy-side name, value).
# The call is run once with the NumPy name and once with PyTorch's; results must agree.
SAMPLES = {
    "sum": lambda **kw: sn.sum(x(), **kw),
    "mean": lambda **kw: sn.mean(x(), **kw),
    "var": lambda **kw: sn.var(x(), **kw),
    "std": lambda **kw: sn.std(x(), **kw),
    "max": lambda **kw: sn.max(x(), **kw),
    "min": lambda **kw: sn.min(x(), **kw),
    "amax": lambda **kw: sn.amax(x(), **kw),
    "amin": lambda **kw: sn.amin(x(), **kw),
    "argmax": lambda **kw: sn.argmax(x(), **kw),
    "argmin": lambda **kw: sn.argmin(x(), **kw),
    "logsumexp": lambda **kw: sn.logsumexp(x(), **kw),
    "softmax": lambda **kw: sn.softmax(x(), **kw),
    "log_softmax": lambda **kw: sn.log_softmax(x(), **kw),
    "norm": lambda **kw: sn.norm(x(), **kw),
    "cat": lambda **kw: sn.cat([x(), x() + 1], **kw),
    "concatenate": lambda **kw: sn.concatenate([x(), x() + 1], **kw),
    "stack": lambda **kw: sn.stack([x(), x() + 1], **kw),
    "split": lambda **kw: sn.split(x(), 2, **kw),
    "chunk": lambda **kw: sn.chunk(x(), 2, **kw),
    "unbind": lambda **kw: sn.unbind(x(), **kw),
    "squeeze": lambda **kw: sn.squeeze(x()[:, :1], **kw),
    "unsqueeze": lambda **kw: sn.unsqueeze(x(), **kw),
    "sort": lambda **kw: sn.sort(x(), **kw),
    "argsort": lambda **kw: sn.argsort(x(), **kw),
    "topk": lambda **kw: sn.topk(x(), 2, **kw),
    "gather": lambda **kw: sn.gather(x(), index=INDEX, **kw),
    "take_along_dim": lambda **kw: sn.take_along_dim(x(), INDEX, **kw),
    "permute": lambda **kw: sn.permute(x(), **kw),
    "any": lambda **kw: (x() > 2).any(**kw),
    "size": lambda **kw: x().size(**kw),
    "all": lambda **kw: (x() > -3).all(**kw),
    "cumsum": lambda **kw: sn.cumsum(x(), **kw),
    "prod": lambda **kw: sn.prod(x(), **kw),
    "flip": lambda **kw: sn.flip(x(), **kw),
    "index_select": lambda **kw: sn.index_select(x(), index=sn.tensor([1, 0, 1]), **kw),
    "normalize": lambda **kw: F.normalize(x(), **kw),
    "cosine_similarity": lambda **kw: sn.cosine_similarity(x(), x() + 1, **kw),
    "unique": lambda **kw: sn.unique(x(), return_inverse=True, **kw),
    "pairwise_distance": lambda **kw: F.pairwise_distance(x(), x() + 1, **kw),
}
# The value given for the axis-like argument, when not 1.
VALUES = {"permute": (0, 2, 1), "flip": (0, 2)}
# Functions whose axis-like parameter is named axes/dims rather than axis/dim.
PLURAL = {"permute", "flip"}
# Functions whose only axis-like parameter is keepdim (the two names, and the value given).
KEEPDIM_ONLY = {"pairwise_distance"}
VALUES.update({name: True for name in KEEPDIM_ONLY})


def _names(name):
    """The NumPy-side and PyTorch-side keyword names of ``name``'s axis-like argument."""
    if name in KEEPDIM_ONLY:
        return "keepdims", "keepdim"
    return ("axes", "dims") if name in PLURAL else ("axis", "dim")


def _named_params(func):
    """The parameters that can be given by name (``*dims`` cannot: ``x.permute(0, 2, 1)``)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p for p in params if p.kind != p.VAR_POSITIONAL}


def _has_axis(func):
    return bool({"axis", "dim", "axes", "dims", "keepdims", "keepdim"} & set(_named_params(func)))


def _public_functions():
    found = {}
    for module, prefix in ((sn, "sn"), (F, "F")):
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or inspect.isclass(obj) or inspect.ismodule(obj):
                continue
            if callable(obj) and _has_axis(obj):
                found[f"{prefix}.{name}"] = (name, obj)
    for name in dir(sn.Tensor):
        obj = getattr(sn.Tensor, name, None)
        if not name.startswith("_") and inspect.isfunction(obj) and _has_axis(obj):
            found[f"Tensor.{name}"] = (name, obj)
    return found


FUNCTIONS = _public_functions()


def test_the_walk_finds_the_axis_functions():
    # A walk that found nothing would pass every check below vacuously.
    for expected in ("sn.sum", "sn.cat", "sn.softmax", "F.softmax", "Tensor.max",
                     "Tensor.squeeze", "sn.sort", "sn.norm"):
        assert expected in FUNCTIONS


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_every_axis_parameter_also_answers_to_the_other_name(qualified):
    _, func = FUNCTIONS[qualified]
    params = _named_params(func)
    for one, other in (("axis", "dim"), ("keepdims", "keepdim"), ("axes", "dims")):
        if one in params or other in params:
            assert one in params and other in params, (
                f"{qualified}{inspect.signature(func)} takes {one if one in params else other}"
                f" but not {other if one in params else one}")


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_every_axis_function_has_a_sample_call(qualified):
    name, _ = FUNCTIONS[qualified]
    assert name in SAMPLES, f"{qualified} takes an axis: add a sample call to SAMPLES"


def _same(a, b):
    if isinstance(a, int):
        assert type(a) is type(b) and a == b
        return
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for p, q in zip(a, b):
            _same(p, q)
        return
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == b.shape and a.dtype == b.dtype


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_dim_and_axis_give_the_same_result(name):
    value = VALUES.get(name, 1)
    numpy_name, torch_name = _names(name)
    _same(SAMPLES[name](**{numpy_name: value}), SAMPLES[name](**{torch_name: value}))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_giving_both_names_raises_naming_the_function(name):
    numpy_name, torch_name = _names(name)
    value = VALUES.get(name, 1)
    label = "concatenate" if name == "cat" else name   # cat is concatenate's alias
    with pytest.raises(TypeError) as info:
        SAMPLES[name](**{numpy_name: value, torch_name: value})
    message = str(info.value)
    assert re.match(rf"(Tensor\.)?{label}\(\)", message), message
    assert f"{numpy_name}=" in message and f"{torch_name}=" in message, message


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin", "argmax",
                                  "logsumexp", "norm", "any", "prod"])
def test_keepdim_and_keepdims_give_the_same_result(name):
    _same(SAMPLES[name](dim=1, keepdims=True), SAMPLES[name](dim=1, keepdim=True))
    assert SAMPLES[name](dim=1, keepdim=True).ndim == 3


def test_the_functional_and_tensor_spellings_agree():
    t = x()
    _same(F.softmax(t, dim=0), sn.softmax(t, axis=0))
    _same(F.log_softmax(t, dim=0), t.log_softmax(axis=0))
    _same(F.logsumexp(t, dim=2, keepdim=True), t.logsumexp(2, True))
    _same(t.softmax(dim=1), t.softmax(axis=1))
    _same(t.sort(axis=0), t.sort(dim=0))
    _same(t.norm(axis=2), t.norm(dim=2))
    with pytest.raises(TypeError, match=r"softmax\(\)"):
        t.softmax(1, dim=1)


def test_positional_dims_on_tensor_methods_as_pytorch_users_write_them():
    t = x()
    assert t.sum(1).shape == (2, 4) and t.mean(-1).shape == (2, 3)
    np.testing.assert_allclose(t.softmax(1).numpy().sum(axis=1), 1.0, rtol=1e-6)
    assert t[:, :1].squeeze(1).shape == (2, 4) and t.unsqueeze(-1).shape == (2, 3, 4, 1)
    np.testing.assert_array_equal(t.argmax(1).numpy(), X.argmax(axis=1))
    values, indices = t.max(1)
    np.testing.assert_array_equal(values.numpy(), X.max(axis=1))
    np.testing.assert_array_equal(indices.numpy(), X.argmax(axis=1))
    assert t.view(-1, 4).shape == (6, 4) and t.permute(0, 2, 1).shape == (2, 4, 3)
    assert t.transpose(0, 1).shape == (3, 2, 4) and t.flatten(1).shape == (2, 12)
    assert t.permute(dims=(0, 2, 1)).shape == t.permute(axes=(0, 2, 1)).shape == (2, 4, 3)
    with pytest.raises(TypeError, match=r"permute\(\)"):
        t.permute(0, dims=(0, 2, 1))


def test_var_accepts_pytorch_unbiased():
    t = x()
    _same(t.var(1, unbiased=False), t.var(1, correction=0))
    _same(sn.std(t, dim=1, unbiased=True), sn.std(t, axis=1, correction=1))
    with pytest.raises(TypeError, match=r"var\(\).*correction"):
        sn.var(t, 1, correction=0, unbiased=True)
    # PyTorch's positional order var(input, dim, unbiased, keepdim): x.var(1, False) is the
    # population variance there; read as keepdims=False it was silently the sample one.
    np.testing.assert_allclose(t.var(1, False).numpy(), X.var(axis=1), rtol=1e-6)
    np.testing.assert_allclose(sn.std(t, 1, True, True).numpy(),
                               X.std(axis=1, ddof=1, keepdims=True), rtol=1e-6)


def test_nn_layers_take_pytorch_dim_names():
    t = x()
    _same(sn.nn.Softmax(dim=1)(t), sn.softmax(t, axis=1))
    _same(sn.nn.LogSoftmax(dim=2)(t), sn.log_softmax(t, axis=2))
    assert sn.nn.Flatten(start_dim=0, end_dim=1)(t).shape == (6, 4)
