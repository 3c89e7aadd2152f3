"""The Keras layers' numbers against slow NumPy oracles written from Keras' equations in
Keras' layouts (channels-last images, kernels (in, out), TensorFlow's "same" padding, gate
orders), and their gradients (input and weights) against central differences in float64
over hypothesis-generated shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from scratchnet.autograd.grad_mode import no_grad
from scratchnet.keras import Input, layers, models


def _model(input_shape, *stack, double=True):
    model = models.Sequential([Input(shape=input_shape), *stack])
    return model.double() if double else model


def _same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _conv_oracle(x, kernel, bias, strides, padding):
    """Keras' Conv2D, channels-last, with a loop over output pixels."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    sh, sw = strides
    if padding == "same":
        (t, b), (l, r) = _same_pads(h, kh, sh), _same_pads(w, kw, sw)
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh = (x.shape[1] - kh) // sh + 1
    ow = (x.shape[2] - kw) // sw + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwcf->nf", patch, kernel) + bias
    return out


def _pool_oracle(x, pool, strides, padding, kind):
    """Keras' pooling: padded cells never win a max and are not counted in a mean."""
    n, h, w, c = x.shape
    ph, pw = pool
    sh, sw = strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        (t, _), (l, _) = _same_pads(h, ph, sh), _same_pads(w, pw, sw)
    else:
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
        t = l = 0
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - t, j * sw - l
            rows = slice(max(r0, 0), min(r0 + ph, h))
            cols = slice(max(c0, 0), min(c0 + pw, w))
            window = x[:, rows, cols, :]
            out[:, i, j, :] = window.max(axis=(1, 2)) if kind == "max" else \
                window.mean(axis=(1, 2))
    return out


conv_settings = st.tuples(
    st.integers(1, 7), st.integers(1, 7),           # height, width
    st.integers(1, 3), st.integers(1, 3),           # channels, filters
    st.integers(1, 3), st.integers(1, 3),           # kernel
    st.integers(1, 3), st.integers(1, 3),           # strides
    st.sampled_from(["valid", "same"]))


@settings(max_examples=25, deadline=None)
@given(conv_settings)
def test_conv2d_matches_keras_oracle_and_gradients(params):
    h, w, c, f, kh, kw, sh, sw, padding = params
    if padding == "valid" and (kh > h or kw > w):
        return
    rng = np.random.default_rng(0)
    model = _model((h, w, c), layers.Conv2D(f, (kh, kw), strides=(sh, sw), padding=padding))
    kernel = rng.standard_normal((kh, kw, c, f))
    bias = rng.standard_normal(f)
    model.set_weights([kernel, bias])
    x = rng.standard_normal((2, h, w, c))
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               _conv_oracle(x, kernel, bias, (sh, sw), padding), atol=1e-10)
    _check_gradients(model, x)


pool_settings = st.tuples(
    st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
    st.integers(1, 3), st.integers(1, 3), st.sampled_from(["valid", "same"]),
    st.sampled_from(["max", "average"]))


@settings(max_examples=25, deadline=None)
@given(pool_settings)
def test_pooling_matches_keras_oracle_and_gradients(params):
    h, w, ph, pw, sh, sw, padding, kind = params
    if padding == "valid" and (ph > h or pw > w):
        return
    cls = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
    model = _model((h, w, 2), cls((ph, pw), strides=(sh, sw), padding=padding))
    # Distinct values: no ties for max, even after a finite-difference step.
    x = np.random.default_rng(1).permutation(2 * h * w * 2).reshape(2, h, w, 2) * 0.01
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               _pool_oracle(x, (ph, pw), (sh, sw), padding, kind[:3]),
                               atol=1e-12)
    _check_gradients(model, x, weights=False)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _rnn_oracle(kind, x, weights, units, return_sequences):
    """Keras' cells (LSTM gates i, f, c, o; GRU z, r, h with reset_after=True)."""
    n, steps, _ = x.shape
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    outputs = []
    for t in range(steps):
        xt = x[:, t]
        if kind == "SimpleRNN":
            kernel, recurrent, bias = weights
            h = np.tanh(xt @ kernel + h @ recurrent + bias)
        elif kind == "LSTM":
            kernel, recurrent, bias = weights
            z = xt @ kernel + h @ recurrent + bias
            i, f, g, o = np.split(z, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        else:
            kernel, recurrent, bias = weights
            x_z, x_r, x_h = np.split(xt @ kernel + bias[0], 3, axis=1)
            h_z, h_r, h_h = np.split(h @ recurrent + bias[1], 3, axis=1)
            z = _sigmoid(x_z + h_z)
            r = _sigmoid(x_r + h_r)
            hh = np.tanh(x_h + r * h_h)
            h = z * h + (1 - z) * hh
        outputs.append(h)
    return np.stack(outputs, axis=1) if return_sequences else h


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), st.integers(1, 4), st.integers(1, 3),
       st.integers(1, 3), st.booleans())
