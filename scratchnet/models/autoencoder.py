"""Autoencoders: ``Autoencoder`` (dense) and ``ConvAutoencoder`` (strided convolutions down,
transposed convolutions up). Both learn to reproduce their input through a narrow code."""
from .. import nn
from ..ops import reshape
from ._utils import check_image_input, conv_output_size, image_size, make_activation

__all__ = ["Autoencoder", "ConvAutoencoder"]


def _output_activation(name, where):
    return nn.Identity() if name is None else make_activation(name, where)


class Autoencoder(nn.Module):
    """A dense autoencoder (Hinton and Salakhutdinov, "Reducing the dimensionality of data
    with neural networks", Science 2006, without the layer-wise pretraining): an encoder
    that squeezes the input through ``sizes`` to a code, and a mirrored decoder.

        encoder  Flatten - Linear(784, 128) - act - Linear(128, 32)            code (N, 32)
        decoder  Linear(32, 128) - act - Linear(128, 784) - Sigmoid

    The code layer is linear (no activation), like PCA's projection, which a linear
    autoencoder with MSE rediscovers. The sigmoid output lies in (0, 1), so it pairs with
    ``nn.BCELoss`` or ``nn.MSELoss`` against pixels scaled to [0, 1]; pass
    ``output_activation=None`` for unbounded data. ``encode(x)`` flattens x and returns the
    code (N, sizes[-1]); ``decode(z)`` returns flat (N, sizes[0]); ``forward(x)`` returns
    the reconstruction in x's own shape, e.g. (N, 1, 28, 28).

    ==============  ==================  ==============  ===========================
    name            layer               output shape    params
    ==============  ==================  ==============  ===========================
    encoder.0       Flatten             (N, 784)        0
    encoder.1       Linear(784, 128)    (N, 128)        100,480 = 784*128 + 128
    encoder.2       ReLU                (N, 128)        0
    encoder.3       Linear(128, 32)     (N, 32)         4,128 = 128*32 + 32
    decoder.0       Linear(32, 128)     (N, 128)        4,224 = 32*128 + 128
    decoder.1       ReLU                (N, 128)        0
    decoder.2       Linear(128, 784)    (N, 784)        101,136 = 128*784 + 784
    decoder.3       Sigmoid             (N, 784)        0
    ==============  ==================  ==============  ===========================

    Total: 209,968 parameters (PyTorch's Linear initialisation).

    >>> import scratchnet as sn
    >>> model = sn.models.Autoencoder((784, 128, 32))
    >>> x = sn.rand(8, 1, 28, 28)
    >>> model.encode(x).shape, model(x).shape, model.num_parameters()
    ((8, 32), (8, 1, 28, 28), 209968)
    """

    def __init__(self, sizes=(784, 128, 32), activation="relu", output_activation="sigmoid"):
        super().__init__()
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2 or min(sizes) <= 0:
            raise ValueError(f"Autoencoder: sizes must list at least an input and a code "
                             f"width, all positive, got {sizes}")
        self.sizes = sizes
        where = "Autoencoder(" + "-".join(map(str, sizes)) + ")"
        self.encoder = nn.Sequential(nn.Flatten(), *self._dense_stack(sizes, activation, where))
        self.decoder = nn.Sequential(*self._dense_stack(sizes[::-1], activation, where),
                                     _output_activation(output_activation, where))

    @staticmethod
    def _dense_stack(sizes, activation, where):
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), make_activation(activation, where)]
        return layers[:-1]   # no activation after the last Linear

    def encode(self, x):
        """The code of each sample: (N, ...) -> (N, sizes[-1])."""
        per_sample = x.numel() // x.shape[0] if x.ndim >= 2 and x.shape[0] else 0
        if per_sample != self.sizes[0]:
            raise ValueError(f"Autoencoder({'-'.join(map(str, self.sizes))}) got input of "
                             f"shape {tuple(x.shape)}; expected (N, {self.sizes[0]}) or "
                             f"(N, ...) with {self.sizes[0]} values per sample")
        return self.encoder(x)

    def decode(self, z):
        """Reconstructions from codes: (N, sizes[-1]) -> (N, sizes[0]), flat."""
        return self.decoder(z)

    def forward(self, x):
        return reshape(self.decode(self.encode(x)), x.shape)


