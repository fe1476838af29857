"""Lesson 5: divergences, Wasserstein-1 and its critic, the losses beyond the GAN's, the `--loss` option."""

import json
import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gan_lessons.cli import build_parser
from gan_lessons.critics import (
    CONSTRAINTS,
    CriticTracker,
    clip_weights,
    critic_estimate,
    gradient_norms,
    lipschitz_constant,
    train_critic,
)
from gan_lessons.data import gaussian, mixture, ring8, toy_target
from gan_lessons.divergences import DIVERGENCES, divergence, divergence_curves, fit_gaussian
from gan_lessons.games import GAN, WGANGP, HingeGAN, LeastSquaresGAN
from gan_lessons.losses import hinge_d_loss, hinge_g_loss, least_squares_d_loss, least_squares_g_loss
from gan_lessons.metrics import sliced_wasserstein, wasserstein1_samples
from gan_lessons.models import MLPDiscriminator, MLPGenerator
from gan_lessons.plotting import (
    plot_critic_over_training,
    plot_critics,
    plot_divergence_curves,
    plot_gaussian_fits,
    plot_weight_histogram,
)
from gan_lessons.recipes import TOY_LOSSES, ToyConfig, config_from_dict, toy_config
from gan_lessons.runs import run
from gan_lessons.theory import (
    js_divergence,
    kl_divergence,
    nonsaturating_divergence,
    nonsaturating_loss,
    optimal_critic,
    optimal_discriminator,
    wasserstein1,
)
from gan_lessons.training import d_step, g_step
from gan_lessons.widgets import DivergenceExplorer, divergence_explorer_state

X = np.linspace(-15, 20, 7001)
DX = X[1] - X[0]


def dens(mu, sd=1.0):
    return gaussian(mu, sd).density(X)


# ---------------------------------------------------------------- W1 and its critic, exact on a grid


@pytest.mark.parametrize("s", [0.0, 0.5, 2.5, -4.0])
def test_wasserstein1_of_a_shift_is_the_shift(s):
    assert wasserstein1(dens(0), dens(s), DX) == pytest.approx(abs(s), abs=1e-6)
    assert wasserstein1(dens(s), dens(0), DX) == pytest.approx(abs(s), abs=1e-6)


def test_wasserstein1_of_disjoint_uniforms_where_jsd_is_stuck_at_log2():
    x = np.linspace(-1, 6, 7001)
    dx = x[1] - x[0]
    u = lambda a: ((x >= a) & (x < a + 1)).astype(float) / (((x >= a) & (x < a + 1)).sum() * dx)  # noqa: E731
    for s in (2.0, 4.0):  # supports apart: JSD cannot tell 2 from 4, W1 can
        assert js_divergence(u(0.0), u(s), dx) == pytest.approx(math.log(2), abs=1e-12)
        assert kl_divergence(u(0.0), u(s), dx) == math.inf
        assert wasserstein1(u(0.0), u(s), dx) == pytest.approx(s, abs=2e-3)


def test_wasserstein1_refuses_what_is_not_two_distributions():
    with pytest.raises(ValueError, match="q has mass"):
        wasserstein1(dens(0), 2 * dens(0), DX)
    with pytest.raises(ValueError, match="p has mass"):
        wasserstein1(dens(0)[:3000], dens(0)[:3000], DX)  # the grid cuts half of p
    with pytest.raises(ValueError, match="1-D"):
        wasserstein1(np.ones((2, 2)), np.ones((2, 2)), 0.5)
    with pytest.raises(ValueError, match="dx"):
        wasserstein1(dens(0), dens(1), 0.0)
    assert isinstance(wasserstein1(torch.as_tensor(dens(0)), dens(1), DX), torch.Tensor)


@pytest.mark.parametrize("q", [gaussian(3, 0.5), mixture(), gaussian(-1, 2)])
def test_optimal_critic_attains_w1_with_slope_one(q):
    p, qd = dens(0), q.density(X)
    f = optimal_critic(p, qd, DX)
    w1 = wasserstein1(p, qd, DX)
    assert (p * f).sum() * DX - (qd * f).sum() * DX == pytest.approx(w1, rel=1e-9)
    slopes = np.abs(np.diff(f)) / DX
    assert slopes.max() == pytest.approx(1.0)  # 1-Lipschitz, and using it
    # no other 1-Lipschitz function does better: try a few
    for g in (-X, np.tanh(X), np.abs(X - 1), -np.abs(X - 2)):
        assert (p * g).sum() * DX - (qd * g).sum() * DX <= w1 + 1e-9


