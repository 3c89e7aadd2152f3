"""Faults found by running the course's Keras listings as a new user would; each test states
Keras' documented behaviour and checks the value."""
import numpy as np
import pytest

from scratchnet.keras import Input, layers, losses, metrics, models, utils


def _softmax_model(classes=3, n_in=4):
    model = models.Sequential([Input(shape=(n_in,)), layers.Dense(classes, activation="softmax")])
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal((n_in, classes)).astype("float32"),
                       np.zeros(classes, dtype="float32")])
    return model


# --------------------------------------------------------------- "accuracy" from the shapes
@pytest.mark.parametrize("loss", ["mse", "mae", losses.CategoricalCrossentropy(name="cce")])
def test_accuracy_with_one_hot_targets_is_categorical_whatever_the_loss(loss):
    # Keras (compile_utils, 2 and 3) picks "accuracy" from the shapes, not from the loss:
    # several output columns and one-hot targets of the same rank -> categorical_accuracy.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = utils.to_categorical(rng.integers(0, 3, 40), 3)
    model = _softmax_model()
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    p = model.predict(x, verbose=0)
    expected = float(np.mean(p.argmax(1) == y.argmax(1)))
    assert expected > 0            # so that exact equality (always 0 here) cannot pass
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(expected)


def test_accuracy_with_one_sigmoid_output_and_mse_is_binary_accuracy():
    # Chollet's movie-review exercise: "try the mse loss instead of binary_crossentropy".
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3)).astype("float32")
    y = (rng.random(50) > 0.5).astype("float32")
    model = models.Sequential([Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["accuracy"])
    p = model.predict(x, verbose=0)[:, 0]
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(float(np.mean((p > 0.5) == (y > 0.5))))
    assert 0 < acc < 1


def test_accuracy_with_class_indices_and_a_loss_of_ones_own_is_sparse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = rng.integers(0, 3, 40)
    model = _softmax_model()
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(name="scce"),
                  metrics=["acc"])
    p = model.predict(x, verbose=0)
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(float(np.mean(p.argmax(1) == y)))
    assert acc > 0


@pytest.mark.parametrize("y_true, y_pred, expected", [
    (np.array([1.0, 0.0]), np.array([[0.7], [0.6]]), 0.5),                       # binary
    (np.array([[2], [0]]), np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]), 1.0),   # sparse (N, 1)
    (np.array([2, 1]), np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]), 0.5),       # sparse (N,)
    (np.array([[0, 0, 1], [0, 1, 0]]), np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]), 0.5),
])
def test_keras_accuracy_rule(y_true, y_pred, expected):
    name, fn = metrics.get("accuracy")
    assert name == "accuracy"
    assert fn(y_true, y_pred) == pytest.approx(expected)


# --------------------------------------------------------------- targets outside [0, 1]
@pytest.mark.parametrize("loss, units, y", [
    ("binary_crossentropy", 1, np.array([0, 1, 2, 45, 0, 1])),
    ("binary_crossentropy", 1, np.array([0.0, 1.0, -1.0, 1.0, 0.0, 1.0])),
    ("categorical_crossentropy", 3, np.array([[0, 0, 2]] * 6)),
    ("binary_crossentropy", 1, np.array([0.0, 1.0, np.nan, 1.0, 0.0, 1.0])),
])
@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_probability_losses_refuse_targets_outside_0_1(loss, units, y, call):
    model = models.Sequential([Input(shape=(2,)), layers.Dense(units, activation="sigmoid"
                                                               if units == 1 else "softmax")])
    model.compile(optimizer="rmsprop", loss=loss)
    x = np.zeros((6, 2), dtype="float32")
    with pytest.raises(ValueError, match=r"targets must be probabilities in \[0, 1\]"):
        getattr(model, call)(x, y, verbose=0)


