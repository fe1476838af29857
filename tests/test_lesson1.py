"""Lesson 1's package code: C(G), Monte-Carlo V, the explorer's state and widget, and the lesson's plots."""

import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gan_lessons import plotting
from gan_lessons.data import gaussian, mixture, ring8
from gan_lessons.theory import (
    LOG4,
    generator_criterion,
    js_divergence,
    optimal_discriminator,
    value_function,
    value_function_mc,
)
from gan_lessons.widgets import EXPLORER_TARGETS, ValueExplorer, value_explorer_state

X = np.linspace(-15, 15, 6001)
DX = X[1] - X[0]


# ---------------------------------------------------------------- theory helpers


@pytest.mark.parametrize(("real", "fake"), [(mixture(), gaussian(0, 1.5)), (gaussian(4, 1.25), gaussian(1, 1))])
def test_generator_criterion_is_value_at_dstar_and_theorem_1(real, fake):
    p, q = real.density(X), fake.density(X)
    c = generator_criterion(p, q, DX)
    assert c == pytest.approx(value_function(optimal_discriminator(p, q), p, q, DX), abs=1e-12)
    assert c == pytest.approx(-LOG4 + 2 * js_divergence(p, q, DX), abs=1e-9)
    assert -LOG4 < c < 0


def test_generator_criterion_minimum_and_bounds():
    p = gaussian(4, 1.25).density(X)
    assert generator_criterion(p, p, DX) == pytest.approx(-LOG4, abs=1e-9)
    far = gaussian(-10, 0.5).density(X) * 0 + ((X > 10) & (X < 12)) / 2.0
    near = ((X > -12) & (X < -10)) / 2.0
    assert generator_criterion(near, far, DX) == pytest.approx(0.0, abs=1e-9)  # disjoint: C = 0, JSD = log 2
    assert isinstance(generator_criterion(torch.from_numpy(p), torch.from_numpy(p), DX), torch.Tensor)
    with pytest.raises(ValueError, match="p_g"):
        generator_criterion(p, -p, DX)
    with pytest.raises(ValueError, match="dx"):
        generator_criterion(p, p, 0.0)


def test_js_divergence_finite_for_subnormal_densities():
    # Halving 5e-324 underflows to 0; JSD must not turn that into KL = inf (it did, for p_g far from p_data).
    a, b = np.array([5e-324, 0.0]), np.array([0.0, 1.0])
    assert js_divergence(a, b, 1.0) == pytest.approx(0.5 * math.log(2), rel=1e-12)


def test_value_function_mc_matches_quadrature_and_shrinks():
    real, fake = mixture(), gaussian(0.0, 1.5)
    v_exact = generator_criterion(real.density(X), fake.density(X), DX)
    gen = torch.Generator().manual_seed(0)

    def dstar(s):
        return optimal_discriminator(real.density(s), fake.density(s))

    ses = []
    for n in (1_000, 100_000):
        xr, xf = real.sample(n, gen)[:, 0].numpy(), fake.sample(n, gen)[:, 0].numpy()
        est, se = value_function_mc(dstar(xr), dstar(xf))
        assert abs(est - v_exact) < 4 * se
        ses.append(se)
    assert ses[1] < ses[0] / 5  # 1/sqrt(n): 100x the samples, ~10x smaller error


def test_value_function_mc_exact_on_small_input_and_validation():
    est, se = value_function_mc(np.array([0.5, 0.5]), torch.tensor([0.5, 0.5]))
    assert est == pytest.approx(-LOG4) and se == 0.0
    est, _ = value_function_mc([0.9, 0.8, 1.0], [0.0, 0.1])  # D = 1 and 0 are clipped, not -inf
    assert est == pytest.approx((math.log(0.9) + math.log(0.8) + 0.0) / 3 + math.log(0.9) / 2, abs=1e-12)
    with pytest.raises(ValueError, match="d_real"):
        value_function_mc([0.5, 1.2], [0.5, 0.5])
    with pytest.raises(ValueError, match="d_fake"):
        value_function_mc([0.5, 0.5], [0.5])
    with pytest.raises(TypeError, match="d_real"):
        value_function_mc("0.5", [0.5, 0.5])


