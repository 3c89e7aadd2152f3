"""Per-sample transforms: known values, the three input kinds, seeding."""
import colorsys

import numpy as np
import pytest
from PIL import Image

import scratchnet as sn
from scratchnet.data import transforms as T
from scratchnet.data.transforms import functional as F


def ramp(h=4, w=5, c=None, dtype=np.uint8):
    shape = (h, w) if c is None else (h, w, c)
    return (np.arange(np.prod(shape)) % 251).astype(dtype).reshape(shape)


# ------------------------------------------------------------------ the three input kinds
def as_kinds(img):
    """The same image as an HWC array, a PIL image and a CHW Tensor."""
    chw = img.transpose(2, 0, 1) if img.ndim == 3 else img
    return {"array": img, "pil": Image.fromarray(img), "tensor": sn.from_numpy(chw.copy())}


def back_to_hwc(out):
    if isinstance(out, Image.Image):
        return np.asarray(out)
    if isinstance(out, sn.Tensor):
        data = out.numpy()
        return data.transpose(1, 2, 0) if data.ndim == 3 else data
    return out


@pytest.mark.parametrize("transform, expected", [
    (T.RandomHorizontalFlip(p=1.0), lambda a: a[:, ::-1]),
    (T.RandomVerticalFlip(p=1.0), lambda a: a[::-1]),
    (T.CenterCrop(2), lambda a: a[1:3, 2:4]),
    (T.Pad((1, 0)), lambda a: np.pad(a, ((0, 0), (1, 1)) + ((0, 0),) * (a.ndim - 2))),
    (T.RandomRotation((180, 180)), lambda a: a[::-1, ::-1]),
])
@pytest.mark.parametrize("channels", [None, 3])
def test_same_result_for_arrays_pil_and_tensors(transform, expected, channels):
    img = ramp(4, 6, channels)
    want = expected(img)
    for kind, value in as_kinds(img).items():
        out = transform(value)
        assert type(out) is type(value), kind
        np.testing.assert_array_equal(back_to_hwc(out), want, err_msg=kind)


def test_pil_mode_is_kept():
    out = T.RandomHorizontalFlip(p=1.0)(Image.fromarray(ramp(4, 4, 3)))
    assert out.mode == "RGB"
    grey = T.CenterCrop(2)(Image.fromarray(ramp(4, 4)))
    assert grey.mode == "L" and grey.size == (2, 2)


# ------------------------------------------------------------------ known values
def test_flip_known_values():
    img = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    assert T.RandomHorizontalFlip(p=1.0)(img).tolist() == [[3, 2, 1], [6, 5, 4]]
    assert T.RandomVerticalFlip(p=1.0)(img).tolist() == [[4, 5, 6], [1, 2, 3]]
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


def test_crop_at_a_fixed_offset_and_outside():
    img = ramp(5, 5, 1)
    np.testing.assert_array_equal(F.crop(img, 1, 2, 3, 2), img[1:4, 2:4])
    outside = F.crop(img, -1, -1, 3, 3, fill=9)
    assert outside[0].ravel().tolist() == [9, 9, 9] and outside[1:, 1:].ravel().tolist() == \
        img[:2, :2].ravel().tolist()


def test_random_crop_with_padding_is_a_window_of_the_padded_image():
    img = ramp(6, 6)
    padded = np.pad(img, 2)
    windows = {(y, x) for y in range(5) for x in range(5)}
    seen = set()
    crop = T.RandomCrop(6, padding=2, seed=0)
    for _ in range(200):
        out = crop(img)
        match = [(y, x) for y, x in windows if np.array_equal(out, padded[y:y + 6, x:x + 6])]
        assert match, "the crop is not a window of the padded image"
        seen.add(match[0])
    assert seen == windows        # every offset comes up


