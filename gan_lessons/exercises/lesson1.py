r"""Checks for lesson 1's exercises: the value function V(D, G), D*, Monte Carlo, the JSD bound, C(G).

Each check calls the learner's function on inputs of its own (so a hard-coded answer fails),
compares with :mod:`gan_lessons.theory`, and returns a :class:`~gan_lessons.exercises.Feedback`:
correct, wrong with a specific hint, or "not attempted yet". See ``docs/exercises.md``.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import gaussian, mixture
from ..theory import LOG4, generator_criterion, js_divergence, optimal_discriminator
from . import as_number, call_answer, record

__all__ = ["check_optimal_d", "check_estimate_v", "check_disjoint_densities", "check_best_gaussian"]

LOG2 = math.log(2.0)


def _array(name, out, shape):
    """The learner's output as a float array of the expected shape, or a hint saying what came back."""
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should return an array of numbers, got {type(out).__name__}") from None
    assert arr.shape == shape, f"{name} should return one value per grid point, shape {shape}; got shape {arr.shape}"
    assert np.all(np.isfinite(arr)), f"{name} returned NaN or infinite values: is something divided by 0?"
    return arr


def _scalar(name, out):
    if isinstance(out, tuple) and len(out) == 2 and all(np.ndim(v) == 0 for v in out):
        raise AssertionError(f"{name} should return one number, got a pair {out}: return only the estimate")
    return as_number(name, out, hint="is a log taken of 0?")


@record("lesson1.optimal_d")
def check_optimal_d(optimal_d):
    r"""Exercise 1: ``optimal_d(p_data, p_g)`` returns :math:`D^*(x) = p_{data}(x) / (p_{data}(x) + p_g(x))`."""
    p_data = np.array([0.10, 0.50, 2.00, 0.30, 0.001, 0.0, 0.8])
    p_g = np.array([0.40, 0.50, 0.10, 0.00, 2.000, 0.7, 0.2])
    want = optimal_discriminator(p_data, p_g)
    got = _array("optimal_d", call_answer(optimal_d, p_data.copy(), p_g.copy()), p_data.shape)
    if np.allclose(got, 1 - want, atol=1e-6):
        raise AssertionError(
            "You returned p_g / (p_data + p_g): the probability of *fake*. D(x) is the probability that x is "
            "real, so the real density goes on top."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.allclose(got[p_g > 0], (p_data / p_g)[p_g > 0], atol=1e-6):
            raise AssertionError("That is the density ratio p_data / p_g (it can exceed 1). Divide by the sum instead.")
    assert np.all((got >= 0) & (got <= 1)), f"D must be a probability in [0, 1], yours gave {np.round(got, 3)}"
    assert abs(got[1] - 0.5) < 1e-6, (
        f"Where p_data = p_g (both 0.5) D* must be 1/2 (the discriminator cannot tell), yours gave {got[1]:.4g}"
    )
    assert abs(got[3] - 1.0) < 1e-6 and abs(got[5]) < 1e-6, (
        "Where only real data live (p_g = 0) D* should be 1, and where only fakes live (p_data = 0) it should be 0; "
        f"yours gave {got[3]:.4g} and {got[5]:.4g}"
    )
    bad = np.flatnonzero(np.abs(got - want) > 1e-6)
    assert bad.size == 0, (
        f"At p_data = {p_data[bad[0]]}, p_g = {p_g[bad[0]]} D* should be {want[bad[0]]:.4f}, yours gave "
        f"{got[bad[0]]:.4f}. Maximise a·log y + b·log(1 − y) over y: the derivative a/y − b/(1 − y) is 0 at y = ?"
    )
    return "D*(x) = p_data / (p_data + p_g): 1/2 where the densities agree, near 1 where only real data live."


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
            "You used log D(G(z)) for the fakes. The second term is log(1 − D(G(z))): D is rewarded for calling "
            "fakes fake, i.e. for D(G(z)) near 0."
        )
    if near(d_real.mean() + (1 - d_fake).mean()):
        raise AssertionError("You averaged D(x) and 1 − D(G(z)) themselves: take their logs first.")
    if near(np.log(d_real).sum() + np.log1p(-d_fake).sum()):
        raise AssertionError("You summed the log terms: an expectation is estimated by the *mean* over the samples.")
    if near(np.log(np.concatenate([d_real, 1 - d_fake])).mean()):
        raise AssertionError(
            "You took one mean over all 800 terms together. V has two expectations: average the real terms "
            "(over x_real) and the fake terms (over x_fake) separately, then add the two means."
        )
    if near(-want):
        raise AssertionError("Your estimate has the wrong sign: V = mean log D(x) + mean log(1 − D(G(z))) is ≤ 0.")
    assert near(want), f"With these samples V̂ should be {want:.5f}, yours gave {got:.5f}. Check each of the two means."
    return f"V̂ = mean log D(x) + mean log(1 − D(G(z))) = {want:.4f} on the check's samples."


