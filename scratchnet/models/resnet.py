"""``ResNet`` for 32x32 images (He et al. 2016, the CIFAR-10 networks) and its factories
``resnet20``, ``resnet32``, ``resnet44``, ``resnet56``."""
from .. import nn
from ._utils import check_image_input

__all__ = ["ResNet", "resnet20", "resnet32", "resnet44", "resnet56"]


class ResNet(nn.Module):
    """The residual network for CIFAR-10 of He, Zhang, Ren and Sun, "Deep Residual Learning
    for Image Recognition" (CVPR 2016), section 4.2: a 3x3 stem convolution, three stages of
    n ``BasicBlock``s with 16, 32 and 64 channels (the 2nd and 3rd halve the map with a
    stride-2 first block), global average pooling and one Linear layer. Depth = 6n + 2:
    n = 3 gives ResNet-20.

        conv3x3(16) - BN - ReLU - layer1 (n blocks, 16 ch, stride 1)
        - layer2 (n blocks, 32 ch, stride 2) - layer3 (n blocks, 64 ch, stride 2)
        - global average pool - Linear(64, num_classes)

    One difference from the paper: where a block changes shape, ``nn.BasicBlock`` uses a
    projection shortcut (1x1 convolution + BN, the paper's option B) instead of option A's
    zero-padded identity, which adds 2,752 parameters to ResNet-20. Convolutions have no
    bias (the BN after each would cancel it). Initialisation, as commonly done for ResNets
    (and by torchvision): every convolution Kaiming-normal with mode "fan_out" and the ReLU
    gain, N(0, 2 / (out_channels * k * k)); batch norm weight 1, bias 0; the Linear layer
    keeps PyTorch's default.

    Any input size works (the pool is global); 28x28 images give maps 28 -> 14 -> 7.
    ResNet-20 on (N, 3, 32, 32):

    ==========  ==================================  ===============  =======
    name        layer                               output shape     params
    ==========  ==================================  ===============  =======
    conv1, bn1  Conv2d(3, 16, 3, padding=1), BN     (N, 16, 32, 32)  464
    relu        ReLU                                (N, 16, 32, 32)  0
    layer1      3 x BasicBlock(16 -> 16)            (N, 16, 32, 32)  14,016
    layer2      3 x BasicBlock(16 -> 32, stride 2)  (N, 32, 16, 16)  51,648
    layer3      3 x BasicBlock(32 -> 64, stride 2)  (N, 64, 8, 8)    205,696
    pool        GlobalAvgPool2d                     (N, 64)          0
    fc          Linear(64, 10)                      (N, 10)          650
    ==========  ==================================  ===============  =======

    A block from c_in to c channels has two 3x3 convolutions and two BNs, c_in*c*9 + c*c*9
    + 4c parameters, plus c_in*c + 2c for its projection shortcut when the shape changes;
    e.g. layer1 = 3 * (2*16*16*9 + 4*16) = 14,016. Total: 272,474 parameters (272,186 on
    1x28x28 input). resnet32 (n = 5): 466,906; resnet44 (n = 7): 661,338; resnet56 (n = 9):
    855,770.

    ``block`` is any class built as ``block(in_channels, out_channels, stride)`` with an
    ``expansion`` attribute (``nn.BasicBlock`` has 1); ``layers`` and ``widths`` give the
    blocks and channels per stage (one stage per entry).

    >>> import scratchnet as sn
    >>> model = sn.models.resnet20()
    >>> model(sn.randn(2, 3, 32, 32)).shape, model.num_parameters()
    ((2, 10), 272474)
    """

    def __init__(self, block=nn.BasicBlock, layers=(3, 3, 3), widths=(16, 32, 64),
                 in_channels=3, num_classes=10):
        super().__init__()
        layers, widths = tuple(layers), tuple(widths)
        if len(layers) != len(widths) or not layers:
            raise ValueError(f"ResNet: layers {layers} and widths {widths} must give one "
                             "block count and one width per stage")
        self.in_channels, self.num_classes = int(in_channels), int(num_classes)
        self.conv1 = nn.Conv2d(self.in_channels, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        channels = widths[0]
        self.num_stages = len(layers)
        for i, (blocks, width) in enumerate(zip(layers, widths)):
            stage = nn.Sequential()
            for j in range(blocks):
                # Only a stage's first block changes the shape: the first stage keeps the
                # stem's map size, later ones halve it.
                stride = 2 if (i > 0 and j == 0) else 1
                stage.add(block(channels, width, stride))
                channels = width * block.expansion
            setattr(self, f"layer{i + 1}", stage)
        self.pool = nn.GlobalAvgPool2d()
        self.fc = nn.Linear(channels, self.num_classes)
        self.reset_parameters()

    def reset_parameters(self):
        """Kaiming-normal (fan_out, relu) convolutions; batch norm weight 1 and bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        check_image_input(x, f"ResNet(in_channels={self.in_channels})", self.in_channels)
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.num_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(self.pool(x))


def _resnet(n, kwargs):
    from .weights import resolve_weights
    # No ResNet weights ship: weights=/pretrained= raise, naming what does exist.
    resolve_weights(f"resnet{6 * n + 2}", kwargs.pop("weights", None),
                    kwargs.pop("pretrained", False))
    kwargs.setdefault("layers", (n, n, n))
    return ResNet(**kwargs)


def resnet20(**kwargs):
    """ResNet-20 (3 blocks per stage, 272,474 parameters); kwargs go to ``ResNet``."""
    return _resnet(3, kwargs)


def resnet32(**kwargs):
    """ResNet-32 (5 blocks per stage, 466,906 parameters); kwargs go to ``ResNet``."""
    return _resnet(5, kwargs)


def resnet44(**kwargs):
    """ResNet-44 (7 blocks per stage, 661,338 parameters); kwargs go to ``ResNet``."""
    return _resnet(7, kwargs)


def resnet56(**kwargs):
    """ResNet-56 (9 blocks per stage, 855,770 parameters); kwargs go to ``ResNet``."""
    return _resnet(9, kwargs)
