"""Settings for every test, notebooks included, and the suite's two tiers.

* Fast mode and one torch thread, set here (the repository root) so that they also reach the Jupyter kernels
  nbval starts for notebooks/ and solutions/: kernels inherit this process's environment.
* A cold cache: the suite gets its own empty ``GAN_LESSONS_CACHE``, and each notebook another empty one, so that
  every lesson runs as on a learner's first day (no digit classifier trained by an earlier lesson or run).
* Two tiers. ``python -m pytest`` is the fast tier: every package test that takes a few seconds at most, and
  every English learner lesson executed once. ``python -m pytest --runslow`` is the whole suite (CI runs it):
  also the tests marked ``slow`` (real processes and signals, torchrun, the site build, the browser) and the
  worked solutions. The Chinese notebooks are never run by nbval: their code cells are the English ones
  (tests/test_translations.py checks that), the browser test runs every Chinese lesson, and a headless test runs
  one.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("GAN_LESSONS_FAST", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent
_CACHE = Path(tempfile.mkdtemp(prefix="gan-lessons-test-cache-"))
os.environ["GAN_LESSONS_CACHE"] = str(_CACHE)


def pytest_addoption(parser):
    parser.addoption(
        "--runslow",
        action="store_true",
        default=False,
        help="the whole suite: also the slow tests (processes, signals, torchrun, site, browser) and solutions/",
    )


def _whole_suite(config):
    return config.getoption("--runslow")


def pytest_ignore_collect(collection_path, config):
    parts = Path(collection_path).relative_to(ROOT).parts if Path(collection_path).is_relative_to(ROOT) else ()
    if parts[:1] in (("notebooks",), ("solutions",)) and "zh-CN" in parts:
        return True  # the Chinese edition shares the English code cells: see this module's docstring
    if parts[:1] == ("solutions",) and not _whole_suite(config):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    if _whole_suite(config):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
    config._gan_lessons_fast_tier = len(slow)


def pytest_terminal_summary(terminalreporter, config):
    left_out = getattr(config, "_gan_lessons_fast_tier", None)
    if left_out is not None:
        terminalreporter.write_line(
            f"fast tier: {left_out} slow tests and the solutions/ notebooks were not run; "
            "'python -m pytest --runslow' runs the whole suite (as CI does)"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a notebook's kernel starts (with its first cell): an empty cache of its own."""
    notebook = item.parent
    if type(notebook).__name__ == "IPyNbFile" and getattr(notebook, "kernel", None) is None:
        folder = _CACHE / "notebooks" / notebook.nodeid.replace("/", "_")
        os.environ["GAN_LESSONS_CACHE"] = str(folder)


def pytest_runtest_teardown(item):
    os.environ["GAN_LESSONS_CACHE"] = str(_CACHE)


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
