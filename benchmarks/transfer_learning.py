"""Transfer learning, end to end: reuse features learnt on one task for another.

1. Pre-train LeNet-5 on five Fashion-MNIST classes (T-shirt, trouser, pullover, dress, coat),
   all 30,000 of their training images, and save a checkpoint.
2. Load the checkpoint, freeze the feature layers (the convolutions), replace the classifier's
   last layer with a new 5-way head, and fine-tune the classifier with a small learning rate
   on only 500 labelled images (100 per class) of the *other* five classes (sandal, shirt,
   sneaker, bag, ankle boot).
3. Train the same network from scratch on the same 500 images, for as many steps, and
   compare both on the 5,000 test images of those five classes (and again with 100 and 25
   labelled images).

Run: ``python benchmarks/transfer_learning.py`` (about a minute on a 2-core CPU); it
compares with 100, 20 and 5 labelled images per class, three draws each.
Results go to docs/results.md, section "Transfer learning".
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402
from scratchnet.data import ArrayDataset, DataLoader  # noqa: E402
from scratchnet.data.datasets import FashionMNIST  # noqa: E402

SOURCE, TARGET = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]


def load(root=None):
    train, test = FashionMNIST(root=root, train=True), FashionMNIST(root=root, train=False)
    mean, std = 0.2860, 0.3530     # the training set's pixel mean and std, in [0, 1]
    prep = lambda d: ((d.astype(np.float32) / 255 - mean) / std)[:, None]  # noqa: E731
    return prep(train.data), train.targets, prep(test.data), test.targets


def subset(x, y, classes, per_class=None, seed=0):
    """Images of ``classes`` relabelled 0..len(classes)-1, optionally per_class of each."""
    rng = np.random.default_rng(seed)
    picks = []
    for label in classes:
        idx = np.flatnonzero(y == label)
        picks.append(rng.choice(idx, per_class, replace=False) if per_class else idx)
    idx = np.concatenate(picks)
    relabel = {c: i for i, c in enumerate(classes)}
    return x[idx], np.array([relabel[int(v)] for v in y[idx]], dtype=np.int64)


def train(model, params, x, y, epochs, lr, seed=0, batch_size=64):
    opt = sn.optim.Adam(params, lr=lr)
    loader = DataLoader(ArrayDataset(x, y), batch_size=batch_size, shuffle=True, seed=seed)
    sn.train.fit(model, sn.nn.CrossEntropyLoss(), opt, loader, epochs, metrics=(), verbose=0)


def accuracy(model, x, y):
    out = sn.train.predict(model, x, batch_size=1000)
    return float((out.numpy().argmax(axis=1) == y).mean())


def pretrain(data, epochs=3, seed=0):
    """Train LeNet-5 on the source classes; returns (checkpoint dict, accuracy, seconds)."""
    x_train, y_train, x_test, y_test = data
    xs, ys = subset(x_train, y_train, SOURCE)
    xs_test, ys_test = subset(x_test, y_test, SOURCE)
    sn.manual_seed(seed)
    model = sn.models.LeNet5(num_classes=len(SOURCE))
    start = time.perf_counter()
    train(model, model.parameters(), xs, ys, epochs, 1e-3, seed)
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:   # through a real checkpoint file
        path = os.path.join(folder, "source.npz")
        sn.save(model.state_dict(), path)
        checkpoint = sn.load(path)
    return checkpoint, accuracy(model, xs_test, ys_test), seconds


def compare(data, checkpoint, per_class, steps=300, seed=0, batch_size=64):
    """Fine-tune the pre-trained features vs train from scratch, on ``per_class`` labelled
    images of each target class (picked with ``seed``), both for about ``steps`` gradient
    steps; returns a dict of accuracies and times."""
    x_train, y_train, x_test, y_test = data
    xt, yt = subset(x_train, y_train, TARGET, per_class=per_class, seed=seed)
    xt_test, yt_test = subset(x_test, y_test, TARGET)
    epochs = max(1, round(steps / -(-len(xt) // batch_size)))
    r = {"labelled": per_class * len(TARGET), "epochs": epochs}

    # Transfer: load the checkpoint, freeze the features, new head, small learning rate.
    sn.manual_seed(seed + 1)
    model = sn.models.LeNet5(num_classes=len(SOURCE))
    model.load_state_dict(checkpoint)
    model.features.requires_grad_(False)
    model.classifier[-1] = sn.nn.Linear(84, len(TARGET))
    trainable = [p for p in model.parameters() if p.requires_grad]
    r["head_parameters"] = sum(p.numel() for p in trainable)
    start = time.perf_counter()
    train(model, trainable, xt, yt, epochs, 3e-4, seed)
    r["transfer_seconds"] = time.perf_counter() - start
    r["transfer_accuracy"] = accuracy(model, xt_test, yt_test)

    # From scratch: the same network, every layer trained, on the same images.
    sn.manual_seed(seed + 2)
    scratch = sn.models.LeNet5(num_classes=len(TARGET))
    start = time.perf_counter()
    train(scratch, scratch.parameters(), xt, yt, epochs, 1e-3, seed)
    r["scratch_seconds"] = time.perf_counter() - start
    r["scratch_accuracy"] = accuracy(scratch, xt_test, yt_test)
    return r


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretrain-epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300,
                        help="gradient steps of fine-tuning and of training from scratch")
    parser.add_argument("--per-class", default="100,20,5",
                        help="labelled images per target class, one comparison each")
    parser.add_argument("--seeds", type=int, default=3,
                        help="repeats with other labelled images and initialisations")
    parser.add_argument("--root", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    data = load(args.root)
    checkpoint, source_accuracy, seconds = pretrain(data, args.pretrain_epochs)
    print(f"pre-trained on classes 0-4 in {seconds:.1f} s: {source_accuracy:.2%} on their "
          "test images")
    rows = []
    for per_class in (int(n) for n in args.per_class.split(",")):
        runs = [compare(data, checkpoint, per_class, args.steps, seed)
                for seed in range(args.seeds)]
        r = runs[0]
        transfer = np.array([x["transfer_accuracy"] for x in runs])
        scratch = np.array([x["scratch_accuracy"] for x in runs])
        rows.append([f"{r['labelled']} ({r['epochs']} epochs)",
                     f"{transfer.mean():.2%} +- {transfer.std():.2%}",
                     f"{scratch.mean():.2%} +- {scratch.std():.2%}",
                     f"{(transfer - scratch).mean():+.2%}",
                     f"{np.mean([x['transfer_seconds'] for x in runs]):.1f} / "
                     f"{np.mean([x['scratch_seconds'] for x in runs]):.1f}"])
        print(rows[-1], flush=True)
    table = _timing.table(["labelled images (classes 5-9)", "transfer", "from scratch",
                           "difference", "seconds (transfer / scratch)"], rows)
    print(table)
    if not args.no_write:
        body = (f"Command: `python benchmarks/transfer_learning.py`\n\nMachine: "
                f"{_timing.machine_line()}.\n\nLeNet-5 pre-trained for {args.pretrain_epochs} "
                f"epochs on the 30,000 training images of Fashion-MNIST classes 0-4 (T-shirt, "
                f"trouser, pullover, dress, coat): {source_accuracy:.2%} on their test images, "
                f"{seconds:.1f} s. Its checkpoint is loaded, the convolutional features frozen, "
                f"the last layer replaced by a 5-way head, and the classifier "
                f"({r['head_parameters']:,} parameters) fine-tuned with Adam lr 3e-4 for about "
                f"{args.steps} steps (batch 64) on a few labelled images of classes 5-9 "
                "(sandal, shirt, sneaker, bag, ankle boot); the same network is trained from "
                "scratch (Adam lr 1e-3, all layers) on the same images for as many steps. "
                f"Test accuracy on the 5,000 test images of classes 5-9, mean +- std over "
                f"{args.seeds} draws of the labelled images and initialisations.\n\n"
                + table + "\n")
        _timing.write_section("Transfer learning", body)


if __name__ == "__main__":
    main()