@record("lesson1.disjoint_densities")
def check_disjoint_densities(disjoint_densities):
    r"""Exercise 3: ``disjoint_densities(x)`` returns two densities on the grid ``x`` that never overlap.

    Then D* is 0 or 1 everywhere, V(D*, G) = 0 and JSD = log 2, its largest possible value.
    """
    for x in (np.linspace(-5.0, 5.0, 1001), np.linspace(-12.0, 8.0, 2001)):
        dx = float(x[1] - x[0])
        out = call_answer(disjoint_densities, x.copy())
        assert isinstance(out, (tuple, list)) and len(out) == 2, (
            f"disjoint_densities should return a pair (p, q), got {type(out).__name__}"
        )
        p, q = (_array("disjoint_densities", v, x.shape) for v in out)
        assert np.all(p >= 0) and np.all(q >= 0), "Densities are never negative."
        for name, v in (("p", p), ("q", q)):
            mass = v.sum() * dx
            assert abs(mass - 1) < 1e-3, (
                f"{name} integrates to {mass:.4f} on the grid x = linspace({x[0]:g}, {x[-1]:g}, {x.size}), not 1: "
                f"divide it by its integral ({name}.sum() * dx); is it also made from this x?"
            )
        both = (p > 0) & (q > 0)
        overlap = np.minimum(p, q)[both].sum() * dx
        assert not both.any(), (
            f"p and q overlap on {both.sum()} grid points (shared mass {overlap:.2g}), so D* is strictly between 0 "
            "and 1 there. Make one exactly 0 wherever the other is positive (Gaussians never are: use boxes)."
        )
        jsd = js_divergence(p, q, dx)
        assert abs(jsd - LOG2) < 1e-6, f"The JSD of your densities is {jsd:.6f}, expected log 2 = {LOG2:.6f}"
    return (
        "No overlap: D* is 1 on p's support and 0 on q's, both logs are log 1 = 0, so C(G) = 0 and "
        f"JSD = (0 + log 4) / 2 = log 2 ≈ {LOG2:.4f}."
    )


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
        assert isinstance(out, (tuple, list, np.ndarray)) and len(out) == 2, (
            f"best_gaussian should return a pair (mean, std), got {out!r}"
        )
        m, s = (float(v) for v in out)
        assert np.any(np.isclose(means, m)) and np.any(np.isclose(stds, s)), (
            f"Return a mean from `means` and a std from `stds`; ({m:g}, {s:g}) is not among the candidates."
        )
        if (m, s) == (means[worst[0]], stds[worst[1]]):
            raise AssertionError("You found the p_g with the *largest* C(G). The generator minimises C: use argmin.")
        c = generator_criterion(target.density(x), gaussian(m, s).density(x), float(x[1] - x[0]))
        assert c <= table[i, j] + 1e-9, (
            f"For {target.name}, C at ({m:g}, {s:g}) is {c:.4f} but ({means[i]:g}, {stds[j]:g}) reaches "
            f"{table[i, j]:.4f}. Scan every pair of mean and std (two loops or a grid) and keep the smallest C."
        )
        lines.append(f"{target.name}: N({m:g}, {s:g}²), C = {c:.4f}")
    return (
        "; ".join(lines) + f". The Gaussian target is matched exactly (C = −log 4 = {-LOG4:.4f}); no Gaussian equals "
        "the two-bump mixture, so its best C stays above −log 4 — and JSD prefers one wide Gaussian covering "
        "both bumps to one sitting on a single bump."
    )
