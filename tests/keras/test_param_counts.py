"""Parameter counts and output shapes of every scratchnet.keras layer kind against Keras'
published formulas (https://keras.io/api/layers/: the weights each layer creates), and
summary()'s layout."""
import io

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.keras import Input, layers, models, utils


def _model(input_shape, *stack):
    return models.Sequential([Input(shape=input_shape), *stack])


def _check_forward_shape(model):
    """The shape shown by summary() is the shape the forward pass gives."""
    x = np.zeros((2,) + model.input_shape[1:], dtype="float32")
    assert model.predict(x, verbose=0).shape == (2,) + model.output_shape[1:]


# (input shape, layer, Keras' count, Keras' non-trainable count, Keras' output shape)
CASES = [
    ((10000,), lambda: layers.Dense(16), 10000 * 16 + 16, 0, (None, 16)),
    ((20,), lambda: layers.Dense(7, use_bias=False), 20 * 7, 0, (None, 7)),
    ((5, 6), lambda: layers.Dense(3), 6 * 3 + 3, 0, (None, 5, 3)),
    ((28, 28, 1), lambda: layers.Conv2D(32, (3, 3)), 3 * 3 * 1 * 32 + 32, 0, (None, 26, 26, 32)),
    ((13, 13, 32), lambda: layers.Conv2D(64, 3), 3 * 3 * 32 * 64 + 64, 0, (None, 11, 11, 64)),
    ((9, 9, 3), lambda: layers.Conv2D(4, 5, padding="same", use_bias=False), 5 * 5 * 3 * 4, 0,
     (None, 9, 9, 4)),
    ((9, 10, 3), lambda: layers.Conv2D(4, 3, strides=2, padding="same"), 3 * 3 * 3 * 4 + 4, 0,
     (None, 5, 5, 4)),
    ((9, 10, 3), lambda: layers.Conv2D(4, 3, strides=2), 3 * 3 * 3 * 4 + 4, 0,
     (None, 4, 4, 4)),
    ((26, 26, 32), lambda: layers.MaxPooling2D((2, 2)), 0, 0, (None, 13, 13, 32)),
    ((7, 7, 2), lambda: layers.MaxPooling2D(2), 0, 0, (None, 3, 3, 2)),
    ((7, 7, 2), lambda: layers.MaxPooling2D(2, padding="same"), 0, 0, (None, 4, 4, 2)),
    ((7, 8, 2), lambda: layers.AveragePooling2D(3, strides=2, padding="same"), 0, 0,
     (None, 4, 4, 2)),
    ((8, 8, 2), lambda: layers.AveragePooling2D(), 0, 0, (None, 4, 4, 2)),
    ((3, 3, 64), lambda: layers.Flatten(), 0, 0, (None, 576)),
    ((5, 4, 3), lambda: layers.GlobalAveragePooling2D(), 0, 0, (None, 3)),
    ((5, 4, 3), lambda: layers.GlobalMaxPooling2D(), 0, 0, (None, 3)),
    ((16,), lambda: layers.Dropout(0.5), 0, 0, (None, 16)),
    ((16,), lambda: layers.Activation("softmax"), 0, 0, (None, 16)),
    # BatchNormalization: gamma, beta (trainable), moving mean and variance (not): 4 * C.
    ((10,), lambda: layers.BatchNormalization(), 4 * 10, 2 * 10, (None, 10)),
    ((6, 6, 8), lambda: layers.BatchNormalization(), 4 * 8, 2 * 8, (None, 6, 6, 8)),
    ((5, 3), lambda: layers.BatchNormalization(), 4 * 3, 2 * 3, (None, 5, 3)),
    # Embedding: input_dim * output_dim.
    ((20,), lambda: layers.Embedding(10000, 8), 10000 * 8, 0, (None, 20, 8)),
    # SimpleRNN: units * (in + units) + units.
    ((7, 32), lambda: layers.SimpleRNN(32), 32 * (32 + 32) + 32, 0, (None, 32)),
    ((7, 5), lambda: layers.SimpleRNN(3, return_sequences=True), 3 * (5 + 3) + 3, 0,
     (None, 7, 3)),
    # LSTM: 4 * (units * (in + units) + units).
    ((7, 32), lambda: layers.LSTM(32), 4 * (32 * (32 + 32) + 32), 0, (None, 32)),
    ((9, 6), lambda: layers.LSTM(4, return_sequences=True), 4 * (4 * (6 + 4) + 4), 0,
     (None, 9, 4)),
    # GRU, Keras 2+ default reset_after=True: 3 * (units * (in + units) + 2 * units).
    ((7, 32), lambda: layers.GRU(32), 3 * (32 * (32 + 32) + 2 * 32), 0, (None, 32)),
    ((9, 6), lambda: layers.GRU(4, return_sequences=True), 3 * (4 * (6 + 4) + 2 * 4), 0,
     (None, 9, 4)),
]


