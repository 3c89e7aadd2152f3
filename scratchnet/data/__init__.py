"""``scratchnet.data``: everything between files on disk and batches on a device.

* datasets and loading: ``Dataset``, ``IterableDataset``, ``ArrayDataset``,
  ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``DataLoader``, ``default_collate``;
* samplers: ``SequentialSampler``, ``RandomSampler``, ``SubsetRandomSampler``,
  ``WeightedRandomSampler``, ``BatchSampler``;
* ``datasets``: ``Digits`` (shipped inside the package), ``MNIST``, ``FashionMNIST``,
  ``CIFAR10``, ``CIFAR100``, ``ImageFolder``, toy generators (spirals, moons, blobs, curve);
* ``transforms``: torchvision's per-sample transforms and batched augmentation;
* splits: ``random_split``, ``train_test_split``, ``holdout_split``, ``KFold``,
  ``StratifiedKFold``, ``RepeatedKFold``, ``RepeatedStratifiedKFold``, ``cross_validate``;
* preprocessing: ``one_hot``, ``StandardScaler``, ``MinMaxScaler``, ``Imputer``,
  ``impute_missing``, ``vectorize_sequences``, ``class_weights``;
* text and sequences (``scratchnet.data.text``): ``get_tokenizer``, ``Tokenizer``,
  ``Vocab``, ``build_vocab_from_iterator``, ``pad_sequences``, ``sliding_windows``,
  ``timeseries_dataset_from_array``.

>>> from scratchnet.data import DataLoader, datasets, transforms
>>> train = datasets.Digits(train=True)
>>> loader = DataLoader(train, batch_size=64, shuffle=True, seed=0,
...                     batch_transform=transforms.BatchToTensor(max_value=16))
>>> x, y = next(iter(loader))
>>> x.shape, x.dtype, y.dtype
((64, 1, 8, 8), dtype('float32'), dtype('int64'))

Pillow, matplotlib and tqdm are imported only when a function needs them, so importing this
package costs little.
"""
from . import datasets, text, toy, transforms  # noqa: F401
from ._worker import WorkerInfo, get_worker_info
from .collate import collate_arrays, default_collate, to_tensors
from .dataloader import DataLoader
from .dataset import ArrayDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from .preprocessing import (
    Imputer, MinMaxScaler, StandardScaler, class_weights, impute_missing, one_hot,
    vectorize_sequences,
)
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler, DistributedSampler,
)
from .splits import (
    CrossValidationResult, KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold,
    TimeSeriesSplit, cross_validate, holdout_split, random_split, train_test_split,
)

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
    "DataLoader", "default_collate", "collate_arrays", "to_tensors", "get_worker_info",
    "WorkerInfo", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "random_split", "train_test_split",
    "holdout_split", "KFold", "StratifiedKFold", "RepeatedKFold", "RepeatedStratifiedKFold",
    "cross_validate", "CrossValidationResult", "one_hot", "StandardScaler", "MinMaxScaler",
    "Imputer", "impute_missing", "vectorize_sequences", "class_weights", "transforms",
    "datasets", "toy", "TimeSeriesSplit",
]
from .text import (  # noqa: E402
    Tokenizer, Vocab, build_vocab_from_iterator, get_tokenizer, pad_sequences,
    sliding_windows, text_to_word_sequence, timeseries_dataset_from_array,
)
__all__ += ["text", "get_tokenizer", "Tokenizer", "text_to_word_sequence", "Vocab",
            "build_vocab_from_iterator", "pad_sequences", "sliding_windows",
            "timeseries_dataset_from_array"]