# ---------------------------------------------------------------- what the non-saturating G descends


@pytest.mark.parametrize("target", [gaussian(4.0, 1.25), mixture()])
@pytest.mark.parametrize("mu0", [-1.5, 0.3, 2.0])
def test_nonsaturating_identity_gradients_agree(target, mu0):
    p_data = target.density(X)
    d_star = optimal_discriminator(p_data, dens(mu0))  # held fixed during G's step
    h = 1e-4
    lhs = (nonsaturating_loss(d_star, dens(mu0 + h), DX) - nonsaturating_loss(d_star, dens(mu0 - h), DX)) / (2 * h)
    rhs = (
        nonsaturating_divergence(p_data, dens(mu0 + h), DX) - nonsaturating_divergence(p_data, dens(mu0 - h), DX)
    ) / (2 * h)
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-7)
    # ... while the values differ by a term that depends on mu (its gradient vanishes only at mu0)
    gap = [
        nonsaturating_loss(d_star, dens(m), DX) - nonsaturating_divergence(p_data, dens(m), DX) for m in (mu0, mu0 + 1)
    ]
    assert abs(gap[0] - gap[1]) > 1e-3


def test_nonsaturating_pieces_validate():
    assert nonsaturating_divergence(dens(0), dens(1), DX) == pytest.approx(
        kl_divergence(dens(1), dens(0), DX) - 2 * js_divergence(dens(0), dens(1), DX)
    )
    with pytest.raises(ValueError, match="probability"):
        nonsaturating_loss(np.full_like(X, 1.5), dens(0), DX)
    with pytest.raises(ValueError, match="p_g"):
        nonsaturating_loss(np.full_like(X, 0.5), -dens(0), DX)


# ---------------------------------------------------------------- divergences side by side


def test_divergence_curves_shapes_the_lesson_states():
    s = np.linspace(-5, 5, 41)
    c = divergence_curves(gaussian(0, 0.3), s)
    np.testing.assert_allclose(c["W1"], np.abs(s), atol=1e-6)  # linear in the shift
    np.testing.assert_allclose(c["KL(p||q)"], s**2 / (2 * 0.3**2), rtol=1e-6, atol=1e-9)  # quadratic
    assert c["JSD"].max() <= math.log(2) + 1e-12
    far = np.abs(s) >= 3
    assert np.all(np.abs(c["JSD"][far] - math.log(2)) < 1e-6)  # saturated ...
    assert np.all(np.abs(c["d/ds JSD"][far]) < 1e-4)  # ... and flat: no gradient
    assert np.all(np.abs(np.abs(c["d/ds W1"][far]) - 1) < 1e-6)  # W1's slope stays 1
    wide = divergence_curves(gaussian(0, 0.3), s, scale=2.0, names=("KL(q||p)",))
    assert set(wide) == {"s", "KL(q||p)", "d/ds KL(q||p)"}


def test_divergence_and_curves_refuse_bad_input():
    with pytest.raises(ValueError, match="name"):
        divergence("TV", dens(0), dens(1), DX)
    with pytest.raises(ValueError, match="shifts"):
        divergence_curves(gaussian(), [1.0])
    with pytest.raises(ValueError, match="scale"):
        divergence_curves(gaussian(), [0, 1], scale=0)
    with pytest.raises(ValueError, match="names"):
        divergence_curves(gaussian(), [0, 1], names=("KL",))
    with pytest.raises(ValueError, match="1-D"):
        divergence_curves(ring8(), [0, 1])
    assert set(DIVERGENCES) == {"JSD", "KL(p||q)", "KL(q||p)", "NS", "W1"}


def test_fit_gaussian_forward_kl_covers_reverse_kl_seeks():
    x = np.linspace(-8, 8, 1601)
    p = mixture().density(x)  # modes at -2 and 2, spread 0.5
    fwd = fit_gaussian(p, x, "KL(p||q)")
    assert fwd["mu"] == pytest.approx(0.0, abs=0.01) and fwd["sigma"] == pytest.approx(math.sqrt(4.25), abs=0.01)
    for name in ("KL(q||p)", "NS"):
        rev = fit_gaussian(p, x, name)
        assert abs(rev["mu"]) == pytest.approx(2.0, abs=0.02) and rev["sigma"] == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="name"):
        fit_gaussian(p, x, "TV")
    with pytest.raises(ValueError, match="grid"):
        fit_gaussian(p[:10], x, "JSD")


