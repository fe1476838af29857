"""Beyond one laptop (issue 17): --device, torchrun with DistributedDataParallel on CPUs (gloo), classroom links."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_lessons import runs
from gan_lessons.checkpoint import load_checkpoint
from gan_lessons.cli import main
from gan_lessons.recipes import toy_config

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]  # a free port
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _run(args, tmp_path, timeout=240):
    p = subprocess.run(args, capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


# ---------------------------------------------------------------------------------- --device


def test_device_cpu_is_the_run_of_before(tmp_path):
    a = runs.run(toy_config("gaussian", steps=30, hidden=8))
    b = runs.run(toy_config("gaussian", steps=30, hidden=8), device="cpu")
    c = runs.run(toy_config("gaussian", steps=30, hidden=8), device="auto" if not torch.cuda.is_available() else "cpu")
    for r in (b, c):
        assert r.device == torch.device("cpu")
        np.testing.assert_array_equal(a.sample(100, seed=1), r.sample(100, seed=1))
    with pytest.raises(ValueError, match="device must be"):
        runs.start_run(toy_config("gaussian"), device="tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_a_gpu_is_one_line(tmp_path, capsys):
    rc = main(["train", "toy", "--steps", "5", "--device", "cuda", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "no CUDA GPU" in err[0]


def test_the_summary_names_the_device(tmp_path):
    assert main(["train", "toy", "--steps", "5", "--device", "auto", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["device"] in ("cpu", "cuda", "mps")


# ---------------------------------------------------------------------------------- torchrun, gloo, 2 processes

WORKER = """
import sys, torch
from dataclasses import replace
from gan_lessons import runs
from gan_lessons.data import load_digits
from gan_lessons.recipes import DCGANConfig
from gan_lessons.runs import distributed

device = distributed.init(torch.device("cpu"))
rank, size = distributed.world()
cfg = DCGANConfig(z_dim=8, g_width=8, d_width=8, batch_size=16, epochs=2, conditional=sys.argv[1] == "conditional")
x, y = load_digits(8, return_labels=True, split="train")
r = runs.run(cfg, images=(x[:160], y[:160]) if cfg.conditional else x[:160], device=device)
torch.save({"G": r.G.state_dict(), "D": r.D.state_dict(), "ema": r.ema.model.state_dict(), "size": size,
            "rng": r.rng.get_state()}, f"rank{rank}.pt")
