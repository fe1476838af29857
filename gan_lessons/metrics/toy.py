r"""How good is a toy generator? Numbers for the 1-D and 2-D targets of lessons 2 and 3.

* 1-D (lesson 2): the Kolmogorov–Smirnov distance :math:`\sup_x |F_n(x) - F(x)|` between the
  samples' empirical CDF and the target's exact CDF, and a kernel density estimate :math:`\hat p_g`
  of the generator's density; :func:`toy_snapshot` measures a 1-D GAN with both (the lesson-2
  dashboard draws its :class:`ToySnapshot`).
* 2-D mixtures (lesson 3): *modes covered* and the *share of high-quality samples*, the metrics of
  Metz et al. 2016 (Unrolled GAN), Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN): a
  sample is high quality when it lies within :math:`3\sigma` of its nearest centre; a mode is
  covered when it receives at least ``min_count`` high-quality samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._validate import check_int, check_number
from ..losses import discriminator_loss, generator_loss
from ..models import decode, sample_noise
from ..theory import js_divergence, optimal_discriminator
from ._common import _as_numpy

__all__ = [
    "ks_distance",
    "wasserstein1_samples",
    "sliced_wasserstein",
    "mode_coverage",
    "CoverageTracker",
    "kde_1d",
    "ToySnapshot",
    "toy_snapshot",
]


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
    if len(x) == 0:
        raise ValueError("samples is empty")
    x = np.sort(x)
    f = np.asarray(cdf(x), dtype=np.float64)
    if f.shape != x.shape or not np.all((f >= 0) & (f <= 1)):  # NaN fails both comparisons
        bad = f[~((f >= 0) & (f <= 1))] if f.shape == x.shape else f
        raise ValueError(
            f"target's cdf must return one probability in [0, 1] per sample, got shape {f.shape}"
            + (f" and values such as {bad.flat[0]!r}" if bad.size else "")
        )
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max((i / n - f).max(), (f - (i - 1) / n).max()))


def _as_points(name, x):
    """Samples as a float64 (n, dim) array: a 1-D array is n one-dimensional samples."""
    x = _as_numpy(name, x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (n, dim), got {x.shape}")
    return x


def wasserstein1_samples(x, y):
    r"""The Wasserstein-1 distance between the empirical distributions of two 1-D samples.

    .. math:: W_1(\hat p, \hat q) = \int_0^1 \big|\hat F^{-1}(u) - \hat G^{-1}(u)\big|\,du

    On the line the best transport plan matches the samples in sorted order: for two samples of the same
    size :math:`n` this is :math:`\frac1n\sum_i |x_{(i)} - y_{(i)}|`. Sizes may differ (the quantile
    functions are compared at the midpoints of a grid as fine as the larger sample). A sample of
    :math:`n` points is itself about :math:`c/\sqrt n` away from its distribution, which sets the floor.

    Parameters
    ----------
    x, y : array or tensor, shape (n,) or (n, 1)
    """
    a, b = _as_points("x", x), _as_points("y", y)
    if a.shape[1] != 1 or b.shape[1] != 1:
        raise ValueError(
            f"x and y must be 1-D samples, got shapes {a.shape} and {b.shape} (sliced_wasserstein: any dim)"
        )
    a, b = np.sort(a[:, 0]), np.sort(b[:, 0])
    if len(a) == len(b):
        return float(np.abs(a - b).mean())
    u = (np.arange(max(len(a), len(b))) + 0.5) / max(len(a), len(b))
    return float(np.abs(np.quantile(a, u, method="inverted_cdf") - np.quantile(b, u, method="inverted_cdf")).mean())


def sliced_wasserstein(x, y, n_projections=64, seed=0):
    r"""The sliced Wasserstein-1 distance: the 1-D :math:`W_1` of the samples' projections, averaged over directions.

    .. math:: SW_1(p, q) = \mathbb{E}_{\theta \sim U(S^{d-1})}\big[W_1(\theta^\top_\# p,\ \theta^\top_\# q)\big]

    (Rabin et al. 2011; Deshpande et al. 2018, arXiv:1803.11188). Cheap in any dimension, zero exactly
    when the distributions agree, and independent of any critic: the course uses it to check a WGAN
    critic's own estimate. The ``n_projections`` directions are drawn from ``seed``, the same ones
    for every call with that seed.

    Parameters
    ----------
    x, y : array or tensor, shape (n, dim)
    n_projections : int
    seed : int
    """
    a, b = _as_points("x", x), _as_points("y", y)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {a.shape[1]} and {b.shape[1]}")
    check_int("n_projections", n_projections)
    theta = np.random.default_rng(seed).normal(size=(n_projections, a.shape[1]))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)  # (n_projections, dim) unit directions
    return float(np.mean([wasserstein1_samples(a @ t, b @ t) for t in theta]))


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
        ``modes`` (int, covered), ``total_modes`` (int), ``hq_share`` (float in [0, 1]),
        ``counts`` (high-quality samples per mode, a list) and ``nearest`` (samples whose nearest
        centre is each mode, high quality or not, a list).
    """
    x = _as_numpy("samples", samples)
    centers = getattr(target, "centers", None)
    if centers is None:
        raise TypeError("target must be a GaussianMixture (with centers and sigmas)")
    if x.ndim == 1 and centers.shape[1] == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != centers.shape[1]:
        raise ValueError(f"samples must have shape (n, {centers.shape[1]}), got {x.shape}")
    check_int("min_count", min_count)
    check_number("n_sigma", n_sigma, low=0, low_open=True)
    if len(x) == 0:
        raise ValueError("samples is empty")
    d2 = ((x[:, None, :] - centers[None]) ** 2).sum(-1)  # (n, K) squared distances
    nearest = d2.argmin(1)
    hq = np.sqrt(d2[np.arange(len(x)), nearest]) <= n_sigma * target.sigmas[nearest]
    counts = np.bincount(nearest[hq], minlength=len(centers))
    return {
        "modes": int((counts >= min_count).sum()),
        "total_modes": len(centers),
        "hq_share": float(hq.mean()),
        "counts": counts.tolist(),
        "nearest": np.bincount(nearest, minlength=len(centers)).tolist(),
    }


class CoverageTracker:
    """A training callback: :func:`mode_coverage` of ``G`` every ``every`` steps, on fixed noise.

    Watching coverage *over time* separates two things a single final number confuses: a generator
    that has **collapsed** (few modes at any moment, the covered set hopping from mode to mode) and
    one that has **not converged yet** (coverage still rising). The same ``n`` noise vectors (seeded
    ``seed``) are decoded at every measurement, so changes come from G alone.

    Attributes
    ----------
    steps : list of int
        The steps measured (0 is measured before training when :meth:`measure` is called by hand).
    modes, hq_share : list
        :func:`mode_coverage`'s ``modes`` and ``hq_share`` at those steps.
    counts : list of list of int
        High-quality samples per mode at those steps: which modes G covers.
    nearest : list of list of float
        Share of all samples whose nearest centre is each mode, high quality or not: where G's mass is.
    samples : numpy array (n, dim)
        G's samples at the last measurement.
    """

    def __init__(self, target, every, n=1000, seed=1):
        if getattr(target, "centers", None) is None:
            raise TypeError("target must be a GaussianMixture (with centers and sigmas)")
        self.target, self.every, self.n, self.seed = target, check_int("every", every), check_int("n", n), seed
        self._z, self.samples = None, None
        self.steps, self.modes, self.hq_share, self.counts, self.nearest = [], [], [], [], []

    def measure(self, G, step):
        """Measure ``G`` now and record it as ``step``."""
        if self._z is None:
            self._z = sample_noise(G, self.n, torch.Generator().manual_seed(self.seed))
        self.samples = decode(G, self._z)
        m = mode_coverage(self.samples, self.target)
        self.nearest.append([c / self.n for c in m["nearest"]])
        self.steps.append(int(step))
        self.modes.append(m["modes"])
        self.hq_share.append(m["hq_share"])
        self.counts.append(m["counts"])

    def __call__(self, info):
        if info.step % self.every == 0:
            self.measure(info.G, info.step)


def kde_1d(samples, grid, bandwidth=None):
    r"""Gaussian kernel density estimate of 1-D samples on a grid: our estimate of :math:`p_g`.

    .. math:: \hat p(x) = \frac{1}{n h} \sum_{i=1}^n \varphi\!\left(\frac{x - x_i}{h}\right),
              \qquad h = 0.9 \min\!\left(\hat\sigma, \frac{IQR}{1.34}\right) n^{-1/5}

    (Silverman's rule of thumb, unless ``bandwidth`` is given).

    Parameters
    ----------
    samples : array or tensor, shape (n,) or (n, 1)
    grid : array, shape (m,)
    bandwidth : float, optional

    Returns
    -------
    numpy array, shape (m,)
    """
    x = samples.detach().cpu().double().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples, float)
    if x.size < 2 or x.size != len(x):
        raise ValueError(f"samples must be 1-D with at least 2 values, got shape {np.shape(samples)}")
    x = x.reshape(-1)  # (n,) from (n,) or (n, 1)
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contains NaN or infinite values")
    g = np.asarray(grid, dtype=np.float64)
    if bandwidth is None:
        q75, q25 = np.percentile(x, [75, 25])
        spread = min(x.std(), (q75 - q25) / 1.34) or x.std() or 1e-3
        bandwidth = 0.9 * spread * len(x) ** -0.2
    check_number("bandwidth", bandwidth, low=0, low_open=True)  # a number, finite, > 0
    u = (g[:, None] - x[None, :]) / bandwidth  # (m, n)
    return np.exp(-0.5 * u**2).sum(1) / (len(x) * bandwidth * np.sqrt(2 * np.pi))


@dataclass
class ToySnapshot:
    """Everything the lesson-2 dashboard draws for one moment of a 1-D GAN's training."""

    step: int  #: generator steps so far
    d_steps: int  #: discriminator steps so far
    label: str  #: e.g. "training", "D step", "G step"
    grid: object  #: x axis (numpy, (m,))
    p_data: object  #: target density on the grid
    p_g: object  #: KDE of the generator's samples on the grid
    d: object  #: D(x) on the grid
    d_star: object  #: optimal D* = p_data / (p_data + p_g) for the current p_g
    samples: object  #: the generated evaluation samples (numpy, (n,))
    z: object  #: a grid of noise values
    gz: object  #: G on that grid
    loss_d: float  #: discriminator loss on the evaluation batch
    loss_g: float  #: generator loss on the evaluation batch
    d_real: float  #: mean D(x) over the real evaluation batch
    d_fake: float  #: mean D(G(z)) over the fake evaluation batch
    ks: float  #: KS distance of the samples to the target
    jsd: float  #: JSD(p_data || KDE of p_g) on the grid, nats
    g_loss: str = "nonsaturating"
    target_mean: float | None = None  #: for the perfect-mapping lines (single Gaussian targets)
    target_std: float | None = None


def toy_snapshot(G, D, target, grid, z_eval, x_eval, z_grid, *, step=0, d_steps=0, label="", g_loss="nonsaturating"):
    r"""Measure a 1-D GAN on fixed evaluation data: densities, :math:`D`, :math:`D^*`, losses, KS and JSD.

    :math:`p_g` is estimated by :func:`kde_1d` of ``G(z_eval)``; :math:`D^*` is lesson 1's
    :func:`gan_lessons.theory.optimal_discriminator` of the exact :math:`p_{data}` and that estimate.
    Nothing is trained (no gradients, no state changed).
    """
    grid = np.asarray(grid, dtype=np.float64)
    with torch.no_grad():
        fake = G(z_eval)
        real_logits, fake_logits = D(x_eval), D(fake)
        d = torch.sigmoid(D(torch.as_tensor(grid, dtype=torch.float32)[:, None])).double().numpy()
        gz = G(z_grid).double().numpy().ravel()
        loss_d = discriminator_loss(real_logits, fake_logits).item()
        loss_g = generator_loss(fake_logits, g_loss).item()
    samples = fake.double().numpy().ravel()
    p_data = target.density(grid)
    p_g = kde_1d(samples, grid)
    single = len(target.weights) == 1
    return ToySnapshot(
        step=int(step),
        d_steps=int(d_steps),
        label=label,
        grid=grid,
        p_data=p_data,
        p_g=p_g,
        d=d,
        d_star=optimal_discriminator(p_data, p_g),
        samples=samples,
        z=z_grid.double().numpy().ravel(),
        gz=gz,
        loss_d=loss_d,
        loss_g=loss_g,
        d_real=torch.sigmoid(real_logits).mean().item(),
        d_fake=torch.sigmoid(fake_logits).mean().item(),
        ks=ks_distance(samples, target),
        jsd=float(js_divergence(p_data, p_g, grid[1] - grid[0])),
        g_loss=g_loss,
        target_mean=float(target.centers[0, 0]) if single else None,
        target_std=float(target.sigmas[0]) if single else None,
    )