def test_soft_targets_in_0_1_are_still_accepted():
    model = models.Sequential([Input(shape=(1,)), layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.zeros((1, 1), "float32"), np.zeros(1, "float32")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    # p = 0.5 everywhere: -(y log .5 + (1 - y) log .5) = log 2 for any y in [0, 1]
    loss = model.evaluate(np.zeros((3, 1)), np.array([0.0, 0.3, 1.0]), verbose=0)
    assert loss == pytest.approx(np.log(2.0), rel=1e-6)


# --------------------------------------------------------------- what is not there says so
def test_a_keras_layer_not_provided_names_the_provided_ones():
    with pytest.raises(AttributeError, match="provides only .*Dense.*docs/keras.md"):
        layers.Bidirectional
    with pytest.raises(AttributeError, match="Conv1D: it provides only"):
        layers.Conv1D(32, 7, activation="relu")
    assert not hasattr(layers, "Conv1D") and hasattr(layers, "Conv2D")
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        layers.NoSuchThing


@pytest.mark.parametrize("name", ["imdb", "reuters", "boston_housing", "cifar10"])
def test_keras_datasets_not_shipped_say_so(name):
    from scratchnet.keras import datasets
    with pytest.raises(NotImplementedError, match=f"datasets.{name}.load_data.*fashion_mnist"):
        getattr(datasets, name).load_data(num_words=10000)


# --------------------------------------------------------------- losses as metric names
def test_crossentropy_metric_names_give_keras_values():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 4)).astype("float32")
    y = rng.integers(0, 3, 30)
    model = _softmax_model()
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = float(np.mean(-np.log(p[np.arange(30), y])))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_crossentropy", "ce"])
    _, sparse, ce = model.evaluate(x, y, verbose=0)
    assert sparse == pytest.approx(expected, rel=1e-5) and ce == pytest.approx(expected, rel=1e-5)
    model.compile(optimizer="sgd", loss="mse", metrics=["categorical_crossentropy"])
    _, cce = model.evaluate(x, utils.to_categorical(y, 3), verbose=0)
    assert cce == pytest.approx(expected, rel=1e-5)


