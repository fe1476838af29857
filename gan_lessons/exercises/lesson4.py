r"""Checks for lesson 4's exercises: transposed-convolution sizes, a DCGAN generator, FID, slerp.

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

from ..metrics import frechet_distance
from ..plotting import latent_path
from . import as_number, call_answer, record

__all__ = ["check_convt_size", "check_generator", "check_frechet_distance", "check_slerp"]


@record("lesson4.convt_size")
def check_convt_size(convt_size):
    r"""Exercise 1: ``convt_size(h, kernel, stride, padding)`` is a transposed convolution's output size.

    .. math:: h_{out} = (h - 1)\,s - 2p + k
    """
    cases = [(1, 4, 1, 0), (4, 4, 2, 1), (8, 4, 2, 1), (7, 4, 2, 1), (3, 3, 1, 1), (5, 5, 3, 2), (2, 2, 2, 0)]
    for h, k, s, p in cases:
        want = torch.nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, h, h)).shape[-1]
        got = as_number("convt_size", call_answer(convt_size, h, k, s, p))
        if got == (h + 2 * p - k) // s + 1 != want:
            raise AssertionError(
                "That is the size formula of an ordinary (strided) convolution, which shrinks the image. A transposed "
                "convolution runs it backwards: solve h = (h_out + 2p - k) / s + 1 for h_out."
            )
        assert got == want, (
            f"For h={h}, kernel={k}, stride={s}, padding={p} the output is {want} pixels wide, yours gave {got:g}. "
            "Each of the h - 1 gaps between input pixels becomes s pixels, the kernel adds k, "
            "padding removes p per side."
        )
    return "h_out = (h - 1)·s - 2p + k: kernel 4, stride 2, padding 1 doubles the size; kernel 4 on 1x1 makes 4x4."


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
        assert isinstance(G, nn.Module), f"make_generator should return an nn.Module, got {type(G).__name__}"
        try:
            x = _generator_out(G, z_dim)
        except RuntimeError as e:
            raise AssertionError(
                f"Your generator failed on noise of shape (8, {z_dim}): {str(e).splitlines()[0]}. Does it reshape z "
                f"to (B, z_dim, 1, 1) first, and is the first layer's in_channels z_dim={z_dim}?"
            ) from None
        assert tuple(x.shape) == (8, 1, 16, 16), (
            f"For noise (8, {z_dim}) the output should be (8, 1, 16, 16), yours is {tuple(x.shape)}. Print the shape "
            "after each layer: 1 -> 4 (kernel 4, stride 1, padding 0), then each kernel 4 / stride 2 / "
            "padding 1 doubles."
        )
        layers = list(G.modules())
        kinds = {type(m) for m in layers}
        assert nn.ConvTranspose2d in kinds, "Use nn.ConvTranspose2d layers to grow the image (DCGAN guideline 1)."
        assert not kinds & {nn.Linear}, "No fully connected layers: project the noise with a ConvTranspose2d on 1x1."
        no_pool = "No pooling or upsampling layers: strided (transposed) convolutions only."
        assert not kinds & {nn.MaxPool2d, nn.AvgPool2d, nn.Upsample}, no_pool
        assert nn.BatchNorm2d in kinds, "Put batch norm (nn.BatchNorm2d) after each hidden transposed convolution."
        assert nn.ReLU in kinds, "Use ReLU in the generator's hidden layers (LeakyReLU is for the discriminator)."
        last = [m for m in layers if not isinstance(m, (nn.Sequential, type(G)))][-1]
        assert isinstance(last, nn.Tanh), (
            f"The last layer should be nn.Tanh (outputs in [-1, 1], like the data), yours is {type(last).__name__}."
        )
        assert x.abs().max() <= 1.0 and x.std() > 0, "The output should vary and stay in [-1, 1]."
    n = sum(p.numel() for p in G.parameters())
    return f"A DCGAN generator: (B, {z_dim}) -> (B, 1, 16, 16) with {n:,} parameters, transposed convs, BN, ReLU, tanh."


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
            raise AssertionError("The mean term is missing: add ||mu1 - mu2||² (the squared distance of the means).")
        if abs(got - math.sqrt(max(want, 0))) < 1e-6 * max(1, want):
            raise AssertionError("You returned the square root: FID is the *squared* Fréchet distance.")
        if d > 1 and abs(got - (mean_part + np.trace(s1 + s2 - 2 * np.sqrt(s1 @ s2 + 0j).real))) < 1e-6 * max(1, want):
            raise AssertionError(
                "np.sqrt takes the square root of each entry; (Σ1 Σ2)^{1/2} is a *matrix* square root "
                "(scipy.linalg.sqrtm, or eigenvalues: Tr (Σ1Σ2)^{1/2} = sum of sqrt of the eigenvalues of Σ1Σ2)."
            )
        assert abs(got - want) <= 1e-5 * max(1.0, abs(want)), (
            f"For {d}-dimensional Gaussians the distance is {want:.6f}, yours gave {got:.6f}. Check the trace term: "
            "Tr(Σ1) + Tr(Σ2) - 2 Tr((Σ1 Σ2)^{1/2}); a matrix square root may come back complex: keep its real part."
        )
    return "FID = ||μ1 − μ2||² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½): 0 only for identical Gaussians."


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
            assert got.shape == (z_dim,), (
                f"slerp should return a code of {z_dim} numbers, like z0; got shape {tuple(got.shape)}"
            )
            if 0 < t < 1 and torch.allclose(got, (1 - t) * z0 + t * z1, atol=1e-4):
                raise AssertionError(
                    "That is the straight line (1 - t) z0 + t z1. Its middle is shorter than both ends, where G "
                    "never saw codes; follow the arc instead: weights sin((1 - t)Ω)/sin Ω and sin(tΩ)/sin Ω."
                )
            assert torch.allclose(got, want, atol=1e-4), (
                f"At t = {t} (z_dim = {z_dim}) the code should start {np.round(want[:3].numpy(), 4)}, yours starts "
                f"{np.round(got[:3].numpy(), 4)}. Ω is the angle between z0 and z1: arccos of their dot product "
                "divided by both norms."
            )
    return "slerp stays on the shell where Gaussian codes live, so every frame of a morph looks like a digit."