def test_divergence_explorer_state_and_widget():
    st = divergence_explorer_state("gaussian", 1.5, 0.5)
    assert st["values"]["W1"] == pytest.approx(1.5, abs=1e-6) and st["slopes"]["W1"] == pytest.approx(1.0, abs=1e-6)
    assert st["values"]["KL(p||q)"] == pytest.approx(1.5**2 / (2 * 0.5**2), rel=1e-5)
    for kw, match in (({"target": "ring8"}, "target"), ({"shift": 7.0}, "shift"), ({"width": 0.0}, "width")):
        with pytest.raises(ValueError, match=match):
            divergence_explorer_state(**kw)
    e = DivergenceExplorer("mixture", 0.5)
    before = e.png()
    e.update(shift=3.0)
    assert e.state["shift"] == 3.0 and e.png() != before and "W1" in e.readout_html()
    box = e.widget()
    box.children[1].value = -2.0  # the shift slider calls update
    assert e.state["shift"] == -2.0 and e.state["target_name"].startswith("mixture")


# ---------------------------------------------------------------- losses and games beyond the GAN's


def test_least_squares_and_hinge_losses_by_hand():
    r, f = torch.tensor([1.0, 3.0]), torch.tensor([0.0, -2.0])
    assert least_squares_d_loss(r, f).item() == pytest.approx(0.5 * (0 + 4) / 2 + 0.5 * (0 + 4) / 2)
    assert least_squares_g_loss(f).item() == pytest.approx(0.5 * (1 + 9) / 2)
    beyond = torch.tensor([-1.0, -2.0])
    assert hinge_d_loss(r, beyond).item() == pytest.approx(0.0)  # every sample beyond its margin: no loss
    assert hinge_d_loss(r, f).item() == pytest.approx((1 + 0) / 2)
    assert hinge_d_loss(torch.tensor([0.5]), torch.tensor([0.0])).item() == pytest.approx(0.5 + 1.0)
    assert hinge_g_loss(f).item() == pytest.approx(1.0)
    r.requires_grad_(True)
    hinge_d_loss(r, beyond).backward()
    assert torch.all(r.grad == 0)  # beyond the margin nothing pushes D further
    with pytest.raises(TypeError, match="fake_scores"):
        hinge_g_loss([1.0])
    with pytest.raises(TypeError, match="real_scores"):
        least_squares_d_loss(torch.tensor([1]), f)


@pytest.mark.parametrize(
    "loss, game", [("nonsaturating", GAN), ("saturating", GAN), ("wgan-gp", WGANGP), ("hinge", HingeGAN),
                   ("least-squares", LeastSquaresGAN)]
)  # fmt: skip
def test_each_loss_is_a_game_that_trains_deterministically(loss, game):
    cfg = toy_config("ring8", loss=loss, steps=5, batch_size=32, hidden=16)
    assert type(cfg.game()) is game
    a, b = run(cfg), run(cfg)
    assert np.array_equal(a.sample(64, seed=1), b.sample(64, seed=1))
    assert np.isfinite(a.history.loss_d).all() and len(a.history) == 5


GAMES = [(HingeGAN(), hinge_d_loss, hinge_g_loss), (LeastSquaresGAN(), least_squares_d_loss, least_squares_g_loss)]


@pytest.mark.parametrize("game, d_loss, g_loss", GAMES)
def test_steps_descend_the_games_losses(game, d_loss, g_loss):
    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 8, 1), MLPDiscriminator(2, 8, 1)
    opt = torch.optim.SGD([*G.parameters(), *D.parameters()], lr=0.0)
    real, z = torch.randn(16, 2), torch.randn(16, 2)
    loss, _, _ = d_step(G, D, opt, real=real, z=z, game=game)
    with torch.no_grad():
        assert loss == pytest.approx(d_loss(D(real), D(G(z))).item(), rel=1e-6)
        want = g_loss(D(G(z))).item()
    assert g_step(G, D, opt, z=z, game=game) == pytest.approx(want, rel=1e-6)


