"""Many toy GANs trained at once (gan_lessons.batched): run i of a batch is the single run of its recipe.

Every comparison trains the single runs with the package's own loop (``runs.start_run`` + ``runs.train_run``, i.e.
``training.train``) and the same recipes together with ``batched.train_together``, on the same machine, and
compares G's samples (the moving average's where the recipe keeps one), the per-step history (losses, mean D(x),
mean D(G(z))) and D's weights to a stated float32 tolerance, RTOL / ATOL below: tight enough that a run of another
seed, or with its learning rate changed by 1%, fails it (``test_the_tolerance_tells_runs_apart``). On the machine
the course is developed on the two are equal to the last bit; another CPU's kernels may round a product in the
last bits differently, which the tolerance allows for.
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gan_lessons.batched import SHARED, batchable, train_together
from gan_lessons.data import ring8
from gan_lessons.dynamics import coverage_over_time
from gan_lessons.metrics import CoverageTracker
from gan_lessons.recipes import ToyConfig, toy_config
from gan_lessons.runs import resume_run, save_run, start_run, train_run
from gan_lessons.training import StopTraining, TrainingDiverged

RTOL, ATOL = 1e-5, 1e-6  # float32: a few ulps of rounding, not a different run
STEPS = 12


def alone(cfgs, **kw):
    return [train_run(start_run(c), **kw) for c in cfgs]


def together(cfgs, **kw):
    return train_together([start_run(c) for c in cfgs], **kw)


def assert_same_run(a, b):
    """Run ``b`` (trained in a batch) is run ``a`` (trained alone) to float32 tolerance."""
    np.testing.assert_allclose(b.sample(500, seed=7), a.sample(500, seed=7), rtol=RTOL, atol=ATOL)
    ha, hb = a.history.state_dict(), b.history.state_dict()
    assert ha["step"] == hb["step"]
    for name in ("loss_d", "loss_g", "d_real", "d_fake"):
        np.testing.assert_allclose(hb[name], ha[name], rtol=RTOL, atol=ATOL, err_msg=name)
    for p, q in zip(a.D.parameters(), b.D.parameters(), strict=True):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert torch.equal(a.rng.get_state(), b.rng.get_state())  # each run drew exactly what it draws alone


# Each game, three seeds, with a moving average of G (the samples compared are the average's).
GAMES = {
    "nonsaturating": toy_config("ring8", steps=STEPS),  # the lesson-3 recipe: packs of 2, ema 0.999
    "saturating": toy_config("gaussian", loss="saturating", ema=0.9, steps=STEPS),  # with lr decay and R1
    "wgan-gp": toy_config("ring8", loss="wgan-gp", ema=0.9, steps=4),  # 5 critic steps, gradient penalty
    "wgan-gp 1-D": toy_config("gaussian", loss="wgan-gp", ema=0.9, steps=4),
    "hinge": toy_config("gaussian", loss="hinge", ema=0.9, steps=STEPS),
    "least-squares": toy_config("gaussian", loss="least-squares", ema=0.9, steps=STEPS),
}


@pytest.mark.parametrize("name", GAMES)
def test_each_game_batched_is_each_seed_alone(name):
    cfgs = [replace(GAMES[name], seed=s) for s in (0, 1, 2)]
    batch = together(cfgs)
    assert [r.step for r in batch] == [cfgs[0].steps] * 3
    for a, b in zip(alone(cfgs), batch, strict=True):
        assert b.ema is not None
        assert_same_run(a, b)


@pytest.mark.parametrize(
    "changes",
    [
        {"pack": 4},
        {"spectral_norm": True},
        {"unroll": 3, "unroll_lr": 1e-2},  # the unrolled GAN: its look-ahead batches drawn from each run's stream
        {"unroll": 2, "loss": "saturating", "pack": 2},
        {"r1": 1.0, "lr_decay": True},
        {"depth": 1, "g_activation": "tanh"},
    ],
)
def test_the_cures_and_options_batched_are_each_seed_alone(changes):
    cfgs = [ToyConfig(data="ring8", z_dim=2, hidden=32, steps=STEPS, seed=s, **changes) for s in (3, 4)]
    for a, b in zip(alone(cfgs), together(cfgs), strict=True):
        assert_same_run(a, b)


def test_runs_with_different_settings_in_one_batch():
    base = ToyConfig(data="ring8", z_dim=2, hidden=32, steps=STEPS)
    sweep = [replace(base, lr_d=2e-4, seed=1), replace(base, lr_d=5e-3, seed=1), replace(base, lr_g=3e-4, r1=0.5)]
    family = [toy_config("gaussian", loss=loss, steps=STEPS) for loss in ("nonsaturating", "hinge", "least-squares")]
    for cfgs in (sweep, family):
        for a, b in zip(alone(cfgs), together(cfgs), strict=True):
            assert_same_run(a, b)


def test_the_tolerance_tells_runs_apart():
    """The comparison can fail: another seed, or a learning rate 1% off, is another run."""
    cfg = toy_config("gaussian", steps=STEPS)
    (a,) = alone([cfg])
    for other in (replace(cfg, seed=1), replace(cfg, lr_g=cfg.lr_g * 1.01)):
        (b,) = together([other, cfg])[:1]
        with pytest.raises(AssertionError):
            assert_same_run(a, b)


def test_a_batch_leaves_each_run_as_if_trained_alone_and_resumes(tmp_path):
    cfgs = [toy_config("gaussian", steps=2 * STEPS, seed=s) for s in (0, 1)]
    single = alone(cfgs)
    first = [start_run(c) for c in cfgs]
    train_together(first, callbacks=[[_stop_at(STEPS)], []])  # half of the run together, saved, resumed, the rest
    for i, r in enumerate(first):
        save_run(r, tmp_path / str(i))
        state_a, state_b = single[i].opt_d.state_dict(), r.opt_d.state_dict()
        assert state_b["param_groups"][0]["initial_lr"] == state_a["param_groups"][0]["initial_lr"]
    resumed = [resume_run(tmp_path / str(i) / "checkpoint.pt") for i in range(2)]
    assert [r.step for r in resumed] == [STEPS, STEPS]
    for a, b in zip(single, train_together(resumed), strict=True):
        assert_same_run(a, b)
        for (_, sa), (_, sb) in zip(a.opt_g.state.items(), b.opt_g.state.items(), strict=True):
            assert float(sa["step"]) == float(sb["step"])
            np.testing.assert_allclose(sb["exp_avg_sq"], sa["exp_avg_sq"], rtol=RTOL, atol=1e-12)


def test_each_runs_callbacks_see_their_own_run():
    cfgs = [ToyConfig(data="ring8", z_dim=2, hidden=32, steps=STEPS, seed=s) for s in (0, 1)]
    singles = [CoverageTracker(ring8(), every=4, n=200) for _ in cfgs]
    alone(cfgs[:1], callbacks=singles[:1]), alone(cfgs[1:], callbacks=singles[1:])
    trackers, seen = [CoverageTracker(ring8(), every=4, n=200) for _ in cfgs], [[], []]
    log = [lambda info, i=i: seen[i].append((info.step, info.loss_d)) for i in range(2)]  # what each run reports
    runs = together(cfgs, callbacks=[[trackers[i], log[i]] for i in range(2)])
    for t, s, r, steps in zip(trackers, singles, runs, seen, strict=True):
        assert t.steps == s.steps == [4, 8, 12] and t.modes == s.modes  # G as it is at those steps
        np.testing.assert_allclose(t.samples, s.samples, rtol=RTOL, atol=ATOL)
        assert steps == list(zip(r.history.step, r.history.loss_d, strict=True))


def test_a_callback_stops_every_run_and_a_diverging_run_is_named():
    cfgs = [toy_config("gaussian", steps=50, seed=s) for s in (0, 1)]
    runs = [start_run(c) for c in cfgs]

    train_together(runs, callbacks=[[], [_stop_at(5)]])  # one run's callback stops them all, after step 5
    assert [r.step for r in runs] == [5, 5]
    for a, b in zip(alone(cfgs, callbacks=[_stop_at(5)]), runs, strict=True):
        assert_same_run(a, b)
    blowup = [toy_config("gaussian", loss="hinge", steps=50, seed=0), toy_config("gaussian", loss="hinge", seed=9,
              steps=50, lr_d=1e5, lr_g=1e5, r1=0.0)]  # fmt: skip
    with pytest.raises(TrainingDiverged, match="seed 9"):
        together(blowup)


def test_what_cannot_be_trained_together_is_refused():
    ring = toy_config("ring8", steps=STEPS)
    assert batchable([ring, replace(ring, seed=1, lr_g=3e-4, loss="hinge")]) is None
    assert "pack" in batchable([ring, replace(ring, pack=4)])
    assert "hidden" in batchable([ring, replace(ring, hidden=64)])
    assert batchable([replace(ring, unroll=5), replace(ring, unroll=5, seed=1)]) is None
    assert "unroll" in batchable([replace(ring, unroll=5), replace(ring, unroll=3)])
    assert batchable([]) == "there are no runs"
    assert {"data", "steps", "k", "ema"} <= set(SHARED)
    with pytest.raises(ValueError, match="differ in data"):
        together([ring, toy_config("grid25", steps=STEPS)])
    with pytest.raises(TypeError, match="Runs"):
        train_together([ring])
    runs = [start_run(ring), start_run(replace(ring, seed=1))]
    with pytest.raises(ValueError, match="one sequence per run"):
        train_together(runs, callbacks=[[]])
    train_run(runs[0], callbacks=[_stop_at(3)])
    with pytest.raises(ValueError, match="same step"):
        train_together(runs)


def _stop_at(step):
    def cb(info):
        if info.step == step:
            raise StopTraining

    return cb


def test_coverage_over_time_batched_keeps_every_record():
    cfg = ToyConfig(data="ring8", z_dim=2, hidden=32, steps=9, batch_size=64, pack=2)
    out = coverage_over_time({"packed": cfg}, seeds=(0, 1, 2), every=3, n=100)["packed"]
    for seed, t in zip((0, 1, 2), out, strict=True):
        r = start_run(replace(cfg, seed=seed))
        alone_t = CoverageTracker(r.target, 3, n=100)
        alone_t.measure(r.G, 0)
        train_run(r, callbacks=[alone_t])
        assert t.steps == alone_t.steps == [0, 3, 6, 9]
        assert t.modes == alone_t.modes and t.counts == alone_t.counts
        np.testing.assert_allclose(t.hq_share, alone_t.hq_share, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(t.samples, alone_t.samples, rtol=RTOL, atol=ATOL)
        assert t.seconds > 0
