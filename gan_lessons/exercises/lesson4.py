r"""Checks for lesson 4's exercises: transposed-convolution settings, a DCGAN generator, FID, slerp.

Each check calls the learner's code on inputs of its own (so a hard-coded answer fails), compares
with the package (:mod:`gan_lessons.models`, :mod:`gan_lessons.metrics`, :mod:`gan_lessons.plotting`)
and returns a :class:`~gan_lessons.exercises.Feedback`: correct, wrong with a specific hint, or "not
attempted yet". See ``docs/exercises.md``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..i18n import _
from ..metrics import frechet_distance
from ..plotting import latent_path
from . import as_number, call_answer, record

__all__ = ["check_convt_settings", "check_generator", "check_frechet_distance", "check_slerp"]


_HS = range(1, 33)  # the input sizes a layer is tried on


def _layer(name, out):
    """The learner's (kernel, stride, padding) as three ints, or a hint saying what came back."""
    try:
        k, s, p = out
        assert all(float(v) == int(v) for v in (k, s, p))
        k, s, p = int(k), int(s), int(p)
    except (TypeError, ValueError, AssertionError):
        raise AssertionError(
            _("{name} should be three whole numbers (kernel, stride, padding), got {out!r}").format(name=name, out=out)
        ) from None
    assert 1 <= k <= 64 and 1 <= s <= 64 and 0 <= p <= 64, _(
        "{name} = {layer}: kernel and stride must be at least 1 (and not huge), padding at least 0."
    ).format(name=name, layer=(k, s, p))
    return k, s, p


def _out_sizes(k, s, p, hs):
    """The output side of ``nn.ConvTranspose2d(1, 1, k, s, p)`` on each h x h input (None where it has none)."""
    conv = nn.ConvTranspose2d(1, 1, k, s, p)
    sizes = []
    with torch.no_grad():
        for h in hs:
            try:
                sizes.append(conv(torch.zeros(1, 1, h, h)).shape[-1])
            except RuntimeError:  # the padding removes more than the layer makes
                sizes.append(None)
    return sizes


def _check_doubling(doubling):
    """The layer ``doubling`` = (k, s, p), or the hint if it does not map every h x h to 2h x 2h."""
    k, s, p = _layer("doubling", call_answer(doubling))
    sizes = _out_sizes(k, s, p, _HS)
    if sizes != [2 * h for h in _HS]:
        table = ", ".join(f"{h} → {o}" for h, o in zip(_HS, sizes, strict=True) if h in (1, 2, 4, 8, 16))
        if None in sizes:
            raise AssertionError(
                _(
                    "doubling = {layer} has no output at h = {h}: the padding removes more than the layer makes. "
                    "Solve (h − 1)·s − 2p + k = 2h for every h."
                ).format(layer=(k, s, p), h=_HS[sizes.index(None)])
            )
        if s == 1:
            raise AssertionError(
                _(
                    "doubling = {layer} gives {table}. With stride 1, h_out = h + (k − 1 − 2p): it adds a fixed "
                    "number of pixels, which doubles at most one size. The stride is what multiplies h."
                ).format(layer=(k, s, p), table=table)
            )
        if s != 2:
            raise AssertionError(
                _(
                    "doubling = {layer} gives {table}: stride {s} multiplies h by {s}. In (h − 1)·s − 2p + k = 2h, "
                    "compare the coefficients of h."
                ).format(layer=(k, s, p), table=table, s=s)
            )
        extra = k - 2 * p - 2
        if k % 2:
            raise AssertionError(
                _(
                    "doubling = {layer} gives {table}: 2h {sign} {extra}. With stride 2 you need k − 2p = 2, i.e. "
                    "an even kernel: an odd one such as {k} would need a padding of a half pixel."
                ).format(layer=(k, s, p), table=table, sign="+" if extra > 0 else "−", extra=abs(extra), k=k)
            )
        raise AssertionError(
            _(
                "doubling = {layer} gives {table}: 2h {sign} {extra}. The stride is right; now make the constant "
                "vanish: (h − 1)·2 − 2p + k = 2h needs k − 2p = 2."
            ).format(layer=(k, s, p), table=table, sign="+" if extra > 0 else "−", extra=abs(extra))
        )
    return k, s, p


