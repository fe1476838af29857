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
    "r1_penalty",
    "discriminator_loss",
    "generator_loss_saturating",
    "generator_loss_nonsaturating",
    "generator_loss",
    "GENERATOR_LOSSES",
    "critic_loss",
    "generator_loss_wasserstein",
    "gradient_penalty",
    "least_squares_d_loss",
    "least_squares_g_loss",
    "hinge_d_loss",
    "hinge_g_loss",
]


def _check_logits(name, t):
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of logits, got {type(t).__name__}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty: a loss is a mean over at least one sample")


def _judge(D, x, name):
    """``D(x)``, or a ValueError naming the argument whose shape D cannot take."""
    try:
        return D(x)
    except RuntimeError as e:
        first = (str(e).strip().splitlines() or ["shape mismatch"])[0]
        raise ValueError(f"{name} has shape {tuple(x.shape)}, which D cannot take ({first})") from None


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


# ---- lesson 3: the Wasserstein loss with gradient penalty (WGAN-GP)


def critic_loss(real_scores, fake_scores):
    r"""The WGAN critic's loss (Arjovsky et al. 2017, arXiv:1701.07875, Eq. 3): minus the Wasserstein estimate.

    .. math:: L_C = \frac1m \sum_i f(G(z_i)) - \frac1m \sum_i f(x_i)

    The critic :math:`f` outputs an unbounded *score* (no sigmoid). Minimising :math:`L_C` over
    1-Lipschitz critics estimates :math:`-W_1(p_{data}, p_g)`; the Lipschitz constraint is
    enforced softly by :func:`gradient_penalty`.
    """
    _check_logits("real_scores", real_scores)
    _check_logits("fake_scores", fake_scores)
    return fake_scores.mean() - real_scores.mean()


def generator_loss_wasserstein(fake_scores):
    r"""The WGAN generator loss: :math:`L_G = -\frac1m \sum_i f(G(z_i))` (Arjovsky et al. 2017).

    Its gradient with respect to each score is the constant :math:`-1/m`: it never saturates.
    """
    _check_logits("fake_scores", fake_scores)
    return -fake_scores.mean()


def r1_penalty(D, real):
    r"""The R1 penalty on the discriminator (Mescheder et al. 2018, arXiv:1801.04406, Eq. 9).

    .. math:: R_1 = \tfrac12\, \mathbb{E}_{x \sim p_{data}}\big[\lVert \nabla_x \ell(x) \rVert^2\big]

    with :math:`\ell` the discriminator's logit. Added to the discriminator loss with a weight
    :math:`\gamma`, it keeps D from growing steep edges around the real data, which is what drives
    the generator round and round the equilibrium; at the equilibrium (D constant) it is 0.

    Parameters
    ----------
    D : callable
        The discriminator, samples ``(B, ...)`` to logits.
    real : Tensor
        A batch of real samples.
    """
    _check_logits("real", real)
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(_judge(D, x, "real").sum(), x, create_graph=True)
    return 0.5 * grad.reshape(grad.shape[0], -1).pow(2).sum(1).mean()


def gradient_penalty(D, real, fake, rng=None):
    r"""The WGAN-GP penalty (Gulrajani et al. 2017, arXiv:1704.00028, Eq. 3).

    .. math:: GP = \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2\big],
              \qquad \hat x = \epsilon x + (1 - \epsilon) G(z),\ \epsilon \sim U[0, 1]

    on random points between real and fake samples. Unlike the other losses it needs the critic
    ``D`` itself (to differentiate it with respect to its input). A packed critic
    (``D.pack = m``) gets one gradient norm per pack of ``m`` samples.

    Parameters
    ----------
    D : callable
        The critic, samples ``(B, ...)`` to scores ``(B / pack,)``.
    real, fake : Tensor
        Batches of the same shape.
    rng : torch.Generator, optional
        Source of the interpolation weights :math:`\epsilon`.
    """
    for name, t in (("real", real), ("fake", fake)):
        _check_logits(name, t)
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}")
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=rng).to(real.device)
    x = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = _judge(D, x, "real")
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    norms = grad.reshape(scores.shape[0], -1).norm(dim=1)  # one norm per critic input (per pack)
    return ((norms - 1) ** 2).mean()


# ---- lesson 5: two more choices of what D and G optimise


def least_squares_d_loss(real_scores, fake_scores):
    r"""The least-squares GAN's discriminator loss (Mao et al. 2017, arXiv:1611.04076, Eq. 9, a=0, b=c=1).

    .. math:: L_D = \tfrac12\,\mathbb{E}_x\big[(D(x) - 1)^2\big] + \tfrac12\,\mathbb{E}_z\big[D(G(z))^2\big]

    D outputs a raw score (no sigmoid) and is pulled towards 1 on real data, 0 on fakes. A fake far
    on the right side of the boundary still costs :math:`D(G(z))^2`: the loss does not saturate.
    """
    _check_logits("real_scores", real_scores)
    _check_logits("fake_scores", fake_scores)
    return 0.5 * (real_scores - 1).pow(2).mean() + 0.5 * fake_scores.pow(2).mean()


def least_squares_g_loss(fake_scores):
    r"""The least-squares GAN's generator loss (Mao et al. 2017).

    .. math:: L_G = \tfrac12\,\mathbb{E}_z\big[(D(G(z)) - 1)^2\big]
    """
    _check_logits("fake_scores", fake_scores)
    return 0.5 * (fake_scores - 1).pow(2).mean()


def hinge_d_loss(real_scores, fake_scores):
    r"""The hinge loss of D (Lim & Ye 2017, arXiv:1705.02894; Miyato et al. 2018, Eq. 16).

    .. math:: L_D = \mathbb{E}_x\big[\max(0, 1 - D(x))\big] + \mathbb{E}_z\big[\max(0, 1 + D(G(z)))\big]

    A support-vector machine's margin: a sample already beyond its margin (score > 1 on real,
    < -1 on fake) costs nothing and pushes D no further.
    """
    _check_logits("real_scores", real_scores)
    _check_logits("fake_scores", fake_scores)
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def hinge_g_loss(fake_scores):
    r"""The hinge GAN's generator loss, the WGAN generator's (Miyato et al. 2018).

    .. math:: L_G = -\mathbb{E}_z\big[D(G(z))\big]
    """
    _check_logits("fake_scores", fake_scores)
    return -fake_scores.mean()


GENERATOR_LOSSES = {
    "nonsaturating": generator_loss_nonsaturating,
    "saturating": generator_loss_saturating,
    "wasserstein": generator_loss_wasserstein,
}


def generator_loss(fake_logits, kind="nonsaturating"):
    """Dispatch by name: ``"nonsaturating"``, ``"saturating"`` or ``"wasserstein"`` (see :data:`GENERATOR_LOSSES`)."""
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind must be one of {sorted(GENERATOR_LOSSES)}, got {kind!r}")
    return GENERATOR_LOSSES[kind](fake_logits)