def test_random_crop_errors_and_pad_if_needed():
    with pytest.raises(ValueError, match="larger than the"):
        T.RandomCrop(10)(ramp(4, 4))
    assert T.RandomCrop(6, pad_if_needed=True, seed=0)(ramp(4, 4)).shape == (6, 6)


def test_rotation_quarter_turn_matches_rot90():
    img = ramp(4, 4, 3)
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(img), np.rot90(img))
    np.testing.assert_array_equal(T.RandomRotation((-90, -90))(img), np.rot90(img, -1))
    wide = ramp(3, 5)
    np.testing.assert_array_equal(T.RandomRotation((90, 90), expand=True)(wide), np.rot90(wide))


def test_rotation_fill_and_range():
    img = np.full((5, 5), 100, np.uint8)
    out = T.RandomRotation((45, 45), fill=7)(img)
    assert out[0, 0] == 7 and out[2, 2] == 100
    with pytest.raises(ValueError, match="min"):
        T.RandomRotation((10, -10))


def test_resize_nearest_and_bilinear():
    img = np.array([[0, 10], [20, 30]], np.uint8)
    np.testing.assert_array_equal(T.Resize((4, 4), "nearest")(img),
                                  np.repeat(np.repeat(img, 2, 0), 2, 1))
    r = np.arange(8, dtype=np.float32)[None, :].repeat(2, 0)     # a horizontal ramp
    half = T.Resize((2, 4))(r)
    np.testing.assert_allclose(half, [[0.5, 2.5, 4.5, 6.5]] * 2)   # means of pixel pairs
    const = T.Resize((7, 3))(np.full((5, 5, 3), 42, np.uint8))
    assert const.shape == (7, 3, 3) and (const == 42).all()


def test_resize_int_matches_smaller_edge_for_every_kind():
    img = ramp(20, 40, 3)
    for kind, value in as_kinds(img).items():
        assert back_to_hwc(T.Resize(10)(value)).shape[:2] == (10, 20), kind


def test_random_resized_crop():
    img = ramp(16, 16, 3)
    assert T.RandomResizedCrop(8, seed=0)(img).shape == (8, 8, 3)
    whole = T.RandomResizedCrop(8, scale=(1.0, 1.0), ratio=(1.0, 1.0), seed=0)(img)
    np.testing.assert_array_equal(whole, T.Resize((8, 8))(img))
    top, left, h, w = T.RandomResizedCrop(8, seed=1).get_params(100, 50)
    assert 0 <= top <= 100 - h and 0 <= left <= 50 - w


def test_random_affine_known_moves():
    img = np.zeros((5, 5), np.uint8)
    img[2, 2] = 9
    moved = T.RandomAffine(0, translate=(0.2, 0.2), seed=3)(img)
    ys, xs = np.nonzero(moved)
    assert len(ys) == 1 and abs(int(ys[0]) - 2) <= 1 and abs(int(xs[0]) - 2) <= 1
    sq = ramp(4, 4)
    np.testing.assert_array_equal(T.RandomAffine((90, 90))(sq), np.rot90(sq))
    zoom = T.RandomAffine(0, scale=(2.0, 2.0))(np.arange(9, dtype=np.uint8).reshape(3, 3))
    # x2 about the centre pixel: output (y, x) reads input centre + (y - 1, x - 1) / 2
    assert zoom.tolist() == [[4, 4, 5], [4, 4, 5], [7, 7, 8]]
    sheared = T.RandomAffine(0, shear=(30, 30, 0, 0), fill=255)(np.zeros((5, 5), np.uint8))
    assert (sheared == 255).any() and sheared[2].tolist() == [0] * 5   # the centre row stays


