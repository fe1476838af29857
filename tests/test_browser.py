"""End to end: every lesson in a real JupyterLab, in headless Chromium, as a learner meets it.

Starts JupyterLab on 127.0.0.1 (fast mode, a fresh settings folder with Binder's overrides and autosave off),
then ``tests/browser/run_lessons.mjs`` (playwright-core driving Debian's ``chromium``) opens each notebook,
runs all cells and reports what is on screen. A canary notebook runs first and must show the problems
the test looks for (an error, a widget that cannot render, a cell left unrun), so a harness that has
gone blind fails rather than passes. Screenshots land in ``screenshots/`` (ignored by git).

Needs ``chromium`` (apt) and ``tests/browser/node_modules`` (``cd tests/browser && npm install``);
``.ci/browser-deps`` installs both. Without them the test is skipped, except in CI (``CI=true``),
where it fails.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gan_lessons.course import LESSONS as COURSE_LESSONS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
BROWSER_DIR = ROOT / "tests" / "browser"
DRIVER = BROWSER_DIR / "run_lessons.mjs"
CANARY = "tests/browser/canary.ipynb"
SCREENSHOTS = ROOT / "screenshots"
# the English lessons, then the Chinese edition's (notebooks/zh-CN/)
# Every lesson of the course's one list (gan_lessons.course), in English, then in each other edition.
EDITIONS = ["notebooks", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").iterdir() if p.is_dir())]
LESSONS = [
    f"{folder}/{x.notebook}" for folder in EDITIONS for x in COURSE_LESSONS if (ROOT / folder / x.notebook).is_file()
]
PER_NOTEBOOK_S = 300  # fast mode takes seconds to a minute; this only catches a hung run
# Settings every test server gets on top of binder/lab-settings/overrides.json: never save (the notebooks' outputs must
# not reach the repository), no network calls for news or updates.
TEST_SETTINGS = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
    "@jupyterlab/notebook-extension:tracker": {"scrollPastEnd": False},  # the screenshot ends where the notebook does
}


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(ok, reason):
    """Skip when a browser dependency is missing on a developer's machine; fail in CI."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser test must run; see .ci/browser-deps)", pytrace=False)
    pytest.skip(reason)


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings_dir: Path):
    """User settings for the test server: binder/lab-settings/overrides.json (what Binder gives) plus TEST_SETTINGS."""
    merged = json.loads((ROOT / "binder" / "lab-settings" / "overrides.json").read_text())
    for plugin, values in TEST_SETTINGS.items():
        merged.setdefault(plugin, {}).update(values)
    for plugin, values in merged.items():
        package, name = plugin.split(":")
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=1))


