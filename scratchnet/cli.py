"""The ``scratchnet`` command.

``scratchnet train`` trains a small two-layer network on a two-class spiral, built from the
autograd ops alone, and prints its accuracy: a self-contained check that the engine learns.
"""
import argparse
import sys
import time

import numpy as np

import scratchnet as sn


def _spirals(n_per_class, rng):
    t = rng.uniform(0.25, 3.0, n_per_class) * np.pi
    arms = [np.stack([t * np.cos(t + k * np.pi), t * np.sin(t + k * np.pi)], 1) for k in (0, 1)]
    x = np.concatenate(arms) / (3 * np.pi) + rng.normal(0, 0.02, (2 * n_per_class, 2))
    y = np.repeat([0, 1], n_per_class)
    return x.astype(np.float32), y


def train(args):
    sn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_np, y_np = _spirals(500, rng)
    x, y = sn.tensor(x_np), sn.tensor(y_np)
    hidden = 64
    w1 = sn.randn(hidden, 2) * np.sqrt(2 / 2)
    w2 = sn.randn(2, hidden) * np.sqrt(1 / hidden)
    params = [w1.requires_grad_(), sn.zeros(hidden, requires_grad=True),
              w2.requires_grad_(), sn.zeros(2, requires_grad=True)]
    start = time.perf_counter()
    for step in range(args.steps):
        for p in params:
            p.grad = None
        logits = sn.linear(sn.relu(sn.linear(x, params[0], params[1])), params[2], params[3])
        loss = sn.cross_entropy(logits, y)
        loss.backward()
        with sn.no_grad():
            for p in params:
                p -= args.lr * p.grad
    accuracy = float((logits.argmax(axis=1).numpy() == y_np).mean())
    print(f"trained a 2-64-2 network on 1,000 spiral points for {args.steps} steps in "
          f"{time.perf_counter() - start:.1f} s: loss {loss.item():.3f}, "
          f"accuracy {accuracy:.1%}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="scratchnet", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("train", help="train a small network and print its accuracy")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=train)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
