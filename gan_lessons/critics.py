r"""The critic of a Wasserstein GAN, and three ways to keep it 1-Lipschitz (lesson 5).

The Kantorovich–Rubinstein duality (Arjovsky et al. 2017, arXiv:1701.07875, Eq. 2) writes the earth
mover's distance as a best *critic*:

.. math:: W_1(p, q) = \sup_{\|f\|_L \le 1} \mathbb{E}_{x \sim p}[f(x)] - \mathbb{E}_{x \sim q}[f(x)].

A WGAN trains a network :math:`f` towards that supremum, and everything rests on keeping it
1-Lipschitz (:math:`|f(x) - f(y)| \le \|x - y\|`). Three ways, each one ``constraint`` of
:func:`train_critic`:

* ``"clip"``, weight clipping (Arjovsky et al. 2017, Alg. 1): clamp every weight to :math:`[-c, c]`
  after each step (:func:`clip_weights`), RMSProp;
* ``"gp"``, the gradient penalty (Gulrajani et al. 2017, arXiv:1704.00028, Eq. 3):
  :math:`\lambda\,\mathbb{E}[(\|\nabla f(\hat x)\| - 1)^2]` between the two distributions, Adam;
* ``"spectral"``, spectral normalisation (Miyato et al. 2018, arXiv:1802.05957): every weight
  matrix divided by its largest singular value, Adam.

:func:`lipschitz_constant` and :func:`critic_estimate` measure the trained critic; the exact answer
on a 1-D grid is :func:`gan_lessons.theory.wasserstein1` and :func:`gan_lessons.theory.optimal_critic`.
:class:`CriticTracker` follows a WGAN-GP run's own estimate of :math:`W_1` next to an independent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ._validate import check_choice, check_int, check_number
from .losses import critic_loss, gradient_penalty
from .metrics.toy import sliced_wasserstein, wasserstein1_samples
from .models import MLPDiscriminator, decode, sample_noise
from .training import seed_everything

__all__ = [
    "CONSTRAINTS",
    "CriticFit",
    "train_critic",
    "clip_weights",
    "critic_estimate",
    "gradient_norms",
    "lipschitz_constant",
    "CriticTracker",
]

#: How :func:`train_critic` keeps the critic 1-Lipschitz.
CONSTRAINTS = ("clip", "gp", "spectral")


@torch.no_grad()
def clip_weights(f, c):
    r"""Weight clipping (Arjovsky et al. 2017, Alg. 1, line 7): every parameter of ``f`` clamped to :math:`[-c, c]`.

    It bounds the critic's Lipschitz constant by *some* :math:`K(c)`, not by 1, and it does so
    bluntly: a critic that needs a steep slope pushes its weights to the walls :math:`\pm c`
    (Gulrajani et al. 2017, Sec. 3 and Fig. 1b).
    """
    c = check_number("c", c, low=0, low_open=True)
    for p in f.parameters():
        p.clamp_(-c, c)


def _points(x):
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    x = x.float()
    return x[:, None] if x.dim() == 1 else x


@torch.no_grad()
def critic_estimate(f, x_p, x_q):
    r"""The critic's estimate of :math:`W_1(p, q)`: :math:`\frac1n\sum_i f(x_i) - \frac1m\sum_j f(y_j)`.

    A lower bound on :math:`K \cdot W_1` for a :math:`K`-Lipschitz ``f``: equal to :math:`W_1` only for the
    best 1-Lipschitz critic. ``x_p``, ``x_q``: samples of shape (n,) or (n, dim), arrays or tensors.
    """
    was = f.training
    f.eval()
    try:
        return float(f(_points(x_p)).mean() - f(_points(x_q)).mean())
    finally:
        f.train(was)


def gradient_norms(f, x):
    r"""The slope of the critic at each point, :math:`\|\nabla_x f(x)\|`, as a numpy array of shape (n,)."""
    was = f.training
    f.eval()
    try:
        x = _points(x).detach().requires_grad_(True)
        (g,) = torch.autograd.grad(f(x).sum(), x)
        return g.reshape(len(x), -1).norm(dim=1).numpy()
    finally:
        f.train(was)


def lipschitz_constant(f, x):
    r"""The largest slope of ``f`` over the points ``x``: :math:`\max_i \|\nabla f(x_i)\|`.

    A lower bound on the Lipschitz constant, and a tight one on a fine grid over the region that
    matters (a ReLU network is piecewise linear: its slope is constant between kinks).
    """
    return float(gradient_norms(f, x).max())


@dataclass
class CriticFit:
    """A critic trained between two fixed distributions by :func:`train_critic`, with its estimates over training."""

    critic: torch.nn.Module  #: the trained critic f
    constraint: str  #: "clip", "gp" or "spectral"
    steps: list = field(default_factory=list)  #: the steps measured
    estimates: list = field(default_factory=list)  #: its estimate of W1 there, on fixed evaluation samples

    @property
    def estimate(self):
        """The last estimate of :math:`W_1`."""
        return self.estimates[-1]


def train_critic(
    p,
    q,
    constraint="gp",
    *,
    steps=2000,
    batch_size=256,
    hidden=64,
    depth=2,
    lr=None,
    clip=0.01,
    gp=10.0,
    every=50,
    n_eval=10_000,
    seed=0,
):
    r"""Train a critic :math:`f` to maximise :math:`\mathbb{E}_p f - \mathbb{E}_q f` between two fixed distributions.

    Each step draws ``batch_size`` samples of each and descends the critic loss
    (:func:`~gan_lessons.losses.critic_loss`) under ``constraint``:

    * ``"clip"``: RMSProp (lr 5e-5 by default, Arjovsky et al. 2017, Alg. 1), then every weight
      clamped to ``[-clip, clip]`` (the paper's ``c = 0.01``);
    * ``"gp"``: Adam (lr 1e-3, :math:`\beta = (0.5, 0.9)`) on the loss plus ``gp`` times the gradient
      penalty (the paper's :math:`\lambda = 10`);
    * ``"spectral"``: Adam as for ``"gp"``, on a spectrally normalised critic.

    The critic is lesson 3's MLP (LeakyReLU, no input scaling), so its slopes are in the data's units.

    Parameters
    ----------
    p, q : GaussianMixture
        The two distributions (:mod:`gan_lessons.data.toy`), of the same dimension.
    steps, batch_size, hidden, depth, every, n_eval : int
        Training steps; samples per step; the critic's width and depth; measure the estimate every
        ``every`` steps on ``n_eval`` fixed samples of each.
    lr, clip, gp : float
        Learning rate (None: the constraint's default above); the clipping bound; the penalty weight.
    seed : int

    Returns
    -------
    CriticFit
    """
    check_choice("constraint", constraint, CONSTRAINTS)
    for name in ("steps", "batch_size", "hidden", "every", "n_eval"):
        check_int(name, locals()[name])
    for name, d in (("p", p), ("q", q)):
        if not hasattr(d, "sample") or not hasattr(d, "dim"):
            raise TypeError(f"{name} must be a GaussianMixture (gan_lessons.data.toy), got {type(d).__name__}")
    if p.dim != q.dim:
        raise ValueError(f"p and q must have the same dimension, got {p.dim} and {q.dim}")
    clip, gp = check_number("clip", clip, low=0, low_open=True), check_number("gp", gp, low=0)
    rng = seed_everything(seed)
    f = MLPDiscriminator(p.dim, hidden, depth, spectral_norm=constraint == "spectral")
    if constraint == "clip":
        opt = torch.optim.RMSprop(f.parameters(), lr=5e-5 if lr is None else check_number("lr", lr, low=0))
    else:
        opt = torch.optim.Adam(
            f.parameters(), lr=1e-3 if lr is None else check_number("lr", lr, low=0), betas=(0.5, 0.9)
        )
    x_p, x_q = p.sample(n_eval, rng), q.sample(n_eval, rng)  # fixed evaluation samples
    fit = CriticFit(f, constraint)
    for step in range(1, steps + 1):
        real, fake = p.sample(batch_size, rng), q.sample(batch_size, rng)  # (B, dim) each
        loss = critic_loss(f(real), f(fake))  # E_q f - E_p f: descending it raises E_p f - E_q f
        if constraint == "gp":
            loss = loss + gp * gradient_penalty(f, real, fake, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if constraint == "clip":
            clip_weights(f, clip)
        if step % every == 0 or step == steps:
            fit.steps.append(step)
            fit.estimates.append(critic_estimate(f, x_p, x_q))
    if not np.isfinite(fit.estimates).all():
        raise RuntimeError(f"the {constraint} critic diverged (its estimate is not finite): lower lr")
    return fit


class CriticTracker:
    r"""A training callback for a WGAN: the critic's estimate of :math:`W_1` next to an independent measure.

    Every ``every`` steps it decodes the same ``n`` noise vectors and records

    * ``estimate``: the critic's :math:`\frac1n\sum f(x_i) - \frac1n\sum f(G(z_i))` on ``n`` fixed real
      samples — what the WGAN says about its own progress;
    * ``w1``: a distance computed without the critic from the same samples: :math:`W_1` of the two
      samples on a 1-D target (:func:`~gan_lessons.metrics.wasserstein1_samples`), the sliced
      :math:`W_1` on a 2-D one (:func:`~gan_lessons.metrics.sliced_wasserstein`).

    If the estimate is meaningful the two fall together (Arjovsky et al. 2017, Fig. 3; Gulrajani et
    al. 2017, Sec. 5.3).
    """

    def __init__(self, target, every, n=2000, seed=1):
        if not hasattr(target, "sample") or not hasattr(target, "dim"):
            raise TypeError(f"target must be a GaussianMixture, got {type(target).__name__}")
        self.target, self.every, self.n, self.seed = target, check_int("every", every), check_int("n", n), seed
        self.real = target.sample(self.n, torch.Generator().manual_seed(seed)).float()  # (n, dim), fixed
        self._z = None
        self.steps, self.estimate, self.w1 = [], [], []

    def measure(self, G, D, step):
        """Measure generator ``G`` and critic ``D`` now, and record it as ``step``."""
        if self._z is None:
            self._z = sample_noise(G, self.n, torch.Generator().manual_seed(self.seed + 1))
        fake = torch.as_tensor(decode(G, self._z))
        self.steps.append(int(step))
        self.estimate.append(critic_estimate(D, self.real, fake))
        if self.target.dim == 1:
            self.w1.append(wasserstein1_samples(fake, self.real))
        else:
            self.w1.append(sliced_wasserstein(fake, self.real, seed=self.seed))

    def __call__(self, info):
        if info.step % self.every == 0:
            self.measure(info.G, info.D, info.step)
