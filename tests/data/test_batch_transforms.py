"""Batched augmentation: each image gets its own crop/flip, vectorized, no input modified."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import transforms as T
from scratchnet.data.transforms import batch as B


def images(n=64, c=3, h=8, w=8, dtype=np.uint8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, c, h, w)).astype(dtype)


def windows_of(padded_img, size):
    h, w = size
    H, W = padded_img.shape[-2:]
    return {(y, x): padded_img[..., y:y + h, x:x + w] for y in range(H - h + 1)
            for x in range(W - w + 1)}


@pytest.mark.parametrize("shape", [(64, 3, 8, 8), (64, 8, 8)])
def test_random_crop_gives_each_image_a_window_of_its_own_padded_self(shape):
    x = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    original = x.copy()
    out = T.BatchRandomCrop(8, padding=2, seed=0)(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_array_equal(x, original)           # input untouched
    pad = [(0, 0)] * (x.ndim - 3) + [(2, 2), (2, 2)]          # one image: (C,) H, W
    offsets = []
    for i in range(len(x)):
        wins = windows_of(np.pad(x[i], pad), (8, 8))
        found = [k for k, v in wins.items() if np.array_equal(v, out[i])]
        assert found, f"image {i} is not a window of its padded self"
        offsets.append(found[0])
    assert len(set(offsets)) > 10                        # offsets differ between images


def test_random_crop_numpy_windows_equal_the_generic_gather():
    x = images(16, 3, 10, 12, np.float32)
    xp_path = B._crop_gather(np, np.pad(x, ((0, 0), (0, 0), (3, 3), (3, 3))),
                             np.arange(16) % 7, (np.arange(16) * 3) % 7, 10, 12, 2)
    np_path = B._crop_windows(np.pad(x, ((0, 0), (0, 0), (3, 3), (3, 3))),
                              np.arange(16) % 7, (np.arange(16) * 3) % 7, 10, 12, 2)
    np.testing.assert_array_equal(xp_path, np_path)


def test_random_crop_known_offset():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    out = B._crop_windows(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), np.array([0]),
                          np.array([2]), 4, 4, 2)
    assert out[0, 0].tolist() == [[0, 0, 0, 0], [1, 2, 3, 0], [5, 6, 7, 0], [9, 10, 11, 0]]


def test_channels_last_crop_and_flip_match_channels_first():
    x = images(32, 3, 6, 6)
    nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    for first, last in [(T.BatchRandomCrop(6, padding=2, seed=3),
                         T.BatchRandomCrop(6, padding=2, channels_last=True, seed=3)),
                        (T.BatchRandomHorizontalFlip(seed=3),
                         T.BatchRandomHorizontalFlip(channels_last=True, seed=3))]:
        np.testing.assert_array_equal(first(x).transpose(0, 2, 3, 1), last(nhwc))


def test_nhwc_batch_is_refused_by_channels_first_transforms():
    with pytest.raises(ValueError, match="channels-last"):
        T.BatchRandomHorizontalFlip()(np.zeros((8, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="larger than the padded"):
        T.BatchRandomCrop(40, padding=2)(images(2))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        T.BatchRandomCrop(4)(np.zeros((4, 4)))


@pytest.mark.parametrize("cls, axis", [(T.BatchRandomHorizontalFlip, -1),
                                       (T.BatchRandomVerticalFlip, -2)])
def test_flips_each_image_or_not(cls, axis):
    x = images(200)
    original = x.copy()
    out = cls(seed=0)(x)
    np.testing.assert_array_equal(x, original)
    flipped = np.array([np.array_equal(o, np.flip(i, axis)) for o, i in zip(out, x)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert (flipped | kept).all()
    assert 70 < flipped.sum() < 130
    np.testing.assert_array_equal(cls(p=1.0)(x), np.flip(x, axis))
    np.testing.assert_array_equal(cls(p=0.0)(x), x)


def test_batch_to_tensor():
    nhw = np.full((2, 3, 4), 51, np.uint8)
    out = T.BatchToTensor()(nhw)
    assert out.shape == (2, 1, 3, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out, 0.2)
    nhwc = np.arange(2 * 2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 2, 3)
    np.testing.assert_allclose(T.BatchToTensor()(nhwc), nhwc.transpose(0, 3, 1, 2) / 255,
                               rtol=1e-6)
    nchw = images(2)
    np.testing.assert_allclose(T.BatchToTensor(channels_last=False)(nchw), nchw / 255, rtol=1e-6)
    assert T.BatchToTensor(max_value=16)(np.full((1, 8, 8), 16, np.uint8)).max() == 1.0
    floats = np.full((1, 2, 2, 1), 7.0)
    assert T.BatchToTensor()(floats).max() == 7.0 and T.BatchToTensor()(floats).shape == \
        (1, 1, 2, 2)


def test_batch_normalize_and_tensor_in_tensor_out():
    x = np.ones((2, 3, 2, 2), np.float32)
    out = T.BatchNormalize([1, 0, 0.5], [1, 2, 0.25])(x)
    assert out[0, :, 0, 0].tolist() == [0.0, 0.5, 2.0]
    t = T.BatchNormalize([1], [2])(sn.from_numpy(x))
    assert isinstance(t, sn.Tensor) and float(t.max()) == 0.0
    with pytest.raises(TypeError, match="BatchToTensor"):
        T.BatchNormalize([0], [1])(images(1))
    with pytest.raises(ValueError, match="channels"):
        T.BatchNormalize([0, 0], [1, 1])(x)


def test_cifar_pipeline_shapes_and_statistics():
    nhwc = np.random.default_rng(0).integers(0, 256, (128, 32, 32, 3), dtype=np.uint8)
    aug = T.Compose([T.BatchToTensor(), T.BatchRandomCrop(32, padding=4, seed=0),
                     T.BatchRandomHorizontalFlip(seed=0), T.BatchNormalize([0.5] * 3, [0.25] * 3)])
    out = aug(nhwc)
    assert out.shape == (128, 3, 32, 32) and out.dtype == np.float32
    # padding zeros become -2 after normalising; uniform pixels stay within [-2, 2]
    assert out.min() == pytest.approx(-2.0) and out.max() <= 2.0


@pytest.mark.parametrize("channels_last", [False, True])
def test_batch_random_crop_fills_one_value_per_channel(channels_last):
    # xp.full(shape, (1, 2, 3)) spread the three values along the last axis, the width of
    # an NCHW batch: with width 3 the old code silently painted columns, not channels.
    x = np.zeros((2, 3, 3, 3), np.float32)
    out = T.BatchRandomCrop(5, padding=1, fill=(1, 2, 3), channels_last=channels_last,
                            seed=0)(x)
    corner = out[:, 0, 0, :] if channels_last else out[:, :, 0, 0]
    centre = out[:, 2, 2, :] if channels_last else out[:, :, 2, 2]
    assert corner.tolist() == [[1, 2, 3]] * 2 and not centre.any()
    with pytest.raises(ValueError, match="one per channel"):
        T.BatchRandomCrop(5, padding=1, fill=(1, 2))(x)


def test_batch_random_crop_takes_torchvision_padding_forms():
    # RandomCrop(size, padding=(2, 1)) pads 2 left/right and 1 top/bottom in torchvision;
    # (1, 2, 3, 4) is (left, top, right, bottom). The old BatchRandomCrop called int() on the
    # tuple and failed with "int() argument must be ... not 'tuple'".
    x = np.ones((3, 1, 2, 2), np.float32)
    pairs = T.BatchRandomCrop((4, 6), padding=(2, 1), seed=0)(x)
    assert pairs.shape == (3, 1, 4, 6) and (pairs.sum(axis=(1, 2, 3)) == 4).all()
    np.testing.assert_array_equal(pairs[:, 0, 1:3, 2:4], 1.0)     # the only window: offset 0
    four = T.BatchRandomCrop((2 + 2 + 4, 2 + 1 + 3), padding=(1, 2, 3, 4), seed=0)(x)
    np.testing.assert_array_equal(four[0, 0, 2:4, 1:3], 1.0)
    assert four.sum() == 3 * 4
    assert T.BatchRandomCrop(2, padding=None, seed=0)(x).shape == (3, 1, 2, 2)
    with pytest.raises(ValueError, match="padding must be an int, a pair or 4 values"):
        T.BatchRandomCrop(2, padding=(1, 2, 3))


@pytest.mark.parametrize("dtype, top", [(np.dtype(np.uint16), 65535), (np.dtype(">u2"), 65535),
                                        (np.dtype(np.bool_), 1), (np.dtype(np.uint8), 255),
                                        (np.dtype(np.int64), 255)])
def test_to_tensor_scales_integer_pixels_by_their_dtype_range(dtype, top):
    # 16-bit images: torchvision's ToDtype(torch.float32, scale=True) divides uint16 by
    # 65535. The old code divided by 255 (pixels up to 257.0); BatchToTensor also divided a
    # bool mask by 255. int64 arrays built from 0..255 lists keep 255.
    image = np.full((2, 2), top, dtype)
    assert T.ToTensor()(image).numpy().max() == 1.0
    assert T.BatchToTensor()(image[None]).max() == 1.0
    if dtype.kind != "b":       # an explicit max_value still wins
        assert T.BatchToTensor(max_value=16)(np.full((1, 2, 2), 16, dtype)).max() == 1.0
