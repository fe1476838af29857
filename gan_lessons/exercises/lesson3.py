"""Checks for lesson 3's exercises (training dynamics, saturation, mode collapse).

Each check calls the learner's function on a few inputs, compares it with the package's own
answer (:mod:`gan_lessons.dynamics`, :mod:`gan_lessons.metrics`) or an exact enumeration, and
returns a :class:`~gan_lessons.exercises.Feedback`; it never raises.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..i18n import N_, _
from . import as_number, call_answer, record

__all__ = [
    "check_simultaneous_step",
    "check_extragradient_step",
    "check_logit_gradients",
    "check_tv_packed",
    "check_modes_covered",
]

_POINTS = [(1.0, 1.0), (0.5, -2.0), (-1.5, 0.25), (3.0, 0.0)]
_LRS = [0.1, 0.3]


def _pair(out, what):
    try:
        a, b = out
        return float(a), float(b)
    except (TypeError, ValueError):
        raise AssertionError(
            _("{what} must return a pair (new_x, new_y) of numbers, got {out!r}").format(what=what, out=out)
        ) from None


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
            assert not _close(got, (new_x, y + lr * new_x)), _(
                "You updated y with the *new* x: that is the alternating step. Simultaneous means both players use "
                "the old point (x, y)."
            )
            assert not _close(got, (x + lr * y, y - lr * x)), _(
                "Signs reversed: x *minimises* xy (moves against ∂f/∂x = y), y *maximises* it (moves along ∂f/∂y = x)."
            )
            assert not _close(got, (x - lr * x, y + lr * y)), _("∂(xy)/∂x is y, not x (and ∂(xy)/∂y is x).")
            raise AssertionError(
                _("gda_step({x}, {y}, {lr}) gave {got}; expected {want}. x' = x − η·y, y' = y + η·x.").format(
                    x=x, y=y, lr=lr, got=got, want=want
                )
            )
    return _("Right: x' = x − ηy, y' = y + ηx. Each step multiplies the distance to (0, 0) by √(1 + η²) > 1.")


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
            assert not _close(got, (hx, hy)), _(
                "That is the plain simultaneous step. Extragradient uses it only as a look-ahead point (x̃, ỹ), "
                "then steps from (x, y) with the gradient found at (x̃, ỹ)."
            )
            assert not _close(got, (hx - lr * hy, hy + lr * hx)), _(
                "You stepped from the look-ahead point. The second step starts again from (x, y): x' = x − η·ỹ, y' "
                "= y + η·x̃."
            )
            raise AssertionError(
                _(
                    "eg_step({x}, {y}, {lr}) gave {got}; expected {want}. Look ahead: x̃ = x − ηy, ỹ = y + ηx; "
                    "then x' = x − ηỹ, y' = y + ηx̃."
                ).format(x=x, y=y, lr=lr, got=got, want=want)
            )
    return _(
        "Right: for η < 1 the look-ahead gradient turns the circling into a spiral inwards (factor √(1 − η² + η⁴))."
    )


def _check_gradients(logit_gradients):
    """Check ``logit_gradients(d)`` against the package's gradients with respect to the logit (raises the hint)."""
    from ..dynamics import generator_loss_gradient

    d = np.array([0.001, 0.05, 0.3, 0.5, 0.8, 0.999])
    out = call_answer(logit_gradients, d.copy())
    try:
        sat, ns = (np.asarray(v, dtype=float) for v in out)
    except (TypeError, ValueError):
        raise AssertionError(_("logit_gradients must return a pair of arrays (saturating, nonsaturating)")) from None
    assert sat.shape == d.shape and ns.shape == d.shape, _("each array must have the shape of d, {shape}").format(
        shape=d.shape
    )
    want_sat, want_ns = generator_loss_gradient(d, "saturating"), generator_loss_gradient(d, "nonsaturating")
    if np.allclose(sat, want_ns, atol=1e-6) and np.allclose(ns, want_sat, atol=1e-6):
        raise AssertionError(_("The two are swapped: the saturating one is small where D(G(z)) is small."))
    hints = {  # for each loss: wrong sign, derivative with respect to D, anything else
        "saturating": (
            _("The saturating gradient has the wrong sign: G *minimises* its loss; both are negative."),
            _(
                "Your saturating gradient is the derivative with respect to D, not with respect to the logit ℓ. "
                "Chain rule: ∂L/∂ℓ = ∂L/∂D · dσ/dℓ, with dσ/dℓ = σ(1 − σ) = D(1 − D)."
            ),
            _(
                "The saturating gradient is off. With D = σ(ℓ): dσ/dℓ = σ(1 − σ); differentiate the loss with "
                "respect to ℓ, not with respect to D, and write the result in terms of D only."
            ),
        ),
        "non-saturating": (
            _("The non-saturating gradient has the wrong sign: G *minimises* its loss; both are negative."),
            _(
                "Your non-saturating gradient is the derivative with respect to D, not with respect to the logit "
                "ℓ. Chain rule: ∂L/∂ℓ = ∂L/∂D · dσ/dℓ, with dσ/dℓ = σ(1 − σ) = D(1 − D)."
            ),
            _(
                "The non-saturating gradient is off. With D = σ(ℓ): dσ/dℓ = σ(1 − σ); differentiate the loss with "
                "respect to ℓ, not with respect to D, and write the result in terms of D only."
            ),
        ),
    }
    for name, got, want in (("saturating", sat, want_sat), ("non-saturating", ns, want_ns)):
        sign_hint, wrt_d_hint, off_hint = hints[name]
        if np.allclose(got, -want, atol=1e-6):
            raise AssertionError(sign_hint)
        with np.errstate(divide="ignore"):
            wrt_d = -1 / (1 - d) if name == "saturating" else -1 / d
        if np.allclose(got, wrt_d, atol=1e-6):
            raise AssertionError(wrt_d_hint)
        assert np.allclose(got, want, atol=1e-6), off_hint


