"""NaN, infinities and out-of-range settings are refused by every optimizer, schedule and
clipping function, with the argument's name (``value <= 0`` let NaN through before)."""
import math

import pytest

import scratchnet as sn
from scratchnet.optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm_, clip_grad_value_
from scratchnet.optim import lr_scheduler as S

NAN, INF = math.nan, math.inf


def _params():
    return [sn.nn.Parameter(sn.zeros(2))]


# (optimizer, argument, values PyTorch accepts at the edge, values to refuse)
OPTIMIZER_ARGS = [
    (SGD, "lr", [0.0], [-1e-3]),
    (SGD, "momentum", [0.0, 0.9], [-0.1]),
    (SGD, "weight_decay", [0.0], [-1e-4]),
    (SGD, "dampening", [0.0, 0.5], []),
    (Adam, "lr", [0.0], [-1e-3]),
    (Adam, "eps", [0.0], [-1e-8]),
    (Adam, "weight_decay", [0.0], [-1.0]),
    (AdamW, "lr", [0.0], [-1e-3]),
    (AdamW, "eps", [0.0], [-1e-8]),
    (AdamW, "weight_decay", [0.0], [-1.0]),
    (RMSprop, "lr", [0.0], [-1.0]),
    (RMSprop, "alpha", [0.0, 0.99], [-0.5]),
    (RMSprop, "eps", [0.0], [-1e-8]),
    (RMSprop, "weight_decay", [0.0], [-1.0]),
    (RMSprop, "momentum", [0.0], [-0.9]),
    (Adagrad, "lr", [0.0], [-1.0]),
    (Adagrad, "lr_decay", [0.0], [-1.0]),
    (Adagrad, "weight_decay", [0.0], [-1.0]),
    (Adagrad, "initial_accumulator_value", [0.0], [-1.0]),
    (Adagrad, "eps", [0.0], [-1e-10]),
]


@pytest.mark.parametrize("cls,name,good,bad", OPTIMIZER_ARGS,
                         ids=[f"{c.__name__}-{n}" for c, n, _, _ in OPTIMIZER_ARGS])
def test_optimizer_refuses_nonfinite_and_out_of_range(cls, name, good, bad):
    for value in good:
        cls(_params(), **{name: value})
    for value in [NAN, INF, -INF] + bad:
        with pytest.raises(ValueError, match=rf"{cls.__name__}.*{name} must be a finite number"):
            cls(_params(), **{name: value})


@pytest.mark.parametrize("cls,name,good,bad", OPTIMIZER_ARGS,
                         ids=[f"{c.__name__}-{n}" for c, n, _, _ in OPTIMIZER_ARGS])
def test_param_group_options_are_checked_too(cls, name, good, bad):
    opt = cls(_params())
    with pytest.raises(ValueError, match=rf"param group 1\): {name} must be a finite number"):
        opt.add_param_group({"params": _params(), name: NAN})
    assert len(opt.param_groups) == 1          # the bad group was not added
    with pytest.raises(ValueError, match=rf"param group 0\): {name}"):
        cls([{"params": _params(), name: INF}])


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("betas,which", [((NAN, 0.999), 0), ((0.9, NAN), 1),
                                         ((1.0, 0.999), 0), ((0.9, 1.0), 1),
                                         ((-0.1, 0.999), 0), ((0.9, INF), 1)])
def test_adam_betas_each_in_0_1(cls, betas, which):
    with pytest.raises(ValueError, match=rf"betas\[{which}\] must be a finite number >= 0.0 "
                                         r"and < 1.0"):
        cls(_params(), betas=betas)
    cls(_params(), betas=(0.0, 0.0))            # the closed end is allowed, as in PyTorch


def test_adam_betas_must_be_a_pair():
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(_params(), betas=(0.9,))
    with pytest.raises(TypeError, match=r"betas\[0\] must be a number"):
        Adam(_params(), betas=("0.9", 0.999))


