"""Resume restores the global random generator, so dropout masks continue where they were."""
import numpy as np

import scratchnet as sn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.data.datasets import Digits
from scratchnet.train import Trainer


def digits_loaders():
    """The first 512 training digits (scaled to [0, 1]) and 256 more for validation."""
    digits = Digits(train=True)
    x = (digits.data.reshape(len(digits), -1) / 16.0).astype(np.float32)
    y = np.asarray(digits.targets, dtype=np.int64)
    train = DataLoader(ArrayDataset(x[:512], y[:512]), batch_size=64, shuffle=True, seed=3)
    val = DataLoader(ArrayDataset(x[512:768], y[512:768]), batch_size=256)
    return train, val


def make_trainer(seed):
    sn.manual_seed(seed)
    model = sn.nn.Sequential(sn.nn.Linear(64, 32), sn.nn.ReLU(), sn.nn.Dropout(0.5),
                             sn.nn.Linear(32, 10))
    optimizer = sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return Trainer(model, sn.nn.CrossEntropyLoss(), optimizer, metrics=["accuracy"],
                   verbose=0)


def test_dropout_masks_continue_after_resume_bit_for_bit(tmp_path):
    train, val = digits_loaders()
    whole = make_trainer(seed=0)
    whole.fit(train, 4, val)
    after_whole = sn.backend.get_rng_state()

    train, val = digits_loaders()
    first = make_trainer(seed=0)
    first.fit(train, 2, val)
    path = first.save_checkpoint(tmp_path / "last.npz")
    # Another process: other initial weights, and a global generator seeded elsewhere and
    # moved on, so only the checkpoint's generator state can give the same dropout masks.
    second = make_trainer(seed=99)
    sn.rand(1000)
    second.load_checkpoint(path)
    train, val = digits_loaders()
    second.fit(train, 4, val)

    assert second.history.epoch == whole.history.epoch == [1, 2, 3, 4]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert second.history.history[key] == whole.history.history[key], key
    for (name, a), (_, b) in zip(whole.model.state_dict().items(),
                                 second.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    # ...and both runs leave the global generator in the same state.
    assert sn.backend.get_rng_state() == after_whole


def _same_rng_state(a, b):
    assert a.keys() == b.keys()
    assert a["numpy"] == b["numpy"]
    if "cupy" in a:
        assert a["cupy"]["bit_generator"] == b["cupy"]["bit_generator"]
        np.testing.assert_array_equal(a["cupy"]["bytes"], b["cupy"]["bytes"])


def test_resume_on_a_device_continues_its_generator_bit_for_bit(device, tmp_path):
    """On a GPU the dropout masks come from CuPy's generator: its state (in device memory)
    goes into the checkpoint too (on the CuPy test double as on CuPy's cuRAND layout)."""
    def trainer(seed):
        t = make_trainer(seed)
        t.device = sn.backend.normalize_device(device)
        t.model.to(device)
        return t

    train, val = digits_loaders()
    whole = trainer(seed=0)
    whole.fit(train, 3, val)
    after_whole = sn.backend.get_rng_state()
    if device != "cpu":
        assert "cupy" in after_whole          # the masks were drawn on the device

    train, val = digits_loaders()
    first = trainer(seed=0)
    first.fit(train, 1, val)
    path = first.save_checkpoint(tmp_path / "last.npz")
    second = trainer(seed=99)
    sn.rand(1000, device=device)              # the device generator moved on elsewhere
    second.load_checkpoint(path)
    train, val = digits_loaders()
    second.fit(train, 3, val)
    for key in ("loss", "val_loss"):
        assert second.history.history[key] == whole.history.history[key], key
    for (name, a), (_, b) in zip(whole.model.state_dict().items(),
                                 second.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    _same_rng_state(sn.backend.get_rng_state(), after_whole)
