"""Build ``_files/digits.npz``, the UCI digits shipped inside scratchnet (run once; kept so
that anyone can check or redo it).

    python -m scratchnet.data.datasets._make_digits ../shared/datasets/uci-digits/digits.csv.gz

Input: the CSV (1,797 rows: 64 pixel values 0..16, then the label 0..9), as shipped by
scikit-learn and kept in ``../shared/datasets/uci-digits/``. Output, compressed with
``numpy.savez_compressed``:

* ``images``: uint8 (1797, 8, 8), values 0..16, in the CSV's row order;
* ``labels``: uint8 (1797,);
* ``test``: bool (1797,), the fixed test split: a stratified 20 % drawn once with
  ``train_test_split(..., test_size=0.2, stratify=labels, seed=0)``. Stored, not recomputed,
  so that the split never changes even if the splitting code does.
"""
import gzip
import pathlib
import sys

import numpy

OUT = pathlib.Path(__file__).resolve().parent / "_files" / "digits.npz"


def read_csv(path):
    """(images uint8 (n, 8, 8), labels uint8 (n,)) from the digits CSV (gzip or plain)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        table = numpy.loadtxt(f, delimiter=",", dtype=numpy.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise ValueError(f"{path}: expected 65 columns (64 pixels + label), got {table.shape}")
    if table[:, :64].min() < 0 or table[:, :64].max() > 16 or not set(
            numpy.unique(table[:, 64]).tolist()) <= set(range(10)):
        raise ValueError(f"{path}: pixels must be 0..16 and labels 0..9")
    return (table[:, :64].reshape(-1, 8, 8).astype(numpy.uint8),
            table[:, 64].astype(numpy.uint8))


def main(argv):
    from scratchnet.data import train_test_split

    if len(argv) != 1:
        print(__doc__)
        return 2
    images, labels = read_csv(argv[0])
    _, test_index = train_test_split(numpy.arange(len(labels)), test_size=0.2,
                                     stratify=labels, seed=0)
    test = numpy.zeros(len(labels), dtype=bool)
    test[test_index] = True
    OUT.parent.mkdir(exist_ok=True)
    numpy.savez_compressed(OUT, images=images, labels=labels, test=test)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(labels)} images, "
          f"{test.sum()} in the test split")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