def test_recurrent_layers_match_keras_equations_and_gradients(kind, steps, features, units,
                                                              sequences):
    rng = np.random.default_rng(2)
    layer = getattr(layers, kind)(units, return_sequences=sequences)
    model = _model((steps, features), layer)
    g = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    bias_shape = (2, g * units) if kind == "GRU" else (g * units,)
    weights = [rng.standard_normal((features, g * units)) * 0.5,
               rng.standard_normal((units, g * units)) * 0.5,
               rng.standard_normal(bias_shape) * 0.5]
    model.set_weights(weights)
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_allclose(got, want)
    x = rng.standard_normal((2, steps, features))
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               _rnn_oracle(kind, x, weights, units, sequences), atol=1e-10)
    _check_gradients(model, x)


def test_lstm_starts_with_keras_initialisation():
    sn.manual_seed(0)
    model = _model((5, 3), layers.LSTM(4), double=False)
    kernel, recurrent, bias = model.get_weights()
    np.testing.assert_array_equal(bias, [0] * 4 + [1] * 4 + [0] * 8)    # unit_forget_bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)  # orthogonal
    bound = np.sqrt(6 / (3 + 16))                                         # glorot_uniform
    assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.5 * bound


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))
def test_flatten_dense_and_batch_norm_on_images_gradients(h, w, c, units):
    model = _model((h, w, c), layers.BatchNormalization(), layers.Dense(units),
                   layers.Activation("softmax"), layers.Flatten(), layers.Dense(2))
    x = np.random.default_rng(3).standard_normal((3, h, w, c))
    _check_gradients(model, x)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3))
def test_batch_norm_on_sequences_and_global_pooling_gradients(steps, features):
    seq = _model((steps, features), layers.BatchNormalization(), layers.Dense(2))
    _check_gradients(seq, np.random.default_rng(4).standard_normal((3, steps, features)))
    img = _model((3, 2, features), layers.GlobalAveragePooling2D(), layers.Dense(2))
    _check_gradients(img, np.random.default_rng(5).standard_normal((2, 3, 2, features)))


def test_degenerate_inputs_one_pixel_one_step_one_sample():
    one_pixel = _model((1, 1, 1), layers.Conv2D(2, 3, padding="same"),
                       layers.MaxPooling2D(padding="same"), layers.Flatten())
    _check_gradients(one_pixel, np.ones((1, 1, 1, 1)))
    one_step = _model((1, 1), layers.LSTM(2))
    _check_gradients(one_step, np.full((1, 1, 1), 0.5))


def _check_gradients(model, x, weights=True):
    """Input gradient by gradcheck; each weight's gradient by central differences on the
    model's own parameters (float64), with the training-mode forward."""
    model.train()
    gradcheck(lambda t: model(t), [sn.tensor(x, dtype="float64", requires_grad=True)])
    if not weights:
        return
    xt = sn.tensor(x, dtype="float64")
    rng = np.random.default_rng(0)
    out = model(xt)
    projection = rng.standard_normal(out.shape)
    model.zero_grad()
    (out * sn.tensor(projection)).sum().backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        analytic = p.grad.numpy() if p.grad is not None else np.zeros(p.shape)
        flat = p.array.reshape(-1)
        numeric = np.zeros(flat.size)
        with no_grad():
            for k in range(flat.size):
                old = flat[k]
                flat[k] = old + eps
                up = float((model(xt).numpy() * projection).sum())
                flat[k] = old - eps
                down = float((model(xt).numpy() * projection).sum())
                flat[k] = old
                numeric[k] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic.reshape(-1), numeric, atol=1e-5, rtol=1e-4,
                                   err_msg=name)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                        "softplus", "softsign", "swish", "gelu", "leaky_relu",
                                        "relu6", "exponential", "hard_sigmoid", "linear"])
def test_activation_names_are_differentiable(activation):
    model = _model((4,), layers.Dense(3, activation=activation))
    # Inputs away from the kinks of relu-like functions.
    x = np.array([[0.3, -0.7, 1.1, 0.45], [-1.3, 0.6, 0.25, -0.35]])
    _check_gradients(model, x)
