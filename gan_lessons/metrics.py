r"""How good is a generator? Numbers that answer it for each lesson's data.

* 1-D (lesson 2): the Kolmogorov–Smirnov distance :math:`\sup_x |F_n(x) - F(x)|` between the
  samples' empirical CDF and the target's exact CDF.
* 2-D mixtures (lesson 3): *modes covered* and the *share of high-quality samples*, the metrics of
  Metz et al. 2016 (Unrolled GAN), Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN): a
  sample is high quality when it lies within :math:`3\sigma` of its nearest centre; a mode is
  covered when it receives at least ``min_count`` high-quality samples.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["ks_distance", "mode_coverage"]


def _as_numpy(name, x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__}")
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def ks_distance(samples, target):
    r"""Kolmogorov–Smirnov distance between 1-D samples and a 1-D target.

    .. math:: KS = \sup_x |F_n(x) - F(x)| = \max_i \max\!\left(\tfrac{i}{n} - F(x_{(i)}),\
              F(x_{(i)}) - \tfrac{i-1}{n}\right)

    Parameters
    ----------
    samples : array or tensor, shape (n,) or (n, 1)
    target : object with a ``cdf`` method (e.g. :func:`gan_lessons.data.gaussian`) or a callable CDF.

    Returns
    -------
    float in [0, 1]; about :math:`0.87/\sqrt{n}` for samples from the target itself.
    """
    x = _as_numpy("samples", samples)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"samples must be 1-D, shape (n,) or (n, 1); got {x.shape}")
    cdf = getattr(target, "cdf", target)
    if not callable(cdf):
        raise TypeError("target must have a cdf method or be a callable CDF")
    x = np.sort(x)
    f = np.asarray(cdf(x), dtype=np.float64)
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max((i / n - f).max(), (f - (i - 1) / n).max()))


def mode_coverage(samples, target, min_count=1, n_sigma=3.0):
    r"""Modes covered and share of high-quality samples, for a Gaussian-mixture target.

    A sample is *high quality* if its distance to the nearest centre is at most
    :math:`n\_sigma \cdot \sigma` of that centre; a mode is *covered* if at least ``min_count``
    high-quality samples fall in it.

    Parameters
    ----------
    samples : array or tensor, shape (n, dim)
    target : :class:`gan_lessons.data.GaussianMixture` (e.g. ``ring8()``, ``grid25()``)
    min_count : int
        High-quality samples a mode needs to count as covered.
    n_sigma : float
        The high-quality radius in standard deviations.

    Returns
    -------
    dict
        ``modes`` (int, covered), ``total_modes`` (int), ``hq_share`` (float in [0, 1]) and
        ``counts`` (high-quality samples per mode, a list).
    """
    x = _as_numpy("samples", samples)
    centers = getattr(target, "centers", None)
    if centers is None:
        raise TypeError("target must be a GaussianMixture (with centers and sigmas)")
    if x.ndim == 1 and centers.shape[1] == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != centers.shape[1]:
        raise ValueError(f"samples must have shape (n, {centers.shape[1]}), got {x.shape}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    d2 = ((x[:, None, :] - centers[None]) ** 2).sum(-1)  # (n, K) squared distances
    nearest = d2.argmin(1)
    hq = np.sqrt(d2[np.arange(len(x)), nearest]) <= n_sigma * target.sigmas[nearest]
    counts = np.bincount(nearest[hq], minlength=len(centers))
    return {
        "modes": int((counts >= min_count).sum()),
        "total_modes": len(centers),
        "hq_share": float(hq.mean()),
        "counts": counts.tolist(),
    }

# ---------------------------------------------------------------- lesson 4: digit-FID and the digit classifier
