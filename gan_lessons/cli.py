"""The course's command line: ``python -m gan_lessons {train,sample,doctor,classroom-link,notebooks,translations} ...``.

Train the lessons' default recipes, sample from a checkpoint, check a machine before a workshop.
Every error is one readable line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from . import i18n
from ._atomic import atomic_write
from ._interrupt import CtrlC
from ._validate import check_int, check_number, check_seed
from .i18n import N_, _

__all__ = ["main", "build_parser"]


class CLIError(Exception):
    """An error to report as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise CLIError(_("{message} (see '{prog} --help')").format(message=message, prog=self.prog))


def _flag(name, convert, check, wording):
    """An argparse type: ``convert`` the text, ``check`` it (:mod:`gan_lessons._validate`), or say what it must be."""

    def parse(text):
        try:
            return check(name, convert(text))
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(
                _("{name} must be {wording}, got {text!r}").format(name=name, wording=_(wording), text=text)
            ) from None

    return parse


def _count(name):
    return _flag(name, int, check_int, N_("a positive whole number"))


# recipes.MEAN_RANGE and STD_RANGE, written out so that --help needs no torch (tests/test_cli.py checks they agree)
MEAN_RANGE, STD_RANGE = (-1e4, 1e4), (1e-3, 1e4)
_seed = _flag("--seed", int, check_seed, N_("a whole number in [0, 2**63)"))
_mean = _flag("--mean", float, lambda n, v: check_number(n, v, *MEAN_RANGE), N_("a number in [-10000, 10000]"))
_std = _flag("--std", float, lambda n, v: check_number(n, v, *STD_RANGE), N_("a number in [0.001, 10000]"))
#: A run of more generator steps than this is refused unless --max-steps says otherwise: a typo such as
#: --steps 30000000 would otherwise run for days (the toy GAN takes 2-3 ms a step on a laptop, the DCGAN 20-100).
MAX_STEPS = 1_000_000


def _add_run_options(parser, device="auto"):
    """The options every ``train`` recipe shares: seed, resume, output folder, device, periodic checkpoints."""
    parser.add_argument("--seed", type=_seed, default=None, help=_("random seed (default 0)"))
    parser.add_argument("--resume", metavar="CKPT", default=None, help=_("continue the run saved in this checkpoint"))
    parser.add_argument("--out", metavar="DIR", required=True, help=_("folder for checkpoint.pt and summary.json"))
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda", "mps"],
        default=device,
        help=_("where to train (default {device}); auto takes a CUDA GPU, then Apple's MPS, else the CPU").format(
            device=device
        ),
    )
    parser.add_argument(
        "--checkpoint-every",
        type=_count("--checkpoint-every"),
        default=500,
        metavar="N",
        help=_("also save the checkpoint every N steps (default 500); Ctrl-C saves and stops after the current step"),
    )
    parser.add_argument(
        "--max-steps",
        type=_count("--max-steps"),
        default=MAX_STEPS,
        metavar="N",
        help=_("refuse a run of more than N generator steps (default {max_steps:,}; raise it for a longer run)").format(
            max_steps=MAX_STEPS
        ),
    )


def _add_dcgan(tsub):
    """``train dcgan``: lesson 4's image DCGAN, and lesson 6's conditional one."""
    dc = tsub.add_parser("dcgan", help=_("the image DCGAN of lesson 4"))
    dc.add_argument(
        "--data",
        default=None,
        metavar="digits|mnist|fashion-mnist|PATH",
        help=_(
            "digits (embedded, default), mnist or fashion-mnist (downloaded once, verified), "
            "or a folder of PNG/JPEG images"
        ),
    )
    dc.add_argument(
        "--epochs",
        type=_count("--epochs"),
        default=None,
        help=_("total epochs of the run (a resumed run continues up to it); default: (fashion-)mnist 5, digits 70"),
    )
    dc.add_argument(
        "--conditional",
        action="store_true",
        default=None,
        help=_(
            "lesson 6's conditional GAN: G(z, y) draws the class y it is asked for (the data's labels, or a "
            "folder with one subfolder of images per class)"
        ),
    )
    dc.add_argument(
        "--conditioning",
        choices=["projection", "concat"],
        default=None,
        help=_("with --conditional: how D is given the label (default projection, Miyato & Koyama 2018)"),
    )
    _add_run_options(dc)


