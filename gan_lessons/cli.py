"""The course's command line: ``python -m gan_lessons {train,sample,doctor,notebooks} ...``.

Train the lessons' default recipes, sample from a checkpoint, check a machine before a workshop.
Every error is one readable line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ._atomic import temp_file_for

__all__ = ["main", "build_parser"]


class CLIError(Exception):
    """An error to report as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise CLIError(f"{message} (see '{self.prog} --help')")


def _count(name):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a positive whole number, got {text!r}") from None
        if v < 1:
            raise argparse.ArgumentTypeError(f"{name} must be a positive whole number, got {v}")
        return v

    return parse


def _seed(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number >= 0, got {v}")
    return v


def _finite(name, positive=False):
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not math.isfinite(v) or (positive and v <= 0):
            raise argparse.ArgumentTypeError(
                f"{name} must be a {'positive ' if positive else ''}finite number, got {text}"
            )
        return v

    return parse


def _add_run_options(parser):
    """The options every ``train`` recipe shares: seed, resume, output folder, periodic checkpoints."""
    parser.add_argument("--seed", type=_seed, default=None, help="random seed (default 0)")
    parser.add_argument("--resume", metavar="CKPT", default=None, help="continue the run saved in this checkpoint")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for checkpoint.pt and summary.json")
    parser.add_argument(
        "--checkpoint-every",
        type=_count("--checkpoint-every"),
        default=500,
        metavar="N",
        help="also save the checkpoint every N steps (default 500); Ctrl-C saves and stops after the current step",
    )


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
    toy.add_argument("--mean", type=_finite("--mean"), default=None, help="mean of the gaussian target (default 4)")
    toy.add_argument(
        "--std",
        type=_finite("--std", positive=True),
        default=None,
        help="standard deviation of the gaussian target, > 0 (default 1.25)",
    )
    toy.add_argument(
        "--steps",
        type=_count("--steps"),
        default=None,
        help="total generator steps of the run (a resumed run continues up to it)",
    )
    _add_run_options(toy)

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
    _add_run_options(dc)

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file")
    s.add_argument("checkpoint", metavar="CKPT", help="a checkpoint.pt written by 'train'")
    s.add_argument("--n", type=_count("--n"), default=1000, help="number of samples (default 1000)")
    s.add_argument("--seed", type=_seed, default=0, help="noise seed (default 0)")
    s.add_argument(
        "--out", metavar="FILE.npy", required=True, help="output: float32, toy (N, dim), dcgan (N, C, H, W) in [-1, 1]"
    )

    sub.add_parser("doctor", help="check this machine for the course: versions, threads, memory, widgets")
    nb = sub.add_parser("notebooks", help="(course authors) make the learner notebooks from the solutions")
    nb.add_argument("--check", action="store_true", help="only check that notebooks/ matches solutions/")
    return p


def _writable_dir(out):
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CLIError(f"cannot write to --out {out}: {e.strerror or e}") from None
    return out


def _train(args):
    from .config import DCGANConfig, config_from_dict, toy_config
    from .recipes import run
    from .training import StopTraining, load_checkpoint

    out = _writable_dir(args.out)
    given = {k: v for k, v in vars(args).items() if k in ("data", "mean", "std", "seed") and v is not None}
    if args.resume is not None:
        state = load_checkpoint(args.resume, kind=args.recipe)
        saved = config_from_dict(state["config"])
        for k, v in given.items():
            if getattr(saved, k) != v:
                raise CLIError(
                    f"--{k} {v} differs from the checkpoint's {getattr(saved, k)}; "
                    "a resumed run keeps its recipe (leave the flag out)"
                )
        total = {"steps": args.steps} if args.recipe == "toy" else {"epochs": args.epochs}
        cfg = replace(saved, **{k: v for k, v in total.items() if v is not None})
        done = state["step"]
    else:
        if args.recipe == "toy":
            cfg = toy_config(given.pop("data", "gaussian"), **given, **({"steps": args.steps} if args.steps else {}))
        else:
            cfg = DCGANConfig(**given, **({"epochs": args.epochs} if args.epochs else {}))
        done = 0
    if args.resume is not None:
        wanted = cfg.steps if args.recipe == "toy" else cfg.epochs * (state.get("steps_per_epoch") or 1)
        if wanted <= done:
            more = "--steps" if args.recipe == "toy" else "--epochs"
            raise CLIError(f"the checkpoint already has {done} steps; ask for a larger total with {more}")
    interrupted = []

    def on_ctrl_c(signum, frame):  # first Ctrl-C: finish this step, save, stop; second: abort at once
        if interrupted:
            raise KeyboardInterrupt
        interrupted.append(True)

    def stop_if_asked(info):
        if interrupted:
            raise StopTraining

    if args.recipe == "toy":  # tiny MLPs: a second thread only adds overhead (measured in benchmarks/toy_1d.py)
        import torch

        torch.set_num_threads(1)
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        r = run(
            cfg,
            resume=args.resume,
            out=out,
            progress=sys.stderr.isatty(),
            callbacks=[stop_if_asked],
            checkpoint_every=args.checkpoint_every,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        print(
            f"gan_lessons: interrupted at step {r.step}; saved {out / 'checkpoint.pt'}; "
            f"continue with --resume {out / 'checkpoint.pt'}",
            file=sys.stderr,
        )
        return 130
    from .recipes import summarise

    figures = {k: v for k, v in summarise(r).items() if k not in ("config", "kind")}
    print(f"trained {r.kind} to step {r.step} in {r.seconds:.1f} s; wrote {out / 'checkpoint.pt'}")
    for k, v in figures.items():
        print(f"  {k}: {v}")
    return 0


def _sample(args):
    import numpy as np

    from .recipes import generate

    out = Path(args.out)
    if out.suffix != ".npy":
        raise CLIError(f"--out must be a .npy file, got {out}")
    x = generate(args.checkpoint, args.n, seed=args.seed)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file_for(out)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, x.astype(np.float32))
            os.replace(tmp, out)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
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
        if args.command == "doctor":
            from .doctor import doctor

            return doctor()
        if args.command == "notebooks":
            from .exercises import build_notebooks

            return build_notebooks(check=args.check)
    except KeyboardInterrupt:
        print("gan_lessons: interrupted; nothing was written", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, RuntimeError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"gan_lessons: error: {msg}", file=sys.stderr)
        return 1
    return 0
