"""The course's command line: ``python -m gan_lessons {train,sample,doctor,classroom-link,notebooks} ...``.

Train the lessons' default recipes, sample from a checkpoint, check a machine before a workshop.
Every error is one readable line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

from ._atomic import atomic_write
from ._validate import check_int, check_number, check_seed

__all__ = ["main", "build_parser"]


class CLIError(Exception):
    """An error to report as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise CLIError(f"{message} (see '{self.prog} --help')")


def _flag(name, convert, check, wording):
    """An argparse type: ``convert`` the text, ``check`` it (:mod:`gan_lessons._validate`), or say what it must be."""

    def parse(text):
        try:
            return check(name, convert(text))
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"{name} must be {wording}, got {text!r}") from None

    return parse


def _count(name):
    return _flag(name, int, check_int, "a positive whole number")


# recipes.MEAN_RANGE and STD_RANGE, written out so that --help needs no torch (tests/test_cli.py checks they agree)
MEAN_RANGE, STD_RANGE = (-1e4, 1e4), (1e-3, 1e4)
_seed = _flag("--seed", int, check_seed, "a whole number in [0, 2**63)")
_mean = _flag("--mean", float, lambda n, v: check_number(n, v, *MEAN_RANGE), "a number in [-10000, 10000]")
_std = _flag("--std", float, lambda n, v: check_number(n, v, *STD_RANGE), "a number in [0.001, 10000]")
#: A run of more generator steps than this is refused unless --max-steps says otherwise: a typo such as
#: --steps 30000000 would otherwise run for days (the toy GAN takes 2-3 ms a step on a laptop, the DCGAN 20-100).
MAX_STEPS = 1_000_000


def _add_run_options(parser, device="auto"):
    """The options every ``train`` recipe shares: seed, resume, output folder, device, periodic checkpoints."""
    parser.add_argument("--seed", type=_seed, default=None, help="random seed (default 0)")
    parser.add_argument("--resume", metavar="CKPT", default=None, help="continue the run saved in this checkpoint")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for checkpoint.pt and summary.json")
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda", "mps"],
        default=device,
        help=f"where to train (default {device}); auto takes a CUDA GPU, then Apple's MPS, else the CPU",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=_count("--checkpoint-every"),
        default=500,
        metavar="N",
        help="also save the checkpoint every N steps (default 500); Ctrl-C saves and stops after the current step",
    )
    parser.add_argument(
        "--max-steps",
        type=_count("--max-steps"),
        default=MAX_STEPS,
        metavar="N",
        help=f"refuse a run of more than N generator steps (default {MAX_STEPS:,}; raise it for a longer run)",
    )


def _add_dcgan(tsub):
    """``train dcgan``: lesson 4's image DCGAN, and lesson 6's conditional one."""
    dc = tsub.add_parser("dcgan", help="the image DCGAN of lesson 4")
    dc.add_argument(
        "--data",
        default=None,
        metavar="digits|mnist|fashion-mnist|PATH",
        help="digits (embedded, default), mnist or fashion-mnist (downloaded once, verified), "
        "or a folder of PNG/JPEG images",
    )
    dc.add_argument(
        "--epochs",
        type=_count("--epochs"),
        default=None,
        help="total epochs of the run (a resumed run continues up to it); default: (fashion-)mnist 5, digits 70",
    )
    dc.add_argument(
        "--conditional",
        action="store_true",
        default=None,
        help="lesson 6's conditional GAN: G(z, y) draws the class y it is asked for (the data's labels, or a "
        "folder with one subfolder of images per class)",
    )
    dc.add_argument(
        "--conditioning",
        choices=["projection", "concat"],
        default=None,
        help="with --conditional: how D is given the label (default projection, Miyato & Koyama 2018)",
    )
    _add_run_options(dc)


