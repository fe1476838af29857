"""Lesson 3's additions outside dynamics.py: the mode-collapse cures, their recipe fields, pictures and widget."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gan_lessons.data.toy import grid25, ring8
from gan_lessons.games import WGANGP, UnrolledGAN, unroll_d
from gan_lessons.losses import (
    critic_loss,
    discriminator_loss,
    generator_loss,
    generator_loss_wasserstein,
    gradient_penalty,
)
from gan_lessons.models import MLPDiscriminator, MLPGenerator
from gan_lessons.recipes import ToyConfig, toy_config
from gan_lessons.runs import build_toy, run
from gan_lessons.training import d_step, g_step, train

# ---------------------------------------------------------------- packing and spectral norm


def test_pack_feeds_consecutive_samples_as_one_input():
    torch.manual_seed(0)
    D = MLPDiscriminator(2, 16, 2, pack=3, shift=1.0, scale=2.0)
    assert D.net[0].in_features == 6
    x = torch.randn(12, 2)
    out = D(x)
    assert out.shape == (4,)
    manual = D.net(((x - 1.0) / 2.0).reshape(4, 6)).squeeze(-1)
    assert torch.allclose(out, manual)
    # a pack's logit depends on all its members, and only on them
    x2 = x.clone()
    x2[4] += 1.0
    out2 = D(x2)
    assert not torch.isclose(out2[1], out[1]) and torch.allclose(out2[[0, 2, 3]], out[[0, 2, 3]])


def test_pack_errors():
    with pytest.raises(ValueError, match="multiple of pack"):
        MLPDiscriminator(2, 8, 1, pack=2)(torch.randn(5, 2))
    with pytest.raises(ValueError, match="pack"):
        MLPDiscriminator(2, 8, 1, pack=0)
    with pytest.raises(TypeError, match="pack"):
        MLPDiscriminator(2, 8, 1, pack=2.0)
    with pytest.raises(TypeError, match="spectral_norm"):
        MLPDiscriminator(2, 8, 1, spectral_norm=1)


def test_defaults_keep_the_old_discriminator():
    torch.manual_seed(0)
    a = MLPDiscriminator(2, 16, 2)
    torch.manual_seed(0)
    b = MLPDiscriminator(2, 16, 2, pack=1, spectral_norm=False)
    x = torch.randn(7, 2)
    assert torch.equal(a(x), b(x)) and a(x).shape == (7,)
    assert {k for k, _ in a.named_parameters()} == {
        "net.0.weight",
        "net.0.bias",
        "net.2.weight",
        "net.2.bias",
        "net.4.weight",
        "net.4.bias",
    }


def test_spectral_norm_bounds_every_layer_and_the_lipschitz_constant():
    torch.manual_seed(0)
    D = MLPDiscriminator(2, 32, 2, spectral_norm=True)
    D.train()
    x = torch.randn(64, 2)
    for _ in range(30):  # power iterations converge in training mode
        D(x)
    D.eval()
    linears = [m for m in D.net if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3
    for m in linears:
        assert torch.linalg.matrix_norm(m.weight, 2).item() == pytest.approx(1.0, abs=0.02)
    a, b = torch.randn(200, 2), torch.randn(200, 2)
    ratio = (D(a) - D(b)).abs() / (a - b).norm(dim=1)
    assert ratio.max().item() <= 1.02


# ---------------------------------------------------------------- WGAN-GP


def test_critic_and_wasserstein_generator_losses():
    r, f = torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0, 2.0])
    assert critic_loss(r, f).item() == pytest.approx(1 / 3 - 2)
    assert generator_loss_wasserstein(f).item() == pytest.approx(-1 / 3)
    assert generator_loss(f, "wasserstein").item() == pytest.approx(-1 / 3)
    with pytest.raises(TypeError, match="real_scores"):
        critic_loss([1.0], f)
    with pytest.raises(TypeError, match="fake_scores"):
        generator_loss_wasserstein(torch.tensor([1, 2]))


def test_gradient_penalty_is_zero_for_a_unit_slope_critic_and_known_otherwise():
    w = torch.tensor([0.6, 0.8])  # |w| = 1
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert gradient_penalty(lambda x: x @ w, real, fake).item() == pytest.approx(0.0, abs=1e-12)
    assert gradient_penalty(lambda x: x @ (3 * w), real, fake).item() == pytest.approx(4.0)  # (3 - 1)^2
    # one gradient norm per pack: a packed linear critic with weight w on each member has norm sqrt(2)|w|
    packed = lambda x: x.reshape(-1, 4) @ torch.cat([w, w])  # noqa: E731
    assert gradient_penalty(packed, real, fake).item() == pytest.approx((2**0.5 - 1) ** 2)


def test_gradient_penalty_trains_and_reaches_the_critics_parameters():
    torch.manual_seed(0)
    D = MLPDiscriminator(2, 8, 1)
    gp = gradient_penalty(D, torch.randn(8, 2), torch.randn(8, 2), torch.Generator().manual_seed(0))
    gp.backward()
    weights = [p for n, p in D.named_parameters() if n.endswith("weight")]  # (the last bias cannot move |grad_x D|)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(D, torch.randn(8, 2), torch.randn(4, 2))


def test_d_step_with_wgan_gp_descends_critic_loss_plus_penalty():
    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 8, 1), MLPDiscriminator(2, 8, 1)
    opt = torch.optim.SGD(D.parameters(), lr=0.0)
    real, z = torch.randn(16, 2), torch.randn(16, 2)
    loss, _, _ = d_step(G, D, opt, real=real, z=z, game=WGANGP(gp=10.0), rng=torch.Generator().manual_seed(3))
    with torch.no_grad():
        fake = G(z)
    want = critic_loss(D(real), D(fake)) + 10.0 * gradient_penalty(D, real, fake, torch.Generator().manual_seed(3))
    assert loss == pytest.approx(want.item(), rel=1e-6)
    plain, _, _ = d_step(G, D, opt, real=real, z=z)
    assert plain == pytest.approx(discriminator_loss(D(real), D(fake)).item(), rel=1e-6)


# ---------------------------------------------------------------- unrolled GAN


def test_unroll_d_takes_differentiable_sgd_steps_without_touching_d():
    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 8, 1), MLPDiscriminator(2, 8, 1)
    before = {k: v.clone() for k, v in D.state_dict().items()}
    real, z = torch.randn(16, 2), torch.randn(16, 2)
    params = unroll_d(G, D, [real], [z], lr=0.1)
    # one step by hand
    loss = discriminator_loss(D(real), D(G(z)))
    grads = torch.autograd.grad(loss, list(D.parameters()))
    for (name, p), g in zip(D.named_parameters(), grads, strict=True):
        assert torch.allclose(params[name], p - 0.1 * g, atol=1e-6)
    assert all(torch.equal(before[k], v) for k, v in D.state_dict().items())
    # differentiable with respect to G: a G step through them (the unrolled game's) gets a gradient
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)
    game = UnrolledGAN(unroll=2, unroll_lr=0.1)
    g_step(G, D, opt_g, z=torch.randn(16, 2), game=game, sample_real=lambda n, rng: real)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())


def test_unrolled_g_gradient_differs_from_plain():
    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 16, 2), MLPDiscriminator(2, 16, 2)
    z, real = torch.randn(32, 2), torch.randn(32, 2)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)
    g_step(G, D, opt_g, z=z)
    plain = [p.grad.clone() for p in G.parameters()]
    g_step(G, D, opt_g, z=z, game=UnrolledGAN(unroll=3, unroll_lr=0.5), sample_real=lambda n, rng: real)
    assert any(not torch.allclose(a, p.grad) for a, p in zip(plain, G.parameters(), strict=True))


def test_unroll_d_errors():
    G, D = MLPGenerator(2, 2, 8, 1), MLPDiscriminator(2, 8, 1)
    with pytest.raises(ValueError, match="reals and zs"):
        unroll_d(G, D, [], [], 0.1)
    with pytest.raises(ValueError, match="lr"):
        unroll_d(G, D, [torch.randn(4, 2)], [torch.randn(4, 2)], 0)


def test_train_validates_unroll():
    G, D = MLPGenerator(2, 2, 8, 1), MLPDiscriminator(2, 8, 1)
    opt = torch.optim.SGD(G.parameters(), lr=0.0)
    with pytest.raises(ValueError, match="unroll"):
        train(G, D, opt, opt, ring8().sample, 1, game=UnrolledGAN(unroll=-1))


# ---------------------------------------------------------------- recipe fields


def test_new_toy_fields_default_to_off_and_are_at_the_end():
    cfg = ToyConfig()
    assert (cfg.pack, cfg.spectral_norm, cfg.loss, cfg.unroll) == (1, False, "nonsaturating", 0)
    names = list(ToyConfig.__dataclass_fields__)
    assert names[-4:] == ["pack", "spectral_norm", "unroll", "unroll_lr"]
    assert names.index("seed") < names.index("pack")


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        ({"pack": 0}, ValueError, "pack"),
        ({"pack": 3}, ValueError, "multiple of pack"),
        ({"spectral_norm": "yes"}, TypeError, "spectral_norm"),
        ({"loss": "wgan-gp", "gp": -1.0}, ValueError, "gp"),
        ({"loss": "wasserstein"}, ValueError, "loss"),
        ({"unroll": -2}, ValueError, "unroll"),
        ({"unroll": 1.5}, TypeError, "unroll"),
        ({"unroll_lr": 0.0}, ValueError, "unroll_lr"),
        ({"unroll": 2, "loss": "wgan-gp"}, ValueError, "unroll needs loss"),
        ({"unroll": 2, "loss": "hinge"}, ValueError, "unroll needs loss"),
    ],
)
def test_new_toy_fields_validated(kw, exc, match):
    with pytest.raises(exc, match=match):
        toy_config("ring8", **kw)


def test_build_toy_wires_pack_and_spectral_norm():
    _, _, D, _, _ = build_toy(toy_config("ring8", pack=4, spectral_norm=True))
    assert D.pack == 4 and D.net[0].in_features == 8
    assert hasattr(D.net[0], "parametrizations")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"pack": 2},
        {"spectral_norm": True},
        {"loss": "wgan-gp", "gp": 1.0, "k": 2},
        {"unroll": 2, "unroll_lr": 0.01},
    ],
)
def test_each_cure_runs_deterministically_through_the_recipe(kw):
    cfg = toy_config("ring8", steps=4, batch_size=32, hidden=16, **kw)
    a, b = run(cfg), run(cfg)
    assert len(a.history) == 4
    assert np.array_equal(a.sample(64, seed=1), b.sample(64, seed=1))
    assert np.isfinite(a.history.loss_g).all()


def test_cures_change_the_run_and_wgan_uses_the_wasserstein_generator_loss():
    base = ToyConfig(data="grid25", z_dim=2, steps=3, batch_size=32, hidden=16)  # plain: every cure off
    plain = run(base)
    w = run(replace(base, loss="wgan-gp", gp=1.0))
    assert not np.allclose(plain.history.loss_g, w.history.loss_g)
    # the Wasserstein G loss is minus the mean critic score: it can be negative, the GAN losses cannot
    G, D = w.G, w.D
    z = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    assert generator_loss(D(G(z)), "wasserstein").item() == pytest.approx(-D(G(z)).mean().item())
    for kw in ({"pack": 2}, {"spectral_norm": True}, {"unroll": 1}):
        other = run(replace(base, **kw))
        assert plain.history.loss_g != other.history.loss_g, kw  # the option reached the run


# ---------------------------------------------------------------- pictures and widget


def test_lesson3_pictures_draw(tmp_path):
    from gan_lessons.dynamics import METHODS, bilinear_game, generator_loss_gradient
    from gan_lessons.plotting import (
        plot_distance_to_equilibrium,
        plot_generator_loss_gradients,
        plot_method_grid,
        plot_phase_portrait,
        plot_samples_2d,
        plot_samples_over_time,
        plot_saturation,
    )

    paths = {m: bilinear_game(m, 0.2, 30) for m in METHODS}
    ax = plot_phase_portrait(paths["simultaneous"], "simultaneous")
    assert "simultaneous" in ax.get_title() and len(ax.lines) >= 4
    ax = plot_distance_to_equilibrium(paths)
    assert len(ax.lines) == len(METHODS)
    d = np.linspace(0.01, 0.99, 50)
    ax = plot_generator_loss_gradients(d, {k: generator_loss_gradient(d, k) for k in ("saturating", "nonsaturating")})
    assert len(ax.lines) == 2
    run_ = {"step": [1, 2], "d_fake": [0.1, 0.2], "grad_norm": [1e-3, 0.0], "g_mean": [0.0, 1.0], "target_mean": 4.0}
    fig = plot_saturation({"saturating": run_, "nonsaturating": run_})
    assert len(fig.axes) == 3
    t = ring8()
    x = t.sample(200, torch.Generator().manual_seed(0)).numpy()
    ax = plot_samples_2d(x, t, title="t")
    assert len(ax.patches) == 8
    fig = plot_samples_over_time({0: x, 10: x[:50]}, t)
    assert len(fig.axes) == 2 and "8/8 modes" in fig.axes[0].get_title()
    fig = plot_method_grid({"a": x, "b": x, "c": grid25().centers}, t, ncols=2)
    assert [a.get_visible() for a in fig.axes] == [True, True, True, False]
    fig.savefig(tmp_path / "grid.png")


def test_phase_portrait_widget_updates_headless_and_with_controls():
    from gan_lessons.widgets import PhasePortrait

    pp = PhasePortrait("simultaneous", 0.2, 40)
    assert pp.path.shape == (41, 2)
    path = pp.update(method="extragradient")
    assert np.allclose(path, pp.path) and pp.method == "extragradient" and pp.lr == 0.2
    with pytest.raises(ValueError, match="method"):
        pp.update(method="nope")
    assert pp.method == "extragradient"  # bad input changed nothing
    ui = pp.widget()
    controls = ui.children[:3]
    controls[0].value = "averaging"
    assert pp.method == "averaging"
    controls[1].value = 0.5
    assert pp.lr == 0.5
    assert pp.png()[:4] == b"\x89PNG"
