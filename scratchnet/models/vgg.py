"""``VGG``: stacks of 3x3 convolutions and max pools (Simonyan and Zisserman 2015), sized for
small images; ``vgg_small`` is the default configuration."""
from .. import nn
from ._utils import check_image_input, image_size

__all__ = ["VGG", "vgg_small", "SMALL_CFG"]

# Three blocks of two convolutions, each block ending in a 2x2 max pool: 32 -> 16 -> 8 -> 4.
SMALL_CFG = (64, 64, "M", 128, 128, "M", 256, 256, "M")


class VGG(nn.Module):
    """A small VGG-style network, after Simonyan and Zisserman, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition" (ICLR 2015): the whole network is 3x3
    convolutions with padding 1 (the map keeps its size) and 2x2 max pools (the map halves),
    then a small classifier.

    ``cfg`` lists the layers: a number is Conv2d(3x3, padding 1) with that many output
    channels, then BatchNorm2d (if ``batch_norm``), then ReLU; "M" is MaxPool2d(2). With
    ``batch_norm`` the convolutions have no bias (the BN's shift would cancel it). The
    classifier is Flatten - Linear(hidden) - ReLU - Dropout(dropout) - Linear(num_classes),
    one hidden layer where the original has two of 4,096 units. Weights keep the layers'
    PyTorch initialisation. Output: logits.

    ``vgg_small()`` on (N, 3, 32, 32) (CIFAR-10), ``features`` then ``classifier``:

    =================  ========================================  ================  =========
    name               layers                                    output shape      params
    =================  ========================================  ================  =========
    features.0-2       Conv2d(3, 64, 3, padding=1), BN, ReLU     (N, 64, 32, 32)   1,856
    features.3-5       Conv2d(64, 64), BN, ReLU                  (N, 64, 32, 32)   36,992
    features.6         MaxPool2d(2)                              (N, 64, 16, 16)   0
    features.7-9       Conv2d(64, 128), BN, ReLU                 (N, 128, 16, 16)  73,984
    features.10-12     Conv2d(128, 128), BN, ReLU                (N, 128, 16, 16)  147,712
    features.13        MaxPool2d(2)                              (N, 128, 8, 8)    0
    features.14-16     Conv2d(128, 256), BN, ReLU                (N, 256, 8, 8)    295,424
    features.17-19     Conv2d(256, 256), BN, ReLU                (N, 256, 8, 8)    590,336
    features.20        MaxPool2d(2)                              (N, 256, 4, 4)    0
    classifier.0       Flatten                                   (N, 4096)         0
    classifier.1-3     Linear(4096, 256), ReLU, Dropout(0.5)     (N, 256)          1,048,832
    classifier.4       Linear(256, 10)                           (N, 10)           2,570
    =================  ========================================  ================  =========

    A conv + BN from c_in to c has c_in*c*9 + 2c parameters. Total: 2,197,706 (without batch
    norm 2,196,810; on 1x28x28 input, whose map ends at 256x3x3, 1,737,802).

    >>> import scratchnet as sn
    >>> model = sn.models.vgg_small()
    >>> model(sn.randn(2, 3, 32, 32)).shape, model.num_parameters()
    ((2, 10), 2197706)
    """

    def __init__(self, cfg=SMALL_CFG, in_channels=3, num_classes=10, input_size=32,
                 batch_norm=True, hidden=256, dropout=0.5):
        super().__init__()
        self.cfg = tuple(cfg)
        self.in_channels, self.num_classes = int(in_channels), int(num_classes)
        self.input_size = image_size(input_size, "VGG")
        layers = []
        channels, (h, w) = self.in_channels, self.input_size
        for item in self.cfg:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            elif isinstance(item, int) and item > 0:
                layers.append(nn.Conv2d(channels, item, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(item))
                layers.append(nn.ReLU())
                channels = item
            else:
                raise ValueError(f"VGG: cfg entries must be positive ints (conv widths) or "
                                 f"'M' (max pool), got {item!r} in {self.cfg}")
        if h <= 0 or w <= 0:
            pools = self.cfg.count("M")
            raise ValueError(f"VGG: input_size {self.input_size} is too small for {pools} "
                             f"max pools (needs at least {2 ** pools} pixels a side)")
        self.features = nn.Sequential(*layers)
        self.feature_shape = (channels, h, w)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(channels * h * w, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, self.num_classes),
        )

    def forward(self, x):
        check_image_input(x, f"VGG(in_channels={self.in_channels}, "
                             f"input_size={self.input_size})", self.in_channels, self.input_size)
        return self.classifier(self.features(x))


def vgg_small(**kwargs):
    """``VGG(cfg=SMALL_CFG)``: 64-64-M-128-128-M-256-256-M with batch norm, 2,197,706
    parameters on 3x32x32; kwargs go to ``VGG``."""
    from .weights import resolve_weights
    # No VGG weights ship: weights=/pretrained= raise, naming what does exist.
    resolve_weights("vgg_small", kwargs.pop("weights", None), kwargs.pop("pretrained", False))
    kwargs.setdefault("cfg", SMALL_CFG)
    return VGG(**kwargs)
