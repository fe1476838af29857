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
from pathlib import Path

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
FIX = "pip install -r requirements.txt -e .   (from the course's folder)"


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


def checks():
    """Run every check; return a list of ``(ok, required, label, detail, fix)`` tuples."""
    out = []
    py_ok = sys.version_info >= (3, 11)
    out.append((py_ok, True, "Python", platform.python_version(), "install Python 3.11 or newer"))
    for dist, _, required in PACKAGES:
        v = _version(dist)
        out.append((v is not None, required, dist, v or "missing", FIX))
    try:
        import torch

        threads = torch.get_num_threads()
        cuda = "CUDA available" if torch.cuda.is_available() else "CPU only (that is all the course needs)"
        out.append((True, True, "torch threads", f"{threads} of {os.cpu_count()} CPUs; {cuda}", ""))
    except Exception as e:  # noqa: BLE001 - a broken torch install is exactly what doctor must report
        out.append((False, True, "torch import", f"failed: {type(e).__name__}: {e}", "pip install torch==2.13.0"))
    mem = _memory_gb()
    if mem is not None:
        out.append((mem >= 2, False, "memory", f"{mem:.1f} GB", "the course wants about 2 GB free"))
    free = shutil.disk_usage(Path.cwd()).free / 2**30
    out.append((free >= 1, False, "free disk", f"{free:.1f} GB", "free at least 1 GB"))
    ipyw, jlw = _version("ipywidgets"), _version("jupyterlab_widgets")
    ext = _widget_extension()
    widgets_ok = bool(ipyw and jlw and ext and ipyw.split(".")[0] == "8" and jlw.split(".")[0] == "3")
    out.append(
        (
            widgets_ok,
            False,
            "widgets render in JupyterLab",
            f"ipywidgets {ipyw}, jupyterlab_widgets {jlw}, extension {'found' if ext else 'not found'}",
            "pip install ipywidgets==8.1.9 jupyterlab_widgets==3.0.17, then restart JupyterLab and reload the page",
        )
    )
    from .data import default_cache_dir

    cache = default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        writable = os.access(cache, os.W_OK)
    except OSError:
        writable = False
    have = [p.name for p in sorted(cache.iterdir())] if writable else []
    out.append(
        (
            writable,
            False,
            "data cache",
            f"{cache} ({', '.join(have) or 'empty'})",
            "set GAN_LESSONS_CACHE to a writable folder",
        )
    )
    return out


def doctor(file=None):
    """Print the checks; return 0 if everything required is there, else 1."""
    file = file or sys.stdout
    rows = checks()
    width = max(len(r[2]) for r in rows)
    print("gan-lessons doctor: is this machine ready for the course?\n", file=file)
    for ok, required, label, detail, _ in rows:
        mark = "ok  " if ok else ("FAIL" if required else "warn")
        print(f"  [{mark}] {label:<{width}}  {detail}", file=file)
    problems = [r for r in rows if not r[0]]
    if problems:
        print("\nTo fix:", file=file)
        for _, _, label, _, fix in problems:
            print(f"  - {label}: {fix}", file=file)
    failed = any(required for ok, required, *_ in rows if not ok)
    print(
        "\n"
        + ("Some required pieces are missing (see above)." if failed else "Ready: open notebooks/01 in JupyterLab."),
        file=file,
    )
    return 1 if failed else 0
