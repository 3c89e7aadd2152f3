"""The Tensor surface PyTorch users rely on: .data, Size, .device, to(...), in-place
methods with version counters, set_default_device, load(weights_only=)."""
import numpy as np
import pytest

import scratchnet as torch
from scratchnet.autograd.tensor import Tensor


class TestData:
    def test_data_is_a_tensor_sharing_memory_without_history(self):
        w = torch.ones(3, requires_grad=True)
        d = w.data
        assert isinstance(d, Tensor) and not d.requires_grad and d.grad_fn is None
        d[0] = 5.0
        assert w.array[0] == 5.0                 # same memory
        assert np.shares_memory(d.array, w.array)

    def test_update_through_data_is_the_tutorial_idiom(self):
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        w.data.sub_(w.grad.data * 0.5)           # f.data.sub_(f.grad.data * lr)
        np.testing.assert_allclose(w.array, [0.0, 0.0])

    def test_changes_through_data_are_invisible_to_autograd_as_in_pytorch(self):
        x = torch.ones(3, requires_grad=True)
        y = x * x
        x.data.mul_(2)                            # not seen: PyTorch's documented .data
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 4.0])
        x2 = torch.ones(3, requires_grad=True)
        y2 = x2 * x2
        with torch.no_grad():
            x2.mul_(2)                            # seen: the version counter
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y2.sum().backward()

    def test_assigning_data(self):
        p = torch.nn.Parameter(torch.zeros(2))
        p.data = torch.tensor([3.0, 4.0])
        np.testing.assert_array_equal(p.array, [3.0, 4.0])
        with pytest.raises(TypeError, match="Tensor.data"):
            p.data = [1, 2]

    def test_the_raw_array_is_array(self):
        x = torch.arange(3)
        assert isinstance(x.array, np.ndarray) and x.array.tolist() == [0, 1, 2]


def test_size_is_a_tuple_that_prints_like_pytorch():
    s = torch.zeros(2, 3).size()
    assert isinstance(s, torch.Size) and isinstance(s, tuple)
    assert s == (2, 3) and s == torch.Size([2, 3]) and repr(s) == "torch.Size([2, 3])"
    assert s.numel() == 6 and torch.zeros(2, 3).size(1) == 3 and torch.zeros(2, 3).size(-2) == 2


def test_device_is_a_device_object_equal_to_its_name():
    x = torch.zeros(1)
    assert isinstance(x.device, torch.device) and x.device == "cpu"
    assert x.device.type == "cpu" and x.device == torch.device("cpu")


class TestTo:
    def test_forms(self):
        x = torch.ones(2)
        assert x.to(torch.float64).dtype == np.float64
        assert x.to("cpu", torch.int64).dtype == np.int64
        assert x.to(torch.device("cpu")) is x
        assert x.to(device="cpu", dtype=torch.double).dtype == np.float64
        other = torch.zeros(1, dtype=torch.int32)
        assert x.to(other).dtype == np.int32
        assert x.half().dtype == np.float16 and x.type_as(other).dtype == np.int32
        y = x.to(copy=True)
        assert y is not x and not np.shares_memory(y.array, x.array)

    def test_gradient_flows_back_through_a_dtype_change(self):
        x = torch.ones(2, requires_grad=True)
        x.to(torch.float64).sum().backward()
        assert x.grad.dtype == np.float32

    def test_bad_argument(self):
        with pytest.raises(TypeError, match="Tensor.to"):
            torch.ones(2).to(object())


class TestInplaceMethods:
    @pytest.mark.parametrize("call, expected", [
        (lambda t: t.add_(2), [3.0, 4.0]),
        (lambda t: t.add_(torch.tensor([1.0, 1.0]), alpha=3), [4.0, 5.0]),
        (lambda t: t.sub_(1), [0.0, 1.0]),
        (lambda t: t.sub_(torch.tensor([1.0, 1.0]), alpha=2), [-1.0, 0.0]),
        (lambda t: t.mul_(3), [3.0, 6.0]),
        (lambda t: t.div_(2), [0.5, 1.0]),
        (lambda t: t.zero_(), [0.0, 0.0]),
        (lambda t: t.fill_(7), [7.0, 7.0]),
        (lambda t: t.fill_(torch.tensor(9.0)), [9.0, 9.0]),
        (lambda t: t.copy_(torch.tensor([5.0, 6.0])), [5.0, 6.0]),
        (lambda t: t.copy_(np.array([8, 9])), [8.0, 9.0]),
        (lambda t: t.clamp_(1.5, 1.8), [1.5, 1.8]),
        (lambda t: t.clamp_(max=1.5), [1.0, 1.5]),
    ])
    def test_value_identity_and_version(self, call, expected):
        t = torch.tensor([1.0, 2.0])
        before = t._version
        out = call(t)
        assert out is t
        np.testing.assert_allclose(t.array, expected)
        assert t._version == before + 1

    def test_each_is_refused_on_a_leaf_that_requires_grad_while_recording(self):
        w = torch.ones(2, requires_grad=True)
        for call in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.copy_(torch.ones(2)),
                     lambda: w.normal_(), lambda: w.uniform_()):
            with pytest.raises(RuntimeError, match="in-place"):
                call()
        with torch.no_grad():
            w.add_(1).mul_(2)
        np.testing.assert_allclose(w.array, [4.0, 4.0])

    def test_a_saved_tensor_changed_by_an_inplace_method_raises_at_backward(self):
        x = torch.ones(3, requires_grad=True)
        w = torch.full((3,), 2.0)
        y = (x * w).sum()
        w.fill_(10.0)
        with pytest.raises(RuntimeError, match=r"Mul.*version 1; expected version 0"):
            y.backward()

    def test_random_fills_bump_the_version(self):
        t = torch.zeros(4)
        t.normal_()
        t.uniform_(0, 1)
        assert t._version == 2

    def test_copy_shape_error_names_both_shapes(self):
        with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
            torch.zeros(2).copy_(torch.zeros(3))

    def test_grad_zero_between_steps(self):
        w = torch.ones(2, requires_grad=True)
        (w * 3).sum().backward()
        w.grad.zero_()
        (w * 2).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


