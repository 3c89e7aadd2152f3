"""Small helpers the models share: activations by name, image sizes, input checks."""
import copy

from .. import nn

__all__ = ["ACTIVATIONS", "make_activation", "image_size", "conv_output_size",
           "check_image_input"]

# The names every model's ``activation=`` accepts.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}


def make_activation(activation, where="model"):
    """A fresh activation Module from a name ("relu"), a Module class, or a Module instance.

    An instance is copied for every use, so a layer with parameters (or state) is never
    silently shared between two places of the network.
    """
    if isinstance(activation, str):
        key = activation.lower()
        if key not in ACTIVATIONS:
            raise ValueError(f"{where}: unknown activation {activation!r}; expected one of "
                             f"{sorted(ACTIVATIONS)}, an nn.Module class or an instance")
        return ACTIVATIONS[key]()
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    if isinstance(activation, nn.Module):
        return copy.deepcopy(activation)
    raise TypeError(f"{where}: activation must be a name, an nn.Module class or an instance, "
                    f"got {type(activation).__name__}")


def image_size(size, where="model"):
    """``28`` or ``(28, 28)`` -> (28, 28)."""
    if isinstance(size, int):
        size = (size, size)
    size = tuple(int(n) for n in size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"{where}: input_size must be a positive int or a pair (H, W), "
                         f"got {size}")
    return size


def conv_output_size(n, kernel_size, stride=1, padding=0):
    """floor((n + 2p - k) / s) + 1, the output length of a convolution or pooling."""
    return (n + 2 * padding - kernel_size) // stride + 1


def check_image_input(x, model, channels, size=None):
    """Raise a ValueError naming ``model`` unless x is (N, channels, *size)."""
    ok = x.ndim == 4 and x.shape[1] == channels
    if size is not None:
        ok = ok and tuple(x.shape[2:]) == tuple(size)
    if not ok:
        spatial = "H, W" if size is None else f"{size[0]}, {size[1]}"
        raise ValueError(f"{model} got input of shape {tuple(x.shape)}; expected "
                         f"(N, {channels}, {spatial})")