# ---------------------------------------------------------------- the explorer's state


@pytest.mark.parametrize("name", EXPLORER_TARGETS)
@pytest.mark.parametrize(("mean", "std"), [(0.0, 1.5), (4.0, 0.3), (-6.0, 4.0), (10.0, 0.2)])
def test_explorer_state_theorem_1_everywhere(name, mean, std):
    s = value_explorer_state(name, mean, std)
    assert s["value"] == pytest.approx(s["thm1"], abs=1e-7)
    assert 0 <= s["jsd"] <= math.log(2) + 1e-12
    assert s["p_data"].sum() * s["dx"] == pytest.approx(1, abs=1e-6)
    assert s["p_g"].sum() * s["dx"] == pytest.approx(1, abs=1e-6)
    np.testing.assert_allclose(s["d_star"], optimal_discriminator(s["p_data"], s["p_g"]))
    assert s["x"].shape == s["p_data"].shape == s["p_g"].shape == s["d_star"].shape
    assert s["mean"] == mean and s["std"] == std


def test_explorer_state_equilibrium_and_far_away():
    s = value_explorer_state("gaussian", 4.0, 1.25)  # the default Gaussian target itself
    assert s["value"] == pytest.approx(-LOG4, abs=1e-9) and s["jsd"] == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(s["d_star"], 0.5)
    far = value_explorer_state(gaussian(-30.0, 0.5), 30.0, 0.5)
    assert far["value"] == pytest.approx(0.0, abs=1e-6) and far["jsd"] == pytest.approx(math.log(2), abs=1e-6)


def test_explorer_state_custom_grid_and_xlim():
    grid = np.linspace(-10, 10, 501)
    s = value_explorer_state(mixture(), 1.0, 1.0, grid=grid)
    np.testing.assert_array_equal(s["x"], grid)
    assert s["dx"] == pytest.approx(grid[1] - grid[0])
    assert value_explorer_state("mixture", 5.0, 2.0)["xlim"] == value_explorer_state("mixture", -3.0, 0.5)["xlim"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("ring8", 0.0, 1.0), {}, ValueError, "target"),
        ((ring8(), 0.0, 1.0), {}, ValueError, "1-D"),
        ((42, 0.0, 1.0), {}, TypeError, "target"),
        (("gaussian", 0.0, 0.0), {}, ValueError, "std"),
        (("gaussian", 0.0, -1.0), {}, ValueError, "std"),
        (("gaussian", "0", 1.0), {}, TypeError, "mean"),
        (("gaussian", math.nan, 1.0), {}, ValueError, "mean"),
        (("gaussian", 0.0, 1.0), {"grid": np.array([0.0, 1.0, 3.0])}, ValueError, "grid"),
        (("gaussian", 0.0, 1.0), {"n": 2}, ValueError, "n"),
    ],
)
def test_explorer_state_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        value_explorer_state(*args, **kwargs)


# ---------------------------------------------------------------- the explorer widget


def test_explorer_update_keeps_unspecified_settings():
    e = ValueExplorer("mixture", 0.0, 1.5)
    assert e.state["target_name"] == "mixture"
    s = e.update(mean=2.0)
    assert (s["mean"], s["std"], s["target_name"]) == (2.0, 1.5, "mixture")
    s = e.update(target="gaussian")
    assert (s["mean"], s["std"], s["target_name"]) == (2.0, 1.5, "N(4, 1.25)")
    assert e.state is s
    assert e.png()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "V(D*, G)" in e.readout_html() and f"{s['value']:.4f}" in e.readout_html()