@pytest.fixture(scope="module")
def chromium():
    """Path to Chromium, once node and playwright-core are there too (else skip, or fail in CI)."""
    path = chromium_path()
    require(path, "no Chromium: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)")
    require(shutil.which("node"), "no node: apt-get install -y nodejs npm")
    playwright = BROWSER_DIR / "node_modules" / "playwright-core"
    require(playwright.is_dir(), "no playwright-core: cd tests/browser && npm install")
    return path


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    """A JupyterLab server on a free loopback port, in fast mode; yields (url, token, path of its log)."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    write_settings(tmp / "settings")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_TOKEN")}
    env.update(
        GAN_LESSONS_FAST="1",
        OMP_NUM_THREADS="1",
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
    )
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.log_level=DEBUG",  # every request in the log: the test checks that nothing was saved
        f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}",  # not .ipynb_checkpoints/ inside the repo
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(tmp / 'server.log').read_text()[-3000:]}", pytrace=False)
            time.sleep(0.5)
        yield url, token, tmp / "server.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_results(chromium, lab, tmp_path_factory):
    """Run the canary and every lesson in Chromium once; return {notebook path: result dict}."""
    url, token, server_log = lab
    notebooks = [CANARY, *LESSONS]
    scratch = [ROOT / Path(p).parent / ".ipynb_checkpoints" for p in notebooks]
    existed = {d for d in scratch if d.exists()}
    SCREENSHOTS.mkdir(exist_ok=True)
    out = tmp_path_factory.mktemp("browser")
    cmd = ["node", str(DRIVER), "--url", url, "--token", token, "--out", str(out), "--chromium", chromium, *notebooks]
    proc = subprocess.run(
        cmd, cwd=BROWSER_DIR, capture_output=True, text=True, timeout=120 + PER_NOTEBOOK_S * len(notebooks)
    )
    print(proc.stderr[-4000:])  # progress log, shown by pytest when a test fails
    results_file, log = out / "results.json", f"(driver exit {proc.returncode})\n{proc.stderr[-4000:]}"
    assert results_file.exists(), f"the browser driver wrote no results {log}"
    results = {r["notebook"]: r for r in json.loads(results_file.read_text())}
    assert set(results) == set(notebooks), f"the browser driver stopped early {log}"
    for r in results.values():
        if r.get("screenshot"):
            shot = SCREENSHOTS / Path(r["screenshot"]).name
            shutil.copyfile(r["screenshot"], shot)
            r["screenshot"] = str(shot)
    # Writes through the server: saves (PUT), renames (PATCH), deletions; and checkpoint folders in the repo.
    requests = server_log.read_text()
    writes = re.findall(r"\b(?:PUT|PATCH|DELETE) /api/contents/\S+", requests)
    results["_modified"] = writes + [str(d) for d in set(scratch) - existed if d.exists()]
    results["_log_sees_reads"] = f"GET /api/contents/{CANARY}" in requests  # so no PUT in it means no save
    return results


def _summary(r):
    keep = {k: v for k, v in r.items() if k not in ("screenshot",)}
    return json.dumps(keep, indent=1)[:3000]


def test_browser_harness_sees_what_it_must_catch(browser_results):
    """The canary: a slider, two figures (one with Chinese its font lacks), a widget with no front end, a view of a
    widget that does not exist, a cell that raises, a cell left unrun."""
    r = browser_results[CANARY]
    info = _summary(r)
    assert "driver_error" not in r and not r["timed_out"], info
    assert [e["ename"] for e in r["errors"]] == ["ValueError"], info
    assert len(r["tracebacks"]) == 1 and "canary: a deliberate error" in r["tracebacks"][0]["text"], info
    assert r["executed_cells"] == r["code_cells"] - 1, info  # run-all stops at the error
    assert r["widget_outputs"] == 4 and r["widgets_rendered"] == 2, info  # slider and box render
    problems = [p["problem"] for p in r["widget_problems"]]
    assert len(problems) == 2 and problems[0].startswith("error view"), info  # no front end for Missing
    assert problems[1] == "Error displaying widget: model not found", info
    assert r["error_displaying_widget"] == 1, info
    assert r["figure_outputs"] == 1 and r["images"] == 2 and r["broken_images"] == 0, info  # one plain, one in a widget
    assert len(r["glyph_warnings"]) == 1 and "missing from font" in r["glyph_warnings"][0]["text"], info
    assert Path(r["screenshot"]).stat().st_size > 10_000, info
    overrides = json.loads((ROOT / "binder" / "lab-settings" / "overrides.json").read_text())
    assert r["windowing_mode"] == overrides["@jupyterlab/notebook-extension:tracker"]["windowingMode"], info


@pytest.mark.parametrize("notebook", LESSONS or [pytest.param(None, marks=pytest.mark.skip("no lessons yet"))])
def test_lesson_runs_in_jupyterlab(browser_results, notebook):
    """Run all cells: no errors, every cell ran, every widget renders, figures appear."""
    r = browser_results[notebook]
    info = _summary(r)
    assert "driver_error" not in r, info
    assert not r["timed_out"], f"still running after {PER_NOTEBOOK_S} s\n{info}"
    assert r["errors"] == [] and r["tracebacks"] == [], info
    assert r["glyph_warnings"] == [], f"a figure has text its font cannot draw\n{info}"
    assert r["executed_cells"] == r["code_cells"] > 0, info
    assert r["widget_problems"] == [] and r["error_displaying_widget"] == 0, info
    assert r["widgets_rendered"] == r["widget_outputs"], info
    source = (ROOT / notebook).read_text()
    if "widgets" in source:  # ipywidgets or gan_lessons.widgets: the lesson shows widgets, so they must be there
        assert r["widget_outputs"] > 0, f"the lesson uses widgets but none was displayed\n{info}"
    assert r["images"] > 0 and r["broken_images"] == 0, f"no figure on screen\n{info}"
    assert r["detached_cells"] == 0, info
    assert Path(r["screenshot"]).stat().st_size > 10_000, info


def test_browser_run_leaves_notebooks_unchanged(browser_results):
    """Running in the browser never saves: the stored notebooks stay output-free, no .ipynb_checkpoints appear."""
    assert browser_results["_log_sees_reads"], "the server log does not show requests: cannot tell"
    assert browser_results["_modified"] == []