@pytest.mark.parametrize("input_shape, make, count, frozen, output_shape", CASES,
                         ids=[f"{i}" for i in range(len(CASES))])
def test_parameter_count_and_output_shape_are_keras(input_shape, make, count, frozen,
                                                    output_shape):
    layer = make()
    model = _model(input_shape, layer)
    assert layer.count_params() == count
    assert model.count_params() == count
    assert layer.count_params() - layer.trainable_count() == frozen
    assert model.output_shape == output_shape
    assert layer.output_shape == output_shape
    _check_forward_shape(model)


def test_the_movie_review_model_counts_as_in_the_course():
    # The course's listing: 10000 -> 16 -> 16 -> 1 has 160,016 + 272 + 17 = 160,305 weights.
    model = models.Sequential()
    model.add(layers.Dense(16, activation="relu", input_shape=(10000,)))
    model.add(layers.Dense(16, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert model.count_params() == 160305
    assert "Total params: 160,305" in text
    assert "Trainable params: 160,305" in text and "Non-trainable params: 0" in text
    assert "(None, 16)" in text and "160016" in text and "(Dense)" in text
    assert text.splitlines()[0].startswith('Model: "sequential')


def test_the_mnist_convnet_counts_as_keras_reports():
    # Keras' MNIST convnet example: its summary reports 34,826 parameters.
    model = models.Sequential([
        Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 1600), (None, 1600), (None, 10)]
    assert model.count_params() == 34826
    _check_forward_shape(model)


def test_batch_norm_counts_non_trainable_in_the_summary():
    model = _model((4,), layers.Dense(3), layers.BatchNormalization())
    out = io.StringIO()
    model.summary(print_fn=lambda s: out.write(s))
    assert "Total params: 27" in out.getvalue()         # 15 + 12
    assert "Trainable params: 21" in out.getvalue()
    assert "Non-trainable params: 6" in out.getvalue()


def test_frozen_layer_counts_as_non_trainable():
    dense = layers.Dense(3, trainable=False)
    model = _model((4,), dense, layers.Dense(1))
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 15" in lines[0]
    assert all(not p.requires_grad for p in dense.parameters())


def test_summary_before_build_raises():
    model = models.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()


def test_automatic_names_follow_keras():
    utils.clear_session()
    names = [layers.Dense(2).name, layers.Dense(2).name, layers.Conv2D(2, 1).name,
             layers.MaxPooling2D().name, layers.BatchNormalization().name,
             layers.SimpleRNN(2).name, layers.GlobalAveragePooling2D().name]
    assert names == ["dense", "dense_1", "conv2d", "max_pooling2d", "batch_normalization",
                     "simple_rnn", "global_average_pooling2d"]


def test_shape_errors_name_the_layer_at_add():
    model = models.Sequential([Input(shape=(5, 5, 1))])
    with pytest.raises(ValueError, match=r"Conv2D 'big'.*\(None, 5, 5, 1\)"):
        model.add(layers.Conv2D(2, 7, name="big"))
    with pytest.raises(ValueError, match="LSTM.*sequences"):
        _model((4,), layers.LSTM(3))


def test_channels_first_input_is_refused_with_a_hint():
    model = _model((28, 28, 1), layers.Flatten(), layers.Dense(2))
    with pytest.raises(ValueError, match="channels-last"):
        model.predict(np.zeros((2, 1, 28, 28), dtype="float32"))


def test_unsupported_arguments_raise():
    with pytest.raises(NotImplementedError, match="reset_after"):
        layers.GRU(3, reset_after=False)
    with pytest.raises(NotImplementedError, match="data_format"):
        layers.Conv2D(3, 3, data_format="channels_first")
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.Dense(3, units2=4)
    with pytest.raises(NotImplementedError, match="mask_zero"):
        layers.Embedding(10, 3, mask_zero=True)


def test_layer_called_alone_takes_channels_last():
    sn.manual_seed(0)
    conv = layers.Conv2D(3, 2)
    x = np.random.default_rng(0).standard_normal((2, 5, 4, 1)).astype("float32")
    assert tuple(conv(x).shape) == (2, 4, 3, 3)
