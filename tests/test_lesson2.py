"""Lesson 2: the notebook's hand-written loop, the KDE and snapshots, and the dashboard (without a browser)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_lessons import runs
from gan_lessons.data import gaussian
from gan_lessons.games import GAN
from gan_lessons.losses import discriminator_loss, generator_loss_nonsaturating
from gan_lessons.models import MLPDiscriminator, MLPGenerator
from gan_lessons.plotting import plot_toy_dashboard
from gan_lessons.recipes import toy_config
from gan_lessons.training import StopTraining, seed_everything, train
from gan_lessons.widgets import ToyGANDashboard, kde_1d, toy_snapshot

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"hidden": 16, "batch_size": 32}


def small_cfg(**kw):
    return toy_config("gaussian", **{**SMALL, **kw})


def state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------ the notebook's loop is the package's train


def notebook_cell(marker):
    nb = json.loads((ROOT / "solutions" / "02_toy_gan.ipynb").read_text())
    found = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and marker in "".join(c["source"])
        and "exercise" not in c["metadata"].get("tags", [])  # the learner's stub; the solution is the loop
    ]
    assert len(found) == 1, f"expected one cell containing {marker!r}"
    return "".join(found[0]["source"])


@pytest.fixture(scope="module")
def train_by_hand():
    ns = {
        "torch": torch,
        "discriminator_loss": discriminator_loss,
        "generator_loss_nonsaturating": generator_loss_nonsaturating,
    }
    exec(notebook_cell("def train_by_hand("), ns)  # noqa: S102 - the notebook's own cell, from this repository
    return ns["train_by_hand"]


def fresh_game(cfg):
    rng = seed_everything(cfg.seed)
    target, G, D, opt_g, opt_d = runs.build_toy(cfg)
    return target, G, D, opt_g, opt_d, rng


@pytest.mark.parametrize("data,k", [("gaussian", 1), ("mixture", 2)])
def test_notebook_loop_equals_package_train(train_by_hand, data, k):
    cfg = toy_config(data, k=k, seed=3, **SMALL)
    t1, G1, D1, og1, od1, gen1 = fresh_game(cfg)
    mine = train_by_hand(G1, D1, og1, od1, t1, 15, cfg.batch_size, cfg.k, gen1)
    t2, G2, D2, og2, od2, gen2 = fresh_game(cfg)
    history = train(G2, D2, og2, od2, t2.sample, 15, batch_size=cfg.batch_size, game=GAN(k=cfg.k), rng=gen2)
    assert [a for a, _ in mine] == history.loss_d
    assert [b for _, b in mine] == history.loss_g
    assert same_state(G1.state_dict(), G2.state_dict()) and same_state(D1.state_dict(), D2.state_dict())
    assert not same_state(G1.state_dict(), fresh_game(cfg)[1].state_dict())  # it did train


# ------------------------------------------------------------------ KDE and snapshots


def test_kde_1d_is_a_density_close_to_the_truth():
    x = torch.randn(4000, 1, generator=torch.Generator().manual_seed(0)) * 1.25 + 4
    grid = np.linspace(-2, 10, 601)
    p = kde_1d(x, grid)
    assert abs(p.sum() * (grid[1] - grid[0]) - 1) < 0.01
    assert np.max(np.abs(p - gaussian().density(grid))) < 0.03
    assert kde_1d(np.array([1.0, 1.0, 1.0]), grid).max() > 0  # no spread: still finite, a narrow bump
    with pytest.raises(ValueError, match="samples"):
        kde_1d(np.zeros((5, 2)), grid)
    with pytest.raises(ValueError, match="NaN"):
        kde_1d(np.array([0.0, np.nan]), grid)
    with pytest.raises(ValueError, match="bandwidth"):
        kde_1d(np.array([0.0, 1.0]), grid, bandwidth=-1.0)


def perfect_generator():
    G = MLPGenerator(1, 1, 8, depth=0, shift=4.0, scale=1.25)  # one linear layer: G(z) = 4 + 1.25 (w z + b)
    with torch.no_grad():
        G.net[0].weight.fill_(1.0)
        G.net[0].bias.zero_()
    return G


def snapshot_of(G, D, n=4000):
    gen = torch.Generator().manual_seed(1)
    target = gaussian()
    return toy_snapshot(
        G,
        D,
        target,
        np.linspace(-2.25, 10.25, 401),
        torch.randn(n, 1, generator=gen),
        target.sample(n, gen),
        torch.linspace(-3, 3, 11)[:, None],
    )


def test_snapshot_of_a_perfect_generator():
    s = snapshot_of(perfect_generator(), MLPDiscriminator(1, 8, 1))
    assert s.ks < 0.03 and s.jsd < 0.01
    mass = (s.p_data + s.p_g) > 0.05
    assert np.all(np.abs(s.d_star[mass] - 0.5) < 0.08)  # D* ~ 1/2 wherever there is data
    np.testing.assert_allclose(s.gz, 4 + 1.25 * np.linspace(-3, 3, 11), rtol=1e-6)
    assert 0 <= s.d_real <= 1 and 0 <= s.d_fake <= 1
    assert (s.target_mean, s.target_std) == (4.0, 1.25)


def test_snapshot_of_a_collapsed_generator():
    G = perfect_generator()
    with torch.no_grad():
        G.net[0].weight.fill_(0.01)
    s = snapshot_of(G, MLPDiscriminator(1, 8, 1))
    assert s.ks > 0.4 and s.jsd > 0.3
    assert s.d_star[np.argmin(np.abs(s.grid - 4))] < 0.1  # where the spike is, D* says "fake"
    assert s.d_star[np.argmin(np.abs(s.grid - 6))] > 0.9  # elsewhere, "real"


# ------------------------------------------------------------------ the dashboard


@pytest.fixture
def dash():
    return ToyGANDashboard(small_cfg(steps=30), every=10, n_eval=500)


def test_dashboard_starts_like_the_recipe(dash):
    r_cfg = small_cfg(steps=30)
    _, G, D, _, _, _ = fresh_game(r_cfg)
    assert same_state(dash.G.state_dict(), G.state_dict()) and same_state(dash.D.state_dict(), D.state_dict())
    assert len(dash.snapshots) == 1 and dash.latest.label == "initial" and dash.latest.step == 0


def test_update_draws_the_latest_snapshot(dash):
    fig = dash.update()
    assert len(fig.axes) == 6
    title = fig._suptitle.get_text()
    assert "KS" in title and "after 0 G steps" in title
    d_line = [ln for ln in fig.axes[1].lines if ln.get_label().startswith("$D(x)$")]
    assert len(d_line) == 1
    np.testing.assert_allclose(d_line[0].get_ydata(), dash.latest.d)
    assert dash.update() is fig  # redrawn in place, not a new figure each time
    assert len(fig.axes) == 6


def test_one_d_step_changes_only_d(dash):
    g0, d0 = state(dash.G), state(dash.D)
    loss = dash.d_step()
    assert isinstance(loss, float) and np.isfinite(loss)
    assert same_state(state(dash.G), g0)
    assert not same_state(state(dash.D), d0)
    assert (dash.d_steps, dash.g_steps, len(dash.snapshots)) == (1, 0, 2)
    assert "D step" in dash.latest.label
    assert not np.allclose(dash.latest.d, dash.snapshots[0].d)  # the picture of D moved
    np.testing.assert_allclose(dash.latest.gz, dash.snapshots[0].gz)  # the picture of G did not


def test_one_g_step_changes_only_g(dash):
    g0, d0 = state(dash.G), state(dash.D)
    loss = dash.g_step()
    assert isinstance(loss, float) and np.isfinite(loss)
    assert same_state(state(dash.D), d0)
    assert not same_state(state(dash.G), g0)
    assert (dash.d_steps, dash.g_steps) == (0, 1)
    assert not np.allclose(dash.latest.gz, dash.snapshots[0].gz)
    np.testing.assert_allclose(dash.latest.d, dash.snapshots[0].d)


def test_many_d_steps_approach_the_optimal_d():
    dash = ToyGANDashboard(small_cfg(hidden=32), n_eval=2000)

    def gap(s):
        w = s.p_data + s.p_g
        return np.sum(w * np.abs(s.d - s.d_star)) / np.sum(w)

    start = dash.latest
    dash.d_step(150)
    assert gap(dash.latest) < 0.6 * gap(start)
    assert dash.d_steps == 150 and len(dash.snapshots) == 2  # one snapshot per call


def test_step_arguments_are_checked(dash):
    with pytest.raises(ValueError, match="n must be >= 1"):
        dash.d_step(0)
    with pytest.raises(TypeError, match="n must be an int"):
        dash.g_step(1.5)


def test_train_records_snapshots_and_matches_the_recipe(dash):
    r = dash.train()
    assert [s.step for s in dash.snapshots] == [0, 10, 20, 30]
    assert dash.run is r and dash.G is r.G and dash.D is r.D and len(dash.history) == 30
    reference = runs.run(small_cfg(steps=30))  # the callback must not change the run
    assert same_state(r.G.state_dict(), reference.G.state_dict())
    assert dash.latest.ks < dash.snapshots[0].ks  # it learned something
    g0 = state(dash.G)
    dash.d_step(3)  # stepping by hand continues from the trained game
    assert same_state(state(dash.G), g0) and dash.d_steps == 33


def test_train_with_overrides_and_early_stop(dash):
    def stop_at_15(info):
        if info.step == 15:
            raise StopTraining

    dash.train(steps=40, k=2, callbacks=[stop_at_15])
    assert dash.cfg.k == 2 and dash.cfg.steps == 40
    assert [s.step for s in dash.snapshots] == [0, 10, 15]
    assert dash.latest.label == "stopped" and dash.latest.d_steps == 30


def test_replay(dash):
    dash.train()
    fig = dash.update()
    s = dash.replay(1)
    assert s is dash.snapshots[1] and s.step == 10
    assert "after 10 G steps" in dash.fig._suptitle.get_text() and dash.fig is fig
    curves = fig.axes[3].lines[0].get_xdata()
    assert list(curves) == [0, 10]  # the curves stop at the replayed moment
    assert fig.axes[3].get_xlim()[1] >= 30  # on the whole run's axis
    assert dash.replay(0).label == "initial" and dash.replay(-1) is dash.latest
    with pytest.raises(ValueError, match="index"):
        dash.replay(4)
    with pytest.raises(TypeError, match="index"):
        dash.replay(1.0)


def test_bad_configs():
    with pytest.raises(TypeError, match="cfg"):
        ToyGANDashboard({"steps": 3})
    with pytest.raises(ValueError, match="1-D"):
        ToyGANDashboard(toy_config("ring8"))
    with pytest.raises(ValueError, match="every"):
        ToyGANDashboard(small_cfg(), every=0)
    with pytest.raises(ValueError, match="snapshots"):
        plot_toy_dashboard([])


def test_widget_controls_drive_the_same_methods(dash):
    pytest.importorskip("ipywidgets")
    ui = dash.widget()
    assert dash._ui["image"].value[:4] == b"\x89PNG"
    c = dash._ui["controls"]
    c["k"].value, c["steps"].value, c["g_loss"].value = 2, 50, "saturating"
    dash._ui["buttons"]["train"].click()
    assert (dash.cfg.k, dash.cfg.steps, dash.cfg.loss, len(dash.history)) == (2, 50, "saturating", 50)
    replay = dash._ui["replay"]
    assert replay.max == len(dash.snapshots) - 1 == 5 and replay.value == replay.max
    replay.value = 2
    assert "after 20 G steps" in dash.fig._suptitle.get_text()
    dash._ui["n"].value = 5
    g0 = state(dash.G)
    dash._ui["buttons"]["d"].click()
    assert dash.d_steps == 105 and same_state(state(dash.G), g0)
    dash._ui["buttons"]["g"].click()
    assert dash.g_steps == 55
    dash._ui["buttons"]["reset"].click()
    assert len(dash.snapshots) == 1 and dash.g_steps == 0
    assert ui.children  # a real widget tree


def test_show_gives_a_png_and_reuses_the_widget_picture(dash):
    pytest.importorskip("IPython")
    img = dash.show()
    assert img.data[:4] == b"\x89PNG"
    assert dash.show().data is img.data  # nothing changed: the same picture, not drawn again
    dash.g_step()
    assert dash.show().data != img.data
    first = dash.show(0).data
    assert first[:4] == b"\x89PNG" and first != dash.show().data