def test_non_number_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match="SGD.*lr must be a number, got str"):
        SGD(_params(), lr="0.1")


def test_nan_lr_no_longer_trains_a_nan_model():
    # Before the fix, SGD(lr=nan) was accepted and one step made every weight NaN.
    w = sn.nn.Parameter(sn.ones(2))
    with pytest.raises(ValueError, match="lr must be a finite number >= 0.0, got nan"):
        SGD([w], lr=float("nan"))
    assert w.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------------ schedulers
def _opt():
    return SGD(_params(), lr=0.1)


SCHEDULER_CASES = [
    (lambda o, v: S.StepLR(o, step_size=2, gamma=v), "gamma", [NAN, INF, -0.5]),
    (lambda o, v: S.StepLR(o, step_size=v), "step_size", [0, -1]),
    (lambda o, v: S.MultiStepLR(o, [2, 4], gamma=v), "gamma", [NAN, INF, -1.0]),
    (lambda o, v: S.ExponentialLR(o, gamma=v), "gamma", [NAN, INF, -0.9]),
    (lambda o, v: S.ConstantLR(o, factor=v), "factor", [NAN, INF, 0.0, 1.5]),
    (lambda o, v: S.ConstantLR(o, total_iters=v), "total_iters", [-1]),
    (lambda o, v: S.LinearLR(o, start_factor=v), "start_factor", [NAN, 0.0, 1.5]),
    (lambda o, v: S.LinearLR(o, end_factor=v), "end_factor", [NAN, -0.1, 1.5]),
    (lambda o, v: S.LinearLR(o, total_iters=v), "total_iters", [0]),
    (lambda o, v: S.CosineAnnealingLR(o, T_max=v), "T_max", [0, -3]),
    (lambda o, v: S.CosineAnnealingLR(o, T_max=10, eta_min=v), "eta_min", [NAN, INF, -1e-3]),
    (lambda o, v: S.ReduceLROnPlateau(o, factor=v), "factor", [NAN, 1.0, 1.5, -0.1, 0.0]),
    (lambda o, v: S.ReduceLROnPlateau(o, patience=v), "patience", [-1]),
    (lambda o, v: S.ReduceLROnPlateau(o, threshold=v), "threshold", [NAN, INF, -1e-4]),
    (lambda o, v: S.ReduceLROnPlateau(o, cooldown=v), "cooldown", [-1]),
    (lambda o, v: S.ReduceLROnPlateau(o, min_lr=v), "min_lr", [NAN, -1.0]),
    (lambda o, v: S.ReduceLROnPlateau(o, min_lr=[v]), r"min_lr\[0\]", [NAN, INF]),
    (lambda o, v: S.ReduceLROnPlateau(o, eps=v), "eps", [NAN, -1.0]),
    (lambda o, v: S.StepLR(o, step_size=2, last_epoch=v), "last_epoch", [-2]),
]


@pytest.mark.parametrize("make,name,bad", SCHEDULER_CASES,
                         ids=[f"{i}-{c[1]}" for i, c in enumerate(SCHEDULER_CASES)])
def test_scheduler_refuses_bad_settings(make, name, bad):
    for value in bad:
        opt = _opt()
        with pytest.raises(ValueError, match=rf"{name} must be"):
            make(opt, value)
        assert opt.param_groups[0]["lr"] == 0.1     # nothing was changed on the way out


@pytest.mark.parametrize("make,name", [(lambda o: S.StepLR(o, step_size=1.5), "step_size"),
                                       (lambda o: S.ReduceLROnPlateau(o, patience=2.0),
                                        "patience"),
                                       (lambda o: S.MultiStepLR(o, [1.5]), "milestones")])
def test_scheduler_integer_settings_refuse_floats(make, name):
    with pytest.raises(TypeError, match=rf"{name} must be an integer"):
        make(_opt())