class TestDefaultDevice:
    def test_cpu_default_and_unusable_device(self):
        assert torch.get_default_device() == "cpu"
        torch.set_default_device("cpu")
        assert torch.zeros(1).device == "cpu" and torch.tensor([1]).device == "cpu"
        if not torch.cuda.is_available():
            with pytest.raises(torch.DeviceError):
                torch.set_default_device("cuda")
            assert torch.get_default_device() == "cpu"      # unchanged by the failure

    def test_new_tensors_follow_the_default(self, monkeypatch):
        # Without a GPU, watch where creation asks for its array module.
        from scratchnet import backend
        asked = []
        real = backend.array_module
        monkeypatch.setattr(backend, "_default_device", "cuda:0")     # as if set
        monkeypatch.setattr(backend, "array_module",
                            lambda device: asked.append(backend.normalize_device(device))
                            or real("cpu"))
        torch.zeros(2), torch.ones(2), torch.full((2,), 1.0), torch.arange(3)
        assert asked == ["cuda:0"] * 4
        monkeypatch.setattr(backend, "_default_device", "cpu")
        assert real(None) is np


def test_load_accepts_weights_only(tmp_path):
    model = torch.nn.Linear(2, 2)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    again = torch.nn.Linear(2, 2)
    again.load_state_dict(state)
    np.testing.assert_array_equal(again.weight.array, model.weight.array)


# ----------------------------------------------------------- found by a new-user trial
class TestLegacyConstructor:
    def test_tensor_of_integer_data_is_float32_as_in_pytorch(self):
        a = torch.Tensor([0, 0])
        a[0] = 0.7                       # an int64 tensor silently stored 0 here
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.array, [0.7, 0.0])

    def test_sizes_give_a_tensor_of_that_shape(self):
        assert torch.Tensor(5).shape == (5,) and torch.Tensor(3, 4).shape == (3, 4)
        assert torch.Tensor(torch.Size([2, 2])).shape == (2, 2)
        assert torch.Tensor().shape == (0,)
        w = torch.nn.Parameter(torch.Tensor(3, 2))        # the custom-layer idiom
        assert w.shape == (3, 2) and w.requires_grad and w.dtype == np.float32

    def test_typed_constructors(self):
        assert torch.FloatTensor([1, 2]).dtype == np.float32
        assert torch.LongTensor([1, 2]).dtype == np.int64
        assert torch.DoubleTensor(2).dtype == np.float64
        assert torch.BoolTensor([1, 0]).dtype == np.bool_
        assert torch.tensor([1, 2]).dtype == np.int64      # the function keeps integers

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="Tensor"):
            torch.Tensor([1], 2)


def test_integer_sums_are_int64_and_never_wrap():
    counts = torch.tensor([255, 255], dtype=torch.uint8).sum()
    assert counts.dtype == np.int64 and (counts - 600).item() == -90
    assert torch.tensor([True, True, False]).sum().item() == 2
    assert torch.tensor([1, 2], dtype=torch.int32).sum(dim=0).dtype == np.int64


def test_a_number_the_dtype_cannot_hold_is_refused_not_turned_into_inf():
    half = torch.tensor([35000.0], dtype=torch.float16)
    with pytest.raises(ValueError, match="70000 does not fit in the float16"):
        half / 70000                     # was a silent 0
    assert (half / 2).item() == pytest.approx(17500.0, rel=1e-3)   # 35000 is 35008 in fp16
    with pytest.raises(ValueError, match="300 does not fit in the uint8"):
        torch.tensor([1], dtype=torch.uint8) + 300
    assert np.isinf((torch.ones(1) * float("inf")).item())    # inf itself is a value


def test_float16_norm_accumulates_in_float32():
    values = np.random.default_rng(0).random(70_000) * 10
    x = torch.tensor(values, dtype=torch.float16, requires_grad=True)
    n = x.norm()
    assert n.dtype == np.float16
    assert n.item() == pytest.approx(np.linalg.norm(values.astype(np.float16).astype(np.float64)), rel=1e-3)
    n.backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_inplace_flags_are_accepted_and_change_nothing():
    x = torch.tensor([-1.0, 2.0])
    for layer in (torch.nn.ReLU(inplace=True), torch.nn.LeakyReLU(0.1, inplace=True),
                  torch.nn.ELU(inplace=True), torch.nn.Dropout(0.5, inplace=True).eval()):
        layer(x)
        np.testing.assert_array_equal(x.array, [-1.0, 2.0])     # the input is untouched


def test_inplace_errors_are_clear():
    with pytest.raises(TypeError, match=r"add_: .* int64 tensor of shape \(2,\)"):
        torch.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match="read-only broadcast view"):
        torch.ones(1, 3).expand(2, 3).add_(1)
    with pytest.raises(ValueError, match=r"shape \(2,\) does not broadcast .* \(3,\)"):
        torch.ones(3).add_(torch.ones(2))
