import os
import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch

from gan_lessons.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan_lessons.data import gaussian
from gan_lessons.games import GAN
from gan_lessons.models import MLPDiscriminator, MLPGenerator
from gan_lessons.recipes import DCGANConfig, ToyConfig, toy_config
from gan_lessons.runs import generate, generator_from_checkpoint, run
from gan_lessons.training import (
    EMA,
    StopTraining,
    TrainingDiverged,
    d_step,
    g_step,
    seed_everything,
    select_device,
    train,
)


def small_pair():
    seed_everything(0)
    G, D = MLPGenerator(1, 1, 16, 2), MLPDiscriminator(1, 16, 2)
    return G, D, torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)


def test_d_step_lowers_d_loss_on_fixed_batch():
    G, D, opt_g, opt_d = small_pair()
    real, z = gaussian().sample(256), torch.randn(256, 1)
    losses = [d_step(G, D, opt_d, real=real, z=z)[0] for _ in range(30)]
    assert losses[-1] < losses[0] - 0.1
    g_before = [p.clone() for p in G.parameters()]
    d_step(G, D, opt_d, real=real, z=z)
    assert all(torch.equal(a, b) for a, b in zip(g_before, G.parameters(), strict=True))  # G untouched


def test_g_step_moves_only_g_and_lowers_its_loss():
    G, D, opt_g, opt_d = small_pair()
    z = torch.randn(256, 1)
    d_before = [p.clone() for p in D.parameters()]
    losses = [g_step(G, D, opt_g, z=z) for _ in range(30)]
    assert losses[-1] < losses[0]
    assert all(torch.equal(a, b) for a, b in zip(d_before, D.parameters(), strict=True))


def test_train_one_batch_smoke_history_and_callbacks():
    G, D, opt_g, opt_d = small_pair()
    seen = []
    h = train(G, D, opt_g, opt_d, gaussian().sample, steps=3, batch_size=8, game=GAN(k=2), callbacks=[seen.append])
    assert h.step == [1, 2, 3] and len(h.loss_d) == 3
    assert [i.step for i in seen] == [1, 2, 3] and seen[0].total == 3
    assert all(0 < v < 1 for v in h.d_real + h.d_fake)


def test_k_discriminator_steps_per_generator_step():
    G, D, opt_g, opt_d = small_pair()
    train(G, D, opt_g, opt_d, gaussian().sample, steps=4, batch_size=8, game=GAN(k=3))
    assert opt_d.state[next(iter(D.parameters()))]["step"].item() == 12
    assert opt_g.state[next(iter(G.parameters()))]["step"].item() == 4


def test_stop_training_from_callback():
    G, D, opt_g, opt_d = small_pair()

    def stop(info):
        if info.step == 2:
            raise StopTraining

    h = train(G, D, opt_g, opt_d, gaussian().sample, steps=10, batch_size=8, callbacks=[stop])
    assert len(h) == 2


def test_nan_stops_with_clear_error():
    G, D, opt_g, opt_d = small_pair()

    def bad(n, gen):
        return torch.full((n, 1), float("nan"))

    with pytest.raises(TrainingDiverged, match="diverged at step 1"):
        train(G, D, opt_g, opt_d, bad, steps=5, batch_size=8)


def test_train_validates_arguments():
    G, D, opt_g, opt_d = small_pair()
    with pytest.raises(ValueError, match="k must"):
        train(G, D, opt_g, opt_d, gaussian().sample, steps=1, game=GAN(k=0))
    with pytest.raises(TypeError, match="steps"):
        train(G, D, opt_g, opt_d, gaussian().sample, steps=1.5)


def test_ema_tracks_average():
    lin = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        lin.weight.fill_(0.0)
    ema = EMA(lin, decay=0.5)
    with torch.no_grad():
        lin.weight.fill_(1.0)
    ema.update(lin)
    assert ema.model.weight.item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="decay"):
        EMA(lin, 1.0)


def test_seed_and_device():
    a = seed_everything(3)
    b = seed_everything(3)
    assert torch.equal(torch.randn(3, generator=a), torch.randn(3, generator=b))
    assert select_device() == torch.device("cpu")
    assert select_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="device"):
        select_device("tpu")
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)


def test_toy_run_learns_something():
    r = run(toy_config("gaussian", steps=300))
    x = r.sample(4000)
    assert x.shape == (4000, 1) and x.dtype == np.float32
    assert abs(x.mean() - 4.0) < 0.6  # started near 4 thanks to the standardising buffers; stays there
    assert 0.5 < x.std() < 2.5


def test_checkpoint_round_trip(tmp_path):
    r = run(toy_config("ring8", steps=20), out=tmp_path)
    state = load_checkpoint(tmp_path / "checkpoint.pt", kind="toy")
    assert state["step"] == 20 and state["config"]["data"] == "ring8"
    G = generator_from_checkpoint(tmp_path / "checkpoint.pt")
    np.testing.assert_array_equal(generate(G, 50, seed=1), r.sample(50, seed=1))
    assert (tmp_path / "summary.json").exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_exact_resume_toy(tmp_path):
    # without a schedule, a shorter run resumed up to the total is the same run (with lr_decay the
    # schedule depends on the total: see test_interrupted_run_resumes_bit_identical_with_lr_decay)
    cfg = toy_config("gaussian", steps=60, ema=0.9, lr_decay=False)
    full = run(cfg)
    run(replace(cfg, steps=25), out=tmp_path / "a")
    resumed = run(cfg, resume=tmp_path / "a" / "checkpoint.pt", out=tmp_path / "b")
    np.testing.assert_array_equal(full.sample(500, seed=7), resumed.sample(500, seed=7))
    assert full.history.loss_d == resumed.history.loss_d


