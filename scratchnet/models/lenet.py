"""``LeNet5``: LeCun et al.'s convolutional network for digits (1998)."""
from .. import nn
from ..nn.conv import run_fused
from ._utils import check_image_input, conv_output_size, image_size, make_activation

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5 (LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to document
    recognition", 1998), with today's usual simplifications: full connections between the
    feature maps, a plain Linear output instead of the RBF units, ReLU and max pooling by
    default (``activation="tanh", pooling="avg"`` is closer to the original).

    The paper's input is 32x32 (28x28 digits with a margin). For smaller inputs the first
    convolution pads by 2 instead (``padding=None`` chooses: 2 below 32 pixels, else 0), so
    a 28x28 image gets exactly the paper's geometry. Two parts: ``features`` (the
    convolutions) and ``classifier`` (flatten and the dense layers). Output: logits.

    For (N, 1, 28, 28) input with the defaults:

    ===============  ===========================  ================  ======================
    name             layer                        output shape      params
    ===============  ===========================  ================  ======================
    features.0       Conv2d(1, 6, 5, padding=2)   (N, 6, 28, 28)    156 = 6*1*5*5 + 6
    features.1       ReLU                         (N, 6, 28, 28)    0
    features.2       MaxPool2d(2)                 (N, 6, 14, 14)    0
    features.3       Conv2d(6, 16, 5)             (N, 16, 10, 10)   2,416 = 16*6*5*5 + 16
    features.4       ReLU                         (N, 16, 10, 10)   0
    features.5       MaxPool2d(2)                 (N, 16, 5, 5)     0
    classifier.0     Flatten                      (N, 400)          0
    classifier.1     Linear(400, 120)             (N, 120)          48,120 = 400*120 + 120
    classifier.2     ReLU                         (N, 120)          0
    classifier.3     Linear(120, 84)              (N, 84)           10,164 = 120*84 + 84
    classifier.4     ReLU                         (N, 84)           0
    classifier.5     Linear(84, 10)               (N, 10)           850 = 84*10 + 10
    ===============  ===========================  ================  ======================

    Total: 61,706 parameters (the same for 1x32x32 input, which is not padded; 3x32x32
    input adds 300 weights in the first convolution). ``channels=(6, 16)`` and
    ``hidden=(120, 84)`` set the widths; weights keep the layers' PyTorch initialisation.

    >>> import scratchnet as sn
    >>> model = sn.models.LeNet5()
    >>> model(sn.randn(8, 1, 28, 28)).shape, model.num_parameters()
    ((8, 10), 61706)
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28, activation="relu",
                 pooling="max", channels=(6, 16), hidden=(120, 84), padding=None):
        super().__init__()
        self.in_channels, self.num_classes = int(in_channels), int(num_classes)
        self.input_size = image_size(input_size, "LeNet5")
        if pooling not in ("max", "avg"):
            raise ValueError(f"LeNet5: pooling must be 'max' or 'avg', got {pooling!r}")
        if padding is None:
            padding = 2 if min(self.input_size) < 32 else 0
        c1, c2 = channels

        def pool():
            return nn.MaxPool2d(2) if pooling == "max" else nn.AvgPool2d(2)

        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, c1, 5, padding=padding),
            make_activation(activation, "LeNet5"),
            pool(),
            nn.Conv2d(c1, c2, 5),
            make_activation(activation, "LeNet5"),
            pool(),
        )
        # Follow one side of the feature map: conv(5, padding) -> pool(2) -> conv(5) -> pool(2).
        def side(n):
            n = conv_output_size(conv_output_size(n, 5, 1, padding), 2, 2)
            return conv_output_size(conv_output_size(n, 5), 2, 2)

        h, w = side(self.input_size[0]), side(self.input_size[1])
        if h <= 0 or w <= 0:
            raise ValueError(f"LeNet5: input_size {self.input_size} is too small: the feature "
                             f"maps vanish after the two 5x5 convolutions and 2x2 pools "
                             f"(padding={padding}; 12x12 is the least with padding 2)")
        self.feature_shape = (c2, h, w)
        layers = [nn.Flatten()]
        widths = (c2 * h * w,) + tuple(hidden)
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(n_in, n_out), make_activation(activation, "LeNet5")]
        layers.append(nn.Linear(widths[-1], self.num_classes))
        self.classifier = nn.Sequential(*layers)

    def forward(self, x):
        check_image_input(x, f"LeNet5(in_channels={self.in_channels}, "
                             f"input_size={self.input_size})", self.in_channels, self.input_size)
        # run_fused: the same result as self.features(x), with fewer passes over memory.
        return self.classifier(run_fused(self.features, x))


def lenet5(weights=None, pretrained=False, **kwargs):
    """``LeNet5(**kwargs)``, with pretrained weights on request (torchvision's style).

    ``weights="fashion_mnist"`` (or ``"DEFAULT"``, or ``pretrained=True``) loads the weights
    that ship inside scratchnet: trained by ``scratchnet train --dataset fashion-mnist
    --model lenet --epochs 10``, 90.17 % on the Fashion-MNIST test set (the file, the exact
    command and the accuracy: ``scratchnet/models/_weights/README.md``). They expect
    (N, 1, 28, 28) images scaled to [0, 1] and normalised with the training set's mean and
    std: ``get_weight("lenet5").transforms()`` does that to raw uint8 images. With weights,
    kwargs that change the architecture (``num_classes=5``...) raise ``ValueError``:
    load, then replace the layer. Unknown weights names raise ``ValueError`` listing the
    names that exist; a missing weights file raises ``FileNotFoundError`` naming it.

    >>> import scratchnet as sn
    >>> from scratchnet.models import lenet5
    >>> model = lenet5(weights="fashion_mnist")
    >>> model.classifier[-1] = sn.nn.Linear(84, 3)     # a new head for a 3-class task
    >>> model(sn.zeros(2, 1, 28, 28)).shape
    (2, 3)
    """
    from .weights import load_weights, resolve_weights
    resolved = resolve_weights("lenet5", weights, pretrained)
    if resolved is None:
        return LeNet5(**kwargs)
    return load_weights("lenet5", LeNet5, resolved, kwargs)
