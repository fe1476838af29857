"""Lesson 3's exercise checks: right, wrong and missing answers."""

import math

import numpy as np
import pytest

from gan_lessons.exercises import lesson3, reset, results


@pytest.fixture(autouse=True)
def _fresh():
    reset()
    yield
    reset()


def stub(*args): ...


def test_simultaneous_step():
    assert lesson3.check_simultaneous_step(lambda x, y, lr: (x - lr * y, y + lr * x)).status == "correct"
    assert lesson3.check_simultaneous_step(stub).status == "missing"

    def alternating(x, y, lr):
        nx = x - lr * y
        return nx, y + lr * nx

    fb = lesson3.check_simultaneous_step(alternating)
    assert fb.status == "wrong" and "alternating" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: (x + lr * y, y - lr * x))
    assert fb.status == "wrong" and "Signs" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: (x - lr * x, y + lr * y))
    assert fb.status == "wrong" and "∂(xy)/∂x is y" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: x - lr * y)
    assert fb.status == "wrong" and "pair" in fb.message
    assert lesson3.check_simultaneous_step(lambda x, y, lr: (0.0, 0.0)).status == "wrong"


def test_extragradient_step():
    def right(x, y, lr):
        hx, hy = x - lr * y, y + lr * x
        return x - lr * hy, y + lr * hx

    assert lesson3.check_extragradient_step(right).status == "correct"
    assert lesson3.check_extragradient_step(stub).status == "missing"
    fb = lesson3.check_extragradient_step(lambda x, y, lr: (x - lr * y, y + lr * x))
    assert fb.status == "wrong" and "look-ahead" in fb.message

    def from_ahead(x, y, lr):
        hx, hy = x - lr * y, y + lr * x
        return hx - lr * hy, hy + lr * hx

    fb = lesson3.check_extragradient_step(from_ahead)
    assert fb.status == "wrong" and "starts again from (x, y)" in fb.message

    def raises(x, y, lr):
        raise ZeroDivisionError("boom")

    fb = lesson3.check_extragradient_step(raises)
    assert fb.status == "wrong" and "ZeroDivisionError" in fb.message


def right_gradients(d):
    return -d, -(1 - d)


def test_logit_gradients_right_and_missing():
    fb = lesson3.check_logit_gradients(right_gradients, (0.0, -1.0))
    assert fb.status == "correct" and "no signal" in fb.message
    assert lesson3.check_logit_gradients(right_gradients, [0, -1]).status == "correct"
    assert lesson3.check_logit_gradients(stub, (0.0, -1.0)).status == "missing"
    assert lesson3.check_logit_gradients(right_gradients, ...).status == "missing"
    assert lesson3.check_logit_gradients(right_gradients, (..., ...)).status == "missing"


def test_logit_gradients_formula_is_the_autograd_one():
    from gan_lessons.dynamics import generator_loss_gradient

    d = np.array([1e-6, 0.2, 0.7])
    for loss, want in zip(("saturating", "nonsaturating"), right_gradients(d), strict=True):
        np.testing.assert_allclose(generator_loss_gradient(d, loss), want, atol=1e-12)


@pytest.mark.parametrize(
    ("gradients", "hint"),
    [
        (lambda d: (-(1 - d), -d), "swapped"),
        (lambda d: (d, 1 - d), "sign"),
        (lambda d: (-1 / (1 - d), -1 / d), "with respect to D"),
        (lambda d: (-d * (1 - d), -(1 - d)), "with respect to ℓ"),
        (lambda d: (-d[:2], -(1 - d)), "shape"),
        (lambda d: -d, "pair of arrays"),
    ],
)
def test_logit_gradients_wrong_function(gradients, hint):
    fb = lesson3.check_logit_gradients(gradients, (0.0, -1.0))
    assert fb.status == "wrong" and hint in fb.message, fb.message


@pytest.mark.parametrize(
    ("limits", "hint"),
    [
        ((-1.0, 0.0), "swapped"),
        ((-1.0, -math.inf), "with respect to D"),
        ((0.0, 1.0), "wrong sign"),
        ((0.0, 0.0), "does not vanish"),
        ((-0.5, -1.0), "saturating limit is off"),
        (0.0, "pair of numbers"),
        ((0.0, -1.0, 0.0), "got 3 numbers"),
    ],
)
def test_logit_gradients_wrong_limits(limits, hint):
    fb = lesson3.check_logit_gradients(right_gradients, limits)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def tv_right(m, n_modes):
    return 1 - ((n_modes - 1) / n_modes) ** m


def test_tv_packed_right_and_missing():
    fb = lesson3.check_tv_packed(tv_right)
    assert fb.status == "correct" and "(B/m, m·dim)" in fb.message
    assert lesson3.check_tv_packed(lambda m, n_modes=8: 1 - (1 - 1 / n_modes) ** m).status == "correct"
    assert lesson3.check_tv_packed(stub).status == "missing"


def test_tv_packed_formula_is_the_enumeration():
    for n in (2, 4, 8):
        for m in range(1, 6):
            assert lesson3._tv_packed_enumerated(m, n) == pytest.approx(tv_right(m, n), abs=1e-12)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda m, n: 1 / n, "Packing changes nothing"),
        (lambda m, n: m / n, "union bound"),
        (lambda m, n: (1 / n) ** m, "*all* m samples"),
        (lambda m, n: ((n - 1) / n) ** m, "TV = 1 − overlap"),
        (lambda m, n: 2 * tv_right(m, n), "forgot the ½"),
        (lambda m, n: 1 - (1 / n) ** m, "as soon as *one* sample"),
        (lambda m, n: 1 - (7 / 8) ** m, "use n_modes"),
        (lambda m, n: 0.5, "summing over all"),
        (lambda m: 0.5, "TypeError"),
    ],
)
def test_tv_packed_wrong(answer, hint):
    fb = lesson3.check_tv_packed(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def test_modes_covered():
    def right(samples, centers, sigma):
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2)
        nearest = dist.argmin(1)
        hq = dist[np.arange(len(samples)), nearest] <= 3 * sigma
        return len(np.unique(nearest[hq])), hq.mean()

    assert lesson3.check_modes_covered(right).status == "correct"
    assert lesson3.check_modes_covered(stub).status == "missing"

    def all_nearest(samples, centers, sigma):  # counts every mode that is someone's nearest, HQ or not
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2)
        nearest = dist.argmin(1)
        hq = dist[np.arange(len(samples)), nearest] <= 3 * sigma
        return len(np.unique(nearest)), hq.mean()

    fb = lesson3.check_modes_covered(all_nearest)
    assert fb.status == "wrong" and "modes are covered" in fb.message

    def one_sigma(samples, centers, sigma):
        m, _ = right(samples, centers, sigma)
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2).min(1)
        return m, (dist <= sigma).mean()

    fb = lesson3.check_modes_covered(one_sigma)
    assert fb.status == "wrong" and "3σ" in fb.message
    fb = lesson3.check_modes_covered(lambda s, c, sg: (8, 150.0))
    assert fb.status == "wrong" and "between 0 and 1" in fb.message


def test_results_are_recorded():
    lesson3.check_tv_packed(tv_right)
    lesson3.check_simultaneous_step(stub)
    got = results("lesson3")
    assert got["lesson3.tv_packed"].status == "correct" and got["lesson3.simultaneous_step"].status == "missing"