@record("lesson4.convt_settings")
def check_convt_settings(doubling, first):
    r"""Exercise 1: ``doubling = (k, s, p)`` maps every h x h to 2h x 2h; ``first = (k, s, p)`` maps 1 x 1 to 4 x 4.

    With the output size of a transposed convolution

    .. math:: h_{out} = (h - 1)\,s - 2p + k,

    :math:`h_{out} = 2h` for every h needs :math:`s = 2` and :math:`k - 2p = 2` (e.g. (4, 2, 1), DCGAN's; also
    (2, 2, 0), (6, 2, 2)); at :math:`h = 1` there are no gaps, so :math:`h_{out} = k - 2p = 4` (e.g. (4, 1, 0)).
    Sizes are those of ``nn.ConvTranspose2d`` on h = 1 … 32.
    """
    k, s, p = _check_doubling(doubling)
    k1, s1, p1 = _layer("first", call_answer(first))
    (size,) = _out_sizes(k1, s1, p1, [1])
    if size != 4:
        if (k1, s1, p1) == (k, s, p):
            hint = _("That is your doubling layer: on 1 x 1 it makes 2 x 2.")
        elif size:
            hint = _("first = {layer} makes {size} x {size}.").format(layer=(k1, s1, p1), size=size)
        else:
            hint = _("The padding removes everything.")
        raise AssertionError(
            _(
                "{hint} On a 1 x 1 input there are no gaps between pixels, so the stride plays no role: h_out = (1 "
                "− 1)·s − 2p + k = k − 2p. You need k − 2p = 4."
            ).format(hint=hint)
        )
    if (k, s, p) == (4, 2, 1):
        msg = _(
            "Right: doubling = {doubling} and first = {first}. Every doubling layer has stride 2 and k = 2p + 2 — "
            "(2, 2, 0), (4, 2, 1), (6, 2, 2), …; the first layer only needs k − 2p = 4, e.g. (4, 1, 0). A 3 x 3 "
            "kernel cannot double (k − 2p = 2 would need p = ½): that is why PyTorch has output_padding, and why "
            "the course's 3 x 3 layers (stride 1, padding 1) keep the size."
        )
    else:
        msg = _(
            "Right: doubling = {doubling} and first = {first}. Every doubling layer has stride 2 and k = 2p + 2 — "
            "(2, 2, 0), (4, 2, 1), (6, 2, 2), …; the first layer only needs k − 2p = 4, e.g. (4, 1, 0). DCGAN (and "
            "the package's DCGANGenerator) uses (4, 2, 1) for doubling. A 3 x 3 kernel cannot double (k − 2p = 2 "
            "would need p = ½): that is why PyTorch has output_padding, and why the course's 3 x 3 layers (stride "
            "1, padding 1) keep the size."
        )
    return msg.format(doubling=(k, s, p), first=(k1, s1, p1))


def _generator_out(G, z_dim, n=8):
    z = torch.randn(n, z_dim, generator=torch.Generator().manual_seed(0))
    G.eval()
    with torch.no_grad():
        x = G(z)
    G.train()
    return x


@record("lesson4.generator")
def check_generator(make_generator):
    r"""Exercise 2: ``make_generator(z_dim)`` builds a DCGAN generator for 16x16 grayscale digits.

    The guidelines (Radford et al. 2015): transposed convolutions, batch norm and ReLU in the hidden
    layers, tanh at the output, no pooling and no fully connected hidden layers; input (B, z_dim).
    """
    for z_dim in (32, 7):
        G = call_answer(make_generator, z_dim)
        assert isinstance(G, nn.Module), _("make_generator should return an nn.Module, got {type}").format(
            type=type(G).__name__
        )
        try:
            x = _generator_out(G, z_dim)
        except RuntimeError as e:
            raise AssertionError(
                _(
                    "Your generator failed on noise of shape (8, {z_dim}): {error}. Does it reshape z to (B, "
                    "z_dim, 1, 1) first, and is the first layer's in_channels z_dim={z_dim}?"
                ).format(z_dim=z_dim, error=str(e).splitlines()[0])
            ) from None
        assert tuple(x.shape) == (8, 1, 16, 16), _(
            "For noise (8, {z_dim}) the output should be (8, 1, 16, 16), yours is {shape}. Print the shape after "
            "each layer: 1 -> 4 (kernel 4, stride 1, padding 0), then each kernel 4 / stride 2 / padding 1 doubles."
        ).format(z_dim=z_dim, shape=tuple(x.shape))
        layers = list(G.modules())
        kinds = {type(m) for m in layers}
        assert nn.ConvTranspose2d in kinds, _("Use nn.ConvTranspose2d layers to grow the image (DCGAN guideline 1).")
        assert not kinds & {nn.Linear}, _("No fully connected layers: project the noise with a ConvTranspose2d on 1x1.")
        no_pool = _("No pooling or upsampling layers: strided (transposed) convolutions only.")
        assert not kinds & {nn.MaxPool2d, nn.AvgPool2d, nn.Upsample}, no_pool
        assert nn.BatchNorm2d in kinds, _("Put batch norm (nn.BatchNorm2d) after each hidden transposed convolution.")
        assert nn.ReLU in kinds, _("Use ReLU in the generator's hidden layers (LeakyReLU is for the discriminator).")
        last = [m for m in layers if not isinstance(m, (nn.Sequential, type(G)))][-1]
        assert isinstance(last, nn.Tanh), _(
            "The last layer should be nn.Tanh (outputs in [-1, 1], like the data), yours is {type}."
        ).format(type=type(last).__name__)
        assert x.abs().max() <= 1.0 and x.std() > 0, _("The output should vary and stay in [-1, 1].")
    n = sum(p.numel() for p in G.parameters())
    return _(
        "A DCGAN generator: (B, {z_dim}) -> (B, 1, 16, 16) with {n:,} parameters, transposed convs, BN, ReLU, tanh."
    ).format(z_dim=z_dim, n=n)


