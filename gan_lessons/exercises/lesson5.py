"""Checks for lesson 5's exercises (divergences, Wasserstein-1, Lipschitz critics).

Each check calls the learner's function on a few inputs, compares it with an exact answer
(:mod:`gan_lessons.theory`) and returns a :class:`~gan_lessons.exercises.Feedback`; it never raises.
"""

from __future__ import annotations

import math

import numpy as np

from ..i18n import N_, _
from . import as_number, call_answer, record

__all__ = [
    "GRADIENT_CASES",
    "check_gradient_predictions",
    "check_w1_gaussians",
    "check_best_critic",
    "check_gp_slope",
    "check_clip_bound",
]

_NAMES = ("JSD", "KL(p||q)", "KL(q||p)", "W1")

#: The two situations of exercise 1: p_data and p_g, and where the slope is read.
GRADIENT_CASES = {
    "gaussians": "p_data = N(0, 0.2²), p_g = N(s, 0.2²) at s = 3",
    "uniforms": "p_data = U(0, 1), p_g = U(s, s + 1) at s = 3 (no overlap at all)",
}


def _truth(case):
    """Which divergences have a usable slope (finite and not ~0) with respect to s, measured on a grid."""
    from ..divergences import divergence

    # a grid only as wide as the two densities need: further out a Gaussian tail underflows to 0, and KL with it
    x = np.linspace(-2, 5, 14001) if case == "gaussians" else np.linspace(-1, 5, 12001)
    dx = x[1] - x[0]
    out = {}
    for name in _NAMES:
        vals = []
        for s in (2.99, 3.01):
            if case == "gaussians":
                p = np.exp(-0.5 * (x / 0.2) ** 2) / (0.2 * math.sqrt(2 * math.pi))
                q = np.exp(-0.5 * ((x - s) / 0.2) ** 2) / (0.2 * math.sqrt(2 * math.pi))
            else:
                p = ((x >= 0) & (x < 1)).astype(float)
                q = ((x >= s) & (x < s + 1)).astype(float)
                p, q = p / (p.sum() * dx), q / (q.sum() * dx)
            vals.append(float(divergence(name, p, q, dx)))
        slope = (vals[1] - vals[0]) / 0.02 if all(map(math.isfinite, vals)) else math.nan
        out[name] = math.isfinite(slope) and abs(slope) > 1e-3
    return out


_WHY = {
    ("gaussians", "JSD"): N_(
        "At s = 3 the two bumps (σ = 0.2) overlap on a tail of about e⁻²⁸: JSD is log 2 to 12 digits and flat. "
        "This is the minimax generator's vanishing gradient."
    ),
    ("gaussians", "KL(p||q)"): N_(
        "Gaussians never have zero density, so KL is finite: s²/(2σ²) = 112.5, with slope s/σ² = 75, a steep "
        "gradient (too steep to be a comfortable loss, but there is one)."
    ),
    ("gaussians", "KL(q||p)"): N_(
        "For two Gaussians of the same width KL is symmetric, s²/(2σ²): finite, with slope 75."
    ),
    ("gaussians", "W1"): N_("W1 of a shift is |s|: slope 1 at any distance."),
    ("uniforms", "JSD"): N_("The supports do not overlap: JSD is exactly log 2 for every s > 1, slope 0."),
    ("uniforms", "KL(p||q)"): N_(
        "p_data > 0 where p_g = 0: KL is infinite for every s ≠ 0, so it has no usable slope."
    ),
    ("uniforms", "KL(q||p)"): N_("p_g > 0 where p_data = 0: infinite too, at every s ≠ 0."),
    ("uniforms", "W1"): N_("W1 = |s| = 3: all the mass moves 3 to the right, and the slope is 1."),
}


@record("lesson5.gradient_predictions")
def check_gradient_predictions(predictions):
    """``predictions``: {"gaussians": {name: bool}, "uniforms": {name: bool}}, True where the divergence
    still has a usable gradient with respect to the shift (finite and not zero) at s = 3."""
    answer = call_answer(predictions)
    if not isinstance(answer, dict) or set(answer) != set(GRADIENT_CASES):
        raise AssertionError(_("predictions must be a dict with the keys {keys}").format(keys=sorted(GRADIENT_CASES)))
    for case in GRADIENT_CASES:
        got = answer[case]
        if not isinstance(got, dict) or set(got) != set(_NAMES):
            raise AssertionError(
                _("predictions[{case!r}] must map each of {names} to True or False").format(
                    case=case, names=list(_NAMES)
                )
            )
        if any(v is Ellipsis or v is None for v in got.values()):
            call_answer(None)  # a stub: not attempted yet
        truth = _truth(case)
        for name in _NAMES:
            if not isinstance(got[name], (bool, np.bool_)):
                raise AssertionError(
                    _("predictions[{case!r}][{name!r}] must be True or False, got {answer!r}").format(
                        case=case, name=name, answer=got[name]
                    )
                )
            if bool(got[name]) != truth[name]:
                raise AssertionError(
                    _("{case}, {name}: not {answer}. {why}").format(
                        case=case, name=name, answer=got[name], why=_(_WHY[(case, name)])
                    )
                )
    return _(
        "Right. Only W1 has a usable gradient in both cases: JSD is flat once the supports barely overlap, and KL "
        "is infinite when they do not overlap at all."
    )


