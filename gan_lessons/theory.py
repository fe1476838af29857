r"""The value function of a GAN and what it measures (lesson 1).

Goodfellow et al. (2014), *Generative Adversarial Nets*, arXiv:1406.2661, define the game

.. math::

    \min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
                          + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))]        \quad (Eq. 1)

Writing the second expectation over the generator's distribution :math:`p_g`, everything here
works on densities sampled on a *uniform grid* with spacing ``dx``, so integrals become sums
(a Riemann sum is accurate to many digits for smooth densities on a fine grid).

Every function accepts numpy arrays or torch tensors and answers in the same kind. They are
numerically safe where a density is 0 or ``D`` is exactly 0 or 1: terms weighted by a zero
density contribute exactly 0 (the convention :math:`0 \log 0 = 0`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._validate import check_number

__all__ = [
    "optimal_discriminator",
    "value_function",
    "js_divergence",
    "kl_divergence",
    "generator_criterion",
    "value_function_mc",
    "wasserstein1",
    "optimal_critic",
    "nonsaturating_loss",
    "nonsaturating_divergence",
    "LOG4",
]

LOG4 = math.log(4.0)  # C(G) at its global minimum is -log 4 (Thm. 1)


def _as_pair(name_a, a, name_b, b):
    """Validate two same-shaped, finite, non-negative arrays; return them as float64 numpy + a flag."""
    is_torch = isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor)
    out = []
    for name, v in ((name_a, a), (name_b, b)):
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu().double().numpy()
        elif isinstance(v, (np.ndarray, list, tuple, float, int)):
            v = np.asarray(v, dtype=np.float64)
        else:
            raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(v).__name__}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if v.size == 0:
            raise ValueError(f"{name} is empty: pass its values on a grid of points")
        out.append(v)
    if out[0].shape != out[1].shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {out[0].shape} and {out[1].shape}")
    return out[0], out[1], is_torch


def _check_density(name, p):
    if np.any(p < 0):
        raise ValueError(f"{name} must be a density (non-negative), found min {p.min():.3g}")


def _check_mass(name, p, dx):
    """A density's mass on the grid, :math:`\\sum_i p_i\\,dx`, is about 1 or less (the grid may cut its tails).

    A narrow peak can read a little over 1 on a coarse grid (a spike between grid points), so only a mass
    above 1.5 is refused: that is not a density (unnormalised values), or a grid far too coarse for it.
    """
    mass = float(p.sum() * dx)
    if mass > 1.5:
        raise ValueError(
            f"{name} integrates to {mass:.3g} over the grid, not 1: pass a density (normalise it with "
            f"{name} / ({name}.sum() * dx)), on a grid fine enough for its narrowest peak"
        )


def _check_dx(dx):
    return check_number("dx", dx, low=0, low_open=True)


def _out(value, like_torch):
    if like_torch:
        return torch.as_tensor(value, dtype=torch.float64)
    return value if np.ndim(value) else float(value)


def _xlogy(x, y):
    """x * log(y) with 0 * log(anything) = 0, the convention that makes V finite where p = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def optimal_discriminator(p_data, p_g):
    r"""The best discriminator for a fixed generator (Goodfellow et al. 2014, Prop. 1).

    .. math:: D^*_G(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}

    Pointwise, :math:`a \log y + b \log(1-y)` is maximised at :math:`y = a / (a + b)`.
    Where both densities are 0 the value of D does not matter (it is weighted by 0 in V);
    we return 1/2 there, the "cannot tell" answer.

    Parameters
    ----------
    p_data, p_g : array or tensor
        Densities evaluated at the same points.

    Returns
    -------
    array or tensor
        :math:`D^*(x)` in [0, 1], same shape (a float64 tensor if either input was a tensor).
    """
    a, b, is_torch = _as_pair("p_data", p_data, "p_g", p_g)
    _check_density("p_data", a)
    _check_density("p_g", b)
    s = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(s > 0, a / np.where(s > 0, s, 1.0), 0.5)
    return _out(d, is_torch)


