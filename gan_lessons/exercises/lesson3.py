"""Checks for lesson 3's exercises (training dynamics, saturation, mode collapse).

Each check calls the learner's function on a few inputs, compares it with the package's own
answer (:mod:`gan_lessons.dynamics`, :mod:`gan_lessons.models`, :mod:`gan_lessons.metrics`) and
returns a :class:`~gan_lessons.exercises.Feedback`; it never raises.
"""

from __future__ import annotations

import numpy as np
import torch

from . import call_answer, record

__all__ = [
    "check_simultaneous_step",
    "check_extragradient_step",
    "check_logit_gradients",
    "check_pack",
    "check_modes_covered",
]

_POINTS = [(1.0, 1.0), (0.5, -2.0), (-1.5, 0.25), (3.0, 0.0)]
_LRS = [0.1, 0.3]


def _pair(out, what):
    try:
        a, b = out
        return float(a), float(b)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must return a pair (new_x, new_y) of numbers, got {out!r}") from None


def _close(a, b):
    return abs(a[0] - b[0]) < 1e-9 and abs(a[1] - b[1]) < 1e-9


@record("lesson3.simultaneous_step")
def check_simultaneous_step(gda_step):
    """``gda_step(x, y, lr) -> (x', y')``: one simultaneous gradient step on min_x max_y xy."""
    for x, y in _POINTS:
        for lr in _LRS:
            got = _pair(call_answer(gda_step, x, y, lr), "gda_step")
            want = (x - lr * y, y + lr * x)
            if _close(got, want):
                continue
            new_x = x - lr * y
            assert not _close(got, (new_x, y + lr * new_x)), (
                "You updated y with the *new* x: that is the alternating step. Simultaneous means both players "
                "use the old point (x, y)."
            )
            assert not _close(got, (x + lr * y, y - lr * x)), (
                "Signs reversed: x *minimises* xy (moves against ∂f/∂x = y), y *maximises* it (moves along ∂f/∂y = x)."
            )
            assert not _close(got, (x - lr * x, y + lr * y)), "∂(xy)/∂x is y, not x (and ∂(xy)/∂y is x)."
            raise AssertionError(f"gda_step({x}, {y}, {lr}) gave {got}; expected {want}. x' = x − η·y, y' = y + η·x.")
    return "Right: x' = x − ηy, y' = y + ηx. Each step multiplies the distance to (0, 0) by √(1 + η²) > 1."


@record("lesson3.extragradient_step")
def check_extragradient_step(eg_step):
    """``eg_step(x, y, lr) -> (x', y')``: one extragradient step (look ahead, then step from the start)."""
    for x, y in _POINTS:
        for lr in _LRS:
            got = _pair(call_answer(eg_step, x, y, lr), "eg_step")
            hx, hy = x - lr * y, y + lr * x
            want = (x - lr * hy, y + lr * hx)
            if _close(got, want):
                continue
            assert not _close(got, (hx, hy)), (
                "That is the plain simultaneous step. Extragradient uses it only as a look-ahead point (x̃, ỹ), "
                "then steps from (x, y) with the gradient found at (x̃, ỹ)."
            )
            assert not _close(got, (hx - lr * hy, hy + lr * hx)), (
                "You stepped from the look-ahead point. The second step starts again from (x, y): "
                "x' = x − η·ỹ, y' = y + η·x̃."
            )
            raise AssertionError(
                f"eg_step({x}, {y}, {lr}) gave {got}; expected {want}. Look ahead: x̃ = x − ηy, ỹ = y + ηx; "
                "then x' = x − ηỹ, y' = y + ηx̃."
            )
    return "Right: for η < 1 the look-ahead gradient turns the circling into a spiral inwards (factor √(1 − η² + η⁴))."


