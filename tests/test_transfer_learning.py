"""Transfer learning end to end on the real Fashion-MNIST (benchmarks/transfer_learning.py):
features pre-trained on five classes beat training from scratch on 100 images of the others."""
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_frozen_pretrained_features_beat_training_from_scratch(datasets_dir):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import transfer_learning as tl
    finally:
        sys.path.pop(0)
    data = tl.load(datasets_dir / "fashion-mnist")
    checkpoint, source_accuracy, _ = tl.pretrain(data, epochs=1)
    assert source_accuracy > 0.8          # the pre-trained network learnt its own task
    r = tl.compare(data, checkpoint, per_class=20, steps=150)
    assert r["head_parameters"] == 400 * 120 + 120 + 120 * 84 + 84 + 84 * 5 + 5
    assert r["transfer_accuracy"] > r["scratch_accuracy"] + 0.02, r