def value_function(d, p_data, p_g, dx):
    r"""V(D, G) by quadrature on a uniform grid (Goodfellow et al. 2014, Eq. 1).

    .. math:: V(D, G) = \int p_{data}(x) \log D(x) \,dx + \int p_g(x) \log(1 - D(x)) \,dx

    Terms weighted by a zero density contribute 0. ``D`` is clipped to
    :math:`[\epsilon, 1-\epsilon]` with :math:`\epsilon = 2^{-52}` before the logs, so ``D`` may be
    exactly 0 or 1 (as :math:`D^*` is, after rounding, far in the tails) and V stays finite: a
    region where D is certain *and wrong* costs about :math:`\log\epsilon \approx -36` per unit
    of probability mass instead of :math:`-\infty`.

    Parameters
    ----------
    d : array or tensor
        Discriminator output D(x) in [0, 1] on the grid.
    p_data, p_g : array or tensor
        Densities on the same grid.
    dx : float
        Grid spacing.

    Returns
    -------
    float (or 0-d float64 tensor)
        V(D, G); for :math:`D = D^*` it equals :math:`-\log 4 + 2\,JSD(p_{data}\|p_g)` (Thm. 1).
    """
    dx = _check_dx(dx)
    a, b, is_torch = _as_pair("p_data", p_data, "p_g", p_g)
    _check_density("p_data", a)
    _check_density("p_g", b)
    dd, _, t2 = _as_pair("d", d, "p_data", a)
    if np.any((dd < 0) | (dd > 1)):
        raise ValueError("d must be a probability: every value in [0, 1]")
    eps = np.finfo(np.float64).eps
    dd = np.clip(dd, eps, 1.0 - eps)
    v = (_xlogy(a, dd).sum() + _xlogy(b, 1.0 - dd).sum()) * dx
    return _out(v, is_torch or t2)


def kl_divergence(p, q, dx):
    r"""Kullback–Leibler divergence :math:`KL(p\|q) = \int p \log(p/q)\,dx` on a uniform grid.

    Infinite where ``p > 0`` but ``q = 0``. Inputs as in :func:`js_divergence`.
    """
    dx = _check_dx(dx)
    a, b, is_torch = _as_pair("p", p, "q", q)
    _check_density("p", a)
    _check_density("q", b)
    _check_mass("p", a, dx)
    _check_mass("q", b, dx)
    if np.any((a > 0) & (b == 0)):
        return _out(math.inf, is_torch)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a > 0, a / np.where(b > 0, b, 1.0), 1.0)
    return _out(float(_xlogy(a, ratio).sum() * dx), is_torch)


def js_divergence(p, q, dx):
    r"""Jensen–Shannon divergence on a uniform grid, in nats.

    .. math:: JSD(p\|q) = \tfrac12 KL\!\left(p \,\middle\|\, \tfrac{p+q}{2}\right)
                        + \tfrac12 KL\!\left(q \,\middle\|\, \tfrac{p+q}{2}\right)

    Always finite, symmetric, and :math:`0 \le JSD \le \log 2`, with 0 exactly when p = q and
    :math:`\log 2` when their supports do not overlap. Goodfellow et al. (2014, Thm. 1) show
    :math:`C(G) = \max_D V(D, G) = -\log 4 + 2\,JSD(p_{data}\|p_g)`.

    Parameters
    ----------
    p, q : array or tensor
        Densities on the same uniform grid (each integrates to at most 1: a ``ValueError`` says so
        when one integrates to more, i.e. is not a density).
    dx : float
        Grid spacing.

    Returns
    -------
    float (or 0-d float64 tensor)
    """
    dx = _check_dx(dx)
    a, b, is_torch = _as_pair("p", p, "q", q)
    _check_density("p", a)
    _check_density("q", b)
    _check_mass("p", a, dx)
    _check_mass("q", b, dx)
    # KL(p || m) written with the ratio 2p / (p + q), never forming m = (p + q) / 2 itself: halving a
    # subnormal density underflows to 0 and would make KL(p || m) infinite where p > 0.
    s = np.where(a + b > 0, a + b, 1.0)
    js = 0.5 * (_xlogy(a, 2.0 * a / s).sum() + _xlogy(b, 2.0 * b / s).sum()) * dx
    return _out(float(js), is_torch)


def generator_criterion(p_data, p_g, dx):
    r"""The generator's criterion :math:`C(G) = \max_D V(D, G) = V(D^*_G, G)` (Goodfellow et al. 2014, Eq. 4).

    What the generator is left to minimise once the discriminator plays its best reply
    (:func:`optimal_discriminator`). By Thm. 1,

    .. math:: C(G) = -\log 4 + 2\,JSD(p_{data}\|p_g) \ \ge -\log 4,

    with equality exactly when :math:`p_g = p_{data}`. (The identity needs both densities to
    integrate to 1 on the grid: make the grid wide enough to hold their tails.)

    Parameters
    ----------
    p_data, p_g : array or tensor
        Densities on the same uniform grid.
    dx : float
        Grid spacing.

    Returns
    -------
    float (or 0-d float64 tensor)
    """
    return value_function(optimal_discriminator(p_data, p_g), p_data, p_g, dx)


