"""docs/classroom: the JupyterHub configurations carry the measured sizing, and the nbgitpuller links are right."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml

from gan_lessons import classroom, course
from gan_lessons.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "classroom"
RUN = json.loads((ROOT / "benchmarks" / "results" / "course_full.json").read_text())
SIZE = classroom.sizing(RUN)


def _gib(text):
    m = re.fullmatch(r"([0-9.]+)G", str(text))
    assert m, f"not a size in G: {text!r}"
    return float(m[1])


def test_sizing_is_the_arithmetic_the_readme_shows():
    peak = max(r["peak_mb"] for r in RUN["rows"] if r["notebook"].endswith(".ipynb"))
    largest = max((r for r in RUN["rows"] if r["notebook"].endswith(".ipynb")), key=lambda r: r["peak_mb"])
    assert SIZE["largest_kernel_mb"] == peak and SIZE["largest_kernel"] == largest["notebook"]
    assert SIZE["memory_guarantee_gib"] * 1024 >= peak + classroom.SERVER_MB
    assert SIZE["memory_limit_gib"] * 1024 >= (peak + classroom.SERVER_MB + SIZE["idle_kernel_mb"]) * classroom.HEADROOM
    assert SIZE["memory_limit_gib"] - 0.25 < (peak + 97 + 271) * 1.25 / 1024  # rounded up by less than a step
    readme = (DOCS / "README.md").read_text()
    for figure in (
        f"{peak:.0f}",
        f"{SIZE['idle_kernel_mb']:.0f}",
        f"{classroom.SERVER_MB:.0f}",
        f"{SIZE['busy_cores_per_learner']}",
        f"**{SIZE['learners_per_core']} learners per core**",
    ):
        assert figure in readme, figure  # fmt: skip


def test_z2jh_config_parses_and_carries_the_sizing():
    cfg = yaml.safe_load((DOCS / "config.yaml").read_text())
    user = cfg["singleuser"]
    assert _gib(user["memory"]["guarantee"]) == SIZE["memory_guarantee_gib"]
    assert _gib(user["memory"]["limit"]) == SIZE["memory_limit_gib"]
    assert user["cpu"] == {"guarantee": SIZE["cpu_guarantee"], "limit": SIZE["cpu_limit"]}
    assert user["image"]["name"].endswith("/gan-lessons") and isinstance(user["image"]["tag"], str)
    assert user["defaultUrl"] == f"/lab/tree/{classroom.FOLDER}/notebooks/{course.LESSONS[0].notebook}"
    assert user["lifecycleHooks"]["postStart"]["exec"]["command"] == [
        "gitpuller", classroom.REPOSITORY, "main", classroom.FOLDER
    ]  # fmt: skip
    assert cfg["cull"]["enabled"] is True and cfg["cull"]["timeout"] > 0
    assert cfg["prePuller"]["hook"]["enabled"] is True and cfg["prePuller"]["continuous"]["enabled"] is True


def test_tljh_recipe_sets_the_measured_limit():
    text = (DOCS / "tljh.md").read_text()
    assert f"limits.memory {SIZE['memory_limit_gib']:g}G" in text
    assert f"limits.cpu {SIZE['cpu_limit']}" in text
    assert "binder/requirements.txt" in text and "overrides.json" in text


def test_the_hub_image_has_nbgitpuller_and_the_guide_links_the_classroom():
    assert "nbgitpuller==" in (ROOT / "binder" / "requirements.txt").read_text()
    assert "classroom/README.md" in (ROOT / "docs" / "instructor-guide.md").read_text()


def test_nbgitpuller_link():
    link = classroom.nbgitpuller_link("https://hub.example.org/", lesson=4)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {"repo": classroom.REPOSITORY, "branch": "main",
                 "urlpath": "lab/tree/gan-lessons/notebooks/04_dcgan.ipynb"}  # fmt: skip
    other = classroom.nbgitpuller_link("http://10.0.0.5:8000", 1, "https://gitlab.example.org/me/fork.git", "spring")
    assert "repo=https%3A%2F%2Fgitlab.example.org%2Fme%2Ffork.git&branch=spring" in other
    chinese = classroom.nbgitpuller_link("https://hub.example.org/", lesson=4, language="zh-CN")
    assert chinese.endswith("urlpath=" + quote("lab/tree/gan-lessons/notebooks/zh-CN/04_dcgan.ipynb", safe=""))
    assert (ROOT / "notebooks" / "zh-CN" / "04_dcgan.ipynb").exists()


@pytest.mark.parametrize("kw, words", [
    ({"hub": "hub.example.org"}, "http(s) address"),
    ({"hub": "ftp://hub.example.org"}, "http(s) address"),
    ({"hub": "https://h.org", "lesson": 7}, "lesson"),
    ({"hub": "https://h.org", "lesson": 0}, "lesson"),
    ({"hub": "https://h.org", "branch": "two words"}, "branch"),
    ({"hub": "https://h.org", "repo": "github.com/x/y"}, "repo"),
    ({"hub": "https://h.org", "language": "fr"}, "language"),
])  # fmt: skip
def test_bad_links_are_refused(kw, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        classroom.nbgitpuller_link(**kw)


def test_classroom_link_command(capsys):
    assert main(["classroom-link", "--hub", "https://hub.example.org", "--lesson", "6"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == classroom.nbgitpuller_link("https://hub.example.org", 6)
    assert main(["classroom-link", "--hub", "https://hub.example.org", "--lang", "zh-CN"]) == 0
    assert capsys.readouterr().out.strip() == classroom.nbgitpuller_link("https://hub.example.org", 1, language="zh-CN")
    assert main(["classroom-link", "--hub", "hub.example.org"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "http(s) address" in err[0]


def test_sizing_refuses_a_fast_run():
    with pytest.raises(ValueError, match="full-settings"):
        classroom.sizing({**RUN, "mode": "fast mode"})


def test_sizing_names_the_longest_wait_when_the_run_timed_its_cells():
    run = json.loads(json.dumps(RUN))
    for i, row in enumerate(r for r in run["rows"] if r["notebook"].endswith(".ipynb")):
        row["cells"] = [{"id": f"c{i}-a", "seconds": 1.0 + i}, {"id": f"c{i}-b", "seconds": 0.5}]
    size = classroom.sizing(run)
    last = [r for r in run["rows"] if r["notebook"].endswith(".ipynb")][-1]
    assert size["longest_cell"] == f"{last['notebook']} {last['cells'][0]['id']}"
    assert size["longest_cell_s"] == last["cells"][0]["seconds"]
