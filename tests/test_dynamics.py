"""Lesson 3's package code: the bilinear game, the gradient of the generator losses, saturation."""

import math

import numpy as np
import pytest
import torch

from gan_lessons.dynamics import (
    METHODS,
    GradNormRecorder,
    bilinear_field,
    bilinear_game,
    distance_to_equilibrium,
    generator_loss_gradient,
    grad_norm,
    saturation_experiment,
)


@pytest.mark.parametrize("lr", [0.05, 0.2, 0.5])
def test_simultaneous_spirals_out_at_the_predicted_rate(lr):
    d = distance_to_equilibrium(bilinear_game("simultaneous", lr, 50))
    assert np.all(np.diff(d) > 0)
    assert d[-1] == pytest.approx(d[0] * (1 + lr**2) ** 25, rel=1e-9)


@pytest.mark.parametrize("lr", [0.1, 0.5, 1.5])
def test_alternating_cycles_conserving_x2_y2_minus_lr_xy(lr):
    p = bilinear_game("alternating", lr, 300, start=(0.7, -1.2))
    inv = p[:, 0] ** 2 + p[:, 1] ** 2 - lr * p[:, 0] * p[:, 1]
    assert np.allclose(inv, inv[0], rtol=1e-9)
    d = distance_to_equilibrium(p)
    assert d.max() < 3 * d[0] and d[-100:].max() > 0.3 * d[0]  # bounded, and does not converge


@pytest.mark.parametrize("lr", [0.1, 0.3, 0.9])
def test_extragradient_converges_at_the_predicted_rate(lr):
    d = distance_to_equilibrium(bilinear_game("extragradient", lr, 40))
    assert np.all(np.diff(d) < 0)
    assert d[-1] == pytest.approx(d[0] * (1 - lr**2 + lr**4) ** 20, rel=1e-9)


@pytest.mark.parametrize("method", ["optimistic", "averaging"])
def test_stabilised_methods_converge(method):
    d = distance_to_equilibrium(bilinear_game(method, 0.1, 2000))
    assert d[-1] < 0.05 * d[0]


def test_optimistic_first_step_is_simultaneous_then_uses_the_past():
    p = bilinear_game("optimistic", 0.1, 2, start=(1.0, 2.0))
    # with no past gradient yet, y_{-1} = y_0: x1 = x0 - 2 lr y0 + lr y0 = x0 - lr y0
    assert p[1] == pytest.approx([1 - 0.2, 2 + 0.1])
    x0, y0, x1, y1 = 1.0, 2.0, *p[1]
    assert p[2] == pytest.approx([x1 - 0.2 * y1 + 0.1 * y0, y1 + 0.2 * x1 - 0.1 * x0])


def test_averaging_is_the_running_mean_of_alternating():
    alt, avg = bilinear_game("alternating", 0.3, 25), bilinear_game("averaging", 0.3, 25)
    assert np.allclose(avg, np.cumsum(alt, 0) / np.arange(1, 27)[:, None])


def test_bilinear_game_shapes_and_errors():
    for m in METHODS:
        assert bilinear_game(m, 0.1, 7).shape == (8, 2)
    assert bilinear_game("simultaneous", 0.1, 0, start=(2, 3)).tolist() == [[2.0, 3.0]]
    with pytest.raises(ValueError, match="method"):
        bilinear_game("adam")
    with pytest.raises(ValueError, match="lr"):
        bilinear_game("simultaneous", 0.0)
    with pytest.raises(TypeError, match="lr"):
        bilinear_game("simultaneous", "0.1")
    with pytest.raises(TypeError, match="steps"):
        bilinear_game("simultaneous", 0.1, 2.5)
    with pytest.raises(ValueError, match="steps"):
        bilinear_game("simultaneous", 0.1, -1)
    with pytest.raises(ValueError, match="start"):
        bilinear_game("simultaneous", 0.1, 3, start=(1.0,))
    with pytest.raises(ValueError, match="start"):
        bilinear_game("simultaneous", 0.1, 3, start=(1.0, math.nan))
    with pytest.raises(ValueError, match="path"):
        distance_to_equilibrium(np.zeros((3, 3)))


def test_field_is_the_descent_ascent_direction():
    u, v = bilinear_field(np.array([1.0, 0.0]), np.array([0.0, 2.0]))
    assert u.tolist() == [-0.0, -2.0] and v.tolist() == [1.0, 0.0]


def test_generator_loss_gradient_matches_closed_form():
    d = np.linspace(0.01, 0.99, 9)
    assert np.allclose(generator_loss_gradient(d, "saturating"), -d, atol=1e-12)
    assert np.allclose(generator_loss_gradient(d, "nonsaturating"), -(1 - d), atol=1e-12)
    assert generator_loss_gradient(np.full((2, 3), 0.5)).shape == (2, 3)
    with pytest.raises(ValueError, match="d_fake"):
        generator_loss_gradient([0.0, 0.5])
    with pytest.raises(ValueError, match="loss"):
        generator_loss_gradient([0.5], "wasserstein")


def test_grad_norm_and_recorder():
    m = torch.nn.Linear(3, 1)
    assert grad_norm(m) == 0.0
    m(torch.ones(2, 3)).sum().backward()
    want = math.sqrt(sum(float((p.grad**2).sum()) for p in m.parameters()))
    assert grad_norm(m) == pytest.approx(want)
    with pytest.raises(TypeError, match="module"):
        grad_norm(3)
    rec = GradNormRecorder()

    class Info:
        step, G = 4, m

    rec(Info)
    assert rec.steps == [4] and rec.norms == [pytest.approx(want)]


def test_saturating_loss_stalls_with_sgd_when_d_wins_and_nonsaturating_does_not():
    kw = {"steps": 60, "head_start": 100, "offset": -12.0}
    sat = saturation_experiment("saturating", **kw)
    ns = saturation_experiment("nonsaturating", **kw)
    assert sat["target_mean"] == ns["target_mean"] == 4.0
    assert sat["d_fake"][0] < 0.01  # D won the head start
    assert ns["grad_norm"][0] > 100 * sat["grad_norm"][0]  # the vanishing gradient
    moved_sat = abs(sat["g_mean"][-1] - sat["g_mean"][0])
    moved_ns = abs(ns["g_mean"][-1] - ns["g_mean"][0])
    assert moved_sat < 0.1 and moved_ns > 2.0
    assert len(sat["step"]) == len(sat["grad_norm"]) == 60


def test_saturation_experiment_errors():
    with pytest.raises(ValueError, match="optimizer"):
        saturation_experiment(optimizer="rmsprop")
    with pytest.raises(ValueError, match="g_loss"):
        saturation_experiment("hinge")
