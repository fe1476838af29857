r"""Checks for lesson 1's exercises: the value function V(D, G), D*, Monte Carlo, the JSD bound, C(G).

Each check calls the learner's function on inputs of its own (so a hard-coded answer fails),
compares with :mod:`gan_lessons.theory`, and returns a :class:`~gan_lessons.exercises.Feedback`:
correct, wrong with a specific hint, or "not attempted yet". See ``docs/exercises.md``.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import gaussian, mixture
from ..i18n import _
from ..theory import LOG4, generator_criterion, js_divergence, optimal_discriminator
from . import as_number, call_answer, record

__all__ = ["check_d_star_crossing", "check_estimate_v", "check_disjoint_densities", "check_best_gaussian"]

LOG2 = math.log(2.0)


def _array(name, out, shape):
    """The learner's output as a float array of the expected shape, or a hint saying what came back."""
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            _("{name} should return an array of numbers, got {type}").format(name=name, type=type(out).__name__)
        ) from None
    assert arr.shape == shape, _(
        "{name} should return one value per grid point, shape {shape}; got shape {got}"
    ).format(name=name, shape=shape, got=arr.shape)
    assert np.all(np.isfinite(arr)), _("{name} returned NaN or infinite values: is something divided by 0?").format(
        name=name
    )
    return arr


def _scalar(name, out):
    if isinstance(out, tuple) and len(out) == 2 and all(np.ndim(v) == 0 for v in out):
        raise AssertionError(
            _("{name} should return one number, got a pair {pair}: return only the estimate").format(
                name=name, pair=out
            )
        )
    return as_number(name, out, hint=_("is a log taken of 0?"))


def _crossing(mu):
    """The t > 0 where D* = 1/2 for p_data = ½N(−μ, 1) + ½N(μ, 1) against p_g = N(0, 1)."""
    return math.acosh(math.exp(mu * mu / 2)) / mu