def test_a_schedule_never_hands_the_optimizer_a_nan_lr():
    opt = _opt()
    sched = S.LambdaLR(opt, lambda epoch: 1.0 if epoch < 2 else math.nan)
    sched.step()
    with pytest.raises(ValueError, match=r"LambdaLR \(epoch 2\): the lr of param group 0 "
                                         r"must be a finite number >= 0.0, got nan"):
        sched.step()
    assert opt.param_groups[0]["lr"] == 0.1          # the last good lr stays


def test_a_schedule_never_hands_the_optimizer_a_negative_lr():
    opt = _opt()
    with pytest.raises(ValueError, match="lr of param group 0 must be a finite number >= 0"):
        S.LambdaLR(opt, lambda epoch: -1.0)


# ------------------------------------------------------------------------ clipping
def _with_grad():
    w = sn.nn.Parameter(sn.zeros(2))
    w.grad = sn.tensor([3.0, 4.0])
    return w


@pytest.mark.parametrize("value", [NAN, INF, -1.0])
def test_clip_grad_norm_refuses_bad_max_norm(value):
    w = _with_grad()
    with pytest.raises(ValueError, match="clip_grad_norm_: max_norm must be a finite number"):
        clip_grad_norm_([w], max_norm=value)
    assert w.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("value", [NAN, -INF, 0.0, -2.0])
def test_clip_grad_norm_refuses_bad_norm_type(value):
    with pytest.raises(ValueError, match="clip_grad_norm_: norm_type must be"):
        clip_grad_norm_([_with_grad()], max_norm=1.0, norm_type=value)


def test_clip_grad_norm_still_takes_inf_norm():
    w = _with_grad()
    assert float(clip_grad_norm_([w], max_norm=100.0, norm_type=INF)) == 4.0
    assert float(clip_grad_norm_([w], max_norm=100.0, norm_type="inf")) == 4.0


@pytest.mark.parametrize("value", [NAN, INF, -1.0])
def test_clip_grad_value_refuses_bad_clip_value(value):
    # clip to [-nan, nan] made every gradient NaN before.
    w = _with_grad()
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be a finite"):
        clip_grad_value_([w], value)
    assert w.grad.tolist() == [3.0, 4.0]


# ------------------------------------------------------------------------ layers and losses
nn = sn.nn