def _w1_exact(m1, s1, m2, s2):
    from ..theory import wasserstein1

    lo, hi = min(m1 - 10 * s1, m2 - 10 * s2), max(m1 + 10 * s1, m2 + 10 * s2)
    x = np.linspace(lo, hi, 40001)
    p = np.exp(-0.5 * ((x - m1) / s1) ** 2) / (s1 * math.sqrt(2 * math.pi))
    q = np.exp(-0.5 * ((x - m2) / s2) ** 2) / (s2 * math.sqrt(2 * math.pi))
    return float(wasserstein1(p, q, x[1] - x[0]))


@record("lesson5.w1_gaussians")
def check_w1_gaussians(w1_gaussians):
    r"""``w1_gaussians(m1, s1, m2, s2)``: :math:`W_1(\mathcal N(m_1, s_1^2), \mathcal N(m_2, s_2^2))`, in closed form.

    The sorted (monotone) coupling sends :math:`X` to :math:`Y = m_2 + (s_2/s_1)(X - m_1)`, so
    :math:`X - Y \sim \mathcal N(\mu, \tau^2)` with :math:`\mu = m_1 - m_2`, :math:`\tau = |s_1 - s_2|`, and
    :math:`W_1 = \mathbb E|X - Y| = \tau\sqrt{2/\pi}\,e^{-\mu^2/2\tau^2} + \mu\,(1 - 2\Phi(-\mu/\tau))`.
    Checked against :func:`gan_lessons.theory.wasserstein1` on a fine grid.
    """
    cases = [
        (0.0, 1.0, 3.0, 1.0),
        (1.0, 0.5, -1.5, 0.5),
        (0.0, 1.0, 0.0, 2.0),
        (2.0, 1.0, 0.5, 0.3),
        (0.0, 1.0, 0.3, 3.0),
    ]
    for m1, s1, m2, s2 in cases:
        got = as_number("w1_gaussians", call_answer(w1_gaussians, m1, s1, m2, s2))
        want = _w1_exact(m1, s1, m2, s2)
        if abs(got - want) <= 1e-4 * max(1.0, want):
            continue
        mu, tau = m1 - m2, abs(s1 - s2)
        if s1 == s2:
            raise AssertionError(
                _(
                    "w1_gaussians({m1}, {s1}, {m2}, {s2}) gave {got:.4f}; expected {want:.4f}. Same widths: every "
                    "bit of mass moves by the same distance. How far?"
                ).format(m1=m1, s1=s1, m2=m2, s2=s2, got=got, want=want)
            )
        if abs(got - abs(mu)) < 1e-6:
            raise AssertionError(
                _(
                    "With different widths ({s1} and {s2}) W1 is more than |m1 − m2| = {distance:g}: the mass must "
                    "also spread or shrink. Couple the sorted samples: Y = m2 + (s2/s1)(X − m1); what is the law "
                    "of X − Y?"
                ).format(s1=s1, s2=s2, distance=abs(mu))
            )
        if abs(got - math.hypot(mu, tau)) < 1e-6:
            raise AssertionError(
                _("That is W2, the root-mean-square distance under the sorted coupling. W1 is E|X − Y|.")
            )
        if abs(got - (abs(mu) + tau * math.sqrt(2 / math.pi))) < 1e-6:
            raise AssertionError(
                _(
                    "|m1 − m2| + |s1 − s2|·√(2/π) adds the two parts, but E|μ + τZ| is not |μ| + τE|Z| (they "
                    "partly cancel): X − Y ~ N(μ, τ²), and you need the mean of a folded normal."
                )
            )
        raise AssertionError(
            _(
                "w1_gaussians({m1}, {s1}, {m2}, {s2}) gave {got:.4f}; expected {want:.4f}. Under the sorted "
                "coupling X − Y ~ N(μ, τ²) with μ = m1 − m2, τ = |s1 − s2|: W1 = E|X − Y|."
            ).format(m1=m1, s1=s1, m2=m2, s2=s2, got=got, want=want)
        )
    return _("Right: W1 = E|μ + τZ|, which is |m1 − m2| for equal widths and grows with the width difference.")


