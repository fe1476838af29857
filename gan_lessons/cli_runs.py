"""The command line's ``train`` and ``sample``: flags -> a recipe -> :mod:`gan_lessons.runs`, one line per error.

:mod:`gan_lessons.cli` parses the flags and reports; this module runs what they ask. ``train`` checks that it can
write every file of ``--out`` *before* it trains, so that a run is never lost at the end.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from ._atomic import LOCK_NAME, atomic_write
from .i18n import _

__all__ = ["CLIError", "Interrupted", "writable_out", "labels_lines", "train", "sample", "process_note"]

#: what ``train`` writes into ``--out`` (and the lock it holds there while it trains)
OUT_FILES = ("checkpoint.pt", "summary.json", LOCK_NAME)


class CLIError(Exception):
    """An error to report as one line."""


class Interrupted(Exception):
    """Ctrl-C: the message says what was kept."""


def writable_out(out):
    """``--out`` as a folder this process can write ``checkpoint.pt`` and ``summary.json`` into (made if needed)."""
    if not out.strip():
        raise CLIError(_("--out must name a folder, got an empty string"))
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CLIError(_("cannot write to --out {out}: {error}").format(out=out, error=e.strerror or e)) from None
    for name in OUT_FILES:  # a file is replaced whole at the end (os.replace): a folder in its place cannot be
        path = out / name
        if path.is_dir() and not path.is_symlink():
            raise CLIError(
                _("cannot write to --out {out}: {path} is a folder; move it away or choose another --out").format(
                    out=out, path=path
                )
            )
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


def _given(args):
    """The recipe's settings the flags give, checked against each other."""
    named = ("data", "mean", "std", "seed", "loss", "conditional", "conditioning")
    given = {k: v for k, v in vars(args).items() if k in named and v is not None}
    if "conditioning" in given and not given.get("conditional"):
        raise CLIError(_("--conditioning says how a conditional D gets the label: add --conditional"))
    if args.recipe == "toy" and given.get("data", "gaussian") != "gaussian" and {"mean", "std"} & set(given):
        raise CLIError(
            _("--mean and --std shape the gaussian target only; leave them out with --data {data}").format(
                data=given["data"]
            )
        )
    return given


def labels_lines(class_names, width=100):
    """The label -> class table of a conditional run, ``labels: 0 = 'cats', 1 = 'dogs'``, in lines of ``width``."""
    entries = [f"{label} = {name!r}" for label, name in enumerate(class_names)]
    lines, line = [], ""
    for entry in entries:
        if line and len(line) + len(entry) + 2 > width:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {entry}" if line else entry
    lines.append(line)
    return [_("labels: {table}").format(table=lines[0]), *(f"  {rest}" for rest in lines[1:])]


def train(args, ctrl_c):
    """``train toy|dcgan``: start or resume the run, train it (Ctrl-C saves and stops), report; the exit status."""
    from . import runs
    from .data import IMAGE_DATASETS
    from .runs import distributed
    from .training import StopTraining

    out = writable_out(args.out)
    r = _start(args, _given(args))
    if r.total_steps > args.max_steps:
        raise CLIError(
            _(
                "this run would take {steps:,} generator steps, more than --max-steps {max_steps:,}: "
                "ask for fewer {flag}, or raise --max-steps"
            ).format(
                steps=r.total_steps, max_steps=args.max_steps, flag="--steps" if args.recipe == "toy" else "--epochs"
            )
        )
    if r.class_names is not None and r.config.data not in IMAGE_DATASETS and distributed.is_main():
        print("\n".join(labels_lines(r.class_names)), flush=True)  # a folder of class folders: which label is which

    def stop_if_asked(info):  # under torchrun every rank stops at the same step, when any rank was interrupted
        if distributed.any_rank(ctrl_c.stop_requested):
            raise StopTraining

    if args.recipe == "toy":  # tiny MLPs: a second thread only adds overhead (measured in benchmarks/toy_1d.py)
        import torch

        torch.set_num_threads(1)
    ckpt = out / "checkpoint.pt"
    before = ckpt.stat().st_mtime_ns if ckpt.exists() else None
    ctrl_c.training(single_process=distributed.world()[1] == 1)  # only now: Ctrl-C while loading data just stops
    try:
        progress = sys.stderr.isatty() and distributed.is_main()
        runs.train_run(r, out=out, progress=progress, callbacks=[stop_if_asked], checkpoint_every=args.checkpoint_every)
    except KeyboardInterrupt:  # the second Ctrl-C: say what the periodic checkpoints kept
        saved = ckpt.exists() and ckpt.stat().st_mtime_ns != before
        raise Interrupted(
            _("interrupted; the last periodic checkpoint is {ckpt}: continue with --resume {ckpt}").format(ckpt=ckpt)
            if saved
            else _("interrupted before the first checkpoint; nothing was written")
        ) from None
    finally:
        ctrl_c.mode = "ignore"  # saved: what is left is saying so
        distributed.shutdown()
    if not distributed.is_main():  # rank 0 reports for all
        return 0
    return _report(r, out, ckpt)


def _report(r, out, ckpt):
    if r.step < r.total_steps:  # stopped by Ctrl-C (here or, under torchrun, on another rank)
        print(
            _("gan_lessons: interrupted at step {step}; saved {ckpt}; continue with --resume {ckpt}").format(
                step=r.step, ckpt=ckpt
            ),
            file=sys.stderr,
        )
        return 130
    summary = json.loads((out / "summary.json").read_text())  # the figures train_run computed and wrote
    figures = {k: v for k, v in summary.items() if k not in ("config", "kind")}
    print(
        _("trained {kind} to step {step} on {device} in {seconds:.1f} s; wrote {ckpt}").format(
            kind=r.kind, step=r.step, device=r.device, seconds=r.seconds, ckpt=ckpt
        )
    )
    for k, v in figures.items():
        for name, value in v.items() if isinstance(v, dict) else [(None, v)]:  # a nested dict: one line per figure
            print(f"  {k}{'.' + name if name else ''}: {value}")
    return 0


def sample(args):
    """``sample CKPT --out FILE.npy``: draw samples into a .npy file; the exit status."""
    import numpy as np

    from .runs import generate

    out = Path(args.out)
    if out.name.lower() == ".npy":  # Path(".npy").suffix is "": the file needs a name before the suffix
        example = out.parent / "samples.npy"
        raise CLIError(
            _("--out needs a file name before .npy, such as {example}; got {out}").format(example=example, out=args.out)
        )
    if out.suffix != ".npy":
        raise CLIError(_("--out must be a .npy file, got {out}").format(out=out))
    x = generate(args.checkpoint, args.n, seed=args.seed, label=args.label)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(out) as f:
            np.save(f, x.astype(np.float32))
    except OSError as e:
        raise CLIError(_("cannot write --out {out}: {error}").format(out=out, error=e.strerror or e)) from None
    print(_("wrote {n} samples of shape {shape} to {out}").format(n=len(x), shape=tuple(x.shape[1:]), out=out))
    return 0


def process_note():
    """`` (process R of N; …)`` for an error under torchrun, else ``""`` (also when its variables make no sense)."""
    try:
        rank, size = int(os.environ.get("RANK") or 0), int(os.environ.get("WORLD_SIZE") or 1)
    except ValueError:  # not torchrun's: distributed.world() names the variable in the error itself
        return ""
    if size <= 1:
        return ""
    return _(" (process {rank} of {size}; under torchrun, one failing process ends the job)").format(
        rank=rank, size=size
    )
