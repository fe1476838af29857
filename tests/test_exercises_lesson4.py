"""Lesson 4's exercise checks: right, wrong and missing answers each get the right verdict."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from gan_lessons import exercises as ex
from gan_lessons.exercises import lesson4


@pytest.fixture(autouse=True)
def _fresh():
    ex.reset()
    yield
    ex.reset()


def _stub(*args): ...


# ------------------------------------------------------------------ transposed-convolution settings


@pytest.mark.parametrize(
    ("doubling", "first"), [((4, 2, 1), (4, 1, 0)), ((2, 2, 0), (4, 2, 0)), ((6, 2, 2), (6, 1, 1))]
)
def test_convt_settings_every_valid_answer(doubling, first):
    fb = lesson4.check_convt_settings(doubling, first)
    assert fb.status == "correct" and fb.exercise == "lesson4.convt_settings"
    assert ("DCGAN" in fb.message) == (doubling != (4, 2, 1))  # told the DCGAN choice when it made another


def test_convt_settings_formula_matches_torch():
    for k, s, p in [(4, 2, 1), (2, 2, 0), (6, 2, 2)]:
        for h in (1, 3, 8, 32):
            assert nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, h, h)).shape[-1] == 2 * h
    assert nn.ConvTranspose2d(1, 1, 4, 1, 0)(torch.zeros(1, 1, 1, 1)).shape[-1] == 4


def test_convt_settings_missing():
    assert lesson4.check_convt_settings(..., (4, 1, 0)).status == "missing"
    assert lesson4.check_convt_settings((4, 2, 1), ...).status == "missing"
    assert lesson4.check_convt_settings(None, None).status == "missing"


@pytest.mark.parametrize(
    ("doubling", "first", "hint"),
    [
        ((3, 2, 1), (4, 1, 0), "2h − 1"),
        ((3, 2, 1), (4, 1, 0), "even kernel"),
        ((4, 2, 0), (4, 1, 0), "2h + 2"),
        ((4, 1, 0), (4, 1, 0), "With stride 1"),
        ((3, 1, 1), (4, 1, 0), "With stride 1"),
        ((4, 3, 1), (4, 1, 0), "stride 3 multiplies"),
        ((1, 1, 1), (4, 1, 0), "no output"),
        ((4, 2, 1), (4, 2, 1), "your doubling layer"),
        ((4, 2, 1), (3, 1, 0), "makes 3 x 3"),
        ((4, 2, 1), (4, 1, 3), "removes everything"),
        ((4, 2), (4, 1, 0), "three whole numbers"),
        ((4.5, 2, 1), (4, 1, 0), "three whole numbers"),
        ((0, 2, 1), (4, 1, 0), "at least 1"),
    ],
)
def test_convt_settings_wrong(doubling, first, hint):
    fb = lesson4.check_convt_settings(doubling, first)
    assert fb.status == "wrong" and hint in fb.message, fb.message


# ------------------------------------------------------------------ generator


class _View(nn.Module):
    def forward(self, z):
        return z.view(z.shape[0], -1, 1, 1)


def good_generator(z_dim):
    return nn.Sequential(
        _View(),
        nn.ConvTranspose2d(z_dim, 64, 4, 1, 0, bias=False),  # (B, 64, 4, 4)
        nn.BatchNorm2d(64),
        nn.ReLU(True),
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False),  # (B, 32, 8, 8)
        nn.BatchNorm2d(32),
        nn.ReLU(True),
        nn.ConvTranspose2d(32, 1, 4, 2, 1),  # (B, 1, 16, 16)
        nn.Tanh(),
    )


def test_generator_right_including_the_package_one():
    from gan_lessons.models import DCGANGenerator

    assert lesson4.check_generator(good_generator).status == "correct"
    assert lesson4.check_generator(lambda z_dim: DCGANGenerator(z_dim, 16, 1, 16)).status == "correct"


def test_generator_missing():
    assert lesson4.check_generator(_stub).status == "missing"


def test_generator_wrong_size():
    def too_small(z_dim):
        g = good_generator(z_dim)
        return nn.Sequential(*list(g)[:4], nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())  # 8x8

    fb = lesson4.check_generator(too_small)
    assert fb.status == "wrong" and "(8, 1, 16, 16)" in fb.message


def test_generator_without_tanh_or_with_linear_or_fixed_nz():
    fb = lesson4.check_generator(lambda z_dim: nn.Sequential(*list(good_generator(z_dim))[:-1], nn.Sigmoid()))
    assert fb.status == "wrong" and "Tanh" in fb.message

    def with_linear(z_dim):
        g = good_generator(z_dim)
        return nn.Sequential(nn.Linear(z_dim, z_dim), *g)

    fb = lesson4.check_generator(with_linear)
    assert fb.status == "wrong" and "fully connected" in fb.message

    fb = lesson4.check_generator(lambda z_dim: good_generator(32))  # ignores z_dim: fails for z_dim = 7
    assert fb.status == "wrong" and "z_dim=7" in fb.message

    def no_bn(z_dim):
        return nn.Sequential(*[m for m in good_generator(z_dim) if not isinstance(m, nn.BatchNorm2d)])

    fb = lesson4.check_generator(no_bn)
    assert fb.status == "wrong" and "batch norm" in fb.message

    fb = lesson4.check_generator(lambda z_dim: "a generator")
    assert fb.status == "wrong" and "nn.Module" in fb.message


# ------------------------------------------------------------------ frechet distance


def frechet_right(mu1, s1, mu2, s2):
    from scipy import linalg

    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real))


def test_frechet_right():
    pytest.importorskip("scipy")
    assert lesson4.check_frechet_distance(frechet_right).status == "correct"
    assert lesson4.check_frechet_distance(lambda *a: torch.tensor(frechet_right(*a))).status == "correct"


def test_frechet_missing_and_wrong():
    pytest.importorskip("scipy")
    assert lesson4.check_frechet_distance(_stub).status == "missing"
    fb = lesson4.check_frechet_distance(lambda m1, s1, m2, s2: frechet_right(m1, s1, m1, s2))
    assert fb.status == "wrong" and "mean term" in fb.message
    fb = lesson4.check_frechet_distance(lambda *a: math.sqrt(frechet_right(*a)))
    assert fb.status == "wrong" and "square root" in fb.message
    fb = lesson4.check_frechet_distance(
        lambda m1, s1, m2, s2: ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.sqrt(s1 @ s2 + 0j).real)
    )
    assert fb.status == "wrong" and "*matrix* square root" in fb.message
    fb = lesson4.check_frechet_distance(lambda m1, s1, m2, s2: ((m1 - m2) ** 2).sum() + np.trace(s1 + s2))
    assert fb.status == "wrong" and "trace term" in fb.message


# ------------------------------------------------------------------ slerp


def slerp_right(z0, z1, t):
    omega = torch.arccos(torch.dot(z0, z1) / (z0.norm() * z1.norm()))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def test_slerp():
    assert lesson4.check_slerp(slerp_right).status == "correct"
    assert lesson4.check_slerp(lambda *a: slerp_right(*a).numpy()).status == "correct"
    assert lesson4.check_slerp(_stub).status == "missing"
    fb = lesson4.check_slerp(lambda z0, z1, t: (1 - t) * z0 + t * z1)
    assert fb.status == "wrong" and "straight line" in fb.message
    fb = lesson4.check_slerp(lambda z0, z1, t: slerp_right(z0 / z0.norm(), z1 / z1.norm(), t))  # unit vectors only
    assert fb.status == "wrong" and "should start" in fb.message
    fb = lesson4.check_slerp(lambda z0, z1, t: slerp_right(z0, z1, t)[:1])
    assert fb.status == "wrong" and "shape" in fb.message


def test_all_four_recorded():
    lesson4.check_convt_settings((4, 2, 1), (4, 1, 0))
    lesson4.check_generator(good_generator)
    lesson4.check_slerp(slerp_right)
    with pytest.raises(AssertionError, match="expected 4"):
        ex.assert_all_correct("lesson4", expected=4)
    lesson4.check_frechet_distance(lambda *a: __import__("gan_lessons.metrics").metrics.frechet_distance(*a))
    assert ex.assert_all_correct("lesson4", expected=4) == 4