@record("lesson5.best_critic")
def check_best_critic(best_critic):
    r"""``best_critic(x, p, q)``: values on the grid ``x`` of a 1-Lipschitz :math:`f` that maximises
    :math:`\int f\,(p - q)\,dx`, which is then :math:`W_1(p, q)`."""
    from ..theory import wasserstein1

    x = np.linspace(-8, 10, 3601)
    dx = x[1] - x[0]
    g = lambda m, s: np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
    for p, q in ((g(0, 1), g(3, 0.5)), (0.5 * g(-2, 0.5) + 0.5 * g(2, 0.5), g(0.5, 1.0)), (g(2, 1), g(-1, 2))):
        f = np.asarray(call_answer(best_critic, x.copy(), p.copy(), q.copy()), dtype=float)
        if f.shape != x.shape:
            raise AssertionError(
                _("best_critic must return one value per grid point, shape {shape}; got {got}").format(
                    shape=x.shape, got=f.shape
                )
            )
        if not np.all(np.isfinite(f)):
            raise AssertionError(_("best_critic returned NaN or infinite values"))
        slope = np.abs(np.diff(f)).max() / dx
        if slope > 1 + 1e-6:
            raise AssertionError(
                _(
                    "Your critic climbs with slope {slope:.3g} somewhere: it must be 1-Lipschitz, |f(x + dx) − "
                    "f(x)| ≤ dx."
                ).format(slope=slope)
            )
        gain, w1 = float((f * (p - q)).sum() * dx), float(wasserstein1(p, q, dx))
        if abs(gain + w1) < 1e-3 * w1:
            raise AssertionError(
                _(
                    "Your critic reaches −W1: it is the best one upside down. It should be high where p has mass "
                    "to spare."
                )
            )
        if abs(gain - w1) > 1e-3 * w1:
            raise AssertionError(
                _(
                    "E_p f − E_q f = {gain:.4f}, but W1 = {w1:.4f}: a better 1-Lipschitz critic exists. From the "
                    "integration by parts, f′ should be −1 wherever F_p > F_q and +1 wherever F_p < F_q."
                ).format(gain=gain, w1=w1)
            )
    return _("Right: the critic climbs or falls at slope 1 exactly where the CDFs differ, and reaches W1.")


@record("lesson5.gp_slope")
def check_gp_slope(gp_slope):
    r"""``gp_slope(w1, lam)``: the slope :math:`s^*` that maximises :math:`s\,W_1 - \lambda (s - 1)^2`, i.e.
    :math:`1 + W_1 / (2\lambda)`: the critic :math:`s f^*` a soft gradient penalty prefers."""
    for w1, lam in ((3.0, 10.0), (0.5, 10.0), (2.0, 0.1), (1.0, 1.0)):
        got = as_number("gp_slope", call_answer(gp_slope, w1, lam))
        want = 1 + w1 / (2 * lam)
        if abs(got - want) < 1e-9:
            continue
        if abs(got - 1.0) < 1e-9:
            raise AssertionError(
                _(
                    "Slope 1 is what the penalty asks for, but it is a *soft* penalty: a steeper critic gains s·W1 "
                    "and pays only λ(s − 1)². Maximise the sum over s."
                )
            )
        if abs(got - (1 + w1 / lam)) < 1e-9:
            raise AssertionError(_("Nearly: the derivative of λ(s − 1)² is 2λ(s − 1), not λ(s − 1)."))
        if abs(got - (1 - w1 / (2 * lam))) < 1e-9:
            raise AssertionError(_("Sign: the critic *maximises* s·W1 − λ(s − 1)², so a larger s pays: s* > 1."))
        raise AssertionError(
            _("gp_slope({w1}, {lam}) gave {got}; expected {want}. Set d/ds [s·W1 − λ(s − 1)²] = 0.").format(
                w1=w1, lam=lam, got=got, want=want
            )
        )
    return _("Right: s* = 1 + W1/(2λ). With λ = 10 the estimate s*·W1 overshoots W1 by W1²/(2λ).")


@record("lesson5.clip_bound")
def check_clip_bound(clip_bound):
    r"""``clip_bound(c, widths)``: the largest slope of a 1-D-input MLP whose every weight is in :math:`[-c, c]`,
    with layer sizes ``widths`` (input 1, hidden ..., output 1) and 1-Lipschitz activations:
    :math:`c^L \prod_{\text{hidden}} n_l` (one factor :math:`c` per layer, one term per path)."""
    for c, widths in ((0.01, [1, 64, 64, 1]), (0.1, [1, 32, 1]), (0.05, [1, 16, 8, 4, 1]), (1.0, [1, 3, 1])):
        got = as_number("clip_bound", call_answer(clip_bound, c, list(widths)))
        layers = len(widths) - 1
        want = c**layers * math.prod(widths[1:-1])
        if math.isclose(got, want, rel_tol=1e-9):
            continue
        if math.isclose(got, c**layers, rel_tol=1e-9):
            raise AssertionError(
                _(
                    "c^L is the slope along one path from input to output. A layer adds up its inputs: how many "
                    "paths are there?"
                )
            )
        if math.isclose(got, c * math.prod(widths[1:-1]), rel_tol=1e-9):
            raise AssertionError(_("Every layer's weights are clipped, not only the first: one factor c per layer."))
        raise AssertionError(
            _(
                "clip_bound({c}, {widths}) gave {got:.4g}; expected {want:.4g}. The slope is a sum over paths of "
                "the products of the weights on each path (activations have slope ≤ 1)."
            ).format(c=c, widths=widths, got=got, want=want)
        )
    return _(
        "Right: c^L times the number of paths. With c = 0.01 and 64 × 64 hidden units that is 0.0041, far below 1."
    )