def test_binary_crossentropy_metric_history_key_and_value():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 3)).astype("float32")
    y = (rng.random(20) > 0.5).astype("float32")
    model = models.Sequential([Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=__import__("scratchnet").keras.optimizers.SGD(learning_rate=0.0),
                  loss="mse", metrics=["binary_crossentropy"])
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    history = model.fit(x, y, epochs=1, validation_data=(x, y), verbose=0)
    expected = float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    assert sorted(history.history) == ["binary_crossentropy", "loss", "val_binary_crossentropy",
                                       "val_loss"]
    assert history.history["binary_crossentropy"][0] == pytest.approx(expected, rel=1e-5)
    assert history.history["val_binary_crossentropy"][0] == pytest.approx(expected, rel=1e-5)


# --------------------------------------------------------------- LearningRateScheduler
@pytest.mark.parametrize("schedule", [lambda epoch, lr: 0.1 * 0.5 ** epoch,
                                      lambda epoch: 0.1 * 0.5 ** epoch])
def test_learning_rate_scheduler_sets_each_epochs_rate(schedule):
    from scratchnet.keras import callbacks, optimizers
    model = models.Sequential([Input(shape=(1,)), layers.Dense(1, use_bias=False,
                                                               kernel_initializer="zeros")])
    model.compile(optimizer=optimizers.SGD(learning_rate=7.0), loss="mse")
    history = model.fit(np.ones((1, 1)), np.ones((1, 1)), epochs=3, verbose=0,
                        callbacks=[callbacks.LearningRateScheduler(schedule)])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    # SGD on (w - 1)^2 from w = 0: w <- w - lr * 2 (w - 1) with the scheduled rates
    w = 0.0
    for lr in (0.1, 0.05, 0.025):
        w -= lr * 2 * (w - 1.0)
    assert model.get_weights()[0][0, 0] == pytest.approx(w, rel=1e-6)


def test_learning_rate_scheduler_refuses_a_bad_rate():
    from scratchnet.keras import callbacks
    model = models.Sequential([Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="returned nan for epoch 0"):
        model.fit(np.ones((2, 1)), np.ones((2, 1)), epochs=2, verbose=0,
                  callbacks=[callbacks.LearningRateScheduler(lambda e, lr: float("nan"))])


def test_callbacks_keras_has_and_scratchnet_lacks_say_so():
    from scratchnet.keras import callbacks
    with pytest.raises(AttributeError, match="no TensorBoard; it provides .*EarlyStopping"):
        callbacks.TensorBoard(log_dir="logs")


def test_functional_api_call_says_it_is_not_there():
    from scratchnet.keras import Input as KInput
    inputs = KInput(shape=(4,))
    with pytest.raises(NotImplementedError, match="functional API"):
        layers.Dense(3)(inputs)


# --------------------------------------------------------------- counts before the build
def test_count_params_before_the_build_raises_instead_of_0():
    # Keras: "You tried to call count_params on layer embedding, but the layer isn't built".
    model = models.Sequential([layers.Embedding(10000, 8), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.count_params()
    with pytest.raises(ValueError, match="Embedding 'embedding.*' is not built"):
        model.layers[0].count_params()
    model.build((None, 20))
    assert model.count_params() == 10000 * 8 + 20 * 8 + 1


# --------------------------------------------------------------- functions of your own
def test_a_loss_and_a_metric_of_your_own_get_targets_of_the_outputs_shape():
    # Keras brings y_true (N,) to y_pred's (N, 1) before calling your function; without it
    # (y_true - y_pred) broadcasts to (N, N) and the value is silently wrong.
    from scratchnet import ops
    seen = {}

    def my_mse(y_true, y_pred):
        seen["loss"] = tuple(y_true.shape)
        return ops.mean((y_true - y_pred) ** 2)

    def my_mae(y_true, y_pred):
        seen["metric"] = y_true.shape
        return float(np.mean(np.abs(y_true - y_pred)))

    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 2)).astype("float32")
    y = rng.standard_normal(6).astype("float32")
    model = models.Sequential([Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=my_mse, metrics=[my_mae])
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    loss, mae = model.evaluate(x, y, verbose=0)
    assert seen == {"loss": (6, 1), "metric": (6, 1)}
    assert loss == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-5)
    assert mae == pytest.approx(float(np.mean(np.abs(p - y))), rel=1e-5)


# --------------------------------------------------------------- Keras' metric classes
def test_keras_metric_classes_give_keras_keys_and_values():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype("float32")
    y = (rng.random(40) > 0.5).astype("float32")
    model = models.Sequential([Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="BinaryCrossentropy", metrics=[
        metrics.BinaryAccuracy(threshold=0.6), metrics.Precision(), metrics.Recall(),
        metrics.RootMeanSquaredError(), "MeanAbsoluteError"])
    assert isinstance(model.loss, losses.BinaryCrossentropy)
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(result) == ["loss", "binary_accuracy", "precision", "recall",
                            "root_mean_squared_error", "mean_absolute_error"]
    tp = np.sum((p > 0.5) & (y == 1))
    assert result["binary_accuracy"] == pytest.approx(np.mean((p > 0.6) == (y == 1)))
    assert result["precision"] == pytest.approx(tp / np.sum(p > 0.5))
    assert result["recall"] == pytest.approx(tp / np.sum(y == 1))
    assert result["root_mean_squared_error"] == pytest.approx(np.sqrt(np.mean((p - y) ** 2)),
                                                              rel=1e-6)
    assert result["mean_absolute_error"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-6)


def test_keras_accuracy_class_is_exact_equality_as_in_keras():
    assert metrics.Accuracy()(np.array([1.0, 0.0]), np.array([0.9, 0.0])) == 0.5
    assert metrics.Precision()(np.array([0.0, 0.0]), np.array([0.1, 0.2])) == 0.0


def test_inputs_that_are_not_numeric_arrays_say_so():
    model = models.Sequential([Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="dict of named inputs"):
        model.predict({"a": np.zeros((2, 3))}, verbose=0)
    with pytest.raises(TypeError, match=r"x: expected an array.*not numbers"):
        model.predict(np.array([["a", "b", "c"]]), verbose=0)
    with pytest.raises(TypeError, match=r"y: expected an array.*not numbers"):
        model.fit(np.zeros((2, 3)), np.array(["cat", "dog"]), verbose=0)
