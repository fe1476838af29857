import math

import numpy as np
import pytest
import torch

from gan_lessons.data import gaussian, mixture
from gan_lessons.theory import LOG4, js_divergence, kl_divergence, optimal_discriminator, value_function

X = np.linspace(-20, 20, 8001)  # wide enough that every test density has all its mass
DX = X[1] - X[0]


def normal(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def test_optimal_discriminator_closed_form():
    p, q = normal(X, 0, 1), normal(X, 1, 2)
    d = optimal_discriminator(p, q)
    np.testing.assert_allclose(d, p / (p + q))
    assert optimal_discriminator(np.array([0.0]), np.array([0.0]))[0] == 0.5
    assert optimal_discriminator(np.array([1.0, 0.0]), np.array([0.0, 2.0])).tolist() == [1.0, 0.0]


def test_optimal_discriminator_maximises_value_pointwise():
    p, q = normal(X, 0, 1), normal(X, 2, 1)
    dstar = optimal_discriminator(p, q)
    best = value_function(dstar, p, q, DX)
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = np.clip(dstar + rng.normal(0, 0.05, size=X.shape), 1e-6, 1 - 1e-6)
        assert value_function(d, p, q, DX) < best


def test_value_at_optimum_is_minus_log4_plus_2jsd():
    for m, s in [(0, 1), (1, 1), (3, 0.5), (-2, 2)]:
        p, q = normal(X, 0, 1), normal(X, m, s)
        v = value_function(optimal_discriminator(p, q), p, q, DX)
        assert v == pytest.approx(-LOG4 + 2 * js_divergence(p, q, DX), abs=1e-9)


def test_global_minimum_at_pg_equal_pdata():
    p = normal(X, 4, 1.25)
    d = optimal_discriminator(p, p)
    np.testing.assert_allclose(d, 0.5)
    assert value_function(d, p, p, DX) == pytest.approx(-math.log(4), abs=1e-6)
    assert js_divergence(p, p, DX) == pytest.approx(0.0, abs=1e-12)


def test_jsd_bounds_and_symmetry():
    p = normal(X, 0, 1)
    for m in [0.1, 1, 3, 8]:
        q = normal(X, m, 1)
        js = js_divergence(p, q, DX)
        assert 0 < js <= math.log(2) + 1e-9
        assert js == pytest.approx(js_divergence(q, p, DX), abs=1e-12)
    # disjoint supports: exactly log 2, finite
    a = np.where(X < 0, 1.0, 0.0)
    b = np.where(X >= 0, 1.0, 0.0)
    a, b = a / (a.sum() * DX), b / (b.sum() * DX)
    assert js_divergence(a, b, DX) == pytest.approx(math.log(2), abs=1e-9)


def test_kl_of_two_gaussians_matches_closed_form():
    p, q = normal(X, 0, 1), normal(X, 1, 2)
    exact = math.log(2 / 1) + (1 + 1) / (2 * 4) - 0.5
    assert kl_divergence(p, q, DX) == pytest.approx(exact, abs=1e-6)
    assert kl_divergence(np.array([1.0]), np.array([0.0]), 1.0) == math.inf


def test_value_is_safe_where_density_zero_and_d_is_0_or_1():
    p = np.array([0.5, 0.5, 0.0, 0.0])
    q = np.array([0.0, 0.0, 0.5, 0.5])
    d = np.array([1.0, 1.0, 0.0, 0.0])  # the perfect discriminator
    assert value_function(d, p, q, 1.0) == pytest.approx(0.0, abs=1e-12)
    # certain and wrong on half of the real mass: finite, about 0.5 * log(eps)
    v = value_function(np.array([0.0, 1, 0, 0]), p, q, 1.0)
    assert v == pytest.approx(0.5 * math.log(np.finfo(float).eps), rel=1e-6)


def test_torch_inputs_give_torch_outputs():
    p, q = torch.tensor(normal(X, 0, 1)), torch.tensor(normal(X, 1, 1))
    d = optimal_discriminator(p, q)
    assert isinstance(d, torch.Tensor)
    v = value_function(d, p, q, DX)
    assert isinstance(v, torch.Tensor)
    assert float(v) == pytest.approx(value_function(d.numpy(), p.numpy(), q.numpy(), DX))
    assert isinstance(js_divergence(p, q, DX), torch.Tensor)


def test_with_package_densities():
    p, q = gaussian(4, 1.25).density(X), mixture().density(X)
    assert p.sum() * DX == pytest.approx(1, abs=1e-6)
    assert 0 < js_divergence(p, q, DX) < math.log(2)


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: optimal_discriminator(np.ones(3), np.ones(4)), ValueError, "shape"),
        (lambda: optimal_discriminator(np.array([-1.0]), np.array([1.0])), ValueError, "p_data"),
        (lambda: optimal_discriminator("a", np.ones(1)), TypeError, "p_data"),
        (lambda: js_divergence(np.ones(3), np.ones(3), 0), ValueError, "dx"),
        (lambda: js_divergence(np.ones(3), np.ones(3), "1"), TypeError, "dx"),
        (lambda: js_divergence(np.ones(3), np.array([1, np.nan, 1]), 1.0), ValueError, "q"),
        (lambda: value_function(np.full(3, 1.5), np.ones(3), np.ones(3), 1.0), ValueError, "d must"),
        (lambda: js_divergence(np.array([]), np.array([]), 0.1), ValueError, "p is empty"),  # was 0.0
        (lambda: kl_divergence([], [], 0.1), ValueError, "p is empty"),  # was 0.0
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
