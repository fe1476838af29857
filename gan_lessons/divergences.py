r"""Divergences side by side (lesson 5): which distance between :math:`p_{data}` and :math:`p_g` a generator descends.

Lesson 1's :func:`~gan_lessons.theory.js_divergence` and :func:`~gan_lessons.theory.kl_divergence`, lesson 5's
:func:`~gan_lessons.theory.wasserstein1` and what the non-saturating generator descends
(:func:`~gan_lessons.theory.nonsaturating_divergence`), under one name each (:data:`DIVERGENCES`):

* :func:`divergence_curves`: each divergence between a 1-D target and a copy of it shifted by :math:`s`, and its
  slope: which ones still give a gradient when :math:`p_g` is far from :math:`p_{data}`;
* :func:`fit_gaussian`: the best single Gaussian for a target under each divergence: mass-covering (forward KL)
  against mode-seeking (reverse KL), the shape of mode collapse.

Everything is quadrature on a uniform grid, like :mod:`gan_lessons.theory`.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_number
from .data.toy import GaussianMixture
from .theory import js_divergence, kl_divergence, nonsaturating_divergence, wasserstein1

__all__ = ["DIVERGENCES", "divergence", "divergence_curves", "fit_gaussian"]


#: The divergences :func:`divergence` knows, by name: what each compares ``p`` (the data) with ``q`` (the model).
DIVERGENCES = {
    "JSD": "Jensen-Shannon, JSD(p || q): what the minimax GAN minimises (lesson 1)",
    "KL(p||q)": "forward KL, mass-covering: maximum likelihood",
    "KL(q||p)": "reverse KL, mode-seeking",
    "NS": "KL(q||p) - 2 JSD: what the non-saturating GAN descends (Arjovsky & Bottou 2017)",
    "W1": "Wasserstein-1, the earth mover's distance: what a WGAN's critic estimates",
}


def divergence(name, p, q, dx):
    """The divergence called ``name`` (a key of :data:`DIVERGENCES`) between densities ``p`` and ``q`` on a grid."""
    if name not in DIVERGENCES:
        raise ValueError(f"name must be one of {list(DIVERGENCES)}, got {name!r}")
    if name == "JSD":
        return js_divergence(p, q, dx)
    if name == "KL(p||q)":
        return kl_divergence(p, q, dx)
    if name == "KL(q||p)":
        return kl_divergence(q, p, dx)
    if name == "NS":
        return nonsaturating_divergence(p, q, dx)
    return wasserstein1(p, q, dx)


def divergence_curves(target, shifts, scale=1.0, names=("JSD", "KL(p||q)", "KL(q||p)", "W1"), n=4001):
    r"""Each divergence between ``target`` and a copy of it shifted by :math:`s`, for every :math:`s` in ``shifts``.

    The model is :math:`q_s(x) = p(x - s)` (its spread times ``scale``): a generator that has learned
    the shape but not the place. Lesson 5 compares how the divergences grow with :math:`s`: JSD
    saturates at :math:`\log 2` once the two barely overlap (its slope, and a minimax generator's
    gradient, vanish), KL grows like :math:`s^2/2\sigma^2` for Gaussians, and :math:`W_1` grows like
    :math:`|s|`, with slope 1 at any distance.

    Parameters
    ----------
    target : GaussianMixture
        The 1-D data density :math:`p`.
    shifts : array-like
        The shifts :math:`s`.
    scale : float
        The model's spread relative to the target's (> 0).
    names : sequence of str
        Keys of :data:`DIVERGENCES`.
    n : int
        Points of the quadrature grid (it covers both densities' 8-sigma ranges at every shift).

    Returns
    -------
    dict
        ``"s"``: the shifts (array); one array per name, and ``"d/ds " + name``, its slope (central differences).
        A KL is infinite once one density underflows to 0 where the other does not (on the grid), and its
        slope is then NaN.
    """
    if getattr(target, "dim", None) != 1:
        raise ValueError("target must be a 1-D GaussianMixture")
    s = np.asarray(shifts, dtype=np.float64)
    if s.ndim != 1 or s.size < 2 or not np.all(np.isfinite(s)):
        raise ValueError("shifts must be a 1-D array of at least 2 finite numbers")
    scale = check_number("scale", scale, low=0, low_open=True)
    for name in names:
        if name not in DIVERGENCES:
            raise ValueError(f"names must be keys of DIVERGENCES {list(DIVERGENCES)}, got {name!r}")
    check_int("n", n, minimum=3)
    reach = 8 * float(target.sigmas.max()) * max(1.0, scale)
    values = {name: [] for name in names}
    for si in s:  # a grid per shift, over both densities' 8-sigma ranges: wider, and a tail would underflow
        x = np.linspace(
            float(target.centers.min()) + min(0.0, si) - reach, float(target.centers.max()) + max(0.0, si) + reach, n
        )
        q_s = GaussianMixture(target.centers + si, target.sigmas * scale, target.weights)  # p moved by s
        p, q = target.density(x), q_s.density(x)
        for name in names:
            values[name].append(float(divergence(name, p, q, x[1] - x[0])))
    out = {"s": s}
    for name in names:
        out[name] = np.array(values[name])
        with np.errstate(invalid="ignore"):  # an infinite KL (densities apart to float64 precision) has no slope: NaN
            out["d/ds " + name] = np.gradient(out[name], s)
    return out


def fit_gaussian(p, x, name, mus=None, sigmas=None, rounds=3):
    r"""The Gaussian :math:`q = \mathcal N(\mu, \sigma^2)` closest to density ``p`` by divergence ``name``.

    .. math:: (\mu^*, \sigma^*) = \arg\min_{\mu, \sigma} \; \mathrm{D}(p, \mathcal N(\mu, \sigma^2))

    searched on a grid of :math:`(\mu, \sigma)`, then ``rounds - 1`` times on a grid 10x finer around the
    best point. Fitting one Gaussian to two modes shows a divergence's character: the forward
    KL (maximum likelihood) spreads over both (its optimum matches p's mean and variance), the reverse
    KL sits on one mode.

    Parameters
    ----------
    p : array
        The target density on the uniform grid ``x``.
    x : array
        The grid (uniform, wide enough for the fitted Gaussians' tails).
    name : str
        A key of :data:`DIVERGENCES`.
    mus, sigmas : array, optional
        The first search grid (default: 121 means over the middle half of ``x``, and 60 spreads from a
        tenth of p's standard deviation to twice it). Each candidate is normalised on the grid.
    rounds : int
        Search rounds (the first on ``mus`` x ``sigmas``).

    Returns
    -------
    dict
        ``mu``, ``sigma``, ``value`` (the divergence there).
    """
    if name not in DIVERGENCES:
        raise ValueError(f"name must be one of {list(DIVERGENCES)}, got {name!r}")
    x = np.asarray(x, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if x.ndim != 1 or x.size < 3 or p.shape != x.shape:
        raise ValueError(
            f"x must be a 1-D grid of at least 3 points and p a density on it, got {x.shape} and {p.shape}"
        )
    dx = check_number("dx", float(x[1] - x[0]), low=0, low_open=True)
    mass = p.sum() * dx
    mean = float((x * p).sum() * dx / mass)
    std = float(np.sqrt(((x - mean) ** 2 * p).sum() * dx / mass))
    mus = np.linspace(x[0] + 0.25 * (x[-1] - x[0]), x[-1] - 0.25 * (x[-1] - x[0]), 121) if mus is None else mus
    sigmas = np.linspace(0.1 * std, 2 * std, 60) if sigmas is None else sigmas
    best = None
    for _ in range(check_int("rounds", rounds)):
        for m in mus:
            for sd in sigmas:
                q = np.exp(-0.5 * ((x - m) / sd) ** 2)
                q = q / (q.sum() * dx)  # a density on this grid, tails cut or not
                v = float(divergence(name, p, q, dx))
                if best is None or v < best[2]:
                    best = (float(m), float(sd), v)
        dm, ds = (mus[1] - mus[0]), (sigmas[1] - sigmas[0])
        mus = np.linspace(best[0] - dm, best[0] + dm, 21)
        sigmas = np.linspace(max(best[1] - ds, ds / 10), best[1] + ds, 21)
    return {"mu": best[0], "sigma": best[1], "value": best[2]}
