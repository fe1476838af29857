"""The command line: a contract that outside scripts rely on."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from gan_lessons.cli import main


def cli(*args):
    """Run the real command in a subprocess: exit code, stdout, stderr."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.run(
        [sys.executable, "-m", "gan_lessons", *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )
    return p.returncode, p.stdout, p.stderr


def assert_one_line_error(rc, err, *words):
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.slow  # a real process
def test_train_toy_sample_and_resume_a_shorter_run(tmp_path):
    rc, out, err = cli("train", "toy", "--steps", 40, "--seed", 3, "--out", tmp_path / "part")
    assert rc == 0, err
    assert "ks_distance_20k" in out
    summary = json.loads((tmp_path / "part" / "summary.json").read_text())
    assert summary["steps"] == 40 and summary["config"]["seed"] == 3
    rc, out, err = cli(
        "train", "toy", "--steps", 70, "--resume", tmp_path / "part" / "checkpoint.pt", "--out", tmp_path / "resumed"
    )
    assert rc == 0, err
    assert "to step 70" in out
    from gan_lessons.checkpoint import load_checkpoint

    state = load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")
    assert state["step"] == 70 and len(state["history"]["loss_d"]) == 70
    assert state["history"]["loss_d"][:40] == load_checkpoint(tmp_path / "part" / "checkpoint.pt")["history"]["loss_d"]
    rc, out, err = cli(
        "sample", tmp_path / "resumed" / "checkpoint.pt", "--n", 300, "--seed", 1, "--out", tmp_path / "x.npy"
    )
    assert rc == 0, err
    x = np.load(tmp_path / "x.npy")
    assert x.dtype == np.float32 and x.shape == (300, 1) and np.isfinite(x).all()


@pytest.mark.slow  # a real process
def test_ctrl_c_saves_and_resume_is_bit_identical(tmp_path):
    import signal
    import time

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = ["train", "toy", "--steps", 3000, "--seed", 5, "--checkpoint-every", 50]
    p = subprocess.Popen(
        [sys.executable, "-m", "gan_lessons", *map(str, args), "--out", str(tmp_path / "a")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    ckpt = tmp_path / "a" / "checkpoint.pt"
    deadline = time.time() + 240
    while not ckpt.exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)  # training has started once the first periodic checkpoint exists
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "interrupted at step" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    from gan_lessons.checkpoint import load_checkpoint

    step = load_checkpoint(ckpt)["step"]
    assert 50 <= step < 3000
    rc, _, err = cli("train", "toy", "--resume", ckpt, "--out", tmp_path / "b")
    assert rc == 0, err
    assert cli(*args, "--out", tmp_path / "full")[0] == 0
    for name in ("b", "full"):
        assert cli("sample", tmp_path / name / "checkpoint.pt", "--n", 200, "--out", tmp_path / f"{name}.npy")[0] == 0
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), np.load(tmp_path / "full.npy"))


