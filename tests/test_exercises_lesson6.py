"""Lesson 6's exercise checks: right answers pass, each common mistake gets its own hint, stubs are 'missing'."""

import numpy as np
import pytest
import torch

from gan_lessons import exercises as ex
from gan_lessons.exercises import lesson6


@pytest.fixture(autouse=True)
def _fresh():
    ex.reset()
    yield
    ex.reset()


def _verdict(fb, words):
    assert fb.status == ("correct" if words is None else "wrong"), fb
    assert words is None or words in fb.message, fb


# ------------------------------------------------------------------ label planes


def _planes(x, y, table):
    return table[y][:, :, None, None].expand(-1, -1, *x.shape[-2:])


def label_planes(x, y, table):
    return torch.cat([x, _planes(x, y, table)], dim=1)


def _one_hot(x, y, table):
    k = len(table)
    return torch.cat([x, torch.eye(k)[y][:, :, None, None].expand(-1, -1, *x.shape[-2:])], dim=1)


def _smeared(x, y, table):
    (B, _, H, W), e = x.shape, table.shape[1]
    return torch.cat([x, table[y].repeat(1, H * W).view(B, e, H, W)], dim=1)


@pytest.mark.parametrize(
    "answer, words",
    [
        (label_planes, None),
        (lambda x, y, t: torch.cat([_planes(x, y, t), x], dim=1), "image channels must come first"),
        (lambda x, y, t: _planes(x, y, t), "only the"),
        (_one_hot, "one-hot"),
        (lambda x, y, t: torch.cat([x, t[:, y][:, :, None, None].expand(-1, -1, 4, 4)], 1), "table[:, y]"),
        (lambda x, y, t: torch.cat([x, _planes(x, (y + 1) % len(t), t)], dim=1), "row"),
        (_smeared, "vary over the image"),
        (lambda x, y, t: torch.cat([x, _planes(x, y, t)], dim=1).transpose(1, 3), "dim=1"),
        (lambda x, y, t: torch.cat([2 * x, _planes(x, y, t)], dim=1), "unchanged"),
        (lambda x, y, t: label_planes(x, y, t).numpy(), "torch tensor"),
        (lambda x, y, t: torch.cat([x, 2 * _planes(x, y, t)], dim=1), "table[y[0]]"),
    ],
)
def test_label_planes(answer, words):
    fb = lesson6.check_label_planes(answer)
    _verdict(fb, words)
    assert fb.exercise == "lesson6.label_planes"


def test_label_planes_missing():
    assert lesson6.check_label_planes(lambda *a: ...).status == "missing"


# ------------------------------------------------------------------ projection logit


def projection_logit(phi, w, b, table, y):
    return phi @ w + b + (table[y] * phi).sum(1)


@pytest.mark.parametrize(
    "answer, words",
    [
        (projection_logit, None),
        (lambda phi, w, b, t, y: (t[y] * phi).sum(1), "unconditional term"),
        (lambda phi, w, b, t, y: phi @ w + (t[y] * phi).sum(1), "bias"),
        (lambda phi, w, b, t, y: phi @ w + b, "ignores the class"),
        (lambda phi, w, b, t, y: phi @ t.T, "every class"),
        (lambda phi, w, b, t, y: (phi @ w + b)[:, None] + phi @ t.T, "every class"),
        (lambda phi, w, b, t, y: phi @ w + b + phi @ t.T, "one score per class"),
        (lambda phi, w, b, t, y: phi @ w + b + t[y] @ phi.T, "diagonal"),
        (lambda phi, w, b, t, y: phi @ w + b - (t[y] * phi).sum(1), "sign"),
        (lambda phi, w, b, t, y: -projection_logit(phi, w, b, t, y), "sign"),
        (lambda phi, w, b, t, y: projection_logit(phi, w, b, t, y)[:, None], "(B, 1)"),
        (lambda phi, w, b, t, y: 2 * projection_logit(phi, w, b, t, y), "first sample"),
    ],
)
def test_projection_logit(answer, words):
    _verdict(lesson6.check_projection_logit(answer), words)


