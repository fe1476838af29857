r"""Conditional DCGAN players (lesson 6): G draws the class it is asked for, D judges (image, label) pairs.

A conditional GAN (Mirza & Osindero 2014, arXiv:1411.1784) plays Goodfellow's game on
:math:`p(x \mid y)`:

.. math:: \min_G \max_D\ \mathbb{E}_{(x, y) \sim p_{data}}\big[\log D(x, y)\big]
          + \mathbb{E}_{z \sim p_z,\, y \sim p(y)}\big[\log\big(1 - D(G(z, y), y)\big)\big].

G gets the label as a learned embedding :math:`e_y` next to the noise. D gets it in one of two ways
(:data:`CONDITIONINGS`):

* ``"concat"``: the label's embedding, broadcast to constant planes, is concatenated to the image's
  channels (the input-concatenation of Mirza & Osindero, in a convolutional D);
* ``"projection"`` (Miyato & Koyama 2018, arXiv:1802.05637, Eq. 3): D's features :math:`\phi(x)` give an
  unconditional logit :math:`\psi(\phi(x))` plus the inner product with the class's embedding,
  :math:`\ell(x, y) = \psi(\phi(x)) + v_y^\top \phi(x)`.

Both accept ``forward(x, y)`` or one :class:`~gan_lessons.models.sampling.Labelled` pair, as Algorithm 1
passes them (see :mod:`gan_lessons.models.sampling`).
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_choice, check_int
from .dcgan import DCGANDiscriminator, DCGANGenerator, base_size
from .sampling import Labelled

__all__ = ["CONDITIONINGS", "ConditionalDCGANGenerator", "ConditionalDCGANDiscriminator"]

#: How a conditional D is given the label: concatenated to its input, or projected onto its features.
CONDITIONINGS = ("concat", "projection")


def _unpair(a, y, name):
    """``(a, y)`` from ``forward(a, y)`` or from one Labelled pair ``forward((a, y))``."""
    if y is not None:
        return a, y
    if not isinstance(a, Labelled):
        raise TypeError(f"give the labels: call with ({name}, y), or with one Labelled({name}, y) pair")
    return a


class ConditionalDCGANGenerator(nn.Module):
    r"""G(z, y): a :class:`~gan_lessons.models.dcgan.DCGANGenerator` fed the noise and the class's embedding.

    .. math:: G(z, y) = \mathrm{DCGAN}\big([z;\, e_y]\big), \qquad e_y = E[y] \in \mathbb{R}^{embed\_dim}

    (Mirza & Osindero 2014: the label joins the noise at G's input). ``y`` is a class index, or a row of
    class *weights* (B, n_classes) whose embedding is the weighted sum :math:`\sum_c w_c e_c`: a blend
    of classes, e.g. half a 3 and half an 8 (lesson 6's studio). Called with one
    :class:`~gan_lessons.models.sampling.Labelled` pair ``(z, y)`` it returns the pair ``(G(z, y), y)``.
    The other parameters are those of :class:`~gan_lessons.models.dcgan.DCGANGenerator`.
    """

    def __init__(
        self, z_dim=32, n_classes=10, image_size=16, channels=1, width=64, full_res=False, extra_layers=0, embed_dim=16
    ):
        super().__init__()
        self.z_dim = check_int("z_dim", z_dim)
        self.n_classes = check_int("n_classes", n_classes, minimum=2)
        self.embed_dim = check_int("embed_dim", embed_dim)
        self.image_size, self.channels = image_size, channels
        self.embed = nn.Embedding(n_classes, embed_dim)  # (B,) class -> (B, embed_dim), N(0, 1) like z
        self.body = DCGANGenerator(z_dim + embed_dim, image_size, channels, width, full_res, extra_layers)

    def embed_labels(self, y):
        """Class embeddings: (B,) class indices, or (B, n_classes) class weights, to (B, embed_dim)."""
        if torch.is_floating_point(y):  # a blend: sum_c w_c e_c
            if y.dim() != 2 or y.shape[1] != self.n_classes:
                raise ValueError(f"class weights must have shape (B, {self.n_classes}), got {tuple(y.shape)}")
            return y @ self.embed.weight  # (B, K) @ (K, e) -> (B, e)
        if len(y) and not (0 <= int(y.min()) and int(y.max()) < self.n_classes):
            raise ValueError(f"y must hold classes 0..{self.n_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return self.embed(y)  # (B,) -> (B, e)

    def forward(self, z, y=None):  # (B, z_dim), (B,) -> (B, C, H, W); Labelled(z, y) -> Labelled(G(z, y), y)
        if y is None:
            z, y = _unpair(z, y, "z")
            return Labelled(self.forward(z, y), y)
        return self.body(torch.cat([z, self.embed_labels(y)], dim=1))  # (B, z_dim + embed_dim) -> image


class ConditionalDCGANDiscriminator(nn.Module):
    r"""D(x, y): a :class:`~gan_lessons.models.dcgan.DCGANDiscriminator` told the class, by ``conditioning``.

    * ``"concat"``: :math:`\ell(x, y) = \mathrm{DCGAN}\big([x;\, e_y \mathbf{1}_{H \times W}]\big)`, the
      embedding (``embed_dim`` numbers) as constant planes next to the image's channels;
    * ``"projection"``: :math:`\ell(x, y) = \psi(\phi(x)) + v_y^\top \phi(x)` (Miyato & Koyama 2018, Eq. 3),
      :math:`\phi(x)` the DCGAN's last features (flattened, ``features``), :math:`\psi` its last layer and
      :math:`v_y` a learned vector per class (initialised N(0, 0.02) like the DCGAN's weights).

    Returns one logit per pair, shape (B,). The other parameters are those of
    :class:`~gan_lessons.models.dcgan.DCGANDiscriminator`.
    """

    def __init__(
        self,
        n_classes=10,
        image_size=16,
        channels=1,
        width=64,
        conditioning="projection",
        spectral_norm=False,
        full_res=False,
        extra_layers=0,
        embed_dim=16,
    ):
        super().__init__()
        self.n_classes = check_int("n_classes", n_classes, minimum=2)
        self.conditioning = check_choice("conditioning", conditioning, CONDITIONINGS)
        self.image_size = image_size
        extra = check_int("embed_dim", embed_dim) if conditioning == "concat" else 0
        self.body = DCGANDiscriminator(image_size, channels + extra, width, spectral_norm, full_res, extra_layers)
        if conditioning == "concat":
            self.embed = nn.Embedding(n_classes, embed_dim)  # (B,) -> (B, embed_dim)
        else:
            head = self.body.head  # psi: conv (c -> 1) over the base x base features
            self.embed = nn.Embedding(n_classes, head.in_channels * base_size(image_size)[0] ** 2)  # v_y
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def features(self, x):
        r""":math:`\phi(x)`: the features D's last layer reads, flattened, (B, C, H, W) -> (B, n_features)."""
        return self.body.features(x).flatten(1)

    def forward(self, x, y=None):  # (B, C, H, W), (B,) -> (B,); or one Labelled(x, y)
        x, y = _unpair(x, y, "x")
        if self.conditioning == "concat":
            self.body.check_input(x)
            planes = self.embed(y)[:, :, None, None].expand(-1, -1, *x.shape[-2:])  # (B, e, H, W)
            return self.body(torch.cat([x, planes], dim=1))  # (B, C + e, H, W) -> (B,)
        h = self.body.features(x)  # (B, c, base, base): phi(x)
        psi = self.body.head(h).view(-1)  # (B,): the unconditional logit
        return psi + (self.embed(y) * h.flatten(1)).sum(dim=1)  # + v_y . phi(x)