@record("lesson3.logit_gradients")
def check_logit_gradients(logit_gradients, limits):
    r"""``logit_gradients(d) -> (saturating, nonsaturating)``: ∂L_G/∂ℓ at D(G(z)) = σ(ℓ) = d, elementwise;
    ``limits``: the two values as D(G(z)) → 0.

    With :math:`\sigma'(\ell) = \sigma(\ell)(1 - \sigma(\ell))`:

    .. math:: \frac{\partial}{\partial \ell}\log(1 - \sigma(\ell)) = -D(G(z)) \to 0, \qquad
              \frac{\partial}{\partial \ell}\big[-\log \sigma(\ell)\big] = -(1 - D(G(z))) \to -1.

    Compared with :func:`gan_lessons.dynamics.generator_loss_gradient` (autograd through the package's losses).
    """
    _check_gradients(logit_gradients)
    try:
        lim = [float(call_answer(v)) for v in call_answer(limits)]
    except (TypeError, ValueError):
        raise AssertionError(
            _("limits should be a pair of numbers (saturating, nonsaturating): {limits!r}").format(limits=limits)
        ) from None
    assert len(lim) == 2, _("limits should be a pair (saturating, nonsaturating), got {count} numbers").format(
        count=len(lim)
    )
    sat_lim, ns_lim = lim
    if abs(sat_lim + 1) < 1e-9 and abs(ns_lim) < 1e-9:
        raise AssertionError(_("Your limits are swapped: as D(G(z)) → 0, −D(G(z)) → 0 and −(1 − D(G(z))) → −1."))
    if math.isinf(ns_lim) or (abs(sat_lim + 1) < 1e-9 and abs(ns_lim) > 1e3):
        raise AssertionError(
            _(
                "Those are the limits of the derivatives with respect to D (−1/(1 − D) and −1/D). The signal G "
                "gets is the derivative with respect to the logit: put d → 0 into your logit_gradients."
            )
        )
    if abs(sat_lim) < 1e-9 and abs(ns_lim - 1) < 1e-9:
        raise AssertionError(_("The non-saturating limit has the wrong sign: −(1 − D(G(z))) → −1."))
    assert abs(sat_lim) < 1e-9, _(
        "The saturating limit is off (you gave {sat_lim:g}): as D(G(z)) → 0, what does −D(G(z)) tend to?"
    ).format(sat_lim=sat_lim)
    assert abs(ns_lim + 1) < 1e-9, _(
        "The non-saturating limit is off (you gave {ns_lim:g}): −(1 − D(G(z))) does not vanish when D(G(z)) → 0."
    ).format(ns_lim=ns_lim)
    return _(
        "Right: ∂/∂ℓ log(1 − σ(ℓ)) = −D(G(z)) → 0 and ∂/∂ℓ[−log σ(ℓ)] = −(1 − D(G(z))) → −1. When D rejects the "
        "fakes, the saturating loss gives G no signal at all; the non-saturating one gives its strongest."
    )


def _tv_packed_enumerated(m, n_modes):
    """TV(p^m, q^m) by summing over all n_modes**m packs: p uniform on n_modes modes, q on all but the last."""
    p = np.full(n_modes, 1.0 / n_modes)
    q = np.append(np.full(n_modes - 1, 1.0 / (n_modes - 1)), 0.0)
    pm, qm = np.ones(1), np.ones(1)
    for _sample in range(m):  # the joint law of m independent samples, over every m-tuple of modes
        pm, qm = np.outer(pm, p).ravel(), np.outer(qm, q).ravel()
    return 0.5 * np.abs(pm - qm).sum()


