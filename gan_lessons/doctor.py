"""``python -m gan_lessons doctor``: the pre-flight check a learner runs in a workshop's first five minutes.

It prints what the course needs and what this machine has (versions, CPU threads, memory, disk,
whether Jupyter widgets will render, the data cache) and, for anything missing, the command
that fixes it. Exit status 0 when the course will run, 1 otherwise.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import shutil
import sys
import unicodedata
from pathlib import Path

from .i18n import N_, CatalogueError, _, catalogue, get_language

__all__ = ["doctor", "checks"]

# (distribution, import name, required?) — versions are pinned in requirements.txt
PACKAGES = [
    ("torch", "torch", True),
    ("numpy", "numpy", True),
    ("matplotlib", "matplotlib", True),
    ("ipywidgets", "ipywidgets", True),
    ("scikit-learn", "sklearn", True),
    ("pillow", "PIL", True),
    ("tqdm", "tqdm", True),
    ("jupyterlab", "jupyterlab", False),
    ("jupyterlab_widgets", "jupyterlab_widgets", False),
    ("ipykernel", "ipykernel", False),
    ("pytest", "pytest", False),
    ("nbval", "nbval", False),
]
FIX = "pip install -r requirements.txt -e .   ({where})"


def _version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _memory_gb():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _widget_extension():
    """Where JupyterLab finds the ipywidgets front end (the labextension jupyterlab_widgets ships)."""
    for base in {sys.prefix, getattr(sys, "base_prefix", sys.prefix), str(Path.home() / ".local")}:
        p = Path(base) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
        if p.is_dir():
            return p
    return None


def _python():
    py_ok = sys.version_info >= (3, 11)
    return [(py_ok, True, "Python", platform.python_version(), _("install Python 3.11 or newer"))]


def _packages():
    fix = FIX.format(where=_("from the course's folder"))
    rows = []
    for dist, _import, required in PACKAGES:
        v = _version(dist)
        rows.append((v is not None, required, dist, v or _("missing"), fix))
    return rows


def _torch():
    try:
        import torch

        threads = torch.get_num_threads()
        cuda = _("CUDA available") if torch.cuda.is_available() else _("CPU only (that is all the course needs)")
        detail = _("{threads} of {cpus} CPUs; {cuda}").format(threads=threads, cpus=os.cpu_count(), cuda=cuda)
        return [(True, True, _("torch threads"), detail, "")]
    except Exception as e:  # noqa: BLE001 - a broken torch install is exactly what doctor must report
        detail = _("failed: {error}").format(error=f"{type(e).__name__}: {e}")
        return [(False, True, _("torch import"), detail, "pip install torch==2.13.0")]


def _resources():
    out = []
    mem = _memory_gb()
    if mem is not None:
        out.append((mem >= 2, False, _("memory"), f"{mem:.1f} GB", _("the course wants about 2 GB free")))
    free = shutil.disk_usage(Path.cwd()).free / 2**30
    out.append((free >= 1, False, _("free disk"), f"{free:.1f} GB", _("free at least 1 GB")))
    return out


def _widgets():
    ipyw, jlw = _version("ipywidgets"), _version("jupyterlab_widgets")
    ext = _widget_extension()
    widgets_ok = bool(ipyw and jlw and ext and ipyw.split(".")[0] == "8" and jlw.split(".")[0] == "3")
    detail = _("ipywidgets {ipywidgets}, jupyterlab_widgets {jupyterlab_widgets}, extension {found}").format(
        ipywidgets=ipyw, jupyterlab_widgets=jlw, found=_("found") if ext else _("not found")
    )
    fix = _("pip install ipywidgets==8.1.9 jupyterlab_widgets==3.0.17, then restart JupyterLab and reload the page")
    return [(widgets_ok, False, _("widgets render in JupyterLab"), detail, fix)]


def _cache():
    from .data import default_cache_dir

    cache = default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        writable = os.access(cache, os.W_OK)
        have = [p.name for p in sorted(cache.iterdir())] if writable else []
    except OSError:
        writable, have = False, []
    empty = _("empty")  # outside the f-string: Babel extracts it from there
    detail = f"{cache} ({', '.join(have) or empty})"
    return [(writable, False, _("data cache"), detail, _("set GAN_LESSONS_CACHE to a writable folder"))]


def _messages():
    """Can the command line and the notebooks speak Chinese? (The compiled catalogue is there and reads.)"""
    try:
        catalogue("zh-CN")
    except CatalogueError as e:
        fix = _("reinstall the course (pip install .); course authors: python -m gan_lessons translations")
        return [(False, False, _("Chinese messages"), " ".join(str(e).split()), fix)]
    return [(True, False, _("Chinese messages"), _("the catalogue is installed and reads"), "")]


# (label if the check itself fails, required?, check): each check gives its rows
_CHECKS = (
    ("Python", True, _python),
    (N_("packages"), True, _packages),
    (N_("torch threads"), True, _torch),
    (N_("memory and disk"), False, _resources),
    (N_("widgets render in JupyterLab"), False, _widgets),
    (N_("data cache"), False, _cache),
    (N_("Chinese font for figures"), False, lambda: [_font_check()]),
    (N_("Chinese messages"), False, _messages),
)


def checks():
    """Run every check; return a list of ``(ok, required, label, detail, fix)`` tuples.

    A check that fails in a way nobody foresaw (an unreadable file, a broken install) gives a row saying which
    check failed and why; the other checks still run.
    """
    out = []
    for label, required, check in _CHECKS:
        try:
            out += check()
        except Exception as e:  # noqa: BLE001 - doctor reports what is broken; it never stops on it
            detail = _("failed: {error}").format(error=" ".join(f"{type(e).__name__}: {e}".split()))
            out.append((False, required, _(label), detail, _("see the error above")))
    return out


def _font_check():
    """Can figures draw Chinese? Only the Chinese edition needs it: a warning there, information elsewhere."""
    from .fonts import find_cjk_font, install_hint

    try:
        family = find_cjk_font()
    except ValueError as e:  # GAN_LESSONS_CJK_FONT names no font file
        return (False, False, _("Chinese font for figures"), str(e), install_hint())
    if family:
        return (True, False, _("Chinese font for figures"), family, "")
    needed = get_language() != "en"
    detail = (
        _("none: figures keep their English labels")
        if needed
        else _("none (only the Chinese edition needs one; its figures then stay English)")
    )
    return (not needed, False, _("Chinese font for figures"), detail, install_hint())


def _width(text):
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def doctor(file=None):
    """Print the checks; return 0 if everything required is there, else 1."""
    file = file or sys.stdout
    rows = checks()
    width = max(_width(r[2]) for r in rows)
    print(_("gan-lessons doctor: is this machine ready for the course?") + "\n", file=file)
    for ok, required, label, detail, _fix in rows:
        mark = "ok  " if ok else ("FAIL" if required else "warn")
        print(f"  [{mark}] {label}{' ' * (width - _width(label))}  {detail}", file=file)
    problems = [r for r in rows if not r[0]]
    if problems:
        print("\n" + _("To fix:"), file=file)
        for _ok, _required, label, _detail, fix in problems:
            print(f"  - {label}: {fix}", file=file)
    failed = any(required for ok, required, *_ in rows if not ok)
    print(
        "\n"
        + (
            _("Some required pieces are missing (see above).")
            if failed
            else _("Ready: open notebooks/01 in JupyterLab.")
        ),
        file=file,
    )
    return 1 if failed else 0