def _d_star_two_bumps(mu, x):
    """D*(x) of the exercise's pair, from the package's densities and ``optimal_discriminator``."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    return optimal_discriminator(mixture((-mu, mu), (1.0, 1.0)).density(x), gaussian(0.0, 1.0).density(x))


def _crossing_hint(mu, got, want, tol):
    """Why ``got`` is not the crossing ``want`` of ``d_star_crossing(mu)``: the hint for the learner."""
    if abs(got + want) < tol or got <= 0:
        return _(
            "d_star_crossing({mu:g}) gave {got:.4g}: D* is symmetric, it crosses 1/2 at −t and at +t. "
            "Return the positive one, t > 0."
        ).format(mu=mu, got=got)
    mistakes = [
        (
            mu / 2,
            _(
                "μ/2 is halfway between p_g's peak (0) and the real bump (μ): where N(μ, 1) alone would "
                "overtake N(0, 1). But that bump has weight ½ and there is a second one at −μ: write p_data(x) "
                "= p_g(x) in full."
            ),
        ),
        (
            mu,
            _(
                "μ is where the real bump peaks, but D* = ½ is where the two *densities* are equal: for this μ "
                "that happens before the peak, D* is already above ½ at x = μ."
            )
            if mu > want
            else _("μ is where the real bump peaks, but D* = ½ is where the two *densities* are equal."),
        ),
        (
            mu / 2 + LOG2 / mu,
            _(
                "Close, but you dropped the bump at −μ: ½N(μ, 1) = N(0, 1) gives x = μ/2 + (log 2)/μ. Keep "
                "both terms of p_data; e^{μx} + e^{−μx} = 2 cosh(μx)."
            ),
        ),
        (
            math.acosh(math.exp(mu * mu / 2)),
            _("You solved for μ·t: arccosh gives the argument of cosh(μx), so divide by μ."),
        ),
    ]
    if math.exp(mu * mu / 2) / 2 >= 1:
        mistakes.append(
            (
                math.acosh(math.exp(mu * mu / 2) / 2) / mu,
                _(
                    "You dropped the weights ½ of the mixture: p_data = ½N(−μ, 1) + ½N(μ, 1) integrates to 1, "
                    "the two bumps together weigh as much as p_g."
                ),
            )
        )
    for value, hint in mistakes:
        if abs(value - want) > tol and abs(got - value) < tol:
            return _("d_star_crossing({mu:g}) gave {got:.4f}, expected {want:.4f}. {hint}").format(
                mu=mu, got=got, want=want, hint=hint
            )
    d = float(_d_star_two_bumps(mu, got)[0])
    if d < 0.5:
        msg = _(
            "For μ = {mu:g} your t = {got:.4f} gives D*(t) = {d:.3f}, not ½ (the real density is still below "
            "p_g there: t is further out). Set p_data(t) = p_g(t): the factors 1/√(2π) cancel, multiply by "
            "e^{{x²/2}}, and use e^{{a}} + e^{{−a}} = 2 cosh a."
        )
    else:
        msg = _(
            "For μ = {mu:g} your t = {got:.4f} gives D*(t) = {d:.3f}, not ½ (t is closer to 0). Set p_data(t) "
            "= p_g(t): the factors 1/√(2π) cancel, multiply by e^{{x²/2}}, and use e^{{a}} + e^{{−a}} = 2 cosh "
            "a."
        )
    return msg.format(mu=mu, got=got, d=d)


@record("lesson1.d_star_crossing")
def check_d_star_crossing(d_star_crossing):
    r"""Exercise 1: ``d_star_crossing(mu)`` is where :math:`D^*` crosses 1/2, for two bumps against one Gaussian.

    With :math:`p_{data} = \tfrac12\mathcal N(-\mu, 1) + \tfrac12\mathcal N(\mu, 1)` and
    :math:`p_g = \mathcal N(0, 1)`, :math:`D^*(x) > \tfrac12 \iff p_{data}(x) > p_g(x)
    \iff e^{-\mu^2/2}\cosh(\mu x) > 1`, i.e. :math:`|x| > t` with

    .. math:: t = \frac{1}{\mu}\,\operatorname{arccosh}\big(e^{\mu^2/2}\big)

    (for :math:`\mu = 2`: :math:`t = \tfrac12\operatorname{arccosh}(e^2) \approx 1.3443`).
    """
    tol = 1e-3
    for mu in (2.0, 1.0, 0.5, 3.0):
        want = _crossing(mu)
        got = as_number("d_star_crossing", call_answer(d_star_crossing, mu))
        if abs(got - want) < tol:
            continue
        raise AssertionError(_crossing_hint(mu, got, want, tol))
    t = _crossing(2.0)
    return _(
        "t = arccosh(e^(μ²/2))/μ; for μ = 2, t = ½·arccosh(e²) ≈ {t:.4f}. D* says 'real' for |x| > t: on the bumps "
        "and in both far tails, where there is almost no data at all — D* compares densities (the mixture's tails "
        "are heavier than N(0, 1)'s), not distances to the data; between −t and t it says 'fake'."
    ).format(t=t)


def _sigmoid_d(x):
    return 1.0 / (1.0 + np.exp(-(np.asarray(x, dtype=np.float64) - 1.0)))


@record("lesson1.estimate_v")
def check_estimate_v(estimate_v):
    r"""Exercise 2: ``estimate_v(D, x_real, x_fake)`` is the Monte-Carlo mean of log D(x) + log(1 - D(G(z)))."""
    rng = np.random.default_rng(2014)
    x_real = rng.normal(2.0, 1.0, 500)
    x_fake = rng.normal(0.0, 1.0, 300)  # different sizes: each expectation is its own mean
    d_real, d_fake = _sigmoid_d(x_real), _sigmoid_d(x_fake)
    want = np.log(d_real).mean() + np.log1p(-d_fake).mean()
    got = _scalar("estimate_v", call_answer(estimate_v, _sigmoid_d, x_real.copy(), x_fake.copy()))
    near = lambda v: abs(got - v) < 1e-6 * max(1.0, abs(v))  # noqa: E731
    if near(np.log(d_real).mean() + np.log(d_fake).mean()):
        raise AssertionError(
            _(
                "You used log D(G(z)) for the fakes. The second term is log(1 − D(G(z))): D is rewarded for "
                "calling fakes fake, i.e. for D(G(z)) near 0."
            )
        )
    if near(d_real.mean() + (1 - d_fake).mean()):
        raise AssertionError(_("You averaged D(x) and 1 − D(G(z)) themselves: take their logs first."))
    if near(np.log(d_real).sum() + np.log1p(-d_fake).sum()):
        raise AssertionError(_("You summed the log terms: an expectation is estimated by the *mean* over the samples."))
    if near(np.log(np.concatenate([d_real, 1 - d_fake])).mean()):
        raise AssertionError(
            _(
                "You took one mean over all 800 terms together. V has two expectations: average the real terms "
                "(over x_real) and the fake terms (over x_fake) separately, then add the two means."
            )
        )
    if near(-want):
        raise AssertionError(_("Your estimate has the wrong sign: V = mean log D(x) + mean log(1 − D(G(z))) is ≤ 0."))
    assert near(want), _(
        "With these samples V̂ should be {want:.5f}, yours gave {got:.5f}. Check each of the two means."
    ).format(want=want, got=got)
    return _("V̂ = mean log D(x) + mean log(1 − D(G(z))) = {want:.4f} on the check's samples.").format(want=want)


@record("lesson1.disjoint_densities")
def check_disjoint_densities(disjoint_densities):
    r"""Exercise 3: ``disjoint_densities(x)`` returns two densities on the grid ``x`` that never overlap.

    Then D* is 0 or 1 everywhere, V(D*, G) = 0 and JSD = log 2, its largest possible value.
    """
    for x in (np.linspace(-5.0, 5.0, 1001), np.linspace(-12.0, 8.0, 2001)):
        dx = float(x[1] - x[0])
        out = call_answer(disjoint_densities, x.copy())
        assert isinstance(out, (tuple, list)) and len(out) == 2, _(
            "disjoint_densities should return a pair (p, q), got {type}"
        ).format(type=type(out).__name__)
        p, q = (_array("disjoint_densities", v, x.shape) for v in out)
        assert np.all(p >= 0) and np.all(q >= 0), _("Densities are never negative.")
        for name, v in (("p", p), ("q", q)):
            mass = v.sum() * dx
            assert abs(mass - 1) < 1e-3, _(
                "{name} integrates to {mass:.4f} on the grid x = linspace({start:g}, {stop:g}, {num}), not 1: "
                "divide it by its integral ({name}.sum() * dx); is it also made from this x?"
            ).format(name=name, mass=mass, start=x[0], stop=x[-1], num=x.size)
        both = (p > 0) & (q > 0)
        overlap = np.minimum(p, q)[both].sum() * dx
        assert not both.any(), _(
            "p and q overlap on {count} grid points (shared mass {overlap:.2g}), so D* is strictly between 0 and 1 "
            "there. Make one exactly 0 wherever the other is positive (Gaussians never are: use boxes)."
        ).format(count=both.sum(), overlap=overlap)
        jsd = js_divergence(p, q, dx)
        assert abs(jsd - LOG2) < 1e-6, _("The JSD of your densities is {jsd:.6f}, expected log 2 = {log2:.6f}").format(
            jsd=jsd, log2=LOG2
        )
    return _(
        "No overlap: D* is 1 on p's support and 0 on q's, both logs are log 1 = 0, so C(G) = 0 and JSD = (0 + log "
        "4) / 2 = log 2 ≈ {log2:.4f}."
    ).format(log2=LOG2)


def _criterion_table(target, means, stds, x):
    """C(G) for p_g = N(m, s) for every m in means, s in stds: shape (len(means), len(stds)), vectorised."""
    dx = float(x[1] - x[0])
    p = target.density(x)[None, None, :]
    m, s = means[:, None, None], stds[None, :, None]
    q = np.exp(-0.5 * ((x[None, None, :] - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(p + q > 0, p / (p + q), 0.5)
        real = np.where(p > 0, p * np.log(np.clip(d, 1e-300, None)), 0.0)
        fake = np.where(q > 0, q * np.log(np.clip(1 - d, 1e-300, None)), 0.0)
    return (real + fake).sum(-1) * dx


@record("lesson1.best_gaussian")
def check_best_gaussian(best_gaussian):
    r"""Exercise 4: ``best_gaussian(target, means, stds, x)`` returns the (mean, std) pair minimising C(G)."""
    means = np.round(np.arange(-3.0, 6.0001, 0.5), 2)
    stds = np.round(np.arange(0.25, 3.0001, 0.1), 2)
    x = np.linspace(-12.0, 16.0, 1401)
    lines = []
    for target in (gaussian(1.0, 0.75), mixture()):
        table = _criterion_table(target, means, stds, x)
        i, j = np.unravel_index(np.argmin(table), table.shape)
        worst = np.unravel_index(np.argmax(table), table.shape)
        out = call_answer(best_gaussian, target, means.copy(), stds.copy(), x.copy())
        assert isinstance(out, (tuple, list, np.ndarray)) and len(out) == 2, _(
            "best_gaussian should return a pair (mean, std), got {out!r}"
        ).format(out=out)
        m, s = (float(v) for v in out)
        assert np.any(np.isclose(means, m)) and np.any(np.isclose(stds, s)), _(
            "Return a mean from `means` and a std from `stds`; ({m:g}, {s:g}) is not among the candidates."
        ).format(m=m, s=s)
        if (m, s) == (means[worst[0]], stds[worst[1]]):
            raise AssertionError(_("You found the p_g with the *largest* C(G). The generator minimises C: use argmin."))
        c = generator_criterion(target.density(x), gaussian(m, s).density(x), float(x[1] - x[0]))
        assert c <= table[i, j] + 1e-9, _(
            "For {target}, C at ({m:g}, {s:g}) is {c:.4f} but ({best_m:g}, {best_s:g}) reaches {best_c:.4f}. Scan "
            "every pair of mean and std (two loops or a grid) and keep the smallest C."
        ).format(target=target.name, m=m, s=s, c=c, best_m=means[i], best_s=stds[j], best_c=table[i, j])
        lines.append(f"{target.name}: N({m:g}, {s:g}²), C = {c:.4f}")
    return _(
        "{results}. The Gaussian target is matched exactly (C = −log 4 = {log4:.4f}); no Gaussian equals the "
        "two-bump mixture, so its best C stays above −log 4 — and JSD prefers one wide Gaussian covering both "
        "bumps to one sitting on a single bump."
    ).format(results="; ".join(lines), log4=-LOG4)
