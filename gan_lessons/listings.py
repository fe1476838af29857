"""The lists the documents carry, written from :mod:`gan_lessons.course`: nobody edits them by hand.

* the lesson table of ``README.md`` and ``README.zh-CN.md``;
* "Lessons at a glance" in ``docs/instructor-guide.md`` and ``docs/zh-CN/workshop.md``: each lesson's machine
  time and peak memory, measured by ``benchmarks/run_course.py`` (``benchmarks/results/course_*.json``), and its
  learner time;
* the course's repository address in every badge, link and configuration (:data:`gan_lessons.course.REPOSITORY`).

A generated list sits between ``<!-- begin: NAME (python -m gan_lessons notebooks) -->`` and ``<!-- end: NAME -->``.
``python -m gan_lessons notebooks`` rewrites them (:func:`sync`); with ``--check`` it only says which are stale.
A lesson with no Chinese title yet is listed in English in the Chinese documents.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import course, i18n
from .i18n import _

__all__ = ["FILES", "documents", "sync"]

#: The documents holding generated lists or the repository's address, relative to the course's folder.
FILES = ("README.md", "README.zh-CN.md", "docs/instructor-guide.md", "docs/zh-CN/workshop.md")
#: Files that only name the repository (no generated list).
ADDRESS_FILES = ("docs/classroom/config.yaml", "docs/classroom/tljh.md", "docs/classroom/README.md")
_BLOCK = re.compile(r"(<!-- begin: (\S+) \(python -m gan_lessons notebooks\) -->\n)(.*?)(<!-- end: \2 -->)", re.S)
_BADGE = re.compile(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/")


def _lesson_table(edition):
    folder = "notebooks/" if edition == "en" else "notebooks/zh-CN/"
    head = ("| # | Lesson | What you do |", "|---|--------|-------------|")
    if edition != "en":
        head = ("| # | 课程 | 你将做什么 |", "|---|------|-----------|")
    rows = [
        f"| {x.number} | [{_(x.title)}]({folder}{x.notebook}) | {_(x.summary)} |"  # _(): English if untranslated
        for x in course.LESSONS
    ]
    return "\n".join([*head, *rows]) + "\n"


def _measured(root):
    """{notebook: (full row, fast row)} from the committed course benchmark; a lesson not measured yet is absent."""
    files = [root / "benchmarks" / "results" / f"course_{m}.json" for m in ("full", "fast")]
    runs = [json.loads(f.read_text()) if f.is_file() else {"rows": []} for f in files]
    full, fast = ({r["notebook"]: r for r in run["rows"]} for run in runs)
    return {k: (v, fast.get(k)) for k, v in full.items()}


def _at_a_glance(root, edition):
    zh = edition != "en"
    rows = [
        "| 课程 | 机器用时（完整运行，2 核） | 峰值内存 | 学员用时（估计） |"
        if zh
        else "| Lesson | Machine time (full run, 2 cores) | Peak memory | Learner time (estimate) |",
        "|---|---|---|---|",
    ]
    measured, total, total_fast = _measured(root), 0.0, 0.0
    for x in course.LESSONS:
        full, fast = measured.get(x.notebook, (None, None))
        if full is None:
            time, memory = ("尚未测量" if zh else "not measured yet"), ""
        else:
            total, total_fast = total + full["wall_s"], total_fast + (fast["wall_s"] if fast else 0.0)
            fast_s = f"{fast['wall_s']:.0f}" if fast else "?"
            time = (
                f"{full['wall_s']:.0f} 秒（快速模式 {fast_s} 秒）"
                if zh
                else f"{full['wall_s']:.0f} s (fast mode {fast_s} s)"
            )
            memory = f"{full['peak_mb']:.0f} MB"
        low, high = x.minutes
        learner = f"{low}–{high} 分钟" if zh else f"{low}–{high} min"
        rows.append(f"| {x.number} {_(x.title)} | {time} | {memory} | {learner} |")
    low, high = (sum(m) / 60 for m in zip(*(x.minutes for x in course.LESSONS), strict=True))
    whole = "整个课程" if zh else "Whole course"
    fast_total = f"{total_fast / 60:.1f}"
    machine = (
        f"{total / 60:.1f} 分钟（快速模式 {fast_total} 分钟）"
        if zh
        else f"{total / 60:.1f} min (fast mode {fast_total} min)"
    )
    hours = f"{low:.0f}–{high:.0f} 小时" if zh else f"{low:.0f}–{high:.0f} hours"
    rows.append(f"| {whole} | {machine} | | {hours} |")
    return "\n".join(rows) + "\n"


def documents(root):
    """{relative path: {block name: its text}}: what the generated lists should hold."""
    out = {}
    for path, edition in (("README.md", "en"), ("README.zh-CN.md", "zh-CN")):
        with i18n.language(edition):
            out[path] = {"lessons": _lesson_table(edition)}
    for path, edition in (("docs/instructor-guide.md", "en"), ("docs/zh-CN/workshop.md", "zh-CN")):
        with i18n.language(edition):
            out[path] = {"at-a-glance": _at_a_glance(root, edition)}
    return out


def _current_repository(root):
    readme = root / "README.md"
    m = _BADGE.search(readme.read_text(encoding="utf-8")) if readme.is_file() else None
    return m[1] if m else course.REPOSITORY


def _rewritten(text, blocks, old_repository):
    def fill(m):
        name = m[2]
        return m[1] + blocks[name] + m[4] if name in blocks else m[0]

    text = _BLOCK.sub(fill, text)
    if old_repository != course.REPOSITORY:
        text = re.sub(rf"(?<![\w.-]){re.escape(old_repository)}(?![\w.-])", course.REPOSITORY, text)
    return text


def sync(root, check=False):
    """Write the generated lists and the repository's address into the documents; return the files that changed.

    With ``check``, write nothing: return the files that are out of date. A document that should hold a list
    and has no markers for it is a ValueError.
    """
    root, old = Path(root), _current_repository(Path(root))
    wanted, stale = documents(root), []
    for rel in (*FILES, *ADDRESS_FILES):
        path = root / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        blocks = wanted.get(rel, {})
        missing = set(blocks) - {m[2] for m in _BLOCK.finditer(text)}
        if missing:
            raise ValueError(f"{rel} has no generated block {', '.join(sorted(missing))}: add its markers")
        new = _rewritten(text, blocks, old)
        if new != text:
            stale.append(rel)
            if not check:
                path.write_text(new, encoding="utf-8")
    return stale
