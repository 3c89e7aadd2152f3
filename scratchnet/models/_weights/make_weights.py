"""Turn a ``scratchnet train`` checkpoint into a shipped weights file (see README.md here).

    python scratchnet/models/_weights/make_weights.py CHECKPOINT OUT.npz "COMMAND"

Keeps only the model's parameters (no optimizer state: a third of the checkpoint's size),
with the facts a user needs (classes, input shape, normalisation, constructor arguments),
and records the test accuracy measured again here, on the data set's full test set, with
the saved normalisation, as ``scratchnet evaluate`` would.
"""
import sys

import scratchnet as sn
from scratchnet.models import build_for

# The zoo's name for each `scratchnet train --model` choice that ships weights.
ZOO_NAME = {"lenet": "lenet5"}
# LeNet5's constructor arguments that define its architecture (all recorded in the file).
ARCH = ("in_channels", "num_classes", "input_size", "activation", "pooling", "channels",
        "hidden", "padding")


def main(checkpoint, out, command):
    state = sn.load(checkpoint)
    meta = state["meta"]
    model = build_for(meta["model"], meta["input_shape"], meta["num_classes"])
    model.load_state_dict(state["model"])
    model.eval()
    from scratchnet.data.datasets import FashionMNIST
    assert meta["dataset"] == "fashion-mnist", meta["dataset"]
    test = FashionMNIST(train=False, download=False)
    prepare = sn.data.transforms.Compose([
        sn.data.transforms.BatchToTensor(max_value=meta["max_value"]),
        sn.data.transforms.BatchNormalize(meta["mean"], meta["std"])])
    correct = 0
    with sn.no_grad():
        for i in range(0, len(test), 1000):
            logits = model(sn.tensor(prepare(test.data[i:i + 1000])))
            correct += int((logits.numpy().argmax(1) == test.targets[i:i + 1000]).sum())
    accuracy = correct / len(test)
    arch = {"in_channels": model.in_channels, "num_classes": model.num_classes,
            "input_size": list(model.input_size), "activation": "relu", "pooling": "max",
            "channels": [6, 16], "hidden": [120, 84], "padding": None}
    info = {"model": ZOO_NAME[meta["model"]], "dataset": meta["dataset"],
            "input_shape": list(meta["input_shape"]), "num_classes": meta["num_classes"],
            "class_names": list(meta["class_names"]), "mean": list(meta["mean"]),
            "std": list(meta["std"]), "max_value": meta["max_value"], "arch": arch,
            "epochs": int(state["epoch"]), "train_args": dict(meta["args"]),
            "test_accuracy": round(accuracy, 4), "test_correct": correct,
            "test_set": f"{meta['dataset']} test set ({len(test)} images)",
            "command": command}
    weights = {k: v.detach() for k, v in model.state_dict().items()}
    sn.save({"state_dict": weights, "meta": info}, out)
    print(f"{out}: test accuracy {accuracy:.4f} ({correct}/{len(test)})")


if __name__ == "__main__":
    main(*sys.argv[1:4])
