"""Lesson 1's exercise checks: each one with a right, several wrong, and a missing answer."""

import math

import numpy as np
import pytest

from gan_lessons import exercises as ex
from gan_lessons.data import gaussian, mixture
from gan_lessons.exercises import lesson1
from gan_lessons.theory import generator_criterion, optimal_discriminator


@pytest.fixture(autouse=True)
def _fresh_results():
    ex.reset()
    yield
    ex.reset()


def stub(*args): ...


def raises(*args):
    raise RuntimeError("boom")


# ---------------------------------------------------------------- exercise 1: where D* crosses 1/2


def crossing(mu):
    return math.acosh(math.exp(mu**2 / 2)) / mu


def test_d_star_crossing_right():
    fb = lesson1.check_d_star_crossing(crossing)
    assert fb.status == "correct" and fb.exercise == "lesson1.d_star_crossing"
    assert "1.3443" in fb.message
    assert lesson1.check_d_star_crossing(lambda mu: np.arccosh(np.exp(mu**2 / 2)) / mu).status == "correct"

    # a careful numerical solve passes too: bisection on p_data - p_g to 1e-6
    def bisect(mu):
        bumps, middle = mixture((-mu, mu), (1.0, 1.0)), gaussian(0.0, 1.0)

        def f(x):
            return bumps.density(np.array([x]))[0] - middle.density(np.array([x]))[0]

        lo, hi = 0.0, 10.0
        while hi - lo > 1e-6:
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if f(mid) > 0 else (mid, hi)
        return (lo + hi) / 2

    assert lesson1.check_d_star_crossing(bisect).status == "correct"


