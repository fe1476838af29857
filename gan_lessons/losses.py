r"""GAN losses, as pure functions of the discriminator's *logits* (lessons 2 and 3).

The discriminator outputs a logit :math:`\ell`; its probability is :math:`D = \sigma(\ell)`.
Working on logits lets us use the stable identities

.. math:: \log \sigma(\ell) = -\operatorname{softplus}(-\ell), \qquad
          \log(1 - \sigma(\ell)) = -\operatorname{softplus}(\ell),

so no loss here ever evaluates ``log(0)``, however confident D is.

References: Goodfellow et al. (2014), *Generative Adversarial Nets*, arXiv:1406.2661, Eq. 1 and
Sec. 3 (the non-saturating trick); Radford et al. (2015), arXiv:1511.06434.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "discriminator_loss",
    "generator_loss_saturating",
    "generator_loss_nonsaturating",
    "generator_loss",
    "GENERATOR_LOSSES",
]


def _check_logits(name, t):
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of logits, got {type(t).__name__}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}")


def discriminator_loss(real_logits, fake_logits):
    r"""The discriminator's loss: minus the value function, estimated on a batch.

    .. math:: L_D = -\frac1m \sum_i \log D(x_i) - \frac1m \sum_i \log(1 - D(G(z_i)))

    Minimising :math:`L_D` is gradient *ascent* on V(D, G) (Goodfellow et al. 2014, Eq. 1,
    Algorithm 1). It is the binary cross-entropy with label 1 for real and 0 for fake.
    At the equilibrium :math:`D \equiv 1/2` it equals :math:`\log 4 \approx 1.386`.

    Parameters
    ----------
    real_logits : Tensor
        Discriminator logits on real samples, any shape.
    fake_logits : Tensor
        Discriminator logits on generated samples, any shape.

    Returns
    -------
    Tensor
        A scalar.
    """
    _check_logits("real_logits", real_logits)
    _check_logits("fake_logits", fake_logits)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_saturating(fake_logits):
    r"""The generator's loss from the minimax game as written (Goodfellow et al. 2014, Eq. 1).

    .. math:: L_G^{sat} = \frac1m \sum_i \log(1 - D(G(z_i)))

    G *minimises* it. Its gradient with respect to the logit is :math:`-D(G(z))`, which vanishes
    when D confidently rejects the fakes (:math:`D(G(z)) \to 0`) -- exactly early in training.
    That is why it "saturates" (lesson 3).
    """
    _check_logits("fake_logits", fake_logits)
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits):
    r"""The non-saturating generator loss (Goodfellow et al. 2014, Sec. 3).

    .. math:: L_G^{ns} = -\frac1m \sum_i \log D(G(z_i))

    Same fixed point as the saturating loss, but its gradient with respect to the logit is
    :math:`-(1 - D(G(z)))`: strong exactly when D rejects the fakes. This is what practitioners
    use (and the course's default).
    """
    _check_logits("fake_logits", fake_logits)
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES = {
    "nonsaturating": generator_loss_nonsaturating,
    "saturating": generator_loss_saturating,
}


def generator_loss(fake_logits, kind="nonsaturating"):
    """Dispatch to :func:`generator_loss_nonsaturating` or :func:`generator_loss_saturating` by name."""
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind must be one of {sorted(GENERATOR_LOSSES)}, got {kind!r}")
    return GENERATOR_LOSSES[kind](fake_logits)