def test_color_jitter_known_values():
    grey = np.full((2, 2, 3), 100, np.uint8)
    assert T.ColorJitter(brightness=(2, 2))(grey)[0, 0].tolist() == [200] * 3
    assert T.ColorJitter(brightness=(3, 3))(grey)[0, 0].tolist() == [255] * 3   # clipped
    img = ramp(3, 3, 3)
    flat = T.ColorJitter(contrast=(0, 0))(img)
    assert len(np.unique(flat)) == 1
    no_colour = T.ColorJitter(saturation=(0, 0))(img)
    np.testing.assert_array_equal(no_colour, T.Grayscale(3)(img))
    red = np.zeros((1, 1, 3), np.uint8)
    red[..., 0] = 255
    assert T.ColorJitter(hue=(1 / 3, 1 / 3))(red)[0, 0].tolist() == [0, 255, 0]
    assert T.ColorJitter(hue=(0.5, 0.5))(red)[0, 0].tolist() == [0, 255, 255]
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.7)


def test_color_ops_on_floats_and_tensors():
    img = np.full((2, 2, 3), 0.25, np.float32)
    assert T.ColorJitter(brightness=(2, 2))(img)[0, 0].tolist() == [0.5] * 3
    t = T.ColorJitter(brightness=(2, 2))(sn.from_numpy(img.transpose(2, 0, 1).copy()))
    assert isinstance(t, sn.Tensor) and t.shape == (3, 2, 2) and float(t.max()) == 0.5


def test_hsv_roundtrip_against_colorsys():
    rgb = np.random.default_rng(0).random((50, 3)).astype(np.float64)
    hsv = F.rgb_to_hsv(rgb)
    for i in range(50):
        np.testing.assert_allclose(hsv[i], colorsys.rgb_to_hsv(*rgb[i]), atol=1e-12)
    np.testing.assert_allclose(F.hsv_to_rgb(hsv), rgb, atol=1e-12)


def test_grayscale_luma():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    assert T.Grayscale()(px)[..., 0].tolist() == [[76, 150, 29]]
    pil = T.Grayscale()(Image.fromarray(px))
    assert pil.mode == "L"
    # PIL's own conversion uses the same weights (integer arithmetic, so within 1).
    assert np.abs(np.asarray(Image.fromarray(px).convert("L")).astype(int)
                  - np.asarray(pil).astype(int)).max() <= 1
    assert T.RandomGrayscale(p=1.0)(ramp(2, 2, 3)).shape == (2, 2, 3)


# ------------------------------------------------------------------ conversion
def test_to_tensor_scales_uint8_and_transposes():
    img = ramp(4, 5, 3)
    x = T.ToTensor()(img)
    assert isinstance(x, sn.Tensor) and x.shape == (3, 4, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy(), img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(img)).numpy(), x.numpy())
    assert T.ToTensor()(ramp(4, 5)).shape == (1, 4, 5)
    floats = np.full((2, 2), 3.0)
    assert float(T.ToTensor()(floats).max()) == 3.0             # floats are not scaled
    assert float(T.ToTensor(max_value=16)(np.full((2, 2), 16, np.uint8)).max()) == 1.0
    with pytest.raises(TypeError, match="already a Tensor"):
        T.ToTensor()(x)


def test_normalize_per_channel():
    x = sn.from_numpy(np.stack([np.full((2, 2), 0.5), np.full((2, 2), 1.0)]).astype(np.float32))
    y = T.Normalize([0.5, 0.0], [0.25, 2.0])(x)
    assert y.numpy()[:, 0, 0].tolist() == [0.0, 0.5]
    hwc = T.Normalize([1, 2, 3], [1, 1, 1])(np.ones((2, 2, 3), np.float32))
    assert hwc[0, 0].tolist() == [0, -1, -2]
    with pytest.raises(ValueError, match="zeros"):
        T.Normalize([0], [0])
    with pytest.raises(ValueError, match="channels"):
        T.Normalize([0, 0], [1, 1])(sn.zeros(3, 2, 2))


@pytest.mark.parametrize("image", [np.full((2, 2, 3), 255, np.uint8),
                                   np.full((2, 2), 7, np.int64),
                                   sn.tensor(np.full((1, 2, 2), 255, np.uint8))])