def test_d_star_crossing_is_where_the_package_d_star_is_one_half():
    for mu in (0.5, 1.0, 2.0, 3.0):
        x = np.array([-crossing(mu), crossing(mu)])
        d = optimal_discriminator(mixture((-mu, mu), (1.0, 1.0)).density(x), gaussian(0.0, 1.0).density(x))
        np.testing.assert_allclose(d, 0.5, atol=1e-12)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda mu: mu / 2, "halfway"),
        (lambda mu: mu, "where the real bump peaks"),
        (lambda mu: mu / 2 + math.log(2) / mu, "dropped the bump at −μ"),
        (lambda mu: math.acosh(math.exp(mu**2 / 2)), "divide by μ"),
        (lambda mu: math.acosh(math.exp(mu**2 / 2) / 2) / mu, "weights ½"),
        (lambda mu: -crossing(mu), "positive one"),
        (lambda mu: 0.0, "positive one"),
        (lambda mu: 0.5, "further out"),
        (lambda mu: 4.0, "closer to 0"),
        (lambda mu: 1.3443, "For μ = 1"),  # hard-coded for μ = 2
        (lambda mu: math.acosh(math.exp(mu**2)) / mu, "D*(t) ="),  # the ½ of the exponent forgotten
        (lambda mu: "t", "one number"),
        (raises, "RuntimeError: boom"),
    ],
)
def test_d_star_crossing_wrong(answer, hint):
    fb = lesson1.check_d_star_crossing(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def test_d_star_crossing_missing():
    assert lesson1.check_d_star_crossing(stub).status == "missing"
    assert lesson1.check_d_star_crossing(...).status == "missing"


# ---------------------------------------------------------------- exercise 2: JSD <= log 2


def boxes(x, a=(-3, -1), b=(1, 3)):
    dx = x[1] - x[0]
    p = ((x > a[0]) & (x < a[1])).astype(float)
    q = ((x > b[0]) & (x < b[1])).astype(float)
    return p / (p.sum() * dx), q / (q.sum() * dx)


def test_disjoint_right():
    fb = lesson1.check_disjoint_densities(boxes)
    assert fb.status == "correct" and "log 2" in fb.message


def _unnormalised(x):
    p, q = boxes(x)
    return 2 * p, q


def _fixed_grid(x):  # built on its own grid, not the one given: fails on the check's second grid
    return boxes(np.linspace(-5.0, 5.0, 1001))


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda x: boxes(x, b=(-2, 0)), "overlap on"),
        (lambda x: (gaussian(-2, 0.5).density(x), gaussian(2, 0.5).density(x)), "overlap on"),
        (_unnormalised, "integrates to 2"),
        (_fixed_grid, "one value per grid point"),
        (lambda x: boxes(x)[0], "pair (p, q)"),
        (lambda x: (-boxes(x)[0], boxes(x)[1]), "never negative"),
    ],
)
def test_disjoint_wrong(answer, hint):
    fb = lesson1.check_disjoint_densities(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def test_disjoint_missing():
    assert lesson1.check_disjoint_densities(stub).status == "missing"


# ---------------------------------------------------------------- exercise 3: the best Gaussian


def _scan(target, means, stds, x, pick=min):
    dx = x[1] - x[0]
    p = target.density(x)
    return pick(
        (generator_criterion(p, gaussian(float(m), float(s)).density(x), dx), m, s) for m in means for s in stds
    )


def test_best_gaussian_right():
    fb = lesson1.check_best_gaussian(lambda t, m, s, x: _scan(t, m, s, x)[1:])
    assert fb.status == "correct" and "N(0, 2.05²)" in fb.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda t, m, s, x: _scan(t, m, s, x, pick=max)[1:], "*largest* C(G)"),
        (lambda t, m, s, x: (float(t.mean[0]), s[0]), "reaches"),  # right mean, too narrow
        (lambda t, m, s, x: (0.1234, s[0]), "not among the candidates"),
        (lambda t, m, s, x: 0.0, "pair (mean, std)"),
    ],
)
def test_best_gaussian_wrong(answer, hint):
    fb = lesson1.check_best_gaussian(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def test_best_gaussian_missing():
    assert lesson1.check_best_gaussian(stub).status == "missing"


# ---------------------------------------------------------------- exercise 4: Monte Carlo


def test_estimate_v_right():
    fb = lesson1.check_estimate_v(lambda D, xr, xf: np.mean(np.log(D(xr))) + np.mean(np.log(1 - D(xf))))
    assert fb.status == "correct" and fb.exercise == "lesson1.estimate_v"


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda D, xr, xf: np.mean(np.log(D(xr))) + np.mean(np.log(D(xf))), "log(1 − D(G(z)))"),
        (lambda D, xr, xf: np.mean(D(xr)) + np.mean(1 - D(xf)), "take their logs"),
        (lambda D, xr, xf: np.sum(np.log(D(xr))) + np.sum(np.log(1 - D(xf))), "*mean*"),
        (lambda D, xr, xf: np.mean(np.log(np.concatenate([D(xr), 1 - D(xf)]))), "separately"),
        (lambda D, xr, xf: -np.mean(np.log(D(xr))) - np.mean(np.log(1 - D(xf))), "wrong sign"),
        (lambda D, xr, xf: np.mean(np.log(D(xr))), "should be"),
        (lambda D, xr, xf: (np.mean(np.log(D(xr))), 0.1), "got a pair"),
        (lambda D, xr, xf: np.log(D(xr)), "one number"),
    ],
)
def test_estimate_v_wrong(answer, hint):
    fb = lesson1.check_estimate_v(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


def test_estimate_v_missing():
    assert lesson1.check_estimate_v(stub).status == "missing"


def test_all_four_recorded_under_lesson1():
    lesson1.check_d_star_crossing(crossing)
    lesson1.check_disjoint_densities(boxes)
    lesson1.check_best_gaussian(lambda t, m, s, x: _scan(t, m, s, x)[1:])
    lesson1.check_estimate_v(stub)
    with pytest.raises(AssertionError, match="estimate_v"):
        ex.assert_all_correct("lesson1", expected=4)
    lesson1.check_estimate_v(lambda D, xr, xf: np.mean(np.log(D(xr))) + np.mean(np.log1p(-D(xf))))
    assert ex.assert_all_correct("lesson1", expected=4) == 4
