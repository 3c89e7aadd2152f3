"""Small programs written as the course's Keras listings are, each asserting a real result:
a movie-review-style network on multi-hot vectors (dropout, L2), a convnet on real
Fashion-MNIST, an LSTM (and a GRU) on sequences."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.keras import (Input, callbacks, datasets, layers, models, optimizers,
                              regularizers, utils)


# ------------------------------------------------------------------------ movie reviews
def _review_corpus(n, vocabulary=2000, seed=0):
    """Synthetic reviews as word-index lists: neutral filler plus a few sentiment words.
    Words 1..40 are positive, 41..80 negative; a review's label is the side of the majority
    of its sentiment words (some words of the other side are mixed in)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    reviews = []
    for label in labels:
        length = rng.integers(30, 120)
        words = list(rng.integers(81, vocabulary, length))
        own = rng.integers(1, 41, rng.integers(3, 7)) + (0 if label else 40)
        other = rng.integers(1, 41, rng.integers(0, 3)) + (40 if label else 0)
        words += list(own) + list(other)
        rng.shuffle(words)
        reviews.append(words)
    return reviews, labels


def _vectorize_sequences(sequences, dimension):
    # The course's multi-hot encoding: results[i, j] = 1 if word j is in review i.
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results


def test_movie_review_network_with_dropout_and_l2():
    sn.manual_seed(0)
    dims = 2000
    train_data, train_labels = _review_corpus(6000, dims, seed=1)
    test_data, test_labels = _review_corpus(1000, dims, seed=2)
    x_train = _vectorize_sequences(train_data, dims)
    x_test = _vectorize_sequences(test_data, dims)
    y_train = np.asarray(train_labels).astype("float32")
    y_test = np.asarray(test_labels).astype("float32")

    model = models.Sequential()
    model.add(layers.Dense(16, kernel_regularizer=regularizers.l2(0.001), activation="relu",
                           input_shape=(dims,)))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(16, kernel_regularizer=regularizers.l2(0.001), activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])

    x_val, partial_x_train = x_train[:1000], x_train[1000:]
    y_val, partial_y_train = y_train[:1000], y_train[1000:]
    history = model.fit(partial_x_train, partial_y_train, epochs=20, batch_size=512,
                        validation_data=(x_val, y_val), verbose=0)
    history_dict = history.history
    assert list(history_dict) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(history_dict["loss"]) == 20 and history.epoch == list(range(20))
    # Training lowers the loss (the L2 penalties included) and the model generalises.
    assert history_dict["loss"][-1] < 0.7 * history_dict["loss"][0]
    assert history_dict["val_accuracy"][-1] > 0.93
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.93                        # chance: 0.5
    probabilities = model.predict(x_test[:5], verbose=0)
    assert probabilities.shape == (5, 1) and ((probabilities > 0) & (probabilities < 1)).all()


# ------------------------------------------------------------------------ Fashion-MNIST
@pytest.mark.slow
def test_convnet_on_fashion_mnist(datasets_dir):
    sn.manual_seed(0)
    (train_images, train_labels), (test_images, test_labels) = \
        datasets.fashion_mnist.load_data(download=False)
    # A subset, so that it trains in seconds; channels-last as Keras wants.
    train_images = train_images[:4000].reshape((4000, 28, 28, 1)).astype("float32") / 255
    test_images = test_images[:1000].reshape((1000, 28, 28, 1)).astype("float32") / 255
    train_labels = utils.to_categorical(train_labels[:4000])
    test_labels = utils.to_categorical(test_labels[:1000])

    model = models.Sequential([
        Input(shape=(28, 28, 1)),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_images, train_labels, epochs=3, batch_size=32,
                        validation_split=0.1, verbose=0)
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc > 0.72                        # chance: 0.1
    predictions = model.predict(test_images[:10], verbose=0)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)


# ------------------------------------------------------------------------ sequences
def _sign_of_sum_task(n, steps=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, steps, 1)).astype("float32")
    return x, (x.sum(axis=(1, 2)) > 0).astype("float32")


def test_lstm_learns_the_sign_of_a_sum():
    sn.manual_seed(0)
    x, y = _sign_of_sum_task(1200)
    x_test, y_test = _sign_of_sum_task(400, seed=1)
    model = models.Sequential()
    model.add(layers.LSTM(16, input_shape=(12, 1)))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=optimizers.RMSprop(learning_rate=0.01),
                  loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=12, batch_size=32, validation_split=0.2, verbose=0,
                        callbacks=[callbacks.EarlyStopping(monitor="val_acc", patience=3,
                                                           restore_best_weights=True)])
    assert "val_acc" in history.history
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.9                          # chance: 0.5


def test_embedding_gru_counts_a_token():
    # Sequences of 12 word ids from a vocabulary of 20: is word 3 more frequent than word 7?
    sn.manual_seed(0)
    rng = np.random.default_rng(0)

    def data(n):
        ids = rng.integers(1, 20, (n, 12))
        return ids, ((ids == 3).sum(1) > (ids == 7).sum(1)).astype("int64")

    x, y = data(1000)
    x_test, y_test = data(400)
    model = models.Sequential([
        layers.Embedding(20, 8, input_length=12),
        layers.GRU(16),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    majority = max(y_test.mean(), 1 - y_test.mean())
    assert accuracy > max(0.85, majority + 0.15)
