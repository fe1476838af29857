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
    with pytest.raises(ValueError, match="loss"):
        saturation_experiment("hinge")


# --- mode coverage over training time (lesson 3, section 5) -----------------------------------------


class _OnMode(torch.nn.Module):
    """A fake generator whose samples all sit on one centre of ``target`` (or halfway between two)."""

    z_dim = 2

    def __init__(self, point):
        super().__init__()
        self.point = torch.as_tensor(point, dtype=torch.float32)

    def forward(self, z):
        return self.point.expand(len(z), 2).clone()


def test_coverage_tracker_measures_on_schedule_and_reports_which_mode():
    from gan_lessons.data import ring8
    from gan_lessons.metrics import CoverageTracker
    from gan_lessons.training import StepInfo

    target = ring8()
    tracker = CoverageTracker(target, every=5, n=100)
    on_mode_3 = _OnMode(target.centers[3])
    between = _OnMode((target.centers[0] + target.centers[1]) / 2)  # on no mode: 0 covered, 0% HQ
    for step, G in [(4, on_mode_3), (5, on_mode_3), (9, between), (10, between)]:
        tracker(StepInfo(step=step, total=10, loss_d=0.0, loss_g=0.0, d_real=0.5, d_fake=0.5, G=G))
    assert tracker.steps == [5, 10]  # only every 5th step is measured
    assert tracker.modes == [1, 0] and tracker.hq_share == [1.0, 0.0]
    assert tracker.counts[0] == [0, 0, 0, 100, 0, 0, 0, 0]
    assert tracker.nearest[0] == [0, 0, 0, 1.0, 0, 0, 0, 0] and sum(tracker.nearest[1]) == pytest.approx(1.0)
    assert max(tracker.nearest[1]) == 1.0 and tracker.counts[1] == [0] * 8  # near a mode, not on it
    assert tracker.samples.shape == (100, 2)
    with pytest.raises(TypeError, match="GaussianMixture"):
        CoverageTracker(object(), every=5)
    with pytest.raises(ValueError, match="every"):
        CoverageTracker(target, every=0)


def test_coverage_summary_tells_hopping_from_rising():
    from types import SimpleNamespace

    from gan_lessons.dynamics import coverage_summary

    def record(covered_sets):  # one set of covered modes per measurement
        counts = [[5 if k in s else 0 for k in range(8)] for s in covered_sets]
        return SimpleNamespace(modes=[len(s) for s in covered_sets], hq_share=[0.1] * len(counts), counts=counts)

    hopping = record([{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}])  # one mode at a time, a different one each time
    s = coverage_summary(hopping, tail=0.5)
    assert s["final"] == 1 and s["mean_tail"] == 1.0 and s["visited_tail"] == 4 and s["rising"] == 0.0
    rising = record([set(range(k)) for k in (1, 2, 3, 4, 5, 6, 7, 8)])
    s = coverage_summary(rising, tail=0.5)
    assert s["final"] == 8 and s["visited_tail"] == 8 and s["rising"] == pytest.approx(4.0)
    for bad in (0, 1, 1.5):
        with pytest.raises(ValueError, match="tail"):
            coverage_summary(rising, tail=bad)


def test_coverage_over_time_does_not_change_the_runs():
    from dataclasses import replace

    from gan_lessons.dynamics import coverage_over_time
    from gan_lessons.models import decode, sample_noise
    from gan_lessons.recipes import ToyConfig
    from gan_lessons.runs import run

    cfg = ToyConfig(data="ring8", z_dim=2, hidden=16, steps=6, batch_size=32)
    out = coverage_over_time({"plain": cfg, "packed": replace(cfg, pack=2)}, seeds=(0, 1), every=3, n=50)
    assert list(out) == ["plain", "packed"] and all(len(v) == 2 for v in out.values())
    t = out["plain"][1]
    assert t.steps == [0, 3, 6] and len(t.modes) == 3 and t.seconds > 0 and t.samples.shape == (50, 2)
    # The tracker draws its noise from its own generator: the run is the same as without it.
    alone = run(replace(cfg, seed=1))
    again = coverage_over_time({"plain": cfg}, seeds=(1,), every=3, n=50)["plain"][0]
    z = sample_noise(alone.G, 50, torch.Generator().manual_seed(1))  # the tracker's fixed noise (its seed=1)
    np.testing.assert_array_equal(decode(alone.G, z), again.samples)
    assert again.modes == t.modes and np.array_equal(again.samples, t.samples)  # deterministic per seed


def test_coverage_pictures():
    from types import SimpleNamespace

    from gan_lessons.data import ring8
    from gan_lessons.plotting import plot_coverage_over_time, plot_mode_occupancy

    target = ring8()
    t = SimpleNamespace(
        steps=[0, 10, 20],
        modes=[0, 2, 8],
        hq_share=[0.0, 0.1, 0.5],
        target=target,
        n=100,
        counts=[[0] * 8, [50, 50, 0, 0, 0, 0, 0, 0], [10] * 8],
        nearest=[[1.0] + [0] * 7, [0.5, 0.5] + [0] * 6, [0.125] * 8],
    )
    fig = plot_coverage_over_time({"a": [t, t], "b": [t]}, title="x")
    assert len(fig.axes) == 4 and len(fig.axes[0].lines) == 3  # 2 seeds + the "all modes" line
    ax = plot_mode_occupancy(t)
    mesh = ax.collections[0].get_array()
    assert mesh.shape == (8, 3) and mesh.max() == pytest.approx(1.0)  # share of samples nearest each mode
