"""``SimpleCNN``: conv-conv-pool-dropout-dense, the Keras MNIST example network."""
from .. import nn
from ..nn.conv import run_fused
from ._utils import check_image_input, conv_output_size, image_size

__all__ = ["SimpleCNN"]


class SimpleCNN(nn.Module):
    """The convolutional network of Keras' "mnist_cnn" example (F. Chollet, keras/examples):
    two 3x3 convolutions, one 2x2 max pool, dropout, a dense hidden layer, dropout, and the
    output layer. Convolutions are unpadded ("valid"), so each one trims a 1-pixel border.

        conv3x3(32) - ReLU - conv3x3(64) - ReLU - maxpool2 - dropout(0.25)
        - flatten - dense(128) - ReLU - dropout(0.5) - dense(num_classes)

    Two parts: ``features`` (up to the first dropout) and ``classifier``. Output: logits.
    For (N, 1, 28, 28) input with the defaults:

    ==============  =====================  ================  ==========================
    name            layer                  output shape      params
    ==============  =====================  ================  ==========================
    features.0      Conv2d(1, 32, 3)       (N, 32, 26, 26)   320 = 32*1*3*3 + 32
    features.1      ReLU                   (N, 32, 26, 26)   0
    features.2      Conv2d(32, 64, 3)      (N, 64, 24, 24)   18,496 = 64*32*3*3 + 64
    features.3      ReLU                   (N, 64, 24, 24)   0
    features.4      MaxPool2d(2)           (N, 64, 12, 12)   0
    features.5      Dropout(0.25)          (N, 64, 12, 12)   0
    classifier.0    Flatten                (N, 9216)         0
    classifier.1    Linear(9216, 128)      (N, 128)          1,179,776 = 9216*128 + 128
    classifier.2    ReLU                   (N, 128)          0
    classifier.3    Dropout(0.5)           (N, 128)          0
    classifier.4    Linear(128, 10)        (N, 10)           1,290 = 128*10 + 10
    ==============  =====================  ================  ==========================

    Total: 1,199,882 parameters, nearly all in the first dense layer. On (N, 3, 32, 32)
    (CIFAR-10) the map is 64x14x14 and the total 1,626,442. ``channels``, ``hidden`` and
    ``dropout`` (one probability for both, or a pair) change the widths and rates; weights
    keep the layers' PyTorch initialisation.

    >>> import scratchnet as sn
    >>> model = sn.models.SimpleCNN()
    >>> model(sn.randn(4, 1, 28, 28)).shape, model.num_parameters()
    ((4, 10), 1199882)
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28, channels=(32, 64),
                 hidden=128, dropout=(0.25, 0.5)):
        super().__init__()
        self.in_channels, self.num_classes = int(in_channels), int(num_classes)
        self.input_size = image_size(input_size, "SimpleCNN")
        if isinstance(dropout, (int, float)):
            dropout = (dropout, dropout)
        p_features, p_classifier = dropout
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, c1, 3), nn.ReLU(),
            nn.Conv2d(c1, c2, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(p_features),
        )

        def side(n):   # conv3x3 -> conv3x3 -> pool2
            return conv_output_size(conv_output_size(conv_output_size(n, 3), 3), 2, 2)

        h, w = side(self.input_size[0]), side(self.input_size[1])
        if h <= 0 or w <= 0:
            raise ValueError(f"SimpleCNN: input_size {self.input_size} is too small; the two "
                             "3x3 convolutions and the 2x2 pool need at least 6x6 images")
        self.feature_shape = (c2, h, w)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * h * w, hidden), nn.ReLU(),
            nn.Dropout(p_classifier), nn.Linear(hidden, self.num_classes),
        )

    def forward(self, x):
        check_image_input(x, f"SimpleCNN(in_channels={self.in_channels}, "
                             f"input_size={self.input_size})", self.in_channels,
                          self.input_size)
        # run_fused: the same result as self.features(x), with fewer passes over memory.
        return self.classifier(run_fused(self.features, x))