@record("lesson4.frechet_distance")
def check_frechet_distance(frechet):
    r"""Exercise 3: ``frechet(mu1, sigma1, mu2, sigma2)`` is the FID formula.

    .. math:: \lVert \mu_1 - \mu_2 \rVert^2
              + \operatorname{Tr}\big(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\big)
    """
    rng = np.random.default_rng(2017)
    for d in (1, 3, 6):
        a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
        s1, s2 = a @ a.T + 0.1 * np.eye(d), b @ b.T + 0.2 * np.eye(d)
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        want = frechet_distance(mu1, s1, mu2, s2)
        got = as_number("frechet", call_answer(frechet, mu1.copy(), s1.copy(), mu2.copy(), s2.copy()))
        mean_part = ((mu1 - mu2) ** 2).sum()
        if abs(got - (want - mean_part)) < 1e-6 * max(1, want) and mean_part > 1e-3:
            raise AssertionError(_("The mean term is missing: add ||mu1 - mu2||² (the squared distance of the means)."))
        if abs(got - math.sqrt(max(want, 0))) < 1e-6 * max(1, want):
            raise AssertionError(_("You returned the square root: FID is the *squared* Fréchet distance."))
        if d > 1 and abs(got - (mean_part + np.trace(s1 + s2 - 2 * np.sqrt(s1 @ s2 + 0j).real))) < 1e-6 * max(1, want):
            raise AssertionError(
                _(
                    "np.sqrt takes the square root of each entry; (Σ1 Σ2)^{1/2} is a *matrix* square root "
                    "(scipy.linalg.sqrtm, or eigenvalues: Tr (Σ1Σ2)^{1/2} = sum of sqrt of the eigenvalues of "
                    "Σ1Σ2)."
                )
            )
        assert abs(got - want) <= 1e-5 * max(1.0, abs(want)), _(
            "For {d}-dimensional Gaussians the distance is {want:.6f}, yours gave {got:.6f}. Check the trace term: "
            "Tr(Σ1) + Tr(Σ2) - 2 Tr((Σ1 Σ2)^{{1/2}}); a matrix square root may come back complex: keep its real "
            "part."
        ).format(d=d, want=want, got=got)
    return _("FID = ||μ1 − μ2||² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½): 0 only for identical Gaussians.")


@record("lesson4.slerp")
def check_slerp(slerp):
    r"""Exercise 4: ``slerp(z0, z1, t)``, spherical interpolation (Shoemake 1985; White 2016, arXiv:1609.04468).

    .. math:: \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
              \quad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert \lVert z_1\rVert}
    """
    g = torch.Generator().manual_seed(2016)
    for z_dim in (2, 32):
        z0, z1 = torch.randn(z_dim, generator=g), torch.randn(z_dim, generator=g)
        for t, want in zip(torch.linspace(0, 1, 5).tolist(), latent_path(z0, z1, 5), strict=True):
            got = torch.as_tensor(call_answer(slerp, z0.clone(), z1.clone(), t), dtype=torch.float32).reshape(-1)
            assert got.shape == (z_dim,), _(
                "slerp should return a code of {z_dim} numbers, like z0; got shape {shape}"
            ).format(z_dim=z_dim, shape=tuple(got.shape))
            if 0 < t < 1 and torch.allclose(got, (1 - t) * z0 + t * z1, atol=1e-4):
                raise AssertionError(
                    _(
                        "That is the straight line (1 - t) z0 + t z1. Its middle is shorter than both ends, where "
                        "G never saw codes; follow the arc instead: weights sin((1 - t)Ω)/sin Ω and sin(tΩ)/sin Ω."
                    )
                )
            assert torch.allclose(got, want, atol=1e-4), _(
                "At t = {t} (z_dim = {z_dim}) the code should start {want}, yours starts {got}. Ω is the angle "
                "between z0 and z1: arccos of their dot product divided by both norms."
            ).format(t=t, z_dim=z_dim, want=np.round(want[:3].numpy(), 4), got=np.round(got[:3].numpy(), 4))
    return _("slerp stays on the shell where Gaussian codes live, so every frame of a morph looks like a digit.")