@record("lesson3.logit_gradients")
def check_logit_gradients(logit_gradients):
    """``logit_gradients(d) -> (saturating, nonsaturating)``: ∂L_G/∂logit at D(G(z)) = d, elementwise."""
    from ..dynamics import generator_loss_gradient

    d = np.array([0.001, 0.05, 0.3, 0.5, 0.8, 0.999])
    out = call_answer(logit_gradients, d.copy())
    try:
        sat, ns = (np.asarray(v, dtype=float) for v in out)
    except (TypeError, ValueError):
        raise AssertionError("logit_gradients must return a pair of arrays (saturating, nonsaturating)") from None
    assert sat.shape == d.shape and ns.shape == d.shape, f"each array must have the shape of d, {d.shape}"
    want_sat, want_ns = generator_loss_gradient(d, "saturating"), generator_loss_gradient(d, "nonsaturating")
    if np.allclose(sat, want_ns, atol=1e-6) and np.allclose(ns, want_sat, atol=1e-6):
        raise AssertionError("The two are swapped: the saturating one is small where D(G(z)) is small.")
    for name, got, want in (("saturating", sat, want_sat), ("non-saturating", ns, want_ns)):
        if np.allclose(got, -want, atol=1e-6):
            raise AssertionError(f"The {name} gradient has the wrong sign: G *minimises* its loss; both are negative.")
        assert np.allclose(got, want, atol=1e-6), (
            f"The {name} gradient is off. With D = σ(ℓ): dσ/dℓ = σ(1 − σ); differentiate the loss with respect "
            "to ℓ, not with respect to D."
        )
    return "Right: −D(G(z)) vanishes when D rejects the fakes, −(1 − D(G(z))) is largest there."


@record("lesson3.pack")
def check_pack(pack):
    """``pack(x, m)``: (B, dim) -> (B / m, m * dim), each row m consecutive samples side by side."""
    from ..models import MLPDiscriminator

    x = torch.arange(24, dtype=torch.float32).reshape(12, 2)
    for m in (1, 2, 3):
        got = call_answer(pack, x.clone(), m)
        got = torch.as_tensor(got, dtype=torch.float32)
        want = x.reshape(12 // m, 2 * m)
        assert got.shape == want.shape, f"pack(x, {m}) should have shape {tuple(want.shape)}, got {tuple(got.shape)}"
        if not torch.equal(got, want):
            raise AssertionError(
                f"pack(x, {m}) has the right shape but mixes the wrong samples: row i must be samples "
                f"i·m … i·m + m − 1 side by side (row 0 of pack(x, 2) is [x0, x1] = {want[0].tolist()})."
            )
    D = MLPDiscriminator(2, 8, 1, pack=3)  # the package's D packs the same way
    with torch.no_grad():
        assert torch.allclose(D(x), D.net(torch.as_tensor(pack(x, 3), dtype=torch.float32)).squeeze(-1))
    return "Right: that is how MLPDiscriminator(pack=m) feeds D: one input per pack of m samples."


@record("lesson3.modes_covered")
def check_modes_covered(modes_covered):
    """``modes_covered(samples, centers, sigma) -> (modes, hq_share)``, like ``metrics.mode_coverage``."""
    from ..data.toy import ring8
    from ..metrics import mode_coverage

    t = ring8()
    rng = np.random.default_rng(0)
    cases = {
        "samples of the target": t.sample(400, torch.Generator().manual_seed(0)).numpy(),
        "a collapsed generator (one mode)": t.centers[[3]] + 0.02 * rng.standard_normal((400, 2)),
        "a blurry generator (most samples too far)": t.centers[rng.integers(0, 8, 400)]
        + 0.1 * rng.standard_normal((400, 2)),
        "samples between two modes": np.repeat(t.centers[:1] * 0.9, 50, 0),
    }
    for name, x in cases.items():
        out = call_answer(modes_covered, x.copy(), t.centers.copy(), float(t.sigmas[0]))
        try:
            modes, hq = out
            modes, hq = int(modes), float(hq)
        except (TypeError, ValueError):
            raise AssertionError("modes_covered must return a pair (modes, hq_share)") from None
        want = mode_coverage(x, t)
        assert 0.0 <= hq <= 1.0, f"hq_share is a share of samples, between 0 and 1; got {hq} for {name}"
        assert abs(hq - want["hq_share"]) < 1e-9, (
            f"For {name} the high-quality share should be {want['hq_share']:.3f}, got {hq:.3f}: a sample is high "
            "quality when its distance to the *nearest* centre is at most 3σ."
        )
        assert modes == want["modes"], (
            f"For {name} {want['modes']} modes are covered, you found {modes}: a mode counts when at least one "
            "high-quality sample has it as nearest centre."
        )
    return "Right: the numbers of Metz et al. (2016), VEEGAN and PacGAN, as gan_lessons.metrics.mode_coverage has them."