def test_normalize_refuses_integer_pixels_as_torchvision(image):
    # torchvision.transforms.functional.normalize raises TypeError "Input tensor should be
    # a float tensor" for a uint8 tensor. The old code normalized the raw bytes,
    # (255 - 0.5) / 0.5 = 509, with mean and std meant for [0, 1] pixels.
    with pytest.raises(TypeError, match="Normalize: expected a float image.*ToTensor"):
        T.Normalize([0.5], [0.5])(image)
    assert T.Normalize([0.5], [0.5])(T.ToTensor()(np.full((2, 2, 3), 255, np.uint8))
                                     ).numpy().max() == 1.0


@pytest.mark.parametrize("cls", [T.Normalize, T.BatchNormalize])
def test_normalize_refuses_a_non_finite_mean_or_std(cls):
    with pytest.raises(ValueError, match="finite"):
        cls([0.5], [float("nan")])
    with pytest.raises(ValueError, match="finite"):
        cls([float("inf")], [1.0])


# ------------------------------------------------------------------ plumbing and seeds
def test_compose_lambda_random_apply_and_repr():
    t = T.Compose([T.Lambda(lambda v: v + 1), T.RandomApply([T.Lambda(lambda v: v * 10)], p=1.0)])
    assert t(1) == 20
    assert "Lambda" in repr(t) and "RandomApply" in repr(t)
    with pytest.raises(TypeError, match="not callable"):
        T.Compose([3])
    with pytest.raises(ValueError, match="probability"):
        T.RandomHorizontalFlip(p=2)


def test_seeded_transforms_repeat_and_global_seed_too():
    img = ramp(8, 8, 3)

    def aug(seed):
        return T.Compose([T.RandomResizedCrop(6, seed=seed),
                          T.ColorJitter(0.4, 0.4, 0.4, 0.1, seed=seed),
                          T.RandomAffine(20, (0.1, 0.1), seed=seed)])

    a, b, c = aug(1), aug(1), aug(2)
    outs = [(a(img), b(img), c(img)) for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y, _ in outs)
    assert not all(np.array_equal(x, z) for x, _, z in outs)
    sn.manual_seed(4)
    first = [T.RandomRotation(30)(img) for _ in range(3)]
    sn.manual_seed(4)
    second = [T.RandomRotation(30)(img) for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(first, second))


def test_bad_inputs_name_the_transform():
    with pytest.raises(TypeError, match="RandomCrop: expected a PIL image"):
        T.RandomCrop(2)("not an image")
    with pytest.raises(ValueError, match="CenterCrop"):
        T.CenterCrop(2)(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="interpolation"):
        T.Resize(4, interpolation="bicubic")


def test_pad_and_random_crop_fill_one_value_per_channel_as_torchvision():
    # torchvision: Pad(1, fill=(10, 20)) on a 2-channel image fills channel 0 with 10 and
    # channel 1 with 20 all round. numpy.pad(constant_values=(10, 20)) read the pair as
    # (before, after): the old code filled the top/left with 10 and the bottom/right with
    # 20, in every channel; a 3-value fill raised a bare NumPy broadcasting error.
    img = np.zeros((2, 2, 2), np.uint8)
    out = T.Pad(1, fill=(10, 20))(img)
    border = np.ones((4, 4), bool)
    border[1:3, 1:3] = False
    assert (out[border] == [10, 20]).all() and (out[~border] == 0).all()
    rgb = T.RandomCrop(4, padding=1, fill=(255, 0, 9), seed=0)(np.zeros((2, 2, 3), np.uint8))
    assert rgb[0, 0].tolist() == [255, 0, 9] and rgb[3, 3].tolist() == [255, 0, 9]
    assert rgb[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="one per channel"):
        T.Pad(1, fill=(1, 2))(np.zeros((2, 2, 3), np.uint8))