def test_interrupted_run_resumes_bit_identical_with_lr_decay(tmp_path):
    cfg = toy_config("gaussian", steps=60, lr_decay=True)
    full = run(cfg)

    def interrupt(info):  # what Ctrl-C does in the command line: stop after this step
        if info.step == 23:
            raise StopTraining

    part = run(cfg, callbacks=[interrupt], out=tmp_path / "a")
    assert part.step == 23 and load_checkpoint(tmp_path / "a" / "checkpoint.pt")["step"] == 23
    resumed = run(resume=tmp_path / "a" / "checkpoint.pt")
    assert resumed.step == 60
    np.testing.assert_array_equal(full.sample(500, seed=7), resumed.sample(500, seed=7))
    assert full.history.loss_g == resumed.history.loss_g


def test_periodic_checkpoints_resume_exactly(tmp_path):
    cfg = toy_config("gaussian", steps=40, lr_decay=True)
    full = run(cfg)

    def crash(info):  # the machine dies at step 33, after the step-30 checkpoint
        if info.step == 33:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(cfg, out=tmp_path, checkpoint_every=10, callbacks=[crash])
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 30
    assert not (tmp_path / "summary.json").exists()  # periodic saves write only the checkpoint
    resumed = run(resume=tmp_path / "checkpoint.pt")
    np.testing.assert_array_equal(full.sample(300, seed=1), resumed.sample(300, seed=1))


def test_linear_decay_schedule():
    from gan_lessons.training import linear_decay, set_lr

    G, D, opt_g, opt_d = small_pair()
    seen = []
    train(
        G,
        D,
        opt_g,
        opt_d,
        gaussian().sample,
        steps=4,
        batch_size=8,
        lr_schedule=linear_decay,
        callbacks=[lambda info: seen.append(opt_g.param_groups[0]["lr"])],
    )
    assert seen == pytest.approx([1e-3, 0.75e-3, 0.5e-3, 0.25e-3])
    set_lr(opt_d, 0.5)
    assert opt_d.param_groups[0]["lr"] == pytest.approx(0.5e-3)  # of the initial value, not the current one


def test_exact_resume_dcgan(tmp_path):
    images = torch.rand(40, 1, 8, 8) * 2 - 1
    cfg = DCGANConfig(data="digits", image_size=8, z_dim=4, g_width=4, d_width=4, batch_size=8, epochs=3)
    full = run(cfg, images=images)
    run(replace(cfg, epochs=1), images=images, out=tmp_path / "a")
    resumed = run(cfg, resume=tmp_path / "a" / "checkpoint.pt", images=images)
    assert len(full.history) == 15
    np.testing.assert_array_equal(full.sample(16, seed=2), resumed.sample(16, seed=2))
    assert full.sample(16).shape == (16, 1, 8, 8)


def test_failed_run_never_overwrites_checkpoint(tmp_path):
    run(toy_config("gaussian", steps=5), out=tmp_path)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(ValueError):
        run(toy_config("gaussian", steps=5, lr_g=-1.0), out=tmp_path)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/gan_lessons_pwned",))


@pytest.mark.parametrize("case", ["missing", "empty", "truncated", "corrupt", "pickled_code", "not_ours", "folder"])
def test_bad_checkpoints(tmp_path, case):
    p = tmp_path / "checkpoint.pt"
    if case == "empty":
        p.write_bytes(b"")
    elif case == "truncated":
        save_checkpoint(p, kind="toy", x=torch.zeros(1000))
        p.write_bytes(p.read_bytes()[:300])
    elif case == "corrupt":
        p.write_bytes(b"this is not a checkpoint at all" * 10)
    elif case == "pickled_code":
        with open(p, "wb") as f:
            pickle.dump({"format": "gan-lessons/1", "evil": Evil()}, f)
    elif case == "not_ours":
        torch.save({"weights": torch.zeros(2)}, p)
    elif case == "folder":
        p = tmp_path
    words = {
        "missing": "not found",
        "empty": "empty",
        "truncated": "truncated or corrupt",
        "corrupt": "truncated or corrupt",
        "pickled_code": "pickled",
        "not_ours": "not a gan-lessons",
        "folder": "folder",
    }
    with pytest.raises(CheckpointError, match=words[case]):
        load_checkpoint(p)
    assert not os.path.exists("/tmp/gan_lessons_pwned")


def test_wrong_kind(tmp_path):
    run(toy_config("gaussian", steps=2), out=tmp_path)
    with pytest.raises(CheckpointError, match="toy checkpoint, but a dcgan"):
        load_checkpoint(tmp_path / "checkpoint.pt", kind="dcgan")


def test_config_validation():
    with pytest.raises(ValueError, match="std"):
        ToyConfig(std=0)
    with pytest.raises(ValueError, match="data"):
        toy_config("moons")
    with pytest.raises(TypeError, match="steps"):
        ToyConfig(steps="10")
    with pytest.raises(ValueError, match="g_loss"):
        DCGANConfig(g_loss="hinge")
