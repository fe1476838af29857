r"""What goes into a generator and what comes out: noise, labels and samples.

A conditional GAN (lesson 6) models :math:`p(x \mid y)`: G draws an image of the class :math:`y` it is
given, and D judges *pairs* (image, label). In Algorithm 1 a conditional sample is therefore the pair
:class:`Labelled` ``(x, y)``: a conditional G maps the pair ``(z, y)`` to ``(G(z, y), y)``, and a
conditional D takes a pair, so :func:`gan_lessons.training.train` runs unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["Labelled", "latent_dim", "n_classes", "device_of", "sample_noise", "decode"]


class Labelled(NamedTuple):
    """A batch with its labels: ``x`` (B, ...) and ``y`` (B,) class indices (int64)."""

    x: torch.Tensor
    y: torch.Tensor

    def to(self, device):
        """Both tensors on ``device``."""
        return Labelled(self.x.to(device), self.y.to(device))


def latent_dim(G):
    """The noise dimension of a generator (its ``z_dim`` attribute)."""
    z = getattr(getattr(G, "module", G), "z_dim", None)  # .module: G wrapped for several processes (DDP)
    if not isinstance(z, int):
        raise TypeError("G must be a generator with an int attribute z_dim (the noise dimension)")
    return z


def n_classes(G):
    """The number of classes a conditional generator draws (its ``n_classes``), ``None`` for an unconditional one."""
    K = getattr(getattr(G, "module", G), "n_classes", None)
    return K if isinstance(K, int) else None


def _check_labels(labels, n, K):
    """``labels`` as an int64 tensor of shape (n,) with values in 0..K-1, or a ValueError/TypeError naming it."""
    y = torch.as_tensor(labels)
    if y.dim() == 0:
        y = y.expand(n)
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.shape != (n,):
        got = f"{y.dtype} of shape {tuple(y.shape)}"
        raise TypeError(f"labels must be {n} whole numbers (one class per sample), got {got}")
    if len(y) and not (0 <= int(y.min()) and int(y.max()) < K):
        raise ValueError(f"labels must be classes 0..{K - 1}, got values in {int(y.min())}..{int(y.max())}")
    return y.long()


def device_of(module):
    """The device a network's parameters are on (the CPU for one without parameters)."""
    p = next(module.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def sample_noise(G, n, rng=None, device=None, labels=None):
    r"""Noise :math:`z \sim \mathcal{N}(0, I)` of shape (n, z_dim) for generator ``G``, drawn from ``rng``.

    Drawn on the CPU (so a seed gives the same noise on every device), then moved to ``device``
    (default: G's).

    For a conditional G (one with ``n_classes``) the pair :class:`Labelled` ``(z, y)``: the classes
    ``labels`` (one per sample, or one for all), or by default :math:`y \sim U\{0, \dots, K-1\}` drawn
    from ``rng`` after ``z``. ``labels`` for an unconditional G is an error: it cannot be asked for a class.
    """
    device = device_of(G) if device is None else device
    z = torch.randn(n, latent_dim(G), generator=rng).to(device)
    K = n_classes(G)
    if K is None:
        if labels is not None:
            raise ValueError("labels were given but G is unconditional: it cannot be asked for a class")
        return z
    y = torch.randint(K, (n,), generator=rng) if labels is None else _check_labels(labels, n, K)
    return Labelled(z, y.to(device))


@torch.no_grad()
def decode(G, z):
    """``G(z)`` as float32 numpy, computed the way samples are drawn: in evaluation mode, without gradients.

    Evaluation mode makes batch norm use its running statistics, so a sample does not depend on the
    rest of its batch. G is put back in the mode it was in. For a conditional G, ``z`` is the pair
    :class:`Labelled` ``(z, y)`` and the images are returned.
    """
    was_training = G.training
    G.eval()
    try:
        x = G(z.to(device_of(G)))  # codes drawn on the CPU, G perhaps on a GPU
        return (x.x if isinstance(x, Labelled) else x).float().cpu().numpy()
    finally:
        G.train(was_training)
