"""Bad checkpoints, runaway runs, huge requests and shared folders (issue 12): one clear line, nothing lost.

Each test names the item of the issue it covers. The command line is run in-process (``main``) where
one line on stderr is enough, and in a real process where signals or a second process matter.
"""

import os
import pickle
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from gan_lessons import runs
from gan_lessons._atomic import LOCK_NAME, FolderInUse, folder_lock
from gan_lessons.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan_lessons.cli import main
from gan_lessons.recipes import toy_config
from gan_lessons.training import TrainingDiverged


def one_line_error(capsys, argv, *words, rc=1):
    assert main([str(a) for a in argv]) == rc
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A small, good toy checkpoint and its state."""
    out = tmp_path_factory.mktemp("good")
    runs.run(toy_config("gaussian", steps=6, hidden=8), out=out)
    return out / "checkpoint.pt", load_checkpoint(out / "checkpoint.pt")


# ---------------------------------------------------------------- 1. malformed checkpoints


def _tamper(state, case):
    s = dict(state)
    if case == "no config":
        del s["config"]
    elif case == "config a list":
        s["config"] = [1, 2]
    elif case == "config a str":
        s["config"] = "gaussian"
    elif case == "config with a bad field":
        s["config"] = {**s["config"], "hidden": -3}
    elif case == "no weights":
        del s["G"]
    elif case == "weights not tensors":
        s["D"] = {"net.0.weight": "oops"}
    elif case == "NaN weights":
        s["G"] = {k: torch.full_like(v, float("nan")) for k, v in s["G"].items()}
    elif case == "bad history":
        s["history"] = {"step": [1, 2]}
    elif case == "history of the wrong length":
        s["history"] = {k: v[:-1] for k, v in s["history"].items()}
    elif case == "bad optimiser state":
        s["opt_d"] = {"state": 3}
    elif case == "no rng":
        del s["rng"]
    elif case == "weights of another recipe":
        s["G"] = {k: v[..., :1] if v.dim() else v for k, v in s["G"].items()}
    return s


CASES = [
    "no config",
    "config a list",
    "config a str",
    "config with a bad field",
    "no weights",
    "weights not tensors",
    "NaN weights",
    "bad history",
    "history of the wrong length",
    "bad optimiser state",
    "no rng",
    "weights of another recipe",
]


@pytest.mark.parametrize("case", CASES)
def test_malformed_checkpoint_is_one_line_for_sample_and_resume(tmp_path, capsys, good, case):
    path = tmp_path / "checkpoint.pt"
    torch.save(_tamper(good[1], case), path)
    with pytest.raises(CheckpointError, match="checkpoint"):
        runs.resume_run(path, total=20)
    with pytest.raises(CheckpointError, match="checkpoint"):
        runs.generate(path, 4)
    one_line_error(capsys, ["sample", path, "--n", 4, "--out", tmp_path / "x.npy"], str(path))
    one_line_error(capsys, ["train", "toy", "--resume", path, "--steps", 20, "--out", tmp_path / "r"], str(path))
    assert not (tmp_path / "x.npy").exists()


def test_malformed_checkpoint_says_what_is_wrong(tmp_path, good):
    path = tmp_path / "c.pt"
    torch.save(_tamper(good[1], "no rng"), path)
    with pytest.raises(CheckpointError, match="not a valid gan-lessons checkpoint: rng must be"):
        load_checkpoint(path)
    torch.save(_tamper(good[1], "NaN weights"), path)
    with pytest.raises(CheckpointError, match="G holds NaN"):
        load_checkpoint(path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/gan_lessons_pwned_legacy",))


def test_legacy_format_pickle_with_code_is_called_what_it_is(tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"format": "gan-lessons/1", "evil": _Evil()}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="pickled Python objects"):
        load_checkpoint(path)
    assert not os.path.exists("/tmp/gan_lessons_pwned_legacy")
    path.write_bytes(pickle.dumps({"format": "gan-lessons/1", "evil": _Evil()}))  # a bare pickle, as before
    with pytest.raises(CheckpointError, match="pickled Python objects"):
        load_checkpoint(path)


# ---------------------------------------------------------------- 2. blow-ups that are not NaN


def test_runaway_training_stops_before_nan(tmp_path):
    cfg = toy_config("gaussian", steps=400, lr_g=10.0, lr_d=10.0, r1=0.0, lr_decay=False)
    with pytest.raises(TrainingDiverged, match="diverged at step"):
        runs.run(cfg, out=tmp_path)
    assert not (tmp_path / "checkpoint.pt").exists()  # nothing saved as if it were fine


def test_sample_refuses_non_finite_samples(tmp_path, capsys, good):
    G = runs.generator_from_checkpoint(good[0])
    with torch.no_grad():
        next(G.parameters()).fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN or infinite"):
        runs.generate(G, 5)


# ---------------------------------------------------------------- 3. huge requests


def test_huge_sample_count_is_refused_before_any_work(tmp_path, capsys, good):
    one_line_error(capsys, ["sample", good[0], "--n", 10**30, "--out", tmp_path / "x.npy"], "ask for fewer")
    with pytest.raises(ValueError, match="ask for fewer"):
        runs.generate(runs.generator_from_checkpoint(good[0]), 10**12)
    assert not (tmp_path / "x.npy").exists()


def test_huge_step_counts_are_refused_with_an_override(tmp_path, capsys):
    one_line_error(capsys, ["train", "toy", "--steps", 10**26, "--out", tmp_path / "a"], "--max-steps")
    one_line_error(capsys, ["train", "dcgan", "--epochs", 10**6, "--out", tmp_path / "b"], "--max-steps", "--epochs")
    assert main(["train", "toy", "--steps", "5", "--max-steps", "5", "--out", str(tmp_path / "c")]) == 0
    one_line_error(capsys, ["train", "toy", "--steps", 6, "--max-steps", 5, "--out", tmp_path / "d"], "6")
    assert not (tmp_path / "a" / "checkpoint.pt").exists()


def test_phase_portrait_refuses_a_billion_steps():
    from gan_lessons.dynamics import bilinear_game
    from gan_lessons.widgets import PhasePortrait

    with pytest.raises(ValueError, match="steps must be <="):
        PhasePortrait(steps=10**9)
    with pytest.raises(ValueError, match="steps must be <="):
        bilinear_game(steps=10**9)


# ---------------------------------------------------------------- 4. Ctrl-C


def _start(args, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "gan_lessons", *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)


def test_ctrl_c_while_loading_data_stops_at_once(tmp_path, monkeypatch, capsys):
    from gan_lessons import cli

    def slow_start(*a, **kw):
        raise KeyboardInterrupt  # what the first Ctrl-C does while a download or a folder load runs

    monkeypatch.setattr(runs, "start_run", slow_start)
    assert cli.main(["train", "toy", "--out", str(tmp_path)]) == 130
    assert "nothing was written" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # no save-and-stop handler left behind


@pytest.mark.slow  # a real process
def test_second_ctrl_c_names_the_periodic_checkpoint(tmp_path):
    p = _start(["train", "toy", "--steps", 100_000, "--checkpoint-every", 20, "--out", "run"], tmp_path)
    ckpt = tmp_path / "run" / "checkpoint.pt"
    deadline = time.time() + 120
    while not ckpt.exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    time.sleep(0.01)
    p.send_signal(signal.SIGINT)  # the second Ctrl-C aborts the step at once
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and len(err.strip().splitlines()) == 1, err
    assert "nothing was written" not in err
    assert "checkpoint" in err and "--resume" in err
    assert load_checkpoint(ckpt)["step"] >= 20


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_a_burst_of_ctrl_c_at_random_moments_is_one_line(tmp_path, seed):
    """1-4 presses at random moments: during imports, data loading, training, the save or Python's shutdown.

    Whatever they hit: exit status 130 (or 0 when they all came after a finished run's report), one line on
    stderr, no traceback, and the checkpoint, if any, whole. Odd seeds train a short run that usually ends
    while the presses come, so some land in the final save and the interpreter's shutdown.
    """
    rng = random.Random(seed)
    steps = 150 if seed % 2 else 100_000
    args = ["train", "toy", "--data", "ring8", "--steps", steps, "--checkpoint-every", 40, "--out", "run"]
    p = _start(args, tmp_path)
    time.sleep(rng.uniform(0.0, 3.0))
    for _ in range(rng.randint(1, 4)):
        if p.poll() is not None:
            break
        p.send_signal(signal.SIGINT)
        time.sleep(rng.uniform(0.0, 0.4))
    out, err = p.communicate(timeout=120)
    ckpt = tmp_path / "run" / "checkpoint.pt"
    assert "Traceback" not in err and "Error" not in err, err
    if p.returncode == 0:  # every press came after the run had finished and said so
        assert steps == 150 and err == "" and out.startswith("trained"), (out, err)
    else:
        assert p.returncode == 130 and len(err.strip().splitlines()) == 1, err
    if "nothing was written" in err:
        assert not ckpt.exists()
    if ckpt.exists():
        assert load_checkpoint(ckpt)["step"] >= 1  # whole: it loads
    assert not [f for f in ckpt.parent.glob("*") if f.name not in ("checkpoint.pt", "summary.json")]


# ---------------------------------------------------------------- 5. two runs, one folder


@pytest.mark.slow  # a real process
def test_second_run_into_a_busy_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    p = _start(["train", "toy", "--steps", 100_000, "--checkpoint-every", 50, "--out", out], tmp_path)
    try:
        deadline = time.time() + 120
        while not (out / "checkpoint.pt").exists() and time.time() < deadline:
            time.sleep(0.05)
        before = (out / "checkpoint.pt").stat().st_mtime_ns
        line = one_line_error(capsys, ["train", "toy", "--steps", 10, "--out", out], "in use by another run")
        assert f"process {p.pid}" in line
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=120)
    assert p.returncode == 130
    assert load_checkpoint(out / "checkpoint.pt")["step"] > 10  # the first run's, not the second's
    assert (out / "checkpoint.pt").stat().st_mtime_ns >= before
    assert not (out / LOCK_NAME).exists()  # released


def test_stale_lock_of_a_killed_run_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / LOCK_NAME).write_text(f"{dead.pid} {os.uname().nodename} {time.time()}")
    with folder_lock(tmp_path):
        with pytest.raises(FolderInUse, match=f"process {os.getpid()}"):
            with folder_lock(tmp_path):
                pass
    assert not (tmp_path / LOCK_NAME).exists()


# ---------------------------------------------------------------- 6. disk full and partial files


def test_disk_full_is_one_line_and_keeps_the_old_checkpoint(tmp_path, monkeypatch, good):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(good[0].read_bytes())

    def full_disk(obj, f, *a, **kw):
        f.write(b"PK\x03\x04partial")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 470")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(CheckpointError, match="the disk is full"):
        save_checkpoint(path, kind="toy", x=torch.zeros(3))
    assert path.read_bytes() == good[0].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # no temporary left


def test_summary_is_written_atomically(tmp_path, monkeypatch):
    runs.run(toy_config("gaussian", steps=3, hidden=8), out=tmp_path)
    before = (tmp_path / "summary.json").read_text()
    monkeypatch.setattr(runs.lifecycle.json, "dumps", lambda *a, **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        runs.run(toy_config("gaussian", steps=4, hidden=8), out=tmp_path)
    assert (tmp_path / "summary.json").read_text() == before  # not left empty


def test_stale_temporaries_are_cleaned_on_the_next_run(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    stale = [out / ".checkpoint.pt.abc123.tmp", out / ".summary.json.xyz.tmp"]
    for p in stale:
        p.write_bytes(b"left by a SIGKILL")
    mine = out / "notes.tmp"
    mine.write_text("the learner's own file")
    runs.run(toy_config("gaussian", steps=2, hidden=8), out=out)
    assert not any(p.exists() for p in stale) and mine.exists()


def test_stale_partial_downloads_are_cleaned(tmp_path):
    from gan_lessons.data.download import download

    data = b"some bytes"
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    cache = tmp_path / "cache"
    cache.mkdir()
    old, fresh = cache / ".x.bin.dead.part", cache / ".x.bin.busy.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"still arriving")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    import hashlib

    download(src.as_uri(), cache / "x.bin", hashlib.sha256(data).hexdigest(), progress=False)
    assert not old.exists() and fresh.exists()  # an hour untouched is dead; a fresh one may be another download


# ---------------------------------------------------------------- 7. silent acceptance


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "toy", "--data", "ring8", "--mean", "3"], ["--mean", "gaussian"]),
        (["train", "toy", "--data", "grid25", "--std", "2"], ["--std", "gaussian"]),
        (["train", "toy", "--seed", str(2**64)], ["--seed", "2**63"]),
        (["train", "toy", "--std", "1e-320"], ["--std", "0.001"]),
        (["train", "toy", "--mean", "1e300"], ["--mean", "10000"]),
    ],
)
def test_flags_that_were_silently_accepted(tmp_path, capsys, args, words):
    one_line_error(capsys, [*args, "--out", tmp_path / "o"], *words)
    assert not (tmp_path / "o" / "checkpoint.pt").exists()


def test_empty_out_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(capsys, ["train", "toy", "--steps", 2, "--out", ""], "--out")
    assert list(tmp_path.iterdir()) == []


def test_cli_ranges_are_the_recipes():
    from gan_lessons import cli, recipes

    assert (cli.MEAN_RANGE, cli.STD_RANGE) == (recipes.MEAN_RANGE, recipes.STD_RANGE)


def test_resume_on_changed_image_folder_is_refused(tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).save(folder / f"{i}.png")
    assert main(["train", "dcgan", "--data", str(folder), "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).save(folder / "0.png")  # the data changed
    ckpt = tmp_path / "run" / "checkpoint.pt"
    one_line_error(capsys, ["train", "dcgan", "--resume", ckpt, "--epochs", 2, "--out", tmp_path / "r"], "differ")
    Image.open(folder / "1.png").save(folder / "0.png")


# ---------------------------------------------------------------- 8. API edges


def test_api_edges_name_the_argument():
    from gan_lessons.losses import discriminator_loss, r1_penalty
    from gan_lessons.metrics import kde_1d
    from gan_lessons.models import MLPDiscriminator, MLPGenerator
    from gan_lessons.theory import js_divergence
    from gan_lessons.training import train

    with pytest.raises(ValueError, match="real_logits is empty"):
        discriminator_loss(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match="scale"):
        MLPGenerator(scale=float("nan"))
    with pytest.raises(ValueError, match="shift"):
        MLPDiscriminator(shift=float("inf"))
    x = np.linspace(-5, 5, 101)
    p = np.exp(-(x**2) / 2)  # unnormalised: integrates to 2.5
    with pytest.raises(ValueError, match="p integrates to 2.5"):
        js_divergence(p, p / p.sum() / 0.1, 0.1)
    with pytest.raises(ValueError, match="real has shape"):
        r1_penalty(MLPDiscriminator(2), torch.randn(8, 3))
    G, D = MLPGenerator(), MLPDiscriminator()
    with pytest.raises(TypeError, match="opt_g"):
        train(G, D, None, torch.optim.SGD(D.parameters(), 0.1), lambda n, r: torch.randn(n, 1), 2)
    with pytest.raises(ValueError, match="samples"):
        kde_1d([], np.linspace(0, 1, 5))
