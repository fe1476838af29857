r"""The game a training step plays: what D and G each minimise, and how many D steps per G step.

:func:`gan_lessons.training.train` is Algorithm 1 of Goodfellow et al. (2014) and never changes; a
*game* object tells it the losses. Each game has ``k`` (discriminator steps per generator step) and two
methods the training steps call:

* ``loss_d(D, real, fake, rng)`` returns D's loss and its logits on the real and fake batches;
* ``loss_g(G, D, z, sample_real, rng)`` returns G's loss on the noise batch ``z``.

The games:

* :class:`GAN`: the original game, D a classifier, G's loss non-saturating (default) or saturating,
  with an optional R1 penalty on D (Mescheder et al. 2018);
* :class:`UnrolledGAN`: G judged by D as it will be a few steps ahead (Metz et al. 2016), a cure for
  mode collapse (lesson 3);
* :class:`WGANGP`: D a Wasserstein critic kept 1-Lipschitz by a gradient penalty (Gulrajani et al. 2017);
* :class:`LeastSquaresGAN` and :class:`HingeGAN`: other choices of what D and G optimise (lesson 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._validate import check_choice, check_int, check_number
from .losses import (
    critic_loss,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    hinge_d_loss,
    hinge_g_loss,
    least_squares_d_loss,
    least_squares_g_loss,
    r1_penalty,
)
from .models import sample_noise

__all__ = ["GAN", "UnrolledGAN", "WGANGP", "LeastSquaresGAN", "HingeGAN", "unroll_d"]


@dataclass(frozen=True)
class GAN:
    r"""The minimax game of Goodfellow et al. (2014, Eq. 1), played ``k`` D steps to one G step.

    .. math:: L_D = -\frac1m \sum_i \big[\log D(x_i) + \log(1 - D(G(z_i)))\big] + \gamma R_1,
              \qquad L_G = -\frac1m \sum_i \log D(G(z_i)) \ \text{(non-saturating)}

    or :math:`L_G = \frac1m \sum_i \log(1 - D(G(z_i)))` (saturating). ``r1 = γ`` adds the R1
    penalty (:func:`~gan_lessons.losses.r1_penalty`), which damps oscillation (lesson 2); 0 = off.
    """

    k: int = 1  #: discriminator steps per generator step
    g_loss: str = "nonsaturating"  #: "nonsaturating" or "saturating" (and "wasserstein" for a critic)
    r1: float = 0.0  #: weight γ of the R1 penalty on D; 0 = off

    def __post_init__(self):
        check_int("k", self.k)
        check_choice("g_loss", self.g_loss, ("nonsaturating", "saturating", "wasserstein"))
        check_number("r1", self.r1, low=0)

    _d_loss = staticmethod(discriminator_loss)  #: D's loss on (real, fake) logits; other games swap it

    def loss_d(self, D, real, fake, rng=None):
        """D's loss on a real and a (detached) fake batch; returns ``(loss, real_logits, fake_logits)``."""
        real_logits, fake_logits = D(real), D(fake)  # (B,), (B,)
        loss = self._d_loss(real_logits, fake_logits)
        if self.r1:
            loss = loss + self.r1 * r1_penalty(D, real)
        return loss, real_logits, fake_logits

    def loss_g(self, G, D, z, sample_real=None, rng=None):
        """G's loss through the current D on noise ``z`` (B, z_dim)."""
        return generator_loss(D(G(z)), self.g_loss)


def unroll_d(G, D, reals, zs, lr):
    r"""Unrolled GAN (Metz et al. 2016, arXiv:1611.02163, Eq. 5-8): D's parameters after K look-ahead steps.

    .. math:: \theta_D^{k+1} = \theta_D^k - \eta \nabla_{\theta_D} L_D(\theta_D^k, \theta_G),
              \qquad k = 0, \dots, K-1

    K = ``len(reals)`` plain gradient steps of size ``lr`` on the discriminator loss, kept
    *differentiable* with respect to G: a generator loss through the returned parameters sees how D
    would react to it, so moving all samples onto the mode D currently likes stops paying. D itself
    is not changed.

    Parameters
    ----------
    reals, zs : sequences of Tensor
        One real batch and one noise batch per look-ahead step.
    lr : float
        Step size of the look-ahead steps.

    Returns
    -------
    dict
        Parameter name to tensor, for :func:`torch.func.functional_call`.
    """
    if len(reals) != len(zs) or not reals:
        raise ValueError("reals and zs must be non-empty sequences of the same length (one batch per unrolled step)")
    check_number("lr", lr, low=0, low_open=True)
    params = dict(D.named_parameters())
    call = torch.func.functional_call
    for real, z in zip(reals, zs, strict=True):
        loss = discriminator_loss(call(D, params, (real,)), call(D, params, (G(z),)))
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
        params = {name: p - lr * g for (name, p), g in zip(params.items(), grads, strict=True)}
    return params


