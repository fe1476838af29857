"""Lesson 5's exercise checks: right answers pass, each common mistake gets its own hint, stubs are 'missing'."""

import math

import numpy as np
import pytest

from gan_lessons.exercises import lesson5

RIGHT = {
    "gaussians": {"JSD": False, "KL(p||q)": True, "KL(q||p)": True, "W1": True},
    "uniforms": {"JSD": False, "KL(p||q)": False, "KL(q||p)": False, "W1": True},
}


def w1_gaussians(m1, s1, m2, s2):
    mu, tau = m1 - m2, abs(s1 - s2)
    if tau == 0:
        return abs(mu)
    phi = 0.5 * (1 + math.erf(-mu / tau / math.sqrt(2)))
    return tau * math.sqrt(2 / math.pi) * math.exp(-(mu**2) / (2 * tau**2)) + mu * (1 - 2 * phi)


def best_critic(x, p, q):
    dx = x[1] - x[0]
    diff = np.cumsum(p - q) * dx
    return np.concatenate([[0.0], np.cumsum(-np.sign(diff[:-1])) * dx])


def test_gradient_predictions():
    assert lesson5.check_gradient_predictions(RIGHT).status == "correct"
    wrong = {**RIGHT, "gaussians": {**RIGHT["gaussians"], "JSD": True}}
    fb = lesson5.check_gradient_predictions(wrong)
    assert fb.status == "wrong" and "flat" in fb.message
    wrong = {**RIGHT, "uniforms": {**RIGHT["uniforms"], "KL(p||q)": True}}
    assert "infinite" in lesson5.check_gradient_predictions(wrong).message
    assert "keys" in lesson5.check_gradient_predictions({"gaussians": {}}).message
    stub = {"gaussians": dict.fromkeys(RIGHT["gaussians"], ...), "uniforms": dict.fromkeys(RIGHT["uniforms"], ...)}
    assert lesson5.check_gradient_predictions(stub).status == "missing"
    assert (
        "True or False"
        in lesson5.check_gradient_predictions({**RIGHT, "uniforms": dict.fromkeys(RIGHT["uniforms"], 1)}).message
    )


def test_w1_gaussians():
    assert lesson5.check_w1_gaussians(w1_gaussians).status == "correct"
    assert "spread or shrink" in lesson5.check_w1_gaussians(lambda m1, s1, m2, s2: abs(m1 - m2)).message
    assert "W2" in lesson5.check_w1_gaussians(lambda m1, s1, m2, s2: math.hypot(m1 - m2, s1 - s2)).message
    summed = lambda m1, s1, m2, s2: abs(m1 - m2) + abs(s1 - s2) * math.sqrt(2 / math.pi)  # noqa: E731
    assert "folded normal" in lesson5.check_w1_gaussians(summed).message
    assert "Same widths" in lesson5.check_w1_gaussians(lambda m1, s1, m2, s2: 0.0).message
    assert lesson5.check_w1_gaussians(lambda *a: ...).status == "missing"


def test_best_critic():
    assert lesson5.check_best_critic(best_critic).status == "correct"
    assert "upside down" in lesson5.check_best_critic(lambda x, p, q: -best_critic(x, p, q)).message
    assert "1-Lipschitz" in lesson5.check_best_critic(lambda x, p, q: 2 * best_critic(x, p, q)).message
    assert "better 1-Lipschitz" in lesson5.check_best_critic(lambda x, p, q: 0.5 * best_critic(x, p, q)).message
    assert "shape" in lesson5.check_best_critic(lambda x, p, q: best_critic(x, p, q)[:-1]).message
    assert lesson5.check_best_critic(lambda x, p, q: None).status == "missing"


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda w, lam: 1 + w / (2 * lam), None),
        (lambda w, lam: 1.0, "soft"),
        (lambda w, lam: 1 + w / lam, "2λ(s − 1)"),
        (lambda w, lam: 1 - w / (2 * lam), "Sign"),
        (lambda w, lam: w, "d/ds"),
    ],
)
def test_gp_slope(answer, words):
    fb = lesson5.check_gp_slope(answer)
    assert fb.status == ("correct" if words is None else "wrong")
    assert words is None or words in fb.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda c, w: c ** (len(w) - 1) * math.prod(w[1:-1]), None),
        (lambda c, w: c ** (len(w) - 1), "paths"),
        (lambda c, w: c * math.prod(w[1:-1]), "one factor c per layer"),
        (lambda c, w: 1.0, "sum over paths"),
    ],
)
def test_clip_bound(answer, words):
    fb = lesson5.check_clip_bound(answer)
    assert fb.status == ("correct" if words is None else "wrong")
    assert words is None or words in fb.message
