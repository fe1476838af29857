"""Checkpoints written before the package's redesign (format gan-lessons/1, tests/fixtures) still work."""

from pathlib import Path

import numpy as np
import pytest

from gan_lessons.checkpoint import CHECKPOINT_FORMAT, load_checkpoint
from gan_lessons.recipes import DCGANConfig, ToyConfig, config_from_dict
from gan_lessons.runs import generate, generator_from_checkpoint, resume_run, train_run

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["toy_gaussian", "toy_ring8", "dcgan_digits"]


#: The fixtures' samples were computed on another CPU. The same float32 code gives bit-identical results on one
#: machine, not across machines: PyTorch picks vectorised kernels per CPU (AVX2, AVX-512, ...) that sum in another
#: order, a few ulps (units in the last place, 6e-8 relative) per layer. These samples pass through 3-5 layers, so
#: we allow 1e-5 (about 170 ulps at 1.0): room for that, and still 100 times finer than any real change (another
#: weight or noise stream moves a sample by 1e-3 or more; test_a_real_change_is_caught).
ACROSS_MACHINES = {"rtol": 1e-5, "atol": 1e-5}


def assert_same_samples(actual, expected):
    np.testing.assert_allclose(actual, expected, **ACROSS_MACHINES)


@pytest.mark.parametrize("name", NAMES)
def test_old_checkpoint_samples_identically(name):
    path = FIXTURES / f"format1_{name}.pt"
    assert load_checkpoint(path)["format"] == CHECKPOINT_FORMAT
    expected = np.load(FIXTURES / "format1_samples.npz")[name]
    first = generate(path, 16, seed=7)
    assert_same_samples(first, expected)
    np.testing.assert_array_equal(generate(generator_from_checkpoint(path), 16, seed=7), first)  # same machine: exact


@pytest.mark.parametrize("ulps", [1, 8])
def test_fixtures_off_by_a_few_ulps_still_pass(ulps):
    """What another CPU gives: every stored number a few ulps away (up or down) still counts as the same."""
    stored = np.load(FIXTURES / "format1_samples.npz")
    for name in NAMES:
        off = stored[name].astype(np.float32)
        signs = np.where(np.arange(off.size).reshape(off.shape) % 2, np.inf, -np.inf).astype(np.float32)
        for _ in range(ulps):
            off = np.nextafter(off, signs)
        assert not np.array_equal(off, stored[name])
        assert_same_samples(generate(FIXTURES / f"format1_{name}.pt", 16, seed=7), off)


def test_a_real_change_is_caught(tmp_path):
    """One generator weight moved by 1e-3 (a changed model, not rounding): the samples no longer match."""
    import torch

    state = load_checkpoint(FIXTURES / "format1_toy_ring8.pt")
    weights = next(v for k, v in state["G"].items() if k.endswith("weight"))
    weights.view(-1)[0] += 1e-3
    torch.save(state, tmp_path / "changed.pt")
    with pytest.raises(AssertionError):
        assert_same_samples(
            generate(tmp_path / "changed.pt", 16, seed=7), np.load(FIXTURES / "format1_samples.npz")["toy_ring8"]
        )


def test_old_dcgan_config_reads_nz_as_z_dim():
    saved = load_checkpoint(FIXTURES / "format1_dcgan_digits.pt")["config"]
    assert saved["nz"] == 8 and "z_dim" not in saved  # written when the noise size was called nz
    cfg = config_from_dict(saved)
    assert isinstance(cfg, DCGANConfig) and cfg.z_dim == 8 and cfg.g_width == 4


@pytest.mark.parametrize("name, more", [("toy_gaussian", 35), ("dcgan_digits", 3)])
def test_old_checkpoint_resumes(name, more):
    path = FIXTURES / f"format1_{name}.pt"
    state = load_checkpoint(path)
    images = None
    if name == "dcgan_digits":  # trained on the first 64 digits at 8x8
        from gan_lessons.data import load_digits

        images = load_digits(8)[:64]
    r = resume_run(path, total=more, images=images)
    assert r.step == state["step"] and r.history.loss_d == state["history"]["loss_d"]
    assert isinstance(r.config, ToyConfig if name.startswith("toy") else DCGANConfig)
    train_run(r)
    assert r.step == r.total_steps > state["step"]
    assert r.history.loss_d[: state["step"]] == state["history"]["loss_d"]
    assert np.isfinite(r.sample(8)).all()


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_sigmask"), reason="Unix signal masks only")
def test_ctrl_c_during_a_save_takes_effect_after_it(tmp_path, monkeypatch):
    """A SIGINT that lands inside torch.save waits: the checkpoint is written whole, then KeyboardInterrupt comes."""
    import os
    import signal

    import torch

    from gan_lessons import checkpoint

    real_save = torch.save

    def interrupted_save(obj, f):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the write
        real_save(obj, f)

    monkeypatch.setattr(checkpoint.torch, "save", interrupted_save)
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save_checkpoint(path, step=7, weights=torch.arange(5.0))
    monkeypatch.setattr(checkpoint.torch, "save", real_save)
    state = load_checkpoint(path)
    assert state["step"] == 7 and torch.equal(state["weights"], torch.arange(5.0))
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())  # the mask is restored


def test_ctrl_c_during_a_save_reaches_the_command_lines_handler_after_it(tmp_path, monkeypatch):
    """Two presses while a periodic checkpoint is written: the file is whole, then the first asks the run to stop
    and the second stops it at once (KeyboardInterrupt), as they would have outside the save."""
    import os
    import signal

    import torch

    from gan_lessons import checkpoint
    from gan_lessons._interrupt import CtrlC

    real_save = torch.save

    def interrupted_save(obj, f):
        for _ in range(2):
            os.kill(os.getpid(), signal.SIGINT)
        real_save(obj, f)

    monkeypatch.setattr(checkpoint.torch, "save", interrupted_save)
    ctrl_c = CtrlC()
    ctrl_c.training(single_process=True)
    previous = signal.signal(signal.SIGINT, ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            checkpoint.save_checkpoint(tmp_path / "checkpoint.pt", step=3)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert ctrl_c.stop_requested and load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 3