def test_explorer_bad_update_changes_nothing():
    e = ValueExplorer("gaussian", 1.0, 1.0)
    before = e.state
    with pytest.raises(ValueError, match="std"):
        e.update(std=-1.0)
    assert e.state is before


def test_explorer_widget_sliders_call_update():
    pytest.importorskip("ipywidgets")
    e = ValueExplorer("mixture", 0.0, 1.5)
    box = e.widget()
    controls = e._ui["controls"]
    png = e._ui["image"].value
    controls["mean"].value = 2.0  # what dragging the slider does
    assert e.state["mean"] == 2.0 and e._ui["image"].value != png
    assert f"{e.state['jsd']:.4f}" in e._ui["readout"].value
    controls["target"].value = "gaussian"
    assert e.state["target_name"] == "N(4, 1.25)"
    e.update(mean=4.0, std=1.25)  # and update() moves the sliders
    assert controls["mean"].value == 4.0 and controls["std"].value == 1.25
    assert e.state["value"] == pytest.approx(-LOG4, abs=1e-9)
    assert len(box.children) == 5


# ---------------------------------------------------------------- plots


def _ax():
    return Figure().subplots()


def _labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_value_explorer_draws_densities_dstar_and_readouts():
    s = value_explorer_state("mixture", 0.0, 1.5)
    ax = plotting.plot_value_explorer(s, _ax())
    assert f"{s['value']:.4f}" in ax.get_title() and f"{s['jsd']:.4f}" in ax.get_title()
    assert len(ax.get_lines()) == 2 and len(ax.right.get_lines()) == 2
    np.testing.assert_allclose(ax.right.get_lines()[0].get_ydata(), s["d_star"])
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "density"
    assert any("D^*" in t for t in _labels(ax))
    assert ax.get_xlim() == pytest.approx(s["xlim"])
    with pytest.raises(ValueError, match="d_star"):
        plotting.plot_value_explorer({k: v for k, v in s.items() if k != "d_star"})


def test_plot_criterion_curve_marks_the_minimum():
    means = np.linspace(-4, 12, 81)
    p = gaussian(4, 1.25).density(X)
    c = np.array([generator_criterion(p, gaussian(m, 1.25).density(X), DX) for m in means])
    ax = plotting.plot_criterion_curve(means, c, _ax())
    marker = [ln for ln in ax.get_lines() if ln.get_marker() == "o"][0]
    assert marker.get_xdata()[0] == pytest.approx(4.0) and marker.get_ydata()[0] == pytest.approx(-LOG4, abs=1e-6)
    assert any("-1.386" in t for t in _labels(ax)) and ax.get_title()
    assert isinstance(plotting.plot_criterion_curve(means, c).figure, Figure)  # makes its own figure
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_criterion_curve(means, c[:-1])


def test_plot_discriminator_fit_and_mc_convergence():
    p, q = mixture().density(X), gaussian(0, 1.5).density(X)
    d = optimal_discriminator(p, q)
    ax = plotting.plot_discriminator_fit(X, p, q, d, np.clip(d + 0.05, 0, 1), _ax())
    assert len(ax.get_lines()) >= 2 and "D^*" in ax.get_title() and ax.get_xlabel() == "x"
    assert any("trained" in t for t in _labels(ax))
    with pytest.raises(ValueError, match="same shape"):
        plotting.plot_discriminator_fit(X, p, q, d, d[:-1])
    ax = plotting.plot_mc_convergence([10, 100, 1000], [-0.8, -0.9, -0.92], [0.1, 0.03, 0.01], -0.9267, _ax())
    assert ax.get_xscale() == "log" and any("-0.9267" in t for t in _labels(ax))
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_mc_convergence([10, 100], [-0.8], [0.1], -0.9)


def test_plot_two_players_has_both_players():
    ax = plotting.plot_two_players(_ax())
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "generator" in texts and "discriminator" in texts and "max" in ax.get_title()
