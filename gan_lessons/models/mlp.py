r"""Small fully connected players for the toy targets of lessons 1-3 (any data dimension).

Discriminators return *logits* (one real number per sample, shape ``(B,)``); :math:`D(x) = \sigma(\text{logit})`.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_bool, check_choice, check_int

__all__ = ["MLPGenerator", "MLPDiscriminator"]


def _mlp(d_in, d_out, hidden, depth, act):
    layers, width = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), act()]
        width = hidden
    layers.append(nn.Linear(width, d_out))
    return nn.Sequential(*layers)


def _per_dim(name, value, dim, positive=False):
    """``value`` (a number or one per dimension) as a float32 (dim,) tensor: finite, and > 0 if ``positive``."""
    try:
        t = torch.as_tensor(value, dtype=torch.float32).expand(dim).clone()  # (dim,)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be a number or {dim} numbers, got {value!r}") from None
    if not torch.isfinite(t).all() or (positive and not (t > 0).all()):
        raise ValueError(f"{name} must be {'> 0 and ' if positive else ''}finite, got {t.tolist()}")
    return t


_ACTS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh}


class MLPGenerator(nn.Module):
    r"""G: noise :math:`z \in \mathbb{R}^{z\_dim}` to a sample :math:`x \in \mathbb{R}^{data\_dim}`.

    ``depth`` hidden layers of width ``hidden``, then a linear output (no squashing: toy data
    live on the whole real line). Optional ``shift``/``scale`` map the network's output from a
    standardised space back to data units: :math:`G(z) = \text{shift} + \text{scale}\cdot f(z)`.
    """

    def __init__(self, z_dim=1, data_dim=1, hidden=64, depth=2, activation="relu", shift=0.0, scale=1.0):
        super().__init__()
        self.z_dim = check_int("z_dim", z_dim)
        self.data_dim = check_int("data_dim", data_dim)
        check_int("hidden", hidden)
        check_int("depth", depth, minimum=0)
        check_choice("activation", activation, sorted(_ACTS))
        self.net = _mlp(z_dim, data_dim, hidden, depth, _ACTS[activation])
        self.register_buffer("shift", _per_dim("shift", shift, data_dim))
        self.register_buffer("scale", _per_dim("scale", scale, data_dim, positive=True))

    def forward(self, z):  # (B, z_dim) -> (B, data_dim)
        return self.shift + self.scale * self.net(z)


class MLPDiscriminator(nn.Module):
    r"""D: a sample to one logit; :math:`D(x) = \sigma(\text{logit})`.

    Inputs are first standardised with fixed ``shift``/``scale`` (the real data's mean and std),
    so one architecture works for data at any location and scale.

    Two cures for mode collapse (lesson 3), both off by default:

    * ``pack=m`` (PacGAN, Lin et al. 2018, arXiv:1712.04086): D judges ``m`` samples at once,
      concatenated into one input of size ``m * data_dim``; a batch of ``B`` samples (``B`` a
      multiple of ``m``) gives ``B / m`` logits. A collapsed generator's packs look alike, which
      is easy to tell from packs of real data.
    * ``spectral_norm=True`` (Miyato et al. 2018, arXiv:1802.05957): every weight matrix is
      divided by its largest singular value, :math:`W / \sigma(W)`, and, its activations being
      1-Lipschitz too, D is 1-Lipschitz in its (standardised) input: it cannot grow arbitrarily sharp.
    """

    def __init__(
        self, data_dim=1, hidden=64, depth=2, activation="leaky_relu", shift=0.0, scale=1.0, pack=1, spectral_norm=False
    ):
        super().__init__()
        self.data_dim = check_int("data_dim", data_dim)
        self.pack = check_int("pack", pack)
        check_bool("spectral_norm", spectral_norm)
        check_int("hidden", hidden)
        check_int("depth", depth, minimum=0)
        check_choice("activation", activation, sorted(_ACTS))
        self.net = _mlp(data_dim * pack, 1, hidden, depth, _ACTS[activation])
        if spectral_norm:
            for i, layer in enumerate(self.net):
                if isinstance(layer, nn.Linear):
                    self.net[i] = nn.utils.parametrizations.spectral_norm(layer)
        self.register_buffer("shift", _per_dim("shift", shift, data_dim))
        self.register_buffer("scale", _per_dim("scale", scale, data_dim, positive=True))

    def forward(self, x):  # (B, data_dim) -> (B / pack,)
        x = (x - self.shift) / self.scale
        if self.pack > 1:
            if x.dim() != 2 or x.shape[0] % self.pack:
                raise ValueError(
                    f"x must have shape (B, data_dim) with B a multiple of pack={self.pack}, got {tuple(x.shape)}"
                )
            x = x.reshape(x.shape[0] // self.pack, self.pack * self.data_dim)  # (B / pack, pack * data_dim)
        return self.net(x).squeeze(-1)