distributed.shutdown()
"""


@pytest.mark.slow  # torchrun: real processes
@pytest.mark.parametrize("kind", ["unconditional", "conditional"])
def test_two_processes_end_with_identical_players(tmp_path, kind):
    (tmp_path / "worker.py").write_text(WORKER)
    rc, out, err = _run([*TORCHRUN, "worker.py", kind], tmp_path)
    assert rc == 0, err[-2000:]
    a, b = (torch.load(tmp_path / f"rank{i}.pt", weights_only=True) for i in (0, 1))
    assert a["size"] == b["size"] == 2
    for part in ("G", "D", "ema"):
        for name in a[part]:
            assert torch.equal(a[part][name], b[part][name]), f"{part}.{name} differs between ranks"
    assert not torch.equal(a["rng"], b["rng"])  # each rank drew its own share of the batches


def _dcgan(*extra):
    return [*TORCHRUN, "-m", "gan_lessons", "train", "dcgan", "--device", "cpu", *map(str, extra)]


def _kill_tree(pid, sig):
    """Send ``sig`` to ``pid`` and every process below it (torchrun starts its workers in sessions of their own)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    todo, tree = [pid], []
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    for p in tree:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A 2-epoch run on 2 processes, never stopped, and 64 samples of it drawn in one process."""
    tmp = tmp_path_factory.mktemp("full")
    rc, _, err = _run(_dcgan("--epochs", 2, "--out", "full"), tmp)
    assert rc == 0, err[-2000:]
    assert sorted(p.name for p in (tmp / "full").iterdir()) == ["checkpoint.pt", "summary.json"]  # rank 0's files
    rc, _, err = _run([sys.executable, "-m", "gan_lessons", "sample", "full/checkpoint.pt", "--n", "64",
                       "--out", "full.npy"], tmp)  # fmt: skip
    assert rc == 0, err
    return np.load(tmp / "full.npy")


@pytest.mark.slow  # torchrun: real processes
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_an_interrupted_two_process_run_resumes_exactly_and_samples_in_one_process(tmp_path, uninterrupted, sig):
    job = subprocess.Popen(_dcgan("--epochs", 2, "--checkpoint-every", 15, "--out", "cut"), cwd=tmp_path, env=ENV,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # fmt: skip
    ckpt = tmp_path / "cut" / "checkpoint.pt"
    deadline = time.time() + 180
    while not ckpt.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    if sig == signal.SIGINT:
        os.killpg(job.pid, sig)  # Ctrl-C in a terminal goes to torchrun's process group; torchrun passes it on
    else:
        _kill_tree(job.pid, sig)  # a crash, a lost machine: every process of the job dies at once
    _, err = job.communicate(timeout=120)
    step = load_checkpoint(ckpt)["step"]
    assert 15 <= step < 84 and load_checkpoint(ckpt)["world_size"] == 2
    if sig == signal.SIGINT:  # every rank stopped at the same step, and rank 0 said where it saved
        assert f"gan_lessons: interrupted at step {step}; saved" in err, err[-2000:]

    rc, _, err = _run(
        [sys.executable, "-m", "gan_lessons", "train", "dcgan", "--resume", ckpt, "--out", "one"], tmp_path
    )
    assert rc == 1 and "torchrun --nproc_per_node 2" in err and len(err.strip().splitlines()) == 1
    rc, out, err = _run(_dcgan("--resume", ckpt, "--out", "cut"), tmp_path)
    assert rc == 0, err[-2000:]
    assert out.count("trained dcgan to step 84") == 1  # rank 0 alone reports
    rc, _, err = _run([sys.executable, "-m", "gan_lessons", "sample", "cut/checkpoint.pt", "--n", "64",
                       "--out", "cut.npy"], tmp_path)  # fmt: skip
    assert rc == 0, err
    np.testing.assert_array_equal(uninterrupted, np.load(tmp_path / "cut.npy"))


@pytest.mark.slow  # torchrun: real processes
def test_a_failing_process_ends_the_job_with_a_message_not_a_hang(tmp_path):
    job = subprocess.Popen(_dcgan("--epochs", 20, "--checkpoint-every", 15, "--out", "run"), cwd=tmp_path, env=ENV,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # fmt: skip
    deadline = time.time() + 180
    while not (tmp_path / "run" / "checkpoint.pt").exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    rank1 = [int(d.name) for d in Path("/proc").glob("[0-9]*") if _environ(d).get("RANK") == "1"
             and _environ(d).get("TORCHELASTIC_RUN_ID")]  # fmt: skip
    assert len(rank1) == 1
    os.kill(rank1[0], signal.SIGKILL)  # process 1 dies (out of memory, a bug, a lost node)
    t0 = time.time()
    _, err = job.communicate(timeout=120)
    assert job.returncode != 0 and time.time() - t0 < 60
    assert "gan_lessons: error (process 0 of 2; under torchrun, one failing process ends the job)" in err


def _environ(proc):
    try:
        pairs = (proc / "environ").read_bytes().split(b"\0")
    except OSError:
        return {}
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


@pytest.mark.slow  # torchrun: real processes
def test_a_global_batch_that_does_not_split_is_refused(tmp_path):
    (tmp_path / "w.py").write_text(
        "import torch\nfrom gan_lessons import runs\nfrom gan_lessons.recipes import DCGANConfig\n"
        "from gan_lessons.runs import distributed\ndistributed.init(torch.device('cpu'))\n"
        "try:\n    runs.start_run(DCGANConfig(batch_size=33, epochs=1))\nexcept ValueError as e:\n    print(e)\n"
        "distributed.shutdown()\n"
    )
    rc, out, err = _run([*TORCHRUN, "w.py"], tmp_path)
    assert rc == 0 and out.count("must be a multiple of the number of processes (2)") == 2, err[-2000:]
