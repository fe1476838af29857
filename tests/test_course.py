"""The course's one list of lessons (gan_lessons/course.py): it matches the notebooks, every document that lists
the lessons or names the repository is written from it, and a new lesson is picked up everywhere."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gan_lessons import course, listings

ROOT = Path(__file__).resolve().parents[1]


def test_the_lessons_are_the_solutions_notebooks_in_order():
    assert [x.number for x in course.LESSONS] == list(range(1, len(course.LESSONS) + 1))
    assert [x.notebook for x in course.LESSONS] == sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    for x in course.LESSONS:
        assert (ROOT / "notebooks" / x.notebook).is_file() and x.minutes[0] <= x.minutes[1]
    assert course.lesson(2).name == "02_toy_gan"
    with pytest.raises(ValueError, match="lesson must be one of 1, 2"):
        course.lesson(99)


def test_the_documents_are_written_from_the_course():
    """README's tables, the guides' 'Lessons at a glance' and every repository address: up to date."""
    assert listings.sync(ROOT, check=True) == [], "run python -m gan_lessons notebooks"
    readme = (ROOT / "README.md").read_text()
    for x in course.LESSONS:
        assert f"[{x.title}](notebooks/{x.notebook})" in readme
    addresses = set()
    for rel in (*listings.FILES, *listings.ADDRESS_FILES):
        text = (ROOT / rel).read_text(encoding="utf-8")
        addresses |= set(re.findall(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", text))
        addresses |= set(re.findall(r"github\.com/([\w.-]+/gan-lessons)\b", text))
    assert addresses == {course.REPOSITORY}


def test_the_repository_is_set_in_one_place(tmp_path):
    """Change REPOSITORY: the build rewrites every badge and link (a copy of the documents)."""
    for rel in (
        *listings.FILES,
        *listings.ADDRESS_FILES,
        "benchmarks/results/course_full.json",
        "benchmarks/results/course_fast.json",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    old, course.REPOSITORY = course.REPOSITORY, "my-school/gan-course"
    try:
        changed = listings.sync(tmp_path)
        assert "README.md" in changed and "docs/classroom/config.yaml" in changed
        assert listings.sync(tmp_path, check=True) == []
    finally:
        course.REPOSITORY = old
    text = "".join((tmp_path / rel).read_text(encoding="utf-8") for rel in changed)
    assert "my-school/gan-course" in text and "gan-lessons/gan-lessons" not in text


DEMO = {
    "cells": [
        {"cell_type": "markdown", "id": "l7-00", "metadata": {}, "source": ["# Lesson 7 — A demo lesson\n"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "l7-01",
            "metadata": {},
            "outputs": [],
            "source": ["from gan_lessons.exercises import lesson7\n", "assert lesson7.ANSWER == 42"],
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
ENTRY = """    Lesson(
        "07_demo",
        N_("A demo lesson"),
        N_("Shows that a new lesson is picked up everywhere."),
        (30, 40),
    ),
)
"""


def _run(copy, *args):
    env = {**os.environ, "PYTHONPATH": str(copy), "GAN_LESSONS_LANG": "en"}
    done = subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_adding_a_lesson_is_a_notebook_an_exercises_module_and_one_entry(tmp_path):
    """A throwaway lesson 7 in a copy of the course: the learner notebook, the Chinese edition (in English, with a
    note, listed as a gap), the README's table, the guides' list, the command line's help, the JupyterHub sizing
    and link, the website and nbval all pick it up, with no translator and nothing else edited."""
    copy = tmp_path / "course"
    skip = shutil.ignore_patterns(".*", "__pycache__", "node_modules", "_build", "runs", "*.egg-info")
    for rel in ("gan_lessons", "solutions", "notebooks", "translations", "docs", "benchmarks", "site", "tests"):
        shutil.copytree(ROOT / rel, copy / rel, ignore=skip)
    for rel in ("README.md", "README.zh-CN.md", "conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / rel, copy / rel)
    # the three hand-made pieces: the notebook, its exercises module, the entry in the list
    (copy / "solutions" / "07_demo.ipynb").write_text(json.dumps(DEMO, indent=1))
    (copy / "gan_lessons" / "exercises" / "lesson7.py").write_text('"""Lesson 7\'s checks."""\n\nANSWER = 42\n')
    source = (copy / "gan_lessons" / "course.py").read_text()
    (copy / "gan_lessons" / "course.py").write_text(source.replace("    ),\n)\n", "    ),\n" + ENTRY, 1))

    _run(copy, "-m", "gan_lessons", "notebooks")
    assert (copy / "notebooks" / "07_demo.ipynb").is_file()
    chinese = json.loads((copy / "notebooks" / "zh-CN" / "07_demo.ipynb").read_text())
    assert "本课的中文翻译尚未完成" in "".join(chinese["cells"][0]["source"])
    assert "| 7 | [A demo lesson](notebooks/07_demo.ipynb) |" in (copy / "README.md").read_text()
    assert "| 7 | [A demo lesson](notebooks/zh-CN/07_demo.ipynb) |" in (copy / "README.zh-CN.md").read_text()
    assert "| 7 A demo lesson | not measured yet |" in (copy / "docs" / "instructor-guide.md").read_text()
    _run(copy, "-m", "gan_lessons", "notebooks", "--check")
    gaps = _run(copy, "-m", "gan_lessons", "translations")  # extracts the new title (generated catalogue files)
    assert "zh-CN: 07_demo is not translated yet" in gaps  # listed, and the command succeeds
    _run(copy, "-m", "gan_lessons", "translations", "--check")

    assert "1-7" in _run(copy, "-m", "gan_lessons", "classroom-link", "--help")
    sizing = _run(copy, "-c", SIZING)
    assert sizing.startswith("07_demo.ipynb ") and "notebooks%2F07_demo.ipynb" in sizing  # the largest kernel; a link
    site = _run(copy, "-c", "import runpy; print([p.name for p in runpy.run_path('site/build.py')['lessons']()])")
    assert "07_demo.ipynb" in site
    collected = _run(copy, "-m", "pytest", "--collect-only", "-q", "notebooks")
    assert "notebooks/07_demo.ipynb::Cell 0" in collected
    assert "notebooks/zh-CN" not in collected  # the Chinese edition shares the English code (conftest.py)


SIZING = """
import json
from gan_lessons import classroom
run = json.load(open("benchmarks/results/course_full.json"))
run["rows"].append({"notebook": "07_demo.ipynb", "wall_s": 60.0, "peak_mb": 2000.0, "children_mb": 0.0})
print(classroom.sizing(run)["largest_kernel"], classroom.nbgitpuller_link("https://hub.example.org", 7))
"""
