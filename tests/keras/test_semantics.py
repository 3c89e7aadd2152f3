"""Keras' semantics, checked value by value: regularisation penalties, validation_split,
EarlyStopping, ReduceLROnPlateau, batch-norm momentum, the stable pairing of a sigmoid or
softmax last layer with its loss, channels-last Flatten, optimizer defaults, save/load."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.keras import (Input, callbacks, layers, losses, models, optimizers,
                              regularizers, utils)


def _linear_model(n_in=3, units=1, **dense):
    model = models.Sequential([Input(shape=(n_in,)), layers.Dense(units, **dense)])
    return model


# ------------------------------------------------------------------------ regularisers
def test_l2_penalty_is_keras_sum_of_squares_times_factor_not_half():
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((3, 2)).astype("float32")
    bias = np.array([0.5, -0.25], dtype="float32")
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 2)).astype("float32")
    plain = _linear_model(units=2)
    penalised = _linear_model(units=2, kernel_regularizer=regularizers.l2(0.01))
    for m in (plain, penalised):
        m.set_weights([kernel, bias])
        m.compile(optimizer="sgd", loss="mse")
    base = plain.evaluate(x, y, verbose=0)
    assert base == pytest.approx(float(np.mean((x @ kernel + bias - y) ** 2)), rel=1e-5)
    # Keras: l2(0.01) adds 0.01 * sum(w ** 2) of the kernel only (not the bias, not / 2).
    expected = base + 0.01 * float(np.sum(kernel.astype(np.float64) ** 2))
    assert penalised.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("reg, fn", [
    (regularizers.l1(0.03), lambda w: 0.03 * np.abs(w).sum()),
    (regularizers.l2(0.02), lambda w: 0.02 * (w ** 2).sum()),
    (regularizers.l1_l2(l1=0.01, l2=0.05), lambda w: 0.01 * np.abs(w).sum()
     + 0.05 * (w ** 2).sum()),
    (regularizers.L1L2(), lambda w: 0.0),
])
def test_penalty_values_and_gradients(reg, fn):
    w = np.array([[0.5, -1.5], [2.0, -0.25]])
    t = sn.tensor(w, dtype="float64", requires_grad=True)
    value = reg(t)
    assert float(value) == pytest.approx(fn(w))
    if isinstance(reg, regularizers.L1L2) and (reg.l1 or reg.l2):
        value.backward()
        expected = reg.l1 * np.sign(w) + 2 * reg.l2 * w
        np.testing.assert_allclose(t.grad.numpy(), expected)


def test_penalty_enters_the_training_gradient():
    # One SGD step on a zero-error problem moves the kernel only by the penalty's gradient,
    # 2 * 0.1 * w (Keras' l2), with lr 0.5: w' = w - 0.5 * 0.2 * w = 0.9 w.
    kernel = np.array([[1.0], [-2.0]], dtype="float32")
    model = _linear_model(n_in=2, use_bias=False, kernel_regularizer=regularizers.l2(0.1))
    model.set_weights([kernel])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="mse")
    x = np.zeros((4, 2), dtype="float32")
    model.fit(x, np.zeros((4, 1), dtype="float32"), epochs=1, batch_size=4, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], 0.9 * kernel, rtol=1e-6)


# ------------------------------------------------------------------------ validation_split
@pytest.mark.parametrize("n, split, n_val", [(10, 0.2, 2), (10, 0.25, 2), (7, 0.3, 2),
                                             (100, 0.1, 10)])
def test_validation_split_takes_the_last_samples_before_shuffling(n, split, n_val):
    # A model that always outputs 0 (zero kernel, lr 0): val_loss = mean(y_val ** 2), which
    # tells exactly which samples were held out. Keras: split_at = ceil(n * (1 - split)).
    assert n - math.ceil(n * (1 - split)) == n_val
    model = _linear_model(n_in=1, kernel_initializer="zeros")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    x = np.zeros((n, 1), dtype="float32")
    y = np.arange(n, dtype="float32").reshape(n, 1)
    history = model.fit(x, y, epochs=2, batch_size=3, validation_split=split, shuffle=True,
                        verbose=0)
    expected_val = float(np.mean(y[n - n_val:] ** 2))
    expected_train = float(np.mean(y[:n - n_val] ** 2))
    np.testing.assert_allclose(history.history["val_loss"], [expected_val] * 2, rtol=1e-6)
    np.testing.assert_allclose(history.history["loss"], [expected_train] * 2, rtol=1e-6)


def test_validation_split_too_small_raises():
    model = _linear_model(n_in=1)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cannot be split"):
        model.fit(np.zeros((3, 1)), np.zeros((3, 1)), validation_split=0.1, verbose=0)


# ------------------------------------------------------------------------ callbacks
def _constant_model():
    # Input zeros and no bias: the output is 0 whatever the step, so the loss is constant.
    model = _linear_model(n_in=1, kernel_initializer="zeros", use_bias=False)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    return model


def test_early_stopping_default_patience_zero_stops_at_the_first_non_improving_epoch():
    model = _constant_model()
    x, y = np.zeros((8, 1)), np.ones((8, 1))
    stop = callbacks.EarlyStopping()          # Keras: monitor="val_loss", patience=0
    assert stop.patience == 0 and stop.monitor == "val_loss"
    history = model.fit(x, y, epochs=10, validation_data=(x, y), callbacks=[stop], verbose=0)
    # Epoch 0 improves on +inf; epoch 1 does not: stop after two epochs, as Keras.
    assert history.epoch == [0, 1]
    assert list(history.history) == ["loss", "val_loss"]


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.3), loss="mse")
    # A learning rate that diverges after the first epochs.
    best = []
    model.fit(x, y, epochs=1, verbose=0, batch_size=32)
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    model.optimizer.learning_rate = 2.5
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: best.append((logs["loss"], model.get_weights())))
    model.fit(x, y, epochs=6, batch_size=32, callbacks=[record, stop], verbose=0,
              terminate_on_nan=False)
    loss, weights = min(best, key=lambda p: p[0])
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_with_an_unbeaten_baseline_restores_the_best_epoch_of_the_run():
    # Keras' documentation: "If no epoch improves on baseline, training will run for
    # patience epochs and restore weights from the best epoch in that set." The old code
    # took the baseline for the best value so far: nothing was ever restored.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.3), loss="mse")
    model.fit(x, y, epochs=1, verbose=0, batch_size=32)
    model.optimizer.learning_rate = 2.5          # diverges: the first epoch is the best
    seen = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((logs["loss"], model.get_weights())))
    stop = callbacks.EarlyStopping(monitor="loss", patience=3, baseline=0.0,
                                   restore_best_weights=True)
    history = model.fit(x, y, epochs=8, batch_size=32, callbacks=[record, stop], verbose=0,
                        terminate_on_nan=False)
    assert history.epoch == [0, 1, 2]               # patience epochs, none beat 0.0
    losses = [loss for loss, _ in seen]
    assert losses[0] < losses[1] < losses[2]
    for got, want in zip(model.get_weights(), seen[0][1]):
        np.testing.assert_array_equal(got, want)


def test_reduce_lr_on_plateau_keras_rule():
    model = _constant_model()
    x, y = np.zeros((4, 1)), np.ones((4, 1))
    model.optimizer = optimizers.SGD(learning_rate=1.0)
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    history = model.fit(x, y, epochs=7, callbacks=[reduce], verbose=0)
    # Constant loss: epoch 0 improves, epochs 1, 2 do not -> cut after epoch 2 (Keras:
    # wait >= patience), then again after epochs 3, 4 and after 5, 6.
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_keras_callbacks_see_epochs_from_zero_and_can_stop():
    seen = []

    class Stopper(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(logs)))
            if epoch == 2:
                self.model.stop_training = True

    model = _constant_model()
    history = model.fit(np.zeros((4, 1)), np.ones((4, 1)), epochs=10, callbacks=[Stopper()],
                        verbose=0)
    assert [e for e, _ in seen] == [0, 1, 2]
    assert seen[0][1] == ["loss"]
    assert history.epoch == [0, 1, 2]


def test_model_checkpoint_writes_loadable_models(tmp_path):
    model = _constant_model()
    x, y = np.zeros((4, 1)), np.ones((4, 1))
    path = tmp_path / "ckpt-{epoch:02d}.keras"
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(path), monitor="loss")])
    again = models.load_model(tmp_path / "ckpt-02.keras")
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    weights_only = tmp_path / "w.weights"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(
        str(weights_only), monitor="loss", save_weights_only=True)])
    fresh = _linear_model(n_in=1, use_bias=False)
    fresh.load_weights(weights_only)
    np.testing.assert_array_equal(fresh.get_weights()[0], model.get_weights()[0])


def test_terminate_on_nan_stops_training():
    model = _linear_model(n_in=1)
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((64, 1), dtype="float32")
    y = x.copy()
    y[20] = np.nan                     # a corrupt label: the third batch's loss is NaN
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, shuffle=False,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert history.nan_stop == {"epoch": 1, "batch": 3, "loss": history.nan_stop["loss"]}
    assert math.isnan(history.nan_stop["loss"]) and history.epoch == []


# ------------------------------------------------------------------------ batch norm
def test_batch_norm_momentum_and_epsilon_are_keras():
    bn = layers.BatchNormalization()
    model = models.Sequential([Input(shape=(3,)), bn])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 3)) * 2 + 5).astype("float32")
    model.fit(x, np.zeros((16, 3)), epochs=1, batch_size=16, shuffle=False, verbose=0)
    gamma, beta, moving_mean, moving_var = bn.get_weights()
    # Keras: moving = 0.99 * moving + 0.01 * batch statistic (PyTorch momentum 0.01).
    np.testing.assert_allclose(moving_mean, 0.01 * x.mean(0), rtol=1e-5)
    # (scratchnet, as PyTorch, keeps the unbiased batch variance in the running average.)
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * x.var(0, ddof=1), rtol=1e-5)
    assert bn.bn.momentum == pytest.approx(0.01) and bn.bn.eps == pytest.approx(1e-3)
    # Inference uses the moving statistics and epsilon 1e-3.
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-4,
                               atol=1e-5)


def test_batch_norm_custom_momentum_maps_to_one_minus():
    model = models.Sequential([Input(shape=(4, 4, 2)), layers.BatchNormalization(momentum=0.9)])
    assert model.layers[0].bn.momentum == pytest.approx(0.1)


# ------------------------------------------------------------------------ stable pairing
def test_sigmoid_with_binary_crossentropy_is_computed_from_logits():
    # A confident wrong prediction, logit 60 for label 0: the loss is softplus(60) = 60.
    # log(sigmoid(60)) in float32 is log(1) - ... and log(1 - sigmoid(60)) = log(0): Keras'
    # clip would give -log(1e-7) = 16.1; the fused loss gives the true value.
    model = _linear_model(n_in=1, activation="sigmoid")
    model.set_weights([np.array([[60.0]], dtype="float32"), np.zeros(1, dtype="float32")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(np.ones((2, 1)), np.zeros(2), verbose=0)
    assert loss == pytest.approx(60.0, rel=1e-5) and acc == 0.0
    prob = model.predict(np.array([[-0.01]]), verbose=0)
    assert 0.3 < prob[0, 0] < 0.5          # predict returns probabilities


def test_softmax_with_categorical_crossentropy_is_computed_from_logits():
    model = _linear_model(n_in=2, units=2, activation="softmax", use_bias=False)
    model.set_weights([np.array([[100.0, 0.0], [0.0, 0.0]], dtype="float32")])
    for loss, y in (("categorical_crossentropy", np.array([[0.0, 1.0]])),
                    ("sparse_categorical_crossentropy", np.array([1]))):
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        value, acc = model.evaluate(np.array([[1.0, 0.0]]), y, verbose=0)
        assert value == pytest.approx(100.0, rel=1e-5) and acc == 0.0
    np.testing.assert_allclose(model.predict(np.array([[0.0, 0.0]]), verbose=0), [[0.5, 0.5]])


def test_probability_losses_without_pairing_clip_as_keras():
    # A linear last layer with binary_crossentropy (from_logits=False) reads probabilities,
    # clipped to [1e-7, 1 - 1e-7] as Keras does.
    loss = losses.BinaryCrossentropy()
    value = loss(np.array([[0.0]]), np.array([[1.0]], dtype="float32"))
    # 1 - 1e-7 rounds to 1 - 2**-23 in float32, as in Keras' float32 computation.
    expected = -math.log(float(np.float32(1.0) - np.float32(1.0 - 1e-7)))
    assert float(value) == pytest.approx(expected, rel=1e-5)
    logits = losses.BinaryCrossentropy(from_logits=True)(np.array([1.0]), np.array([0.0]))
    assert float(logits) == pytest.approx(math.log(2))


def test_softmax_then_torch_cross_entropy_is_refused():
    model = _linear_model(n_in=2, units=3, activation="softmax")
    with pytest.raises(ValueError, match="applies softmax"):
        model.compile(optimizer="adam", loss=sn.nn.CrossEntropyLoss())


# ------------------------------------------------------------------------ layout
def test_flatten_orders_features_channels_last():
    x = np.arange(2 * 2 * 3 * 4, dtype="float32").reshape(2, 2, 3, 4)
    model = models.Sequential([Input(shape=(2, 3, 4)), layers.Flatten()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, -1))


def test_dense_after_conv_and_flatten_has_keras_semantics():
    # Conv2D 1x1 with a known kernel, then Flatten, then Dense: the same numbers as the
    # channels-last computation in NumPy (Keras' kernels load as they are).
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5, 2)).astype("float32")
    k = rng.standard_normal((1, 1, 2, 3)).astype("float32")
    w = rng.standard_normal((4 * 5 * 3, 2)).astype("float32")
    model = models.Sequential([Input(shape=(4, 5, 2)), layers.Conv2D(3, 1, use_bias=False),
                               layers.Flatten(), layers.Dense(2, use_bias=False)])
    model.set_weights([k, w])
    conv = np.einsum("nhwc,cf->nhwf", x, k[0, 0])
    np.testing.assert_allclose(model.predict(x, verbose=0), conv.reshape(3, -1) @ w,
                               rtol=1e-4, atol=1e-4)
    for got, want in zip(model.get_weights(), [k, w]):
        np.testing.assert_array_equal(got, want)


def test_dense_and_softmax_on_images_act_on_channels():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 3, 4)).astype("float32")
    w = rng.standard_normal((4, 5)).astype("float32")
    model = models.Sequential([Input(shape=(3, 3, 4)), layers.Conv2D(4, 1),
                               layers.Dense(5, use_bias=False), layers.Activation("softmax")])
    model.layers[0].set_weights([np.eye(4, dtype="float32").reshape(1, 1, 4, 4),
                                 np.zeros(4, dtype="float32")])
    model.layers[1].set_weights([w])
    z = x @ w
    e = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(model.predict(x, verbose=0), e / e.sum(-1, keepdims=True),
                               rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------ compile / fit API
def test_optimizer_names_give_keras_defaults():
    model = _linear_model()
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(np.zeros((2, 3)), np.zeros((2, 1)), verbose=0)
    group = model.optimizer.impl.param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"]) == (1e-3, 0.9, 1e-7)
    model.compile(optimizer="adam", loss="mse")
    group = model.optimizer.build(model.parameters()).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"]) == (1e-3, (0.9, 0.999), 1e-7)
    model.compile(optimizer="sgd", loss="mse")
    assert model.optimizer.build(model.parameters()).param_groups[0]["lr"] == 0.01
    assert optimizers.RMSprop(lr=1e-4).learning_rate == 1e-4        # Keras 2's lr=


def test_fit_history_keys_evaluate_and_default_batch_size():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((70, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = _linear_model(n_in=4, activation="sigmoid")
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    batches = []
    history = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0, callbacks=[
        callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))])
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert batches == [0, 1, 2] * 2          # ceil(70 / 32): Keras' default batch_size 32
    result = model.evaluate(x, y, verbose=0)
    assert len(result) == 2 and result[0] == pytest.approx(history.history["val_loss"][-1])
    assert isinstance(model.evaluate(x, y, verbose=0, return_dict=True), dict)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_fit_on_a_loader():
    from scratchnet.data import ArrayDataset, DataLoader
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2)).astype("float32")
    y = (x.sum(1) > 0).astype("int64")
    loader = DataLoader(ArrayDataset(x, y), batch_size=8, shuffle=True)
    model = models.Sequential([layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05),
                  loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(loader, epochs=3, validation_data=loader, verbose=0)
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert model.input_shape == (None, 2)


def test_fit_before_compile_raises():
    with pytest.raises(RuntimeError, match="compiled"):
        _linear_model().fit(np.zeros((2, 3)), np.zeros(2))


def test_to_categorical():
    np.testing.assert_array_equal(utils.to_categorical([[1], [0]], 3),
                                  [[0, 1, 0], [1, 0, 0]])
    assert utils.to_categorical(np.array([2, 0])).shape == (2, 3)
    assert utils.to_categorical([1]).dtype == np.float32
    with pytest.raises(ValueError, match=">= 0"):
        utils.to_categorical([-1, 2], 3)
    with pytest.raises(ValueError, match="out of range"):
        utils.to_categorical([3], 3)


def test_save_and_load_model_round_trip(tmp_path):
    sn.manual_seed(0)
    model = models.Sequential([
        Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, activation="relu", padding="same"),
        layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
        layers.Dense(3, activation="softmax", kernel_regularizer=regularizers.l2(0.01))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.random((16, 6, 6, 1)).astype("float32")
    y = rng.integers(0, 3, 16)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    again = models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    # The optimizer state came back too: one more step gives the same weights.
    sn.manual_seed(1)
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    sn.manual_seed(1)
    again.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_keras_softmax_takes_axis_or_dim_and_refuses_both():
    from scratchnet.keras import activations
    x = sn.tensor(np.arange(12.0).reshape(3, 4) % 5)
    for fn, ref in ((activations.softmax, sn.softmax), (activations.log_softmax,
                                                         sn.log_softmax)):
        np.testing.assert_array_equal(fn(x, axis=0).numpy(), fn(x, dim=0).numpy())
        np.testing.assert_array_equal(fn(x, dim=0).numpy(), ref(x, axis=0).numpy())
        with pytest.raises(TypeError, match=rf"{fn.__name__}\(\)"):
            fn(x, axis=0, dim=0)


def test_callbacks_calling_the_model_during_fit_see_probabilities():
    seen = []
    model = _linear_model(n_in=2, units=3, activation="softmax")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    probe = np.array([[50.0, -20.0]], dtype="float32")
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model(probe).numpy()))
    model.fit(np.ones((4, 2)), np.zeros(4), epochs=1, verbose=0, callbacks=[record])
    np.testing.assert_allclose(seen[0].sum(), 1.0, rtol=1e-5)
    assert (seen[0] >= 0).all()


def test_functional_model_is_refused():
    with pytest.raises(NotImplementedError, match="Sequential"):
        models.Model(Input(shape=(3,)), layers.Dense(2))


def test_freezing_a_built_layer_stops_its_training():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    model = models.Sequential([Input(shape=(3,)), layers.Dense(4), layers.BatchNormalization(),
                               layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[0].trainable = False            # Keras: conv_base.trainable = False
    model.layers[1].trainable = False
    frozen = [w.copy() for w in model.layers[0].get_weights() + model.layers[1].get_weights()]
    head = model.layers[2].get_weights()[0].copy()
    model.fit(x, y, epochs=2, verbose=0)
    after = model.layers[0].get_weights() + model.layers[1].get_weights()
    for a, b in zip(after, frozen):      # weights and BN moving statistics unchanged
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(model.layers[2].get_weights()[0], head)
    lines = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 5" in lines[0] and "Non-trainable params: 32" in lines[0]
    model.trainable = True
    assert all(p.requires_grad for p in model.parameters())


def test_save_with_a_custom_metric_keeps_weights_and_drops_compile(tmp_path):
    def my_metric(y_true, y_pred):
        return float(np.mean(y_pred))

    model = _linear_model()
    model.compile(optimizer="adam", loss="mse", metrics=[my_metric])
    model.save(tmp_path / "m.keras")
    again = models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])
    with pytest.raises(RuntimeError, match="compiled"):
        again.fit(np.zeros((2, 3)), np.zeros((2, 1)), verbose=0)


def test_pad_sequences_follows_keras_defaults():
    from scratchnet.keras.preprocessing import sequence
    seqs = [[1, 2, 3, 4], [5], []]
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=3),
                                  [[2, 3, 4], [0, 0, 5], [0, 0, 0]])
    np.testing.assert_array_equal(
        utils.pad_sequences(seqs, maxlen=2, padding="post", truncating="post", value=-1),
        [[1, 2], [5, -1], [-1, -1]])
    assert utils.pad_sequences(seqs).shape == (3, 4)
    assert utils.pad_sequences(seqs).dtype == np.int32
    with pytest.raises(ValueError, match="padding"):
        utils.pad_sequences(seqs, padding="middle")


def test_callback_modes_follow_the_compiled_metric_and_refuse_to_guess():
    def closeness(y_true, y_pred):        # a metric of one's own: higher is better
        return float(-np.mean(np.abs(y_true - y_pred)))
    closeness.higher_is_better = True

    model = _constant_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", closeness])
    x, y = np.zeros((4, 1)), np.ones((4, 1))
    stops = [callbacks.EarlyStopping(monitor=m) for m in ("val_mae", "val_closeness")]
    model.fit(x, y, epochs=1, validation_data=(x, y), callbacks=stops, verbose=0)
    assert [s.tracker.mode for s in stops] == ["min", "max"]

    def mystery(y_true, y_pred):
        return 0.0

    model.compile(optimizer="sgd", loss="mse", metrics=[mystery])
    with pytest.raises(ValueError, match="mode='max' or mode='min'"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[callbacks.EarlyStopping(monitor="mystery")])


def test_early_stopping_starts_afresh_at_every_fit():
    model = _constant_model()
    x, y = np.zeros((4, 1)), np.ones((4, 1))
    stop = callbacks.EarlyStopping(monitor="loss")
    assert model.fit(x, y, epochs=5, callbacks=[stop], verbose=0).epoch == [0, 1]
    # Keras resets the best value: the second fit again runs two epochs, not one.
    assert model.fit(x, y, epochs=5, callbacks=[stop], verbose=0).epoch == [0, 1]


def test_scratchnet_train_callbacks_run_in_keras_fit(tmp_path):
    # fit is train.Trainer's loop: scratchnet's own callbacks and checkpoints work in it.
    model = _constant_model()
    x, y = np.zeros((4, 1)), np.ones((4, 1))
    log = tmp_path / "log.csv"
    ckpt = tmp_path / "ckpt.npz"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        sn.train.CSVLogger(log), sn.train.ModelCheckpoint(ckpt, monitor="loss")])
    assert log.read_text().splitlines()[0].startswith("epoch,loss")
    state = sn.load(ckpt)
    assert state["epoch"] == 2 and set(state["model"]) == set(model.state_dict())


def test_bad_targets_and_datasets_are_refused():
    from scratchnet.data import ArrayDataset
    model = _linear_model(n_in=2, units=3, activation="softmax")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="class indices"):
        model.fit(np.zeros((2, 2)), np.array([0.5, 1.0]), verbose=0)
    with pytest.raises(TypeError, match="DataLoader"):
        model.fit(ArrayDataset(np.zeros((2, 2)), np.zeros(2)), verbose=0)
    with pytest.raises(ValueError, match="one-hot"):
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.zeros((2, 2)), np.array([0, 2]), verbose=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": -1}, "patience must be an integer >= 0"),
    ({"patience": 2.5}, "patience must be an integer"),
    ({"min_delta": float("nan")}, "min_delta must be a finite number"),
    ({"min_lr": float("nan")}, "min_lr must be a finite number >= 0"),
    ({"cooldown": -2}, "cooldown must be an integer >= 0"),
])
def test_reduce_lr_on_plateau_refuses_settings_that_would_silently_misbehave(kwargs, message):
    # The old code took int(2.5) = 2, and a NaN min_delta made no epoch an improvement,
    # so the rate was cut every `patience` epochs whatever the loss did.
    with pytest.raises((ValueError, TypeError), match=f"ReduceLROnPlateau: {message}"):
        callbacks.ReduceLROnPlateau(**kwargs)