def test_train_toy_2d_and_sample_shape(tmp_path):
    assert main(["train", "toy", "--data", "ring8", "--steps", "5", "--out", str(tmp_path)]) == 0
    assert main(["sample", str(tmp_path / "checkpoint.pt"), "--n", "7", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 2)


@pytest.mark.slow  # a real process
def test_train_dcgan_tiny_and_sample(tmp_path, monkeypatch):
    # a tiny DCGAN run on a folder of images the test makes, to keep it fast
    from PIL import Image

    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)).save(folder / f"{i}.png")
    rc, out, err = cli("train", "dcgan", "--data", folder, "--epochs", 1, "--out", tmp_path / "run")
    assert rc == 0, err
    rc, _, err = cli("sample", tmp_path / "run" / "checkpoint.pt", "--n", 5, "--out", tmp_path / "x.npy")
    assert rc == 0, err
    x = np.load(tmp_path / "x.npy")
    assert x.shape[:2] == (5, 1) and x.shape[2] == x.shape[3] and x.dtype == np.float32
    assert x.min() >= -1 and x.max() <= 1
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    rc, _, err = cli(
        "train", "dcgan", "--epochs", 1, "--resume", tmp_path / "run" / "checkpoint.pt", "--out", tmp_path / "run"
    )
    assert_one_line_error(rc, err, "already has", "--epochs")
    assert (tmp_path / "run" / "checkpoint.pt").read_bytes() == before


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "toy", "--steps", "-5", "--out", "{tmp}"], ["--steps", "positive"]),
        (["train", "toy", "--steps", "0", "--out", "{tmp}"], ["--steps"]),
        (["train", "toy", "--steps", "ten", "--out", "{tmp}"], ["--steps", "'ten'"]),
        (["train", "toy", "--std", "0", "--out", "{tmp}"], ["--std"]),
        (["train", "toy", "--std", "-1", "--out", "{tmp}"], ["--std"]),
        (["train", "toy", "--data", "moons", "--out", "{tmp}"], ["moons"]),
        (["train", "dcgan", "--epochs", "0", "--out", "{tmp}"], ["--epochs"]),
        (["train", "dcgan", "--epochs", "x", "--out", "{tmp}"], ["--epochs"]),
        (["train", "dcgan", "--data", "imagenet", "--out", "{tmp}"], ["unknown dataset", "imagenet"]),
        (["train", "dcgan", "--data", "{tmp}/empty", "--out", "{tmp}"], ["no PNG or JPEG"]),
        (["sample", "{tmp}/nope.pt", "--out", "{tmp}/x.npy"], ["not found"]),
        (["sample", "{tmp}/toy/checkpoint.pt", "--n", "-3", "--out", "{tmp}/x.npy"], ["--n"]),
        (["sample", "{tmp}/toy/checkpoint.pt", "--n", "0", "--out", "{tmp}/x.npy"], ["--n"]),
        (["sample", "{tmp}/empty.pt", "--out", "{tmp}/x.npy"], ["empty"]),
        (["sample", "{tmp}/truncated.pt", "--out", "{tmp}/x.npy"], ["truncated or corrupt"]),
        (["sample", "{tmp}/garbage.pt", "--out", "{tmp}/x.npy"], ["truncated or corrupt"]),
        (["sample", "{tmp}/evil.pt", "--out", "{tmp}/x.npy"], ["pickled"]),
        (["train", "dcgan", "--resume", "{tmp}/toy/checkpoint.pt", "--out", "{tmp}/d"], ["toy checkpoint", "dcgan"]),
        (["train", "toy", "--steps", "10", "--out", "{tmp}/afile/sub"], ["cannot write to --out"]),
        (["train", "toy", "--out", "{tmp}/x", "--bogus"], ["unrecognized"]),
        (["sample", "{tmp}/toy/checkpoint.pt", "--out", "{tmp}/x.txt"], [".npy"]),
        (["train", "toy", "--steps", "3", "--resume", "{tmp}/toy/checkpoint.pt", "--out", "{tmp}/r"], ["already"]),
        (["train", "toy", "--data", "ring8", "--resume", "{tmp}/toy/checkpoint.pt", "--out", "{tmp}/r"], ["--data"]),
    ],
)
def test_bad_input_is_one_readable_line(tmp_path, capsys, args, words):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "garbage.pt").write_bytes(b"\x00\x01 not a checkpoint" * 20)
    (tmp_path / "afile").write_text("a file, not a folder")
    assert main(["train", "toy", "--steps", "3", "--out", str(tmp_path / "toy")]) == 0
    good = (tmp_path / "toy" / "checkpoint.pt").read_bytes()
    (tmp_path / "truncated.pt").write_bytes(good[: len(good) // 2])

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path}/pwned",))

    (tmp_path / "evil.pt").write_bytes(pickle.dumps({"format": "gan-lessons/1", "G": Evil()}))
    capsys.readouterr()
    rc = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    err = capsys.readouterr().err
    assert_one_line_error(rc, err, *words)
    assert not (tmp_path / "pwned").exists()
    assert (tmp_path / "toy" / "checkpoint.pt").read_bytes() == good  # nothing lost


@pytest.mark.slow  # a real process
def test_bad_input_in_a_real_process(tmp_path):
    rc, _, err = cli("train", "toy", "--steps", "-1", "--out", tmp_path)
    assert_one_line_error(rc, err, "--steps")
    rc, _, err = cli("sample", tmp_path / "missing.pt", "--out", tmp_path / "x.npy")
    assert_one_line_error(rc, err, "not found")


def test_help_documents_every_flag():
    rc, out, _ = cli("train", "toy", "--help")
    assert rc == 0
    for flag in ("--data", "--mean", "--std", "--steps", "--seed", "--resume", "--out"):
        assert flag in out
    rc, out, _ = cli("train", "dcgan", "--help")
    for flag in ("--data", "--epochs", "--seed", "--resume", "--out"):
        assert flag in out
    rc, out, _ = cli("sample", "--help")
    for flag in ("--n", "--seed", "--out"):
        assert flag in out


def test_a_warning_is_one_line(monkeypatch, capsys):
    """A warning raised while a command runs (say, a data file placed by hand is used unverified) is one line."""
    import warnings

    from gan_lessons import classroom

    def warn_then_link(*args, **kw):
        warnings.warn("this file is not the official one:\nits checksum differs", UserWarning, stacklevel=1)
        return "https://hub.example.org/link"

    monkeypatch.setattr(classroom, "nbgitpuller_link", warn_then_link)
    assert main(["classroom-link", "--hub", "https://hub.example.org"]) == 0
    err = capsys.readouterr().err
    assert err == "gan_lessons: warning: this file is not the official one: its checksum differs\n", err