def value_function_mc(d_real, d_fake):
    r"""Monte-Carlo estimate of V(D, G) from the discriminator's outputs on samples (Eq. 1).

    .. math:: \hat V = \frac1n \sum_{i=1}^n \log D(x_i) + \frac1m \sum_{j=1}^m \log\big(1 - D(G(z_j))\big),
              \qquad x_i \sim p_{data},\ z_j \sim p_z

    Unbiased for V, with a standard error shrinking like :math:`1/\sqrt{n}`. It is minus the
    discriminator's loss (:func:`gan_lessons.losses.discriminator_loss`) written on probabilities
    instead of logits. D is clipped to :math:`[\epsilon, 1-\epsilon]` as in :func:`value_function`.

    Parameters
    ----------
    d_real : array or tensor, shape (n,)
        :math:`D(x_i)` on real samples, in [0, 1].
    d_fake : array or tensor, shape (m,)
        :math:`D(G(z_j))` on generated samples, in [0, 1].

    Returns
    -------
    (float, float)
        The estimate and its standard error (each term's sample std / sqrt(size), combined).
    """
    terms = []
    for name, d in (("d_real", d_real), ("d_fake", d_fake)):
        if isinstance(d, torch.Tensor):
            d = d.detach().cpu().double().numpy()
        elif isinstance(d, (np.ndarray, list, tuple)):
            d = np.asarray(d, dtype=np.float64)
        else:
            raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(d).__name__}")
        d = d.ravel()
        if d.size < 2:
            raise ValueError(f"{name} needs at least 2 samples, got {d.size}")
        if not np.all(np.isfinite(d)) or np.any((d < 0) | (d > 1)):
            raise ValueError(f"{name} must hold probabilities: every value in [0, 1]")
        terms.append(np.clip(d, np.finfo(np.float64).eps, 1.0 - np.finfo(np.float64).eps))
    log_real, log_fake = np.log(terms[0]), np.log1p(-terms[1])
    estimate = log_real.mean() + log_fake.mean()
    se = math.sqrt(log_real.var(ddof=1) / log_real.size + log_fake.var(ddof=1) / log_fake.size)
    return float(estimate), se


# ---------------------------------------------------------------------------------- lesson 5


def _cdf_difference(p, q, dx, name_p="p", name_q="q"):
    """``(F_p - F_q, p, q, is_torch)`` on the grid (each CDF a running sum), after checking both are 1-D densities
    of mass ~1."""
    dx = _check_dx(dx)
    a, b, is_torch = _as_pair(name_p, p, name_q, q)
    if a.ndim != 1:
        raise ValueError(f"{name_p} and {name_q} must be 1-D densities on a grid, got shape {a.shape}")
    for name, v in ((name_p, a), (name_q, b)):
        _check_density(name, v)
        mass = float(v.sum() * dx)
        if abs(mass - 1.0) > 1e-3:
            raise ValueError(
                f"{name} has mass {mass:.4g} on the grid, not 1: W1 compares probability distributions, so "
                "widen the grid to hold their tails (or normalise the density)"
            )
    return np.cumsum(a - b) * dx, a, b, is_torch


def wasserstein1(p, q, dx):
    r"""The Wasserstein-1 (earth mover's) distance between two 1-D densities on a uniform grid.

    .. math:: W_1(p, q) = \inf_{\gamma \in \Pi(p, q)} \mathbb{E}_{(x, y) \sim \gamma} |x - y|
                        = \int_{-\infty}^{\infty} |F_p(x) - F_q(x)|\,dx

    the least work (mass times distance) that moves the mass of ``p`` onto ``q``; on the line it is
    the area between the two CDFs (Arjovsky et al. 2017, arXiv:1701.07875, Eq. 1; the CDF form is
    Vallender 1973). Unlike JSD it keeps growing with the distance between the distributions: for
    ``q`` = ``p`` shifted by :math:`s`, :math:`W_1 = |s|`.

    Parameters
    ----------
    p, q : array or tensor, shape (n,)
        Densities on the same uniform grid, each of mass 1 on it (to 1e-3): a ``ValueError`` says
        when the grid cuts a tail.
    dx : float
        Grid spacing.

    Returns
    -------
    float (or 0-d float64 tensor)
    """
    diff, _, _, is_torch = _cdf_difference(p, q, dx)
    return _out(float(np.abs(diff).sum() * dx), is_torch)