def test_loss_field_validation_and_old_checkpoints():
    assert TOY_LOSSES == ("nonsaturating", "saturating", "wgan-gp", "hinge", "least-squares")
    with pytest.raises(ValueError, match="loss"):
        ToyConfig(loss="wasserstein")
    with pytest.raises(ValueError, match="gp"):
        ToyConfig(loss="wgan-gp", gp=0.0)
    with pytest.raises(ValueError, match="unroll needs loss"):
        ToyConfig(data="ring8", z_dim=2, loss="hinge", unroll=2)
    # configs saved before lesson 5 named G's loss g_loss and the WGAN-GP weight wgan_gp (0 = off)
    old = {"kind": "toy", "data": "ring8", "z_dim": 2, "g_loss": "saturating", "wgan_gp": 0.0}
    assert config_from_dict(old).loss == "saturating"
    cfg = config_from_dict({**old, "g_loss": "nonsaturating", "wgan_gp": 5.0})
    assert (cfg.loss, cfg.gp) == ("wgan-gp", 5.0)


def test_cli_offers_exactly_the_recipes_losses():
    toy = build_parser()._subparsers._group_actions[0].choices["train"]._subparsers._group_actions[0].choices["toy"]
    (action,) = [a for a in toy._actions if a.dest == "loss"]
    assert tuple(action.choices) == TOY_LOSSES


@pytest.mark.slow  # a real process
def test_cli_trains_each_new_loss_and_records_it(tmp_path):
    from tests.test_cli import assert_one_line_error, cli

    for loss, data in (("hinge", "ring8"), ("wgan-gp", "gaussian")):
        out_dir = tmp_path / loss
        rc, out, err = cli("train", "toy", "--data", data, "--loss", loss, "--steps", 12, "--out", out_dir)
        assert rc == 0, err
        summary = json.loads((out_dir / "summary.json").read_text())
        assert summary["loss"] == loss and summary["config"]["loss"] == loss and summary["steps"] == 12
        if loss == "wgan-gp":  # the loss brings its tuned settings; the flags given still win
            assert (summary["config"]["k"], summary["config"]["gp"]) == (5, 0.1)
        rc, out, err = cli("sample", out_dir / "checkpoint.pt", "--n", 10, "--out", tmp_path / f"{loss}.npy")
        assert rc == 0, err
        assert np.load(tmp_path / f"{loss}.npy").shape == (10, 2 if data == "ring8" else 1)
    rc, _, err = cli("train", "toy", "--loss", "wasserstein", "--out", tmp_path / "x")
    assert_one_line_error(rc, err, "--loss", "wgan-gp")
    rc, _, err = cli("train", "toy", "--data", "ring8", "--loss", "least-squares", "--steps", 30,
                     "--resume", tmp_path / "hinge" / "checkpoint.pt", "--out", tmp_path / "r")  # fmt: skip
    assert_one_line_error(rc, err, "loss", "hinge")


# ---------------------------------------------------------------- sample distances and critics


