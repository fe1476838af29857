"""The course's command line: ``python -m gan_lessons {train,sample,doctor,classroom-link,notebooks,translations} ...``.

Train the lessons' default recipes, sample from a checkpoint, check a machine before a workshop.
Every error is one readable line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

from . import i18n
from ._interrupt import CtrlC
from ._validate import check_int, check_number, check_seed
from .cli_runs import CLIError, Interrupted, process_note, sample, train
from .course import LESSONS
from .i18n import N_, _

__all__ = ["main", "build_parser"]


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


def _link_part(flag):
    """An argparse type for ``classroom-link``'s ``--hub``, ``--repo`` (an address) or ``--branch`` (a branch name)."""

    def parse(text):
        from .classroom import branch_problem, url_problem

        problem = branch_problem(text) if flag == "--branch" else url_problem(text)
        if problem is None:
            return text
        wording = {
            "--hub": _("an http(s) address such as https://hub.example.org"),
            "--repo": _("the http(s) address of a git repository"),
            "--branch": _("a git branch name"),
        }[flag]
        raise argparse.ArgumentTypeError(
            _("{flag} must be {wording}: {problem}; got {text!r}").format(
                flag=flag, wording=wording, problem=_(problem), text=text
            )
        )

    return parse


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


def _add_classroom_link(sub):
    """``classroom-link``: the nbgitpuller link that hands out a lesson on a JupyterHub."""
    link = sub.add_parser("classroom-link", help=_("print the nbgitpuller link that opens a lesson on a JupyterHub"))
    hub_help = _("the hub's address, e.g. https://hub.example.org")
    link.add_argument("--hub", required=True, metavar="URL", type=_link_part("--hub"), help=hub_help)
    link.add_argument(
        "--lesson",
        type=_count("--lesson"),
        default=1,
        help=_("the lesson to open, 1-{last} (default 1)").format(last=len(LESSONS)),
    )
    link.add_argument(
        "--repo",
        metavar="URL",
        type=_link_part("--repo"),
        default=None,
        help=_("the course's git repository (default: the course's)"),
    )
    link.add_argument(
        "--branch", type=_link_part("--branch"), default="main", help=_("the branch learners get (default main)")
    )
    link.add_argument(
        "--lang", choices=["en", "zh-CN"], default=None, help=_("the edition (default: this command's language)")
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
    _add_classroom_link(sub)
    _add_authoring(sub)
    return p


def _course_root():
    """The course's repository (the current folder or one above it), where the authors' commands write."""
    from .translation import course_root

    root = course_root()
    if root is None:
        raise CLIError(
            _(
                "run this inside the course's repository (the folder holding gan_lessons/ and notebooks/): "
                "neither {cwd} nor a folder above it is one; nothing was written"
            ).format(cwd=Path.cwd())
        )
    return root


def _authoring(args):
    """``notebooks`` and ``translations``, run from the course's repository (or a folder inside it)."""
    root = _course_root()
    if args.command == "notebooks":
        from .authoring import build_notebooks

        return build_notebooks(root, check=args.check)
    from .gettext_files import translations_command

    return translations_command(args.update_catalogues, args.check, args.import_json, root=root)


@contextmanager
def _escaping_output():
    """stdout and stderr escape what the terminal cannot show (``\\u4e2d``) instead of failing on it; warnings are
    one line.

    An ASCII-only terminal (``PYTHONIOENCODING=ascii``, ``LANG=C`` on an old system) would otherwise turn a
    Chinese message, or a path with a Chinese name, into an error, and a finished run into a failed one.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
                changed.append(stream)
            except (ValueError, OSError):  # closed, or not a real text stream
                pass
    with warnings.catch_warnings():  # a warning is one line too, e.g. a hand-placed data file used unverified
        warnings.showwarning = lambda message, *args, **kw: print(
            _("gan_lessons: warning: {message}").format(message=" ".join(str(message).split())), file=sys.stderr
        )
        try:
            yield
        finally:
            for stream in changed:
                try:
                    stream.reconfigure(errors="strict")
                except (ValueError, OSError):
                    pass


def _speak_english(error):
    """The chosen language's catalogue is missing or broken: say so on one line; the command goes on in English."""
    problem = " ".join(str(error).split())
    print(_("gan_lessons: warning: {problem}; going on in English").format(problem=problem), file=sys.stderr)


def main(argv=None, *, _ctrl_c=None):
    """Entry point; returns the exit status.

    Speaks the language ``GAN_LESSONS_LANG`` asks for, else the locale's
    (:func:`gan_lessons.i18n.language_from_environment`). Ctrl-C is handled while it runs
    (:class:`gan_lessons._interrupt.CtrlC`); the handler it found is put back when it returns. A missing or broken
    catalogue is one warning line, then English; what the terminal cannot encode is escaped (``\\u4e2d``).
    """
    ctrl_c, main_thread = _ctrl_c or CtrlC(), threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, ctrl_c) if main_thread and _ctrl_c is None else None
    try:
        with _escaping_output():
            try:
                lang = i18n.language_from_environment()
            except ValueError as e:
                print(f"gan_lessons: error: {e}", file=sys.stderr)
                return 1
            with i18n.language(lang, fallback=_speak_english), i18n.argparse_speaks():
                return _main(argv, ctrl_c, lang)
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


def _main(argv, ctrl_c, lang):
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return train(args, ctrl_c)
        if args.command == "sample":
            return sample(args)
        if args.command == "classroom-link":
            from .classroom import REPOSITORY, nbgitpuller_link

            print(nbgitpuller_link(args.hub, args.lesson, args.repo or REPOSITORY, args.branch, args.lang or lang))
            return 0
        if args.command == "doctor":
            from .doctor import doctor

            return doctor()
        if args.command in ("notebooks", "translations"):
            return _authoring(args)
    except Interrupted as e:
        print(f"gan_lessons: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(_("gan_lessons: interrupted; nothing was written"), file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, RuntimeError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        print(_("gan_lessons: error{where}: {message}").format(where=process_note(), message=msg), file=sys.stderr)
        return 1
    return 0