def optimal_critic(p, q, dx):
    r"""The best 1-Lipschitz critic between two 1-D densities: the :math:`f` that attains :math:`W_1(p, q)`.

    The Kantorovich–Rubinstein duality (Arjovsky et al. 2017, Eq. 2) writes

    .. math:: W_1(p, q) = \sup_{\|f\|_L \le 1} \mathbb{E}_{x \sim p}[f(x)] - \mathbb{E}_{x \sim q}[f(x)].

    On the line, integrating by parts, :math:`\mathbb{E}_p f - \mathbb{E}_q f = -\int f'(x)\,(F_p - F_q)(x)\,dx`,
    which a slope :math:`|f'| \le 1` makes largest with :math:`f' = -\operatorname{sign}(F_p - F_q)`: the
    critic climbs at slope 1 wherever q's mass still lies ahead of p's, and falls at slope 1 where
    it is the other way round. ``f`` is fixed up to a constant; it is returned with mean 0 under
    :math:`(p + q)/2`.

    Parameters
    ----------
    p, q : array or tensor, shape (n,)
        Densities on the same uniform grid, each of mass 1 on it (see :func:`wasserstein1`).
    dx : float
        Grid spacing.

    Returns
    -------
    array or tensor, shape (n,)
        :math:`f` on the grid; ``(p * f).sum() * dx - (q * f).sum() * dx`` equals :func:`wasserstein1`.
    """
    diff, a, b, is_torch = _cdf_difference(p, q, dx)
    slope = -np.sign(diff)  # (n,) f' between grid points i and i + 1
    f = np.concatenate([[0.0], np.cumsum(slope[:-1]) * dx])  # f(x_0) = 0, then climb or fall by dx
    f = f - float(((a + b) / 2 * f).sum() * dx)
    return _out(f, is_torch)


def nonsaturating_loss(d, p_g, dx):
    r"""The non-saturating generator loss by quadrature: :math:`\mathbb{E}_{x \sim p_g}[-\log D(x)]`.

    .. math:: L_{NS}(D, G) = -\int p_g(x) \log D(x)\,dx

    Goodfellow et al. (2014, Sec. 3) replace the generator's :math:`\log(1 - D(G(z)))` by this loss,
    which is steep where D rejects the samples. Where ``D`` is exactly 0 (:math:`D^*` where
    :math:`p_{data} = 0 < p_g`) the loss would be infinite: ``D`` is raised to the smallest normal
    float there (:math:`-\log D \approx 708`). See :func:`nonsaturating_divergence` for what its
    gradient descends.

    Parameters
    ----------
    d : array or tensor
        D(x) in [0, 1] on the grid (e.g. :func:`optimal_discriminator` for the current :math:`p_g`).
    p_g : array or tensor
        The generator's density on the same grid.
    dx : float
        Grid spacing.
    """
    dx = _check_dx(dx)
    dd, b, is_torch = _as_pair("d", d, "p_g", p_g)
    _check_density("p_g", b)
    if np.any((dd < 0) | (dd > 1)):
        raise ValueError("d must be a probability: every value in [0, 1]")
    dd = np.maximum(dd, np.finfo(np.float64).tiny)
    return _out(float(-_xlogy(b, dd).sum() * dx), is_torch)


def nonsaturating_divergence(p_data, p_g, dx):
    r"""What the non-saturating generator descends (Arjovsky & Bottou 2017, arXiv:1701.04862, Thm. 2.5).

    With :math:`D^*` computed for the current :math:`p_{g_{\theta_0}}` and *held fixed* during G's step,

    .. math:: \nabla_\theta\, \mathbb{E}_{x \sim p_{g_\theta}}[-\log D^*(x)]\,\Big|_{\theta_0}
              = \nabla_\theta \Big[\mathrm{KL}(p_{g_\theta} \| p_{data})
                                   - 2\,\mathrm{JSD}(p_{data} \| p_{g_\theta})\Big]\Big|_{\theta_0}.

    This function returns the bracket, :math:`\mathrm{KL}(p_g\|p_{data}) - 2\,\mathrm{JSD}`. Its reverse KL
    is cheap where G *misses* data and dear where G puts samples the data lack: mode-seeking.
    (The values of the two sides differ by a term whose gradient vanishes at :math:`\theta_0`.)

    Parameters
    ----------
    p_data, p_g : array or tensor
        Densities on the same uniform grid.
    dx : float
        Grid spacing.

    Returns
    -------
    float (or 0-d float64 tensor); infinite where :math:`p_g > 0 = p_{data}`.
    """
    kl = kl_divergence(p_g, p_data, dx)
    js = js_divergence(p_data, p_g, dx)
    return _out(float(kl) - 2.0 * float(js), isinstance(kl, torch.Tensor))