@record("lesson3.tv_packed")
def check_tv_packed(tv_packed):
    r"""``tv_packed(m, n_modes)``: the total variation between packs of m samples when G misses one of n modes.

    :math:`p_{data}` uniform on n modes, :math:`p_g` uniform on n − 1 of them (PacGAN, Lin et al. 2018, Sec. 3):

    .. math:: \mathrm{TV}(p_{data}^m, p_g^m) = \tfrac12 \sum_{x \in \{1..n\}^m} |p_{data}^m(x) - p_g^m(x)|
              = 1 - \Big(\frac{n-1}{n}\Big)^m

    Compared with the sum over all :math:`n^m` packs.
    """
    for n in (8, 3, 5):
        for m in (2, 3, 4, 1):  # m = 2 first: there the usual wrong formulas all differ
            want = _tv_packed_enumerated(m, n)
            got = as_number("tv_packed", call_answer(tv_packed, m, n))
            if abs(got - want) < 1e-9:
                continue
            k = (n - 1) / n
            mistakes = [
                (
                    1 / n,
                    _(
                        "Packing changes nothing? Then PacGAN would be pointless. With m samples, the chance that "
                        "at least one of them lands on the missing mode grows with m — and one such sample gives "
                        "the fake pack away."
                    ),
                ),
                (
                    m / n,
                    _(
                        "m/n is the union bound on 'some sample hits the missing mode': it counts overlaps twice "
                        "and exceeds 1 for m > n, while a TV is at most 1. Compute the probability that *no* "
                        "sample does."
                    ),
                ),
                (
                    (1 / n) ** m,
                    _("(1/n)^m is the chance that *all* m samples land on the missing mode; one is enough."),
                ),
                (
                    k**m,
                    _(
                        "((n − 1)/n)^m is the probability that no sample of a real pack hits the missing mode: the "
                        "overlap Σ min(p, q) of the two packed laws. TV = 1 − overlap."
                    ),
                ),
                (2 * want, _("You forgot the ½: TV = ½ Σ |p − q| (it is at most 1).")),
                (1 - (7 / 8) ** m, _("That is the answer for 8 modes; use n_modes (here {n}).").format(n=n)),
                (
                    1 - (1 / n) ** m,
                    _(
                        "A real pack gives itself away as soon as *one* sample is on the missing mode, not only "
                        "when all are. Count the real packs that avoid the missing mode."
                    ),
                ),
            ]
            for value, hint in mistakes:
                if abs(value - want) > 1e-9 and abs(got - value) < 1e-9:
                    raise AssertionError(
                        _("tv_packed({m}, {n}) gave {got:.4g}, expected {want:.4g}. {hint}").format(
                            m=m, n=n, got=got, want=want, hint=hint
                        )
                    )
            raise AssertionError(
                _(
                    "tv_packed({m}, {n}) gave {got:.4g}; summing over all {n}^{m} packs gives {want:.4g}. p_g^m is "
                    "uniform on the packs that avoid the missing mode, p_data^m uniform on all: which packs have "
                    "p_data^m > p_g^m, and which the other way round?"
                ).format(m=m, n=n, got=got, want=want)
            )
    return _(
        "Right: TV(p_data^m, p_g^m) = 1 − ((n − 1)/n)^m; with 8 modes, 0.125 for one sample, 0.41 for packs of 4, "
        "0.66 for packs of 8. A discriminator that sees m samples at once tells the collapse apart far more "
        "easily. In the package MLPDiscriminator(pack=m) does this: it reshapes a batch (B, dim) into (B/m, "
        "m·dim), m consecutive samples side by side, and judges each pack."
    )


@record("lesson3.modes_covered")
def check_modes_covered(modes_covered):
    """``modes_covered(samples, centers, sigma) -> (modes, hq_share)``, like ``metrics.mode_coverage``."""
    from ..data.toy import ring8
    from ..metrics import mode_coverage

    t = ring8()
    rng = np.random.default_rng(0)
    cases = {  # what each case is, as the feedback names it (translated where shown)
        N_("samples of the target"): t.sample(400, torch.Generator().manual_seed(0)).numpy(),
        N_("a collapsed generator (one mode)"): t.centers[[3]] + 0.02 * rng.standard_normal((400, 2)),
        N_("a blurry generator (most samples too far)"): t.centers[rng.integers(0, 8, 400)]
        + 0.1 * rng.standard_normal((400, 2)),
        N_("samples between two modes"): np.repeat(t.centers[:1] * 0.9, 50, 0),
    }
    for case, x in cases.items():
        name = _(case)
        out = call_answer(modes_covered, x.copy(), t.centers.copy(), float(t.sigmas[0]))
        try:
            modes, hq = out
            modes, hq = int(modes), float(hq)
        except (TypeError, ValueError):
            raise AssertionError(_("modes_covered must return a pair (modes, hq_share)")) from None
        want = mode_coverage(x, t)
        assert 0.0 <= hq <= 1.0, _("hq_share is a share of samples, between 0 and 1; got {hq} for {name}").format(
            hq=hq, name=name
        )
        assert abs(hq - want["hq_share"]) < 1e-9, _(
            "For {name} the high-quality share should be {want:.3f}, got {hq:.3f}: a sample is high quality when "
            "its distance to the *nearest* centre is at most 3σ."
        ).format(name=name, want=want["hq_share"], hq=hq)
        assert modes == want["modes"], _(
            "For {name} {want} modes are covered, you found {modes}: a mode counts when at least one high-quality "
            "sample has it as nearest centre."
        ).format(name=name, want=want["modes"], modes=modes)
    return _(
        "Right: the numbers of Metz et al. (2016), VEEGAN and PacGAN, as gan_lessons.metrics.mode_coverage has them."
    )