class ConvAutoencoder(nn.Module):
    """A convolutional autoencoder: 3x3 convolutions with stride 2 halve the image at each
    level of ``channels``, and 3x3 transposed convolutions with stride 2 double it back, as
    in the Keras blog's "Building autoencoders in Keras" (Chollet, 2016) with strides in
    place of pooling and upsampling layers.

    Each level is Conv2d(3, stride=2, padding=1) - act going down and
    ConvTranspose2d(3, stride=2, padding=1, output_padding) - act going up, except that the
    last layer ends in a sigmoid (pixels in [0, 1]; ``output_activation=None`` removes it).
    ``output_padding`` (0 or 1) is chosen per level so that odd sizes come back exactly:
    a 28x28 image goes 28 -> 14 -> 7 -> 14 -> 28. ``encode(x)`` gives the code map,
    ``decode(z)`` the image, ``forward(x)`` the reconstruction, shaped like x.

    =========  ===============================================  ===============  ======
    name       layer                                            output shape     params
    =========  ===============================================  ===============  ======
    encoder.0  Conv2d(1, 16, 3, stride=2, padding=1)            (N, 16, 14, 14)  160
    encoder.1  ReLU                                             (N, 16, 14, 14)  0
    encoder.2  Conv2d(16, 32, 3, stride=2, padding=1)           (N, 32, 7, 7)    4,640
    encoder.3  ReLU                                             (N, 32, 7, 7)    0
    decoder.0  ConvTranspose2d(32, 16, 3, stride=2, padding=1,  (N, 16, 14, 14)  4,624
               output_padding=1)
    decoder.1  ReLU                                             (N, 16, 14, 14)  0
    decoder.2  ConvTranspose2d(16, 1, 3, stride=2, padding=1,   (N, 1, 28, 28)   145
               output_padding=1)
    decoder.3  Sigmoid                                          (N, 1, 28, 28)   0
    =========  ===============================================  ===============  ======

    A layer from c_in to c channels has c_in*c*9 + c parameters (a transposed convolution's
    weight is (c_in, c, 3, 3)). Total: 9,569 (PyTorch's initialisation).

    >>> import scratchnet as sn
    >>> model = sn.models.ConvAutoencoder(in_channels=1, channels=(16, 32), input_size=28)
    >>> x = sn.rand(4, 1, 28, 28)
    >>> model.encode(x).shape, model(x).shape, model.num_parameters()
    ((4, 32, 7, 7), (4, 1, 28, 28), 9569)
    """

    def __init__(self, in_channels=1, channels=(16, 32), input_size=28, activation="relu",
                 output_activation="sigmoid"):
        super().__init__()
        self.in_channels = int(in_channels)
        self.input_size = image_size(input_size, "ConvAutoencoder")
        self.channels = tuple(int(c) for c in channels)
        if not self.channels:
            raise ValueError("ConvAutoencoder: channels must list at least one width")
        where = "ConvAutoencoder"
        # Sizes at every level on the way down; the way up returns through the same sizes.
        sizes = [self.input_size]
        for _ in self.channels:
            h, w = sizes[-1]
            sizes.append((conv_output_size(h, 3, 2, 1), conv_output_size(w, 3, 2, 1)))
        widths = (self.in_channels,) + self.channels

        encoder = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            encoder += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1),
                        make_activation(activation, where)]
        decoder = []
        for level in range(len(self.channels), 0, -1):
            (h, w), (th, tw) = sizes[level], sizes[level - 1]
            # A stride-2, padding-1, 3x3 transposed conv maps n to 2n - 1 (+ output_padding).
            extra = (th - (2 * h - 1), tw - (2 * w - 1))
            decoder += [nn.ConvTranspose2d(widths[level], widths[level - 1], 3, stride=2,
                                           padding=1, output_padding=extra),
                        make_activation(activation, where)]
        decoder[-1] = _output_activation(output_activation, where)
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder)
        self.code_shape = (self.channels[-1],) + sizes[-1]

    def _name(self):
        return (f"ConvAutoencoder(in_channels={self.in_channels}, channels={self.channels}, "
                f"input_size={self.input_size})")

    def encode(self, x):
        """(N, in_channels, H, W) -> the code map (N, channels[-1], h, w)."""
        check_image_input(x, self._name(), self.in_channels, self.input_size)
        return self.encoder(x)

    def decode(self, z):
        """The code map (N, *code_shape) -> images (N, in_channels, H, W)."""
        if z.ndim != 4 or tuple(z.shape[1:]) != self.code_shape:
            raise ValueError(f"{self._name()}.decode got a code of shape {tuple(z.shape)}; "
                             f"expected (N, {', '.join(map(str, self.code_shape))})")
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))
