import math

import numpy as np
import pytest
import torch

from gan_lessons.data import gaussian, grid25, mixture, ring8, toy_target
from gan_lessons.metrics import kde_1d, ks_distance, mode_coverage


def test_gaussian_samples_and_density():
    t = gaussian()
    x = t.sample(50_000, torch.Generator().manual_seed(0))
    assert x.shape == (50_000, 1) and x.dtype == torch.float32
    assert x.mean().item() == pytest.approx(4.0, abs=0.03)
    assert x.std().item() == pytest.approx(1.25, abs=0.03)
    assert t.density(np.array([4.0]))[0] == pytest.approx(1 / (1.25 * math.sqrt(2 * math.pi)))
    assert t.cdf(np.array([4.0]))[0] == pytest.approx(0.5)
    assert t.mean[0] == pytest.approx(4.0) and t.std[0] == pytest.approx(1.25)


def test_mixture_moments():
    t = mixture()
    assert t.mean[0] == pytest.approx(0.0)
    assert t.std[0] == pytest.approx(math.sqrt(4 + 0.25))
    grid = np.linspace(-6, 6, 6001)
    assert t.density(grid).sum() * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-6)


def test_ring8_and_grid25_geometry():
    r = ring8()
    assert r.centers.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(r.centers, axis=1), 2.0)
    assert r.sigmas[0] == 0.02
    g = grid25()
    assert g.centers.shape == (25, 2) and sorted(set(g.centers[:, 0])) == [-4, -2, 0, 2, 4]
    assert g.sigmas[0] == 0.05
    x = r.sample(2500, torch.Generator().manual_seed(0))
    m = mode_coverage(x, r)
    assert m["modes"] == 8 and m["hq_share"] > 0.98  # 3 sigma in 2-D holds 98.9%


def test_mode_coverage_counts_collapse():
    r = ring8()
    x = torch.tensor(r.centers[[0, 0, 1, 1]], dtype=torch.float32)
    x = torch.cat([x, torch.tensor([[0.0, 0.0]])])  # one sample far from every centre
    m = mode_coverage(x, r)
    assert m["modes"] == 2 and m["hq_share"] == pytest.approx(0.8)
    assert m["counts"][:2] == [2, 2]
    assert mode_coverage(x, r, min_count=3)["modes"] == 0


def test_ks_distance():
    t = gaussian()
    x = t.sample(20_000, torch.Generator().manual_seed(1))
    assert ks_distance(x, t) < 0.015
    assert ks_distance(x + 1.0, t) > 0.25
    # by hand: one sample at the median: F_n jumps 0 -> 1 at F = 0.5
    assert ks_distance(np.array([4.0]), t) == pytest.approx(0.5)


def test_density_accepts_torch():
    t = ring8()
    p = t.density(torch.tensor(t.centers))
    assert isinstance(p, torch.Tensor) and p.shape == (8,)


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: gaussian(std=0), ValueError, "std"),
        (lambda: gaussian(std=-1), ValueError, "std"),
        (lambda: gaussian(mean="4"), TypeError, "mean"),
        (lambda: toy_target("moons"), ValueError, "unknown toy dataset"),
        (lambda: ring8().sample(0), ValueError, "n must"),
        (lambda: ring8().sample(2.5), TypeError, "n must"),
        (lambda: ring8().cdf(np.zeros(2)), ValueError, "1-D"),
        (lambda: ks_distance(np.zeros((3, 2)), gaussian()), ValueError, "1-D"),
        (lambda: ks_distance([1.0], gaussian()), TypeError, "samples"),
        (lambda: mode_coverage(np.zeros((3, 3)), ring8()), ValueError, "shape"),
        (lambda: mode_coverage(np.array([[np.nan, 0.0]]), ring8()), ValueError, "NaN"),
        # meaningless input that used to give an answer (issue 26):
        (
            lambda: ks_distance(np.array([0.0, 1.0]), lambda x: np.full(len(x), np.nan)),
            ValueError,
            "cdf.*nan",
        ),  # was nan
        (lambda: ks_distance(np.array([0.0, 1.0]), lambda x: 5 * np.ones(len(x))), ValueError, "cdf.*5"),  # was 5.0
        (lambda: ks_distance(np.array([]), gaussian()), ValueError, "empty"),
        (lambda: mode_coverage(np.zeros((3, 2)), ring8(), n_sigma=float("nan")), ValueError, "n_sigma"),
        (lambda: mode_coverage(np.zeros((3, 2)), ring8(), n_sigma=-1.0), ValueError, "n_sigma"),
        (lambda: mode_coverage(np.zeros((0, 2)), ring8()), ValueError, "empty"),
        (lambda: kde_1d(np.array([0.0, 1.0]), np.zeros(3), bandwidth=np.inf), ValueError, "bandwidth"),  # was zeros
        (lambda: kde_1d(np.array([0.0, 1.0]), np.zeros(3), bandwidth=-1.0), ValueError, "bandwidth"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
