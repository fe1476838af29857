r"""Toy targets with exact densities: the distributions :math:`p_{data}` of lessons 1-3.

Every target is a mixture of isotropic Gaussians

.. math:: p_{data}(x) = \sum_k w_k \, \mathcal{N}(x;\ \mu_k,\ \sigma_k^2 I)

so we can *sample* it (to train a GAN) and evaluate its *density* exactly (to compute
:math:`D^*`, JSD and KS distances in closed form).

* ``gaussian``: 1-D :math:`\mathcal{N}(4, 1.25^2)` (mean and std configurable);
* ``mixture``: 1-D, two components, :math:`\tfrac12\mathcal{N}(-2, 0.5^2) + \tfrac12\mathcal{N}(2, 0.5^2)`;
* ``ring8``: 2-D, 8 Gaussians evenly on a circle of radius 2, :math:`\sigma = 0.02`
  (Metz et al. 2016, *Unrolled GANs*, arXiv:1611.02163);
* ``grid25``: 2-D, 25 Gaussians on :math:`\{-4,-2,0,2,4\}^2`, :math:`\sigma = 0.05`
  (Srivastava et al. 2017, *VEEGAN*, arXiv:1705.07761).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._validate import check_int, check_number

__all__ = ["GaussianMixture", "gaussian", "mixture", "ring8", "grid25", "toy_target", "TOY_TARGETS"]

TOY_TARGETS = ("gaussian", "mixture", "ring8", "grid25")


class GaussianMixture:
    """A mixture of isotropic Gaussians in ``dim`` dimensions.

    Parameters
    ----------
    centers : array-like, shape (K, dim)
        Component means :math:`\\mu_k`.
    sigmas : float or array-like, shape (K,)
        Component standard deviations :math:`\\sigma_k` (> 0).
    weights : array-like, shape (K,), optional
        Mixture weights (non-negative, normalised here); equal by default.
    name : str
        Shown in plots and messages.
    """

    def __init__(self, centers, sigmas, weights=None, name="mixture"):
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] < 1 or not np.all(np.isfinite(c)):
            raise ValueError(f"centers must be a finite (K, dim) array, got shape {c.shape}")
        s = np.broadcast_to(np.asarray(sigmas, dtype=np.float64), (c.shape[0],)).copy()
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError(f"sigmas (std) must be > 0, got {s.tolist()}")
        w = np.ones(c.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (c.shape[0],) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("weights must be K non-negative numbers with a positive sum")
        self.centers, self.sigmas, self.weights, self.name = c, s, w / w.sum(), name

    @property
    def dim(self):
        """Data dimension."""
        return self.centers.shape[1]

    @property
    def mean(self):
        """Mean of the mixture, shape (dim,)."""
        return self.weights @ self.centers

    @property
    def std(self):
        """Per-coordinate standard deviation of the mixture, shape (dim,)."""
        second = self.weights @ (self.centers**2 + self.sigmas[:, None] ** 2)
        return np.sqrt(second - self.mean**2)

    def sample(self, n, rng=None):
        r"""Draw ``n`` samples as a float32 tensor of shape (n, dim).

        Ancestral sampling: pick :math:`k \sim w`, then :math:`x = \mu_k + \sigma_k \epsilon`.
        ``rng`` (a :class:`torch.Generator`) makes it reproducible.
        """
        check_int("n", n)
        w = torch.as_tensor(self.weights, dtype=torch.float64)
        k = torch.multinomial(w, n, replacement=True, generator=rng)
        eps = torch.randn(n, self.dim, generator=rng, dtype=torch.float64)
        mu = torch.as_tensor(self.centers)[k]
        sd = torch.as_tensor(self.sigmas)[k, None]
        return (mu + sd * eps).float()

    def density(self, x):
        r"""Exact density :math:`p(x)` at points ``x`` of shape (n, dim), or (n,) when dim = 1.

        Returns the same kind (numpy or torch, float64) and shape (n,).
        """
        is_torch = isinstance(x, torch.Tensor)
        a = x.detach().cpu().double().numpy() if is_torch else np.asarray(x, dtype=np.float64)
        if a.ndim == 1 and self.dim == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {a.shape}")
        sq = ((a[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (n, K)
        s2 = self.sigmas**2
        comp = np.exp(-0.5 * sq / s2) / (2 * math.pi * s2) ** (self.dim / 2)
        p = comp @ self.weights
        return torch.from_numpy(p) if is_torch else p

    def cdf(self, x):
        """Exact CDF of a 1-D mixture at points ``x`` (numpy array); used for the KS distance."""
        if self.dim != 1:
            raise ValueError("cdf is defined for 1-D targets only")
        a = np.asarray(x, dtype=np.float64)[..., None]
        z = (a - self.centers[:, 0]) / self.sigmas  # (..., K) standardised per component
        return torch.special.ndtr(torch.from_numpy(z)).numpy() @ self.weights

    def __repr__(self):
        return f"GaussianMixture(name={self.name!r}, K={len(self.weights)}, dim={self.dim})"


def gaussian(mean=4.0, std=1.25):
    r"""The 1-D target of lesson 2: :math:`\mathcal{N}(\text{mean}, \text{std}^2)`, default N(4, 1.25)."""
    mean, std = check_number("mean", mean), check_number("std", std)
    if std <= 0:
        raise ValueError(f"std must be > 0, got {std}")
    return GaussianMixture([[mean]], std, name=f"N({mean:g}, {std:g})")


def mixture(means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None):
    """A 1-D Gaussian mixture, by default two well separated equal components at -2 and 2."""
    means = [[check_number("means", m)] for m in means]
    return GaussianMixture(means, stds, weights, name="mixture")


def ring8(radius=2.0, sigma=0.02, modes=8):
    r"""8 Gaussians evenly spaced on a circle of radius 2, :math:`\sigma = 0.02` (Metz et al. 2016)."""
    t = 2 * math.pi * np.arange(modes) / modes
    return GaussianMixture(radius * np.stack([np.cos(t), np.sin(t)], 1), sigma, name="ring8")


def grid25(spacing=2.0, sigma=0.05):
    r"""25 Gaussians on the grid :math:`\{-4,-2,0,2,4\}^2`, :math:`\sigma = 0.05` (Srivastava et al. 2017)."""
    g = spacing * np.arange(-2, 3)
    return GaussianMixture(np.array([(a, b) for a in g for b in g]), sigma, name="grid25")


def toy_target(name="gaussian", mean=4.0, std=1.25):
    """The toy target called ``name`` (one of :data:`TOY_TARGETS`); ``mean``/``std`` apply to ``gaussian``."""
    if name == "gaussian":
        return gaussian(mean, std)
    if name == "mixture":
        return mixture()
    if name == "ring8":
        return ring8()
    if name == "grid25":
        return grid25()
    raise ValueError(f"unknown toy dataset {name!r}: expected one of {', '.join(TOY_TARGETS)}")
