"""``MLP``: the multi-layer perceptron, a stack of fully connected layers."""
from .. import nn
from ._utils import make_activation

__all__ = ["MLP"]


class MLP(nn.Sequential):
    """A multi-layer perceptron: Linear layers with an activation between them.

    ``sizes`` lists the width of every layer, input first and output last: the default
    (784, 256, 128, 10) is the classic 784-256-128-10 network for 28x28 images. Each hidden
    layer is

        Linear -> [BatchNorm1d] -> activation -> [Dropout(dropout)]

    and the last layer is a bare Linear: the output is logits (pair it with
    ``nn.CrossEntropyLoss``, which applies the softmax itself). The input is flattened
    first, so (N, 1, 28, 28) images and (N, 784) vectors both work. With
    ``batch_norm=True`` the Linear layers before a batch norm have no bias (the batch
    norm's own shift would cancel it). Weights keep ``nn.Linear``'s PyTorch initialisation.

    It is an ``nn.Sequential``, so ``model[1]`` is the first Linear and ``print(model)``
    lists the layers in order. Default model, for a batch of N images:

    =========  ================  ==================  =======
    index      layer             output shape        params
    =========  ================  ==================  =======
    0          Flatten           (N, 784)            0
    1          Linear(784, 256)  (N, 256)            200,960 = 784*256 + 256
    2          ReLU              (N, 256)            0
    3          Linear(256, 128)  (N, 128)            32,896 = 256*128 + 128
    4          ReLU              (N, 128)            0
    5          Linear(128, 10)   (N, 10)             1,290 = 128*10 + 10
    =========  ================  ==================  =======

    Total: 235,146 parameters. ``activation`` is a name ("relu", "tanh", "sigmoid",
    "gelu", "leaky_relu", "elu"), an ``nn.Module`` class or an instance (copied for each use).

    >>> import scratchnet as sn
    >>> model = sn.models.MLP((784, 256, 128, 10), dropout=0.2)
    >>> model(sn.randn(32, 1, 28, 28)).shape, model.num_parameters()
    ((32, 10), 235146)
    """

    def __init__(self, sizes=(784, 256, 128, 10), activation="relu", dropout=0.0,
                 batch_norm=False):
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2 or min(sizes) <= 0:
            raise ValueError(f"MLP: sizes must list at least an input and an output width, "
                             f"all positive, got {sizes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        where = "MLP(" + "-".join(map(str, sizes)) + ")"
        layers = [nn.Flatten()]
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            is_last = i == len(sizes) - 2
            layers.append(nn.Linear(n_in, n_out, bias=is_last or not batch_norm))
            if is_last:
                break
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(make_activation(activation, where))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        super().__init__(*layers)
        self.sizes, self.dropout, self.batch_norm = sizes, dropout, batch_norm

    @property
    def in_features(self):
        return self.sizes[0]

    def forward(self, x):
        per_sample = x.numel() // x.shape[0] if x.ndim >= 1 and x.shape[0] else 0
        if x.ndim < 2 or per_sample != self.in_features:
            raise ValueError(f"MLP({'-'.join(map(str, self.sizes))}) got input of shape "
                             f"{tuple(x.shape)}; expected (N, {self.in_features}) or (N, ...) "
                             f"with {self.in_features} values per sample")
        return super().forward(x)