def test_sample_wasserstein_distances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=500), rng.normal(size=500)
    assert wasserstein1_samples(a, b) == pytest.approx(np.abs(np.sort(a) - np.sort(b)).mean())
    assert wasserstein1_samples(a, a + 3.0) == pytest.approx(3.0)
    assert wasserstein1_samples(a, np.concatenate([a, a]) + 1.0) == pytest.approx(1.0)  # sizes may differ
    x = rng.normal(size=(400, 2))
    assert sliced_wasserstein(x, x) == 0.0
    assert sliced_wasserstein(x, x + [2.0, 0.0], n_projections=400) == pytest.approx(2 * 2 / math.pi, rel=0.1)
    with pytest.raises(ValueError, match="1-D"):
        wasserstein1_samples(x, x)
    with pytest.raises(ValueError, match="dimension"):
        sliced_wasserstein(x, rng.normal(size=(10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        wasserstein1_samples(np.array([np.nan, 1.0]), a)


def test_critic_measurements_on_known_functions():
    f = MLPDiscriminator(1, 8, 1)
    x = torch.linspace(-3, 3, 301)
    with torch.no_grad():  # make f(x) = 2x exactly: one ReLU-free path
        for p in f.parameters():
            p.zero_()
        f.net[0].weight[0, 0], f.net[0].bias[0], f.net[2].weight[0, 0] = 1.0, 10.0, 2.0  # 2 * leaky(x + 10)
    assert lipschitz_constant(f, x) == pytest.approx(2.0)
    np.testing.assert_allclose(gradient_norms(f, x[:5]), 2.0)
    assert critic_estimate(f, np.ones(4), np.zeros(4)) == pytest.approx(2.0)
    clip_weights(f, 0.5)
    assert max(p.abs().max().item() for p in f.parameters()) == 0.5
    with pytest.raises(ValueError, match="c"):
        clip_weights(f, 0)


def test_trained_critics_show_what_each_constraint_does():
    p, q = gaussian(0, 1), gaussian(3, 0.5)  # exact W1 = 3
    spectral = train_critic(p, q, "spectral", steps=500, n_eval=4000)
    assert spectral.estimate == pytest.approx(3.0, rel=0.1)
    assert lipschitz_constant(spectral.critic, torch.linspace(-4, 5, 901)) <= 1.0 + 1e-3
    clip = train_critic(p, q, "clip", steps=1000, n_eval=4000)
    w = torch.cat([t.detach().flatten() for t in clip.critic.parameters()])
    assert clip.estimate < 0.1  # a tiny multiple of W1: clipping bounds the slope far below 1
    assert (w.abs() > 0.0099).float().mean() > 0.8  # capacity pushed to the walls
    assert spectral.steps[-1] == 500 and len(spectral.steps) == len(spectral.estimates)
    with pytest.raises(ValueError, match="constraint"):
        train_critic(p, q, "none")
    with pytest.raises(ValueError, match="dimension"):
        train_critic(p, ring8(), "gp")
    assert CONSTRAINTS == ("clip", "gp", "spectral")


@pytest.mark.parametrize("data", ["gaussian", "ring8"])
def test_critic_tracker_follows_a_wgan_run(data):
    cfg = toy_config(data, loss="wgan-gp", steps=6, batch_size=32, hidden=16)
    tr = CriticTracker(toy_target(data), every=3, n=64)
    r = run(cfg, callbacks=[tr])
    assert tr.steps == [3, 6] and len(tr.estimate) == len(tr.w1) == 2
    assert all(np.isfinite(tr.estimate)) and all(w > 0 for w in tr.w1)
    fig = plot_critic_over_training({"wgan-gp": tr})
    assert isinstance(fig, Figure) and r.step == 6


def test_lesson5_pictures_draw():
    x = np.linspace(-8, 8, 801)
    p = mixture().density(x)
    ax = plot_gaussian_fits(x, p, {"KL(p||q)": {"mu": 0.0, "sigma": 2.06}, "KL(q||p)": {"mu": 2.0, "sigma": 0.5}})
    assert len(ax.lines) == 2
    ax = plot_divergence_curves(divergence_curves(gaussian(), np.linspace(-2, 2, 9)), slopes=True)
    assert len(ax.lines) >= 4
    f_opt = optimal_critic(p, gaussian(0, 1).density(x), x[1] - x[0])
    ax = plot_critics(x, p, gaussian(0, 1).density(x), f_opt, {"a": np.zeros_like(x)})
    assert len(ax.lines) == 2
    crit = MLPDiscriminator(1, 4, 1)
    ax = plot_weight_histogram({"clip": crit}, clip=0.01)
    assert ax.get_xlabel() == "weight / c"


def test_wgan_gp_recipe_comes_with_the_loss_and_overrides_win():
    for data in ("gaussian", "mixture", "ring8", "grid25"):
        cfg = toy_config(data, loss="wgan-gp")
        assert (cfg.k, cfg.gp, cfg.beta2, cfg.lr_decay, cfg.ema, cfg.pack, cfg.r1) == (5, 0.1, 0.9, True, 0.0, 1, 0.0)
        assert type(cfg.game()) is WGANGP and cfg.game().gp == 0.1
    assert toy_config("ring8", loss="wgan-gp", k=2, gp=10.0).k == 2
    assert toy_config("ring8", loss="wgan-gp", gp=10.0).game().gp == 10.0
    assert toy_config("ring8", loss="hinge") == toy_config("ring8", loss="hinge", steps=toy_config("ring8").steps)
    assert toy_config("ring8", loss="hinge").ema == toy_config("ring8").ema  # the other losses keep the GAN recipe
