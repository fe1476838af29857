"""Binder's configuration (binder/) agrees with the root pins and is what repo2docker expects.

repo2docker ignores the root's requirements.txt once binder/ exists, so binder/ must stand on its own,
pinned to the same versions (torch as its CPU-only build), with no local references (they disable
Binder's build cache), a postBuild that installs the package, and JupyterLab settings that exist.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)$")


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(path):
    """Return (pins {name: version}, option lines, other lines) of a requirements file."""
    pins, options, other = {}, [], []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
        elif m := PIN.match(line):
            assert norm(m[1]) not in pins, f"{path.name}: {m[1]} pinned twice"
            pins[norm(m[1])] = m[2]
        else:
            other.append(line)
    return pins, options, other


#: Pins only the Binder / JupyterHub image carries (docs/classroom): not needed to run or test the course.
IMAGE_ONLY = {"nbgitpuller"}


def test_binder_pins_match_the_root_requirements():
    root, root_opts, root_other = read_requirements(ROOT / "requirements.txt")
    binder, _, other = read_requirements(BINDER / "requirements.txt")
    assert IMAGE_ONLY <= set(binder), f"binder/requirements.txt must pin the hub image's {sorted(IMAGE_ONLY)}"
    binder = {k: v for k, v in binder.items() if k not in IMAGE_ONLY}
    assert other == [], f"binder/requirements.txt: every line must be an exact pin `name==version`: {other}"
    only_binder, only_root = sorted(set(binder) - set(root)), sorted(set(root) - set(binder))
    assert not only_binder and not only_root, f"only in binder/: {only_binder}; only in requirements.txt: {only_root}"
    for name, version in root.items():
        want = version.split("+")[0] + "+cpu" if name == "torch" else version
        assert binder[name] == want, f"binder/requirements.txt pins {name}=={binder[name]}, expected =={want}"


def test_binder_takes_torch_from_the_cpu_index_and_nothing_local():
    _, options, _ = read_requirements(BINDER / "requirements.txt")
    assert f"--extra-index-url {CPU_INDEX}" in options, "torch's CPU build comes from PyTorch's CPU wheel index"
    for opt in options:
        assert opt.startswith("--extra-index-url https://"), f"binder/requirements.txt: unexpected option {opt!r}"
    text = BINDER / "requirements.txt"
    for line in text.read_text().splitlines():
        code = line.split("#")[0]
        assert not re.search(r"(^|\s)(-e|--editable)\b|file:|(^|\s)\.{0,2}/|git\+", code), (
            f"local reference in binder/requirements.txt (breaks Binder's build cache): {line!r}"
        )


def test_binder_has_no_competing_environment_files():
    # repo2docker picks environment.yml / Pipfile / setup.py over requirements.txt: none may sneak in.
    names = {p.name for p in BINDER.iterdir()}
    assert names >= {"requirements.txt", "postBuild", "runtime.txt", "lab-settings"}
    assert not names & {"environment.yml", "Pipfile", "Pipfile.lock", "setup.py", "Project.toml", "install.R"}


def test_postbuild_is_bash_with_set_e_and_installs_the_package():
    path = BINDER / "postBuild"
    lines = path.read_text().splitlines()
    assert lines[0] in ("#!/usr/bin/env bash", "#!/bin/bash"), "postBuild must start with a bash shebang"
    assert os.stat(path).st_mode & 0o111, "postBuild must be executable (chmod +x binder/postBuild)"
    commands = [l.strip() for l in lines[1:] if l.strip() and not l.strip().startswith("#")]
    assert re.match(r"set -[a-z]*e", commands[0]), f"postBuild's first command must be `set -e`, got {commands[0]!r}"
    assert "pip install --no-deps -e ." in commands
    assert any("overrides.json" in c and "${NB_PYTHON_PREFIX}/share/jupyter/lab/settings" in c for c in commands), (
        "postBuild must copy binder/lab-settings/overrides.json into JupyterLab's settings folder"
    )
    subprocess.run(["bash", "-n", str(path)], check=True)  # parses as bash


def test_runtime_is_python_311():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def _schema(plugin):
    package, name = plugin.split(":")
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"  # where JupyterLab installs them
    path = schemas / package / f"{name}.json"
    if not path.exists():
        pytest.skip(f"JupyterLab's schemas are not installed at {schemas}")
    return json.loads(path.read_text())


def test_overrides_are_valid_jupyterlab_settings():
    overrides = json.loads((BINDER / "lab-settings" / "overrides.json").read_text())
    assert overrides, "overrides.json is empty"
    for plugin, values in overrides.items():
        schema = _schema(plugin)
        for key, value in values.items():
            assert key in schema["properties"], f"{plugin} has no setting {key!r}"
            jsonschema.validate(value, schema["properties"][key])
    # widgets must not be detached from the page when a learner scrolls ("full" windowing does that)
    assert overrides["@jupyterlab/notebook-extension:tracker"]["windowingMode"] in ("defer", "none")


def test_overrides_validation_catches_a_bad_value():
    schema = _schema("@jupyterlab/notebook-extension:tracker")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("sometimes", schema["properties"]["windowingMode"])


def test_readme_binder_badge_opens_lesson_1_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"\(https://mybinder\.org/v2/gh/([^/)]+)/([^/)]+)/HEAD\?urlpath=lab/tree/([^)\s]+)\)", readme)
    assert m, "README.md needs a Binder badge linking to mybinder.org/v2/gh/ORG/REPO/HEAD?urlpath=lab/tree/..."
    assert m[3] == "notebooks/01_value_function.ipynb"
    assert "https://mybinder.org/badge_logo.svg" in readme


def test_a_local_install_gets_binders_jupyterlab_settings(tmp_path):
    """The README's first command installs requirements.txt, which names binder/lab-settings: its wheel puts the
    same overrides.json where JupyterLab reads it, <environment>/share/jupyter/lab/settings/ (no news pop-up over
    lesson 1, windowing as on Binder)."""
    import zipfile

    lines = [l.split(" #")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "./binder/lab-settings" in lines
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([*cmd, str(BINDER / "lab-settings")], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith("/data/share/jupyter/lab/settings/overrides.json")]
        assert z.read(name) == (BINDER / "lab-settings" / "overrides.json").read_bytes()