def _add_authoring(sub):
    """``notebooks`` and ``translations``: what course authors and translators run."""
    nb = sub.add_parser(
        "notebooks",
        help=_("(course authors) make the learner notebooks and the Chinese edition from the solutions"),
    )
    nb.add_argument(
        "--check", action="store_true", help=_("only check that notebooks/ and the editions match solutions/")
    )
    tr = sub.add_parser(
        "translations",
        help=_("(course authors) extract the messages, update the .po catalogues, compile them; check the editions"),
    )
    tr.add_argument("--check", action="store_true", help=_("write nothing: report every missing or stale translation"))
    tr.add_argument("--import-json", metavar="FILE", action="append", default=[], help=_("fill untranslated messages"))
    tr.add_argument(
        "--update-catalogues",
        action="store_true",
        help=_("add an entry (in English, to translate) for every new markdown cell to translations/<lang>/"),
    )


def build_parser():
    p = _Parser(
        prog="python -m gan_lessons",
        description=_("The course's command line: train, sample, check a machine, hand out lessons."),
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help=_("train one of the course's recipes and write a checkpoint"))
    tsub = t.add_subparsers(dest="recipe", required=True, parser_class=_Parser)

    toy = tsub.add_parser("toy", help=_("the toy GAN of lessons 2-3 (MLPs on a 1-D or 2-D target)"))
    toy.add_argument(
        "--data",
        choices=["gaussian", "mixture", "ring8", "grid25"],
        default=None,
        help=_("target distribution (default: gaussian, N(4, 1.25))"),
    )
    toy.add_argument("--mean", type=_mean, default=None, help=_("mean of the gaussian target (default 4)"))
    toy.add_argument(
        "--std",
        type=_std,
        default=None,
        help=_("standard deviation of the gaussian target, > 0 (default 1.25)"),
    )
    toy.add_argument(
        "--loss",
        choices=["nonsaturating", "saturating", "wgan-gp", "hinge", "least-squares"],
        default=None,
        help=_(
            "what the players optimise: the GAN with G's nonsaturating (default) or saturating loss, or "
            "lesson 5's wgan-gp (with its tuned settings), hinge or least-squares"
        ),
    )
    toy.add_argument(
        "--steps",
        type=_count("--steps"),
        default=None,
        help=_("total generator steps of the run (a resumed run continues up to it)"),
    )
    _add_run_options(toy, device="cpu")  # tiny MLPs: a CPU is faster than a GPU's kernel launches

    _add_dcgan(tsub)

    s = sub.add_parser("sample", help=_("draw samples from a checkpoint into a .npy file"))
    s.add_argument("checkpoint", metavar="CKPT", help=_("a checkpoint.pt written by 'train'"))
    s.add_argument("--n", type=_count("--n"), default=1000, help=_("number of samples (default 1000)"))
    s.add_argument("--seed", type=_seed, default=0, help=_("noise seed (default 0)"))
    s.add_argument(
        "--label",
        type=_flag("--label", int, lambda n, v: check_int(n, v, minimum=0), N_("a class number 0, 1, 2, ...")),
        default=None,
        help=_("conditional checkpoints: draw this class for every sample (default: sample i has class i mod K)"),
    )
    s.add_argument(
        "--out",
        metavar="FILE.npy",
        required=True,
        help=_("output: float32, toy (N, dim), dcgan (N, C, H, W) in [-1, 1]"),
    )

    sub.add_parser("doctor", help=_("check this machine for the course: versions, threads, memory, widgets, fonts"))
    link = sub.add_parser("classroom-link", help=_("print the nbgitpuller link that opens a lesson on a JupyterHub"))
    link.add_argument("--hub", required=True, metavar="URL", help=_("the hub's address, e.g. https://hub.example.org"))
    link.add_argument("--lesson", type=_count("--lesson"), default=1, help=_("the lesson to open, 1-6 (default 1)"))
    link.add_argument(
        "--repo", metavar="URL", default=None, help=_("the course's git repository (default: the course's)")
    )
    link.add_argument("--branch", default="main", help=_("the branch learners get (default main)"))
    link.add_argument(
        "--lang", choices=["en", "zh-CN"], default=None, help=_("the edition (default: this command's language)")
    )
    _add_authoring(sub)
    return p


