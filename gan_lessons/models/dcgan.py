r"""The deep convolutional GAN of lesson 4 (Radford, Metz & Chintala 2015, arXiv:1511.06434).

For images of size 8, 16, 28, 32, 64, ... and any number of channels. The discriminator returns one
logit per image, shape ``(B,)``.
"""

from __future__ import annotations

from torch import nn

from .._validate import check_int

__all__ = ["DCGANGenerator", "DCGANDiscriminator", "dcgan_init_", "base_size"]


def base_size(image_size):
    """The small square (3..7 pixels) a DCGAN starts from: halve ``image_size`` while it is even and > 7.

    8 -> 4, 16 -> 4, 28 -> 7, 32 -> 4, 64 -> 4. Returns ``(base, number_of_doublings)``.
    """
    check_int("image_size", image_size, minimum=8)
    s, n = image_size, 0
    while s > 7 and s % 2 == 0:
        s, n = s // 2, n + 1
    if s > 7 or s < 3:
        raise ValueError(
            f"image_size must be a small number (3..7) times a power of two, e.g. 8, 16, 28, 32, 64; got {image_size}"
        )
    return s, n


def dcgan_init_(module):
    """Radford et al. (2015), Sec. 4: all weights from N(0, 0.02); batch-norm scale from N(1, 0.02), bias 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class DCGANGenerator(nn.Module):
    r"""DCGAN generator (Radford et al. 2015, Fig. 1): project-and-reshape, then fractionally strided convs.

    Guidelines followed: no pooling and no fully connected hidden layers; transposed convolutions
    double the resolution; batch norm and ReLU in every hidden layer; tanh output in [-1, 1].
    For ``image_size = base * 2**n`` (see :func:`base_size`) the widths are ``width * 2**(n-1)``
    at ``base x base`` halving each time the image doubles.

    Parameters
    ----------
    z_dim : int
        Noise dimension; ``forward`` takes ``(B, z_dim)``.
    image_size : int
        Output height = width (8, 16, 28, 32, 64, ...).
    channels : int
        1 for grayscale, 3 for RGB.
    width : int
        Channels of the last hidden layer (``ngf`` in pytorch/examples).
    full_res : bool
        The course's departure from the paper (off by default): every transposed convolution makes
        hidden features, the last one at full resolution, and a 3x3 stride-1 convolution turns them
        into the image. At 8x8 the plain generator has one hidden layer at 4x4 and must paint every
        pixel of the digit with a single transposed convolution; this adds a layer that sees the
        whole image at its native resolution.
    extra_layers : int
        Extra 3x3 stride-1 convolutions (with batch norm and ReLU) at the last hidden resolution,
        just before the output layer: ``n_extra_layers`` of the DCGAN code of Arjovsky et al. (2017).
        They add depth where the strokes are drawn at little cost. 0 (default) = none.
    """

    def __init__(self, z_dim=32, image_size=16, channels=1, width=64, full_res=False, extra_layers=0):
        super().__init__()
        self.z_dim = check_int("z_dim", z_dim)
        self.image_size = image_size
        self.channels = check_int("channels", channels)
        check_int("width", width)
        base, n = base_size(image_size)
        hidden = n if full_res else n - 1  # hidden transposed convs after the projection
        c = width * 2**hidden
        layers = [  # (B, z_dim, 1, 1) -> (B, c, base, base)
            nn.ConvTranspose2d(z_dim, c, base, 1, 0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(True),
        ]
        for _ in range(hidden):  # (B, c, s, s) -> (B, c/2, 2s, 2s)
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        for _ in range(check_int("extra_layers", extra_layers, minimum=0)):  # (B, c, s, s) -> same shape
            layers += [nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
        if full_res:  # (B, width, H, W) -> (B, channels, H, W) in [-1, 1]
            layers += [nn.Conv2d(c, channels, 3, 1, 1), nn.Tanh()]
        else:  # (B, c, H/2, W/2) -> (B, channels, H, W) in [-1, 1]
            layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z):  # (B, z_dim) -> (B, C, H, W)
        return self.net(z.view(z.shape[0], self.z_dim, 1, 1))


class DCGANDiscriminator(nn.Module):
    r"""DCGAN discriminator (Radford et al. 2015): strided convolutions, LeakyReLU(0.2), one logit.

    Mirror image of :class:`DCGANGenerator`: each strided conv halves the resolution down to
    ``base x base``, then one ``base x base`` convolution gives the logit. Batch norm on every
    hidden layer but the first (as in the paper); ``spectral_norm=True`` replaces batch norm by
    spectral normalisation of every weight (Miyato et al. 2018, arXiv:1802.05957). ``full_res=True``
    (the course's departure, mirroring :class:`DCGANGenerator`) starts with a 3x3 stride-1
    convolution at full resolution, then halves as usual (with batch norm from the second layer on).
    ``extra_layers=k`` follows every one of those convolutions with ``k`` more 3x3 stride-1 layers at the
    same resolution (batch norm or spectral norm, LeakyReLU): a deeper judge at little cost on small images.
    """

    def __init__(self, image_size=16, channels=1, width=64, spectral_norm=False, full_res=False, extra_layers=0):
        super().__init__()
        self.image_size = image_size
        check_int("channels", channels)
        check_int("width", width)
        base, n = base_size(image_size)

        def conv(*args, **kw):  # N(0, 0.02) init first, then (optionally) spectral normalisation
            layer = dcgan_init_(nn.Conv2d(*args, **kw))
            return nn.utils.parametrizations.spectral_norm(layer) if spectral_norm else layer

        extra = check_int("extra_layers", extra_layers, minimum=0)

        def block(c_in, c_out, *shape):  # conv (+ batch norm unless spectral norm) + LeakyReLU
            out = [conv(c_in, c_out, *shape, bias=spectral_norm)]
            if not spectral_norm:
                out.append(dcgan_init_(nn.BatchNorm2d(c_out)))
            return [*out, nn.LeakyReLU(0.2, True)]

        c = width
        if full_res:  # (B, C, H, W) -> (B, c, H, W): a 3x3 look at the full-resolution image
            layers = [conv(channels, c, 3, 1, 1), nn.LeakyReLU(0.2, True)]
        else:  # (B, C, H, W) -> (B, c, H/2, W/2)
            layers = [conv(channels, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(extra):  # (B, c, s, s) -> same shape
            layers += block(c, c, 3, 1, 1)
        for _ in range(n if full_res else n - 1):  # (B, c, s, s) -> (B, 2c, s/2, s/2)
            layers += block(c, 2 * c, 4, 2, 1)
            c *= 2
            for _ in range(extra):  # (B, c, s/2, s/2) -> same shape
                layers += block(c, c, 3, 1, 1)
        self.trunk = nn.Sequential(*layers)  # (B, C, H, W) -> (B, c, base, base): the features D judges by
        self.head = conv(c, 1, base, 1, 0)  # (B, c, base, base) -> (B, 1, 1, 1): the logit

    @property
    def net(self):
        """Every layer in order, ``trunk`` then ``head``: to walk through them one at a time (lesson 4)."""
        return nn.Sequential(*self.trunk, self.head)

    def check_input(self, x):
        """A ValueError unless ``x`` is a batch of images of this D's size, (B, C, H, W)."""
        if x.dim() != 4 or x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(f"x must have shape (B, C, {self.image_size}, {self.image_size}), got {tuple(x.shape)}")

    def features(self, x):
        r""":math:`\phi(x)`, what the last layer reads: (B, C, H, W) -> (B, c, base, base)."""
        self.check_input(x)
        return self.trunk(x)

    def forward(self, x):  # (B, C, H, W) -> (B,)
        return self.head(self.features(x)).view(-1)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Checkpoints written before D had ``trunk`` and ``head`` call its layers ``net.0`` ... ``net.N``."""
        old = prefix + "net."
        for key in [k for k in state_dict if k.startswith(old)]:
            i, rest = key[len(old) :].split(".", 1)
            new = f"trunk.{i}." if int(i) < len(self.trunk) else "head."
            state_dict[prefix + new + rest] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