def build_parser():
    p = _Parser(prog="python -m gan_lessons", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train one of the course's recipes and write a checkpoint")
    tsub = t.add_subparsers(dest="recipe", required=True, parser_class=_Parser)

    toy = tsub.add_parser("toy", help="the toy GAN of lessons 2-3 (MLPs on a 1-D or 2-D target)")
    toy.add_argument(
        "--data",
        choices=["gaussian", "mixture", "ring8", "grid25"],
        default=None,
        help="target distribution (default: gaussian, N(4, 1.25))",
    )
    toy.add_argument("--mean", type=_mean, default=None, help="mean of the gaussian target (default 4)")
    toy.add_argument(
        "--std",
        type=_std,
        default=None,
        help="standard deviation of the gaussian target, > 0 (default 1.25)",
    )
    toy.add_argument(
        "--loss",
        choices=["nonsaturating", "saturating", "wgan-gp", "hinge", "least-squares"],
        default=None,
        help="what the players optimise: the GAN with G's nonsaturating (default) or saturating loss, or "
        "lesson 5's wgan-gp (with its tuned settings), hinge or least-squares",
    )
    toy.add_argument(
        "--steps",
        type=_count("--steps"),
        default=None,
        help="total generator steps of the run (a resumed run continues up to it)",
    )
    _add_run_options(toy, device="cpu")  # tiny MLPs: a CPU is faster than a GPU's kernel launches

    _add_dcgan(tsub)

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file")
    s.add_argument("checkpoint", metavar="CKPT", help="a checkpoint.pt written by 'train'")
    s.add_argument("--n", type=_count("--n"), default=1000, help="number of samples (default 1000)")
    s.add_argument("--seed", type=_seed, default=0, help="noise seed (default 0)")
    s.add_argument(
        "--label",
        type=_flag("--label", int, lambda n, v: check_int(n, v, minimum=0), "a class number 0, 1, 2, ..."),
        default=None,
        help="conditional checkpoints: draw this class for every sample (default: sample i has class i mod K)",
    )
    s.add_argument(
        "--out", metavar="FILE.npy", required=True, help="output: float32, toy (N, dim), dcgan (N, C, H, W) in [-1, 1]"
    )

    sub.add_parser("doctor", help="check this machine for the course: versions, threads, memory, widgets")
    link = sub.add_parser("classroom-link", help="print the nbgitpuller link that opens a lesson on a JupyterHub")
    link.add_argument("--hub", required=True, metavar="URL", help="the hub's address, e.g. https://hub.example.org")
    link.add_argument("--lesson", type=_count("--lesson"), default=1, help="the lesson to open, 1-6 (default 1)")
    link.add_argument("--repo", metavar="URL", default=None, help="the course's git repository (default: the course's)")
    link.add_argument("--branch", default="main", help="the branch learners get (default main)")
    nb = sub.add_parser("notebooks", help="(course authors) make the learner notebooks from the solutions")
    nb.add_argument("--check", action="store_true", help="only check that notebooks/ matches solutions/")
    return p


def _writable_dir(out):
    if not out.strip():
        raise CLIError("--out must name a folder, got an empty string")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CLIError(f"cannot write to --out {out}: {e.strerror or e}") from None
    return out


def _start(args, given):
    """The run ``train`` asked for: resumed from ``--resume``, or fresh; on ``--device``, under torchrun or not."""
    from . import runs
    from .recipes import DCGANConfig, toy_config
    from .runs import distributed
    from .training import select_device

    device = distributed.init(select_device(args.device))  # torchrun: join the process group
    total = args.steps if args.recipe == "toy" else args.epochs
    progress = sys.stderr.isatty() and distributed.is_main()
    if args.resume is not None:
        return runs.resume_run(
            args.resume, total=total, kind=args.recipe, expect=given, progress=progress, device=device
        )
    if args.recipe == "toy":
        cfg = toy_config(given.pop("data", "gaussian"), **given, **({"steps": total} if total else {}))
        return runs.start_run(cfg, device=device)
    cfg = DCGANConfig(**given, **({"epochs": total} if total else {}))
    return runs.start_run(cfg, progress=progress, device=device)


def _train(args):
    from . import runs
    from .runs import distributed
    from .training import StopTraining

    out = _writable_dir(args.out)
    named = ("data", "mean", "std", "seed", "loss", "conditional", "conditioning")
    given = {k: v for k, v in vars(args).items() if k in named and v is not None}
    if "conditioning" in given and not given.get("conditional"):
        raise CLIError("--conditioning says how a conditional D gets the label: add --conditional")
    if args.recipe == "toy" and given.get("data", "gaussian") != "gaussian" and {"mean", "std"} & set(given):
        raise CLIError("--mean and --std shape the gaussian target only; leave them out with --data " + given["data"])
    r = _start(args, given)
    if r.total_steps > args.max_steps:
        raise CLIError(
            f"this run would take {r.total_steps:,} generator steps, more than --max-steps {args.max_steps:,}: "
            f"ask for fewer {'--steps' if args.recipe == 'toy' else '--epochs'}, or raise --max-steps"
        )
    interrupted = []

    def on_ctrl_c(signum, frame):  # first Ctrl-C: finish this step, save, stop; second: abort at once
        if interrupted and distributed.world()[1] == 1:  # torchrun passes the terminal's Ctrl-C on: one press, two
            raise KeyboardInterrupt
        interrupted.append(True)

    def stop_if_asked(info):  # under torchrun every rank stops at the same step, when any rank was interrupted
        if distributed.any_rank(interrupted):
            raise StopTraining

    if args.recipe == "toy":  # tiny MLPs: a second thread only adds overhead (measured in benchmarks/toy_1d.py)
        import torch

        torch.set_num_threads(1)
    ckpt = out / "checkpoint.pt"
    before = ckpt.stat().st_mtime_ns if ckpt.exists() else None
    previous = signal.signal(signal.SIGINT, on_ctrl_c)  # only now: Ctrl-C while loading data just stops
    try:
        progress = sys.stderr.isatty() and distributed.is_main()
        runs.train_run(r, out=out, progress=progress, callbacks=[stop_if_asked], checkpoint_every=args.checkpoint_every)
    except KeyboardInterrupt:  # the second Ctrl-C: say what the periodic checkpoints kept
        saved = ckpt.exists() and ckpt.stat().st_mtime_ns != before
        raise _Interrupted(
            f"interrupted; the last periodic checkpoint is {ckpt}: continue with --resume {ckpt}"
            if saved
            else "interrupted before the first checkpoint; nothing was written"
        ) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        distributed.shutdown()
    if not distributed.is_main():  # rank 0 reports for all
        return 0
    if r.step < r.total_steps:  # stopped by Ctrl-C (here or, under torchrun, on another rank)
        print(
            f"gan_lessons: interrupted at step {r.step}; saved {ckpt}; continue with --resume {ckpt}",
            file=sys.stderr,
        )
        return 130
    figures = {k: v for k, v in runs.summarise(r).items() if k not in ("config", "kind")}
    print(f"trained {r.kind} to step {r.step} on {r.device} in {r.seconds:.1f} s; wrote {ckpt}")
    for k, v in figures.items():
        for name, value in v.items() if isinstance(v, dict) else [(None, v)]:  # a nested dict: one line per figure
            print(f"  {k}{'.' + name if name else ''}: {value}")
    return 0


class _Interrupted(Exception):
    """Ctrl-C: the message says what was kept."""


def _sample(args):
    import numpy as np

    from .runs import generate

    out = Path(args.out)
    if out.suffix != ".npy":
        raise CLIError(f"--out must be a .npy file, got {out}")
    x = generate(args.checkpoint, args.n, seed=args.seed, label=args.label)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(out) as f:
            np.save(f, x.astype(np.float32))
    except OSError as e:
        raise CLIError(f"cannot write --out {out}: {e.strerror or e}") from None
    print(f"wrote {len(x)} samples of shape {tuple(x.shape[1:])} to {out}")
    return 0


def main(argv=None):
    """Entry point; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "train":
            return _train(args)
        if args.command == "sample":
            return _sample(args)
        if args.command == "classroom-link":
            from .classroom import REPOSITORY, nbgitpuller_link

            print(nbgitpuller_link(args.hub, args.lesson, args.repo or REPOSITORY, args.branch))
            return 0
        if args.command == "doctor":
            from .doctor import doctor

            return doctor()
        if args.command == "notebooks":
            from .authoring import build_notebooks

            return build_notebooks(check=args.check)
    except _Interrupted as e:
        print(f"gan_lessons: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("gan_lessons: interrupted; nothing was written", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, RuntimeError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        rank, size = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
        where = f" (process {rank} of {size}; under torchrun, one failing process ends the job)" if size > 1 else ""
        print(f"gan_lessons: error{where}: {msg}", file=sys.stderr)
        return 1
    return 0