def _writable_dir(out):
    if not out.strip():
        raise CLIError(_("--out must name a folder, got an empty string"))
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CLIError(_("cannot write to --out {out}: {error}").format(out=out, error=e.strerror or e)) from None
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


def _train(args, ctrl_c):
    from . import runs
    from .runs import distributed
    from .training import StopTraining

    out = _writable_dir(args.out)
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
    r = _start(args, given)
    if r.total_steps > args.max_steps:
        raise CLIError(
            _(
                "this run would take {steps:,} generator steps, more than --max-steps {max_steps:,}: "
                "ask for fewer {flag}, or raise --max-steps"
            ).format(
                steps=r.total_steps, max_steps=args.max_steps, flag="--steps" if args.recipe == "toy" else "--epochs"
            )
        )

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
        raise _Interrupted(
            _("interrupted; the last periodic checkpoint is {ckpt}: continue with --resume {ckpt}").format(ckpt=ckpt)
            if saved
            else _("interrupted before the first checkpoint; nothing was written")
        ) from None
    finally:
        ctrl_c.mode = "ignore"  # saved: what is left is saying so
        distributed.shutdown()
    if not distributed.is_main():  # rank 0 reports for all
        return 0
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


class _Interrupted(Exception):
    """Ctrl-C: the message says what was kept."""


def _sample(args):
    import numpy as np

    from .runs import generate

    out = Path(args.out)
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


def _translations(args):
    from .messages import translations_command

    return translations_command(args.update_catalogues, args.check, args.import_json)


def main(argv=None, *, _ctrl_c=None):
    """Entry point; returns the exit status.

    Speaks the language ``GAN_LESSONS_LANG`` asks for, else the locale's
    (:func:`gan_lessons.i18n.language_from_environment`). Ctrl-C is handled while it runs
    (:class:`gan_lessons._interrupt.CtrlC`); the handler it found is put back when it returns.
    """
    ctrl_c, main_thread = _ctrl_c or CtrlC(), threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, ctrl_c) if main_thread and _ctrl_c is None else None
    try:
        try:
            lang = i18n.language_from_environment()
        except ValueError as e:
            print(f"gan_lessons: error: {e}", file=sys.stderr)
            return 1
        with i18n.language(lang), i18n.argparse_speaks():
            return _main(argv, ctrl_c)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def program(ctrl_c=None):
    """The ``gan-lessons`` command and ``python -m gan_lessons``: :func:`main`, then exit the process.

    Ctrl-C is handled from the first moment to the last (``ctrl_c``, already installed by ``__main__``): also
    when the shell started the command with SIGINT ignored (``cmd &``), and while Python shuts down, when the
    outcome already said stands.
    """
    if ctrl_c is None:
        ctrl_c = CtrlC()
        signal.signal(signal.SIGINT, ctrl_c)
    try:
        status = main(_ctrl_c=ctrl_c)
    except KeyboardInterrupt:  # between the handler's start and main's own handling
        status = 130
        print("gan_lessons: interrupted; nothing was written", file=sys.stderr)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the outcome is said: shutting down, the status stands
    sys.exit(status)


def _main(argv, ctrl_c):
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return _train(args, ctrl_c)
        if args.command == "sample":
            return _sample(args)
        if args.command == "classroom-link":
            from .classroom import REPOSITORY, nbgitpuller_link

            print(
                nbgitpuller_link(
                    args.hub, args.lesson, args.repo or REPOSITORY, args.branch, args.lang or i18n.get_language()
                )
            )
            return 0
        if args.command == "doctor":
            from .doctor import doctor

            return doctor()
        if args.command == "notebooks":
            from .authoring import build_notebooks

            return build_notebooks(check=args.check)
        if args.command == "translations":
            return _translations(args)
    except _Interrupted as e:
        print(f"gan_lessons: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(_("gan_lessons: interrupted; nothing was written"), file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, RuntimeError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        rank, size = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
        where = (
            _(" (process {rank} of {size}; under torchrun, one failing process ends the job)").format(
                rank=rank, size=size
            )
            if size > 1
            else ""
        )
        print(_("gan_lessons: error{where}: {message}").format(where=where, message=msg), file=sys.stderr)
        return 1
    return 0