LAYER_CASES = [
    (lambda v: nn.Dropout(p=v), "Dropout", "p", [NAN, INF, -0.1, 1.5]),
    (lambda v: nn.BatchNorm1d(3, eps=v), "BatchNorm1d", "eps", [NAN, INF, 0.0, -1e-5]),
    (lambda v: nn.BatchNorm2d(3, momentum=v), "BatchNorm2d", "momentum", [NAN, INF, -0.1, 1.5]),
    (lambda v: nn.BatchNorm2d(v), "BatchNorm2d", "num_features", [0, -2]),
    (lambda v: nn.LayerNorm(4, eps=v), "LayerNorm", "eps", [NAN, INF, 0.0]),
    (lambda v: nn.LayerNorm(v), "LayerNorm", "normalized_shape", [0, -1]),
    (lambda v: nn.Linear(v, 2), "Linear", "in_features", [-1]),
    (lambda v: nn.Conv2d(v, 2, 3), "Conv2d", "in_channels", [0, -1]),
    (lambda v: nn.Conv2d(1, 2, v), "Conv2d", "kernel_size", [0, -3]),
    (lambda v: nn.Conv2d(1, 2, 3, stride=v), "Conv2d", "stride", [0]),
    (lambda v: nn.Conv2d(1, 2, 3, padding=v), "Conv2d", "padding", [-1]),
    (lambda v: nn.Conv2d(1, 2, 3, dilation=v), "Conv2d", "dilation", [0]),
    (lambda v: nn.Conv2d(2, 2, 3, groups=v), "Conv2d", "groups", [0]),
    (lambda v: nn.ConvTranspose2d(1, 2, 3, stride=v), "ConvTranspose2d", "stride", [0]),
    (lambda v: nn.MaxPool2d(v), "MaxPool2d", "kernel_size", [0, -2]),
    (lambda v: nn.AvgPool2d(2, stride=v), "AvgPool2d", "stride", [0]),
    (lambda v: nn.AdaptiveAvgPool2d(v), "AdaptiveAvgPool2d", "output_size", [0]),
    (lambda v: nn.Embedding(v, 3), "Embedding", "num_embeddings", [0]),
    (lambda v: nn.Embedding(5, v), "Embedding", "embedding_dim", [0]),
    (lambda v: nn.LSTM(3, v), "LSTM", "hidden_size", [0]),
    (lambda v: nn.GRU(3, 4, num_layers=v), "GRU", "num_layers", [0]),
    (lambda v: nn.RNN(3, 4, num_layers=2, dropout=v), "RNN", "dropout", [NAN, INF, -0.1, 1.5]),
    (lambda v: nn.GRUCell(v, 4), "GRUCell", "input_size", [0]),
    (lambda v: nn.LeakyReLU(v), "LeakyReLU", "negative_slope", [NAN, INF]),
    (lambda v: nn.ELU(v), "ELU", "alpha", [NAN, -INF]),
    (lambda v: nn.Softplus(beta=v), "Softplus", "beta", [NAN, INF, 0.0]),
    (lambda v: nn.Upsample(scale_factor=v), "Upsample", "scale_factor", [0]),
    (lambda v: nn.CrossEntropyLoss(label_smoothing=v), "CrossEntropyLoss", "label_smoothing",
     [NAN, INF, -0.1, 1.5]),
    (lambda v: nn.HuberLoss(delta=v), "HuberLoss", "delta", [NAN, INF, 0.0, -1.0]),
    (lambda v: nn.SmoothL1Loss(beta=v), "SmoothL1Loss", "beta", [NAN, INF, -1.0]),
    (lambda v: nn.HingeLoss(margin=v), "HingeLoss", "margin", [NAN, INF]),
    (lambda v: nn.MultiMarginLoss(margin=v), "MultiMarginLoss", "margin", [NAN]),
    (lambda v: nn.TripletMarginLoss(margin=v), "TripletMarginLoss", "margin", [NAN, INF]),
    (lambda v: nn.TripletMarginLoss(p=v), "TripletMarginLoss", "p", [NAN, INF, 0.0]),
    (lambda v: nn.CosineEmbeddingLoss(margin=v), "CosineEmbeddingLoss", "margin",
     [NAN, 1.5, -2.0]),
]


@pytest.mark.parametrize("make,owner,name,bad", LAYER_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in LAYER_CASES])
def test_layer_constructors_refuse_nan_and_out_of_range(make, owner, name, bad):
    for value in bad:
        with pytest.raises(ValueError, match=rf"{owner}: {name}(\[\d\])? must be"):
            make(value)


@pytest.mark.parametrize("make,owner,name", [
    (lambda: nn.Linear(2.5, 3), "Linear", "in_features"),
    (lambda: nn.LSTM(3, 4.0), "LSTM", "hidden_size"),
    (lambda: nn.Conv2d(1, 2, 2.5), "Conv2d", "kernel_size"),
    (lambda: nn.Dropout("0.5"), "Dropout", "p"),
])
def test_layer_sizes_must_be_integers(make, owner, name):
    # Before, int(2.5) silently made a layer of 2 features.
    with pytest.raises(TypeError, match=rf"{owner}: {name} must be"):
        make()


def test_batchnorm_momentum_none_stays_allowed():
    bn = nn.BatchNorm1d(3, momentum=None)
    assert bn.momentum is None


def test_functional_losses_refuse_nan_settings_too():
    x = sn.randn(4, 3)
    y = sn.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must be a finite"):
        sn.nn.functional.cross_entropy(x, y, label_smoothing=NAN)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be a finite"):
        sn.nn.functional.smooth_l1_loss(x, x, beta=NAN)
    with pytest.raises(ValueError, match="huber_loss: delta must be a finite"):
        sn.nn.functional.huber_loss(x, x, delta=INF)