def test_projection_logit_matches_the_discriminator():
    from gan_lessons.models.conditional import ConditionalDCGANDiscriminator

    D = ConditionalDCGANDiscriminator(n_classes=10, image_size=16, width=8, conditioning="projection").eval()
    x, y = torch.randn(3, 1, 16, 16), torch.tensor([1, 7, 7])
    head = D.body.head
    with torch.no_grad():
        phi = D.features(x)
        logit = projection_logit(phi, head.weight.reshape(-1), head.bias[0], D.embed.weight, y)
        assert torch.allclose(logit, D(x, y), atol=1e-5)


def test_projection_logit_missing():
    assert lesson6.check_projection_logit(lambda *a: ...).status == "missing"


# ------------------------------------------------------------------ accuracy per class


def accuracy_per_class(predicted, asked, k):
    return np.array([(predicted[asked == c] == c).mean() if (asked == c).any() else np.nan for c in range(k)])


def _precision(predicted, asked, k):
    return np.array([(asked[predicted == c] == c).mean() if (predicted == c).any() else np.nan for c in range(k)])


@pytest.mark.parametrize(
    "answer, words",
    [
        (accuracy_per_class, None),
        (_precision, "of those read as 7"),
        (lambda p, a, k: np.nan_to_num(_precision(p, a, k)), "read* as c"),
        (lambda p, a, k: (p == a).mean(), "overall accuracy"),
        (lambda p, a, k: np.full(k, (p == a).mean()), "overall accuracy"),
        (lambda p, a, k: np.array([((p == c) & (a == c)).sum() for c in range(k)]), "counts"),
        (lambda p, a, k: np.nan_to_num(accuracy_per_class(p, a, k)), "never asked"),
        (lambda p, a, k: accuracy_per_class(p, a, k)[:-1], "shape"),
        (lambda p, a, k: 1 - accuracy_per_class(p, a, k), "how many were read as"),
    ],
)
def test_accuracy_per_class(answer, words):
    _verdict(lesson6.check_accuracy_per_class(answer), words)


def test_accuracy_per_class_agrees_with_the_package():
    from gan_lessons.exercises.lesson6 import _accuracy_cases

    for read, asked, k in _accuracy_cases():
        assert len(read) == len(asked) and read.max() < k and asked.max() < k
        acc, prec = accuracy_per_class(read, asked, k), _precision(read, asked, k)
        assert not np.allclose(acc, prec, equal_nan=True)  # every case tells recall from precision
    assert np.isnan(accuracy_per_class(read, asked, k)).any()  # the last case has a class never asked for


def test_accuracy_per_class_missing():
    assert lesson6.check_accuracy_per_class(lambda *a: ...).status == "missing"


# ------------------------------------------------------------------ style direction


def style_direction(z, m):
    w = torch.linalg.lstsq(z - z.mean(0), (m - m.mean())[:, None]).solution[:, 0]
    return w / w.norm()


def _fit(z, m):
    return torch.linalg.lstsq(z, m[:, None]).solution[:, 0]


@pytest.mark.parametrize(
    "answer, words",
    [
        (style_direction, None),
        (lambda z, m: 3 * style_direction(z, m), "divide w by its norm"),
        (lambda z, m: -style_direction(z, m), "wrong way"),
        (lambda z, m: _fit(z, m) / _fit(z, m).norm(), "Centre first"),
        (lambda z, m: _fit(z, m - m.mean()) / _fit(z, m - m.mean()).norm(), "Centre first"),
        (lambda z, m: (z - z.mean(0)).T @ (m - m.mean()), "correlated"),
        (lambda z, m: z.T @ m / (z.T @ m).norm(), "correlated"),
        (lambda z, m: style_direction(z, m)[:, None], ".solution[:, 0]"),
        (lambda z, m: style_direction(z, m)[:2], "one number per latent dimension"),
        (lambda z, m: torch.ones(z.shape[1]) / 2, "cosine"),
        (lambda z, m: style_direction(z, m).tolist(), "torch tensor"),
    ],
)
def test_style_direction(answer, words):
    _verdict(lesson6.check_style_direction(answer), words)


def test_style_direction_missing():
    assert lesson6.check_style_direction(lambda *a: ...).status == "missing"