@dataclass(frozen=True)
class UnrolledGAN(GAN):
    """The GAN game with G judged by D unrolled ``unroll`` steps of size ``unroll_lr`` ahead (:func:`unroll_d`).

    Each G step draws ``unroll`` extra real and noise batches for the look-ahead (Metz et al. 2016).
    """

    unroll: int = 5  #: look-ahead D steps per G step
    unroll_lr: float = 1e-3  #: their step size

    def __post_init__(self):
        super().__post_init__()
        check_int("unroll", self.unroll)
        check_number("unroll_lr", self.unroll_lr, low=0, low_open=True)

    def loss_g(self, G, D, z, sample_real=None, rng=None):
        if sample_real is None:
            raise ValueError("sample_real is needed: the unrolled game draws real batches for its look-ahead")
        reals = [sample_real(len(z), rng).to(z.device) for _ in range(self.unroll)]  # unroll x (B, ...)
        zs = [sample_noise(G, len(z), rng, z.device) for _ in reals]  # unroll x (B, z_dim)
        params = unroll_d(G, D, reals, zs, self.unroll_lr)
        return generator_loss(torch.func.functional_call(D, params, (G(z),)), self.g_loss)


@dataclass(frozen=True)
class WGANGP(GAN):
    r"""WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028, Alg. 1): D is a critic with a gradient penalty.

    .. math:: L_D = \frac1m \sum_i \big[f(G(z_i)) - f(x_i)\big] + \lambda\, GP,
              \qquad L_G = -\frac1m \sum_i f(G(z_i))

    (:func:`~gan_lessons.losses.critic_loss`, :func:`~gan_lessons.losses.gradient_penalty`). The
    "logits" the steps report are scores, not log-odds: their sigmoid is only a rough indication.
    """

    g_loss: str = "wasserstein"
    gp: float = 10.0  #: weight λ of the gradient penalty (the paper's 10)

    def __post_init__(self):
        super().__post_init__()
        check_number("gp", self.gp, low=0, low_open=True)

    def loss_d(self, D, real, fake, rng=None):
        real_scores, fake_scores = D(real), D(fake)  # (B,), (B,)
        loss = critic_loss(real_scores, fake_scores) + self.gp * gradient_penalty(D, real, fake, rng)
        if self.r1:
            loss = loss + self.r1 * r1_penalty(D, real)
        return loss, real_scores, fake_scores


@dataclass(frozen=True)
class LeastSquaresGAN(GAN):
    r"""The least-squares GAN (Mao et al. 2017, arXiv:1611.04076): squared errors on D's raw score.

    .. math:: L_D = \tfrac12\,\mathbb{E}\big[(D(x) - 1)^2\big] + \tfrac12\,\mathbb{E}\big[D(G(z))^2\big],
              \qquad L_G = \tfrac12\,\mathbb{E}\big[(D(G(z)) - 1)^2\big]

    (:func:`~gan_lessons.losses.least_squares_d_loss`, :func:`~gan_lessons.losses.least_squares_g_loss`).
    The steps report :math:`\sigma(\text{score})` as D's "probability": a rough indication only.
    """

    g_loss: str = "least-squares"
    _d_loss = staticmethod(least_squares_d_loss)

    def __post_init__(self):
        check_int("k", self.k)
        check_number("r1", self.r1, low=0)

    def loss_g(self, G, D, z, sample_real=None, rng=None):
        return least_squares_g_loss(D(G(z)))


@dataclass(frozen=True)
class HingeGAN(LeastSquaresGAN):
    r"""The hinge-loss GAN (Lim & Ye 2017, arXiv:1705.02894; Miyato et al. 2018, Eq. 16).

    .. math:: L_D = \mathbb{E}\big[\max(0, 1 - D(x))\big] + \mathbb{E}\big[\max(0, 1 + D(G(z)))\big],
              \qquad L_G = -\mathbb{E}\big[D(G(z))\big]

    (:func:`~gan_lessons.losses.hinge_d_loss`, :func:`~gan_lessons.losses.hinge_g_loss`).
    """

    g_loss: str = "hinge"
    _d_loss = staticmethod(hinge_d_loss)

    def loss_g(self, G, D, z, sample_real=None, rng=None):
        return hinge_g_loss(D(G(z)))
