"""The Chinese edition: generated from the English solutions and translations/zh-CN/, never edited by hand.

* every markdown cell has a translation made from its current English (a stale one fails, shown below on a
  changed cell), and notebooks/zh-CN/ and solutions/zh-CN/ are exactly what the build makes;
* code cells are shared: the editions' code is the English code, plus the one cell that chooses the language;
* each translation keeps the English maths, code, links, numbers, headings and emphasis, and uses the glossary;
* run headless, a Chinese learner notebook gives its exercises' "not attempted yet" feedback in Chinese.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gan_lessons import i18n
from gan_lessons.authoring import build_notebooks
from gan_lessons.translation import (
    EDITIONS,
    LANGUAGE_CELL_ID,
    catalogue_problems,
    check_edition,
    first_use_issues,
    read_catalogue,
    read_glossary,
    source_hash,
    translated_version,
    translation_gaps,
    translation_issues,
    words,
    write_catalogue,
)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
GLOSSARY = read_glossary(ROOT / "docs" / "zh-CN" / "glossary.md")


def load(path):
    return json.loads(Path(path).read_text())


def text(cell):
    return "".join(cell["source"])


def test_the_chinese_edition_is_complete_current_and_checked():
    """No missing or stale translation, and each one passes translation_issues and the first-use rule."""
    problems = check_edition(ROOT, "zh-CN")
    assert problems == {}, "\n".join(f"{k}: {p}" for k, v in problems.items() for p in v[:20])


@pytest.mark.parametrize("lang", EDITIONS)
def test_every_lesson_has_both_notebooks_in_every_edition(lang):
    assert sorted(p.name for p in (ROOT / "solutions" / lang).glob("*.ipynb")) == LESSONS
    assert sorted(p.name for p in (ROOT / "notebooks" / lang).glob("*.ipynb")) == LESSONS


def test_generated_notebooks_are_in_sync():
    assert build_notebooks(ROOT, check=True) == 0, "run: python -m gan_lessons notebooks"


@pytest.mark.parametrize("name", LESSONS)
def test_code_cells_are_shared_not_copied(name):
    english = load(ROOT / "solutions" / name)
    chinese = load(ROOT / "solutions" / "zh-CN" / name)
    code = [c for c in chinese["cells"] if c["cell_type"] == "code"]
    assert code[0]["id"] == LANGUAGE_CELL_ID.format(lang="zh-CN") and 'set_language("zh-CN")' in text(code[0])
    assert [(c["id"], text(c), c["metadata"]) for c in code[1:]] == [
        (c["id"], text(c), c["metadata"]) for c in english["cells"] if c["cell_type"] == "code"
    ]
    first_code = next(i for i, c in enumerate(chinese["cells"]) if c["cell_type"] == "code")
    assert all(c["cell_type"] == "markdown" for c in chinese["cells"][:first_code])
    md = [c for c in chinese["cells"] if c["cell_type"] == "markdown"]
    assert [c["id"] for c in md] == [c["id"] for c in english["cells"] if c["cell_type"] == "markdown"]


def copy_course(tmp_path, lessons=("01_value_function.ipynb",)):
    """A course folder with the given lessons, their catalogues and the glossary: what a build needs."""
    for name in lessons:
        (tmp_path / "solutions").mkdir(exist_ok=True)
        shutil.copy(ROOT / "solutions" / name, tmp_path / "solutions" / name)
        cat = tmp_path / "translations" / "zh-CN"
        cat.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "translations" / "zh-CN" / name.replace(".ipynb", ".md"), cat)
    (tmp_path / "docs" / "zh-CN").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "zh-CN" / "glossary.md", tmp_path / "docs" / "zh-CN")
    return tmp_path


def change_english(path, cell_id, new_text):
    nb = load(path)
    cell = next(c for c in nb["cells"] if c["id"] == cell_id)
    cell["source"] = new_text.splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False))


def test_a_changed_english_cell_makes_its_translation_stale_and_the_build_fails(tmp_path, capsys):
    """The stale-translation check, failing as it must: the English of one cell changes, its translation does not."""
    course = copy_course(tmp_path)
    assert build_notebooks(course) == 0  # in sync to begin with
    assert build_notebooks(course, check=True) == 0
    nb_path = course / "solutions" / "01_value_function.ipynb"
    old = text(next(c for c in load(nb_path)["cells"] if c["id"] == "l1-02"))
    change_english(nb_path, "l1-02", old + "\n\nOne more sentence about the discriminator.")
    problems = catalogue_problems(load(nb_path), read_catalogue(course / "translations/zh-CN/01_value_function.md"))
    new_hash = source_hash(text(next(c for c in load(nb_path)["cells"] if c["id"] == "l1-02")))
    assert problems == [
        f"cell l1-02: stale: the English changed since it was translated (recorded hash {source_hash(old)}, "
        f"now {new_hash}); update the translation, then its hash"
    ]
    with pytest.raises(ValueError, match="cell l1-02: stale"):
        build_notebooks(course)
    capsys.readouterr()
    assert build_notebooks(course, check=True) == 1  # what the test above (on the real course) would report
    assert "cell l1-02: stale" in capsys.readouterr().out
    found = check_edition(course, "zh-CN")[str(course / "translations" / "zh-CN" / "01_value_function.md")]
    assert "cell l1-02: stale" in " ".join(found)


def test_the_same_words_keep_a_translation_current(tmp_path, capsys):
    """Spacing, line breaks, punctuation and emphasis outside maths and code are not the words: the Chinese
    build stays green (docs/zh-CN/README.md states the rule). A changed word, number, formula or code is."""
    course = copy_course(tmp_path)
    nb_path = course / "solutions" / "01_value_function.ipynb"
    old = text(next(c for c in load(nb_path)["cells"] if c["id"] == "l1-02"))
    same = old.replace(" ", "  ").replace("\n", "\n\n", 1).replace("networks:", "networks;") + "\n"
    assert same != old and words(same) == words(old)
    change_english(nb_path, "l1-02", same)
    assert build_notebooks(course) == 0 and build_notebooks(course, check=True) == 0
    assert check_edition(course, "zh-CN") == {}
    for changed in (old.replace("the", "a", 1), old.replace("$", "$\\,", 1), old + " 2"):
        change_english(nb_path, "l1-02", changed)
        with pytest.raises(ValueError, match="cell l1-02: stale"):
            build_notebooks(course)
    capsys.readouterr()


def test_a_lesson_not_translated_yet_is_built_in_english_with_a_note(tmp_path, capsys):
    """A new lesson goes green in English first: no catalogue means an English edition with a note, listed as a
    gap by `translations`, not a failed build."""
    course = copy_course(tmp_path)
    (course / "translations" / "zh-CN" / "01_value_function.md").unlink()
    assert build_notebooks(course) == 0
    edition = load(course / "notebooks" / "zh-CN" / "01_value_function.ipynb")
    assert "本课的中文翻译尚未完成" in text(edition["cells"][0])
    english = load(course / "notebooks" / "01_value_function.ipynb")
    assert text(edition["cells"][1]) == text(english["cells"][0])  # the English title, as it is
    assert any("set_language" in text(c) for c in edition["cells"] if c["cell_type"] == "code")
    assert translation_gaps(course, "zh-CN") == ["01_value_function"] and check_edition(course, "zh-CN") == {}
    capsys.readouterr()


def test_a_new_or_deleted_cell_is_reported(tmp_path):
    course = copy_course(tmp_path)
    nb = load(course / "solutions" / "01_value_function.ipynb")
    cat = read_catalogue(course / "translations/zh-CN/01_value_function.md")
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "l1-new", "metadata": {}, "source": ["A new cell."]})
    assert catalogue_problems(nb, cat) == [f"cell l1-new: no translation (English hash {source_hash('A new cell.')})"]
    nb["cells"] = [c for c in nb["cells"] if c["id"] not in ("l1-new", "l1-02")]
    assert catalogue_problems(nb, cat) == ["cell l1-02: translated, but the notebook has no such markdown cell"]


def test_a_catalogue_round_trips_and_rejects_a_cell_twice(tmp_path):
    path = tmp_path / "x.md"
    entries = [("a", "0123456789ab", "第一段\n\n含 $x^2$ 的第二段"), ("b", "ba9876543210", "# 标题")]
    write_catalogue(path, entries, "zh-CN", "x.ipynb")
    assert read_catalogue(path) == {cid: (sha, t) for cid, sha, t in entries}
    path.write_text(path.read_text() + "\n<!-- cell a en-sha256 0123456789ab -->\n又一次\n")
    with pytest.raises(ValueError, match="x.md:\\d+: cell a is translated twice"):
        read_catalogue(path)


@pytest.mark.parametrize(
    "english, chinese, problem",
    [
        ("The value $V(D, G)$ is **max**.", "价值函数 $V(D,G)$ 取**最大**。", "maths differs"),
        ("Call `d_step` twice.", "调用 `g_step` 两次。", "inline code differs"),
        ("See [lesson 2](02_toy_gan.ipynb).", "见[第 2 课](03_training_dynamics.ipynb)。", "link target differs"),
        ("Train for 2,000 steps.", "训练 20,000 步。", "numbers differ"),
        ("## Results", "### 结果", "headings differ"),
        ("The **discriminator** $D$ wins.", "**判别器**（discriminator）$D$ 获胜。", None),
        ("The **discriminator** $D$ wins.", "**判别器（discriminator）** $D$ 获胜。", None),
        ("The **discriminator** $D$ wins.", "**判别器（discriminator）**获胜 $D$。", "bold/italic render differently"),
        ("The discriminator $D$ wins.", "鉴别器 $D$ 获胜。", "the glossary's translation is '判别器'"),
        ("The discriminator $D$ wins.", "判别器 $D$ 获胜，不是鉴别器。", "'鉴别器' is not the glossary's term"),
        ("Mode collapse again.", "又一次模式坍塌。", "the glossary's translation is '模式崩溃'"),
        ("One sentence\nover two lines.", "一句话，\n分两行。", "line break(s) between Chinese characters"),
        ("A sentence with $x$\nover two lines.", "含 $x$\n的一句话。", None),
    ],
)
def test_translation_issues_catch_what_a_careless_translation_changes(english, chinese, problem):
    issues = translation_issues(english, chinese, GLOSSARY)
    if problem is None:
        assert issues == []
    else:
        assert any(problem in i for i in issues), issues


def test_the_english_term_comes_with_the_first_use_in_a_lesson():
    cells = [("a", "判别器 $D$ 给出概率。"), ("b", "判别器（discriminator）。")]
    assert first_use_issues(cells, GLOSSARY) == [
        "cell a: first use of '判别器' in this lesson: add the English, 判别器（discriminator）"
    ]
    assert first_use_issues(cells[1:] + cells[:1], GLOSSARY) == []


def test_links_out_of_the_folder_gain_a_level(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["[guide](../docs/x.md), [l2](02.ipynb)"]},
            {"cell_type": "code", "id": "c", "metadata": {}, "source": ["1"], "outputs": [], "execution_count": None},
        ],
        "metadata": {},
    }
    md = "[指南](../docs/x.md)，[第 2 课](02.ipynb)"
    out = translated_version(nb, {"m": (source_hash(text(nb["cells"][0])), md)}, "zh-CN")
    assert text(out["cells"][0]) == "[指南](../../docs/x.md)，[第 2 课](02.ipynb)"
    assert [c["id"] for c in out["cells"]] == ["m", "zh-CN-language", "c"]


def test_glossary_has_the_core_terms():
    terms = {en: zh for en, zh, _ in GLOSSARY[0]}
    for en, zh in [
        ("generator", "生成器"),
        ("discriminator", "判别器"),
        ("value function", "价值函数"),
        ("Nash equilibrium", "纳什均衡"),
        ("mode collapse", "模式崩溃"),
        ("non-saturating", "非饱和"),
        ("Jensen–Shannon", "詹森-香农"),
        ("earth mover", "推土机距离"),
        ("latent space", "潜在空间"),
    ]:
        assert terms[en] == zh
    assert ("鉴别器", "判别器") in GLOSSARY[1]


@pytest.mark.slow
def test_a_chinese_learner_notebook_run_headless_says_not_attempted_in_chinese(tmp_path):
    """Lesson 1's Chinese learner notebook, run top to bottom (fast mode): its exercise checks answer in Chinese."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "zh-CN" / "01_value_function.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    html = [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and "lesson1." in o["data"]["text/html"]
    ]
    with i18n.language("zh-CN"):
        missing = i18n._("… Not attempted yet")
        hint = i18n._("Replace the ... with your code, then run this cell again.")
    assert missing != "… Not attempted yet" and hint != "Replace the ... with your code, then run this cell again."
    assert len(html) == 4 and all(missing in h and hint in h for h in html), html
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "missing from font" not in streams and "does not have a glyph" not in streams


# ---- the Chinese README and documents --------------------------------------------------------------


def quick_start(readme):
    """The commands of a README's Quick-start section (the first bash block after its heading)."""
    section = readme.split("## Quick start" if "## Quick start" in readme else "## 快速开始", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_chinese_readme_has_the_same_two_commands_opening_chinese_lesson_1():
    english = quick_start((ROOT / "README.md").read_text())
    chinese = quick_start((ROOT / "README.zh-CN.md").read_text(encoding="utf-8"))
    assert len(english) == len(chinese) == 2
    assert chinese[1] == english[1]  # the test command is the very same
    assert chinese[0] == english[0].replace(
        "notebooks/01_value_function.ipynb", "notebooks/zh-CN/01_value_function.ipynb"
    )
    assert chinese[0] != english[0]


@pytest.mark.parametrize("doc", ["README.md", "README.zh-CN.md", "docs/zh-CN/workshop.md"])
def test_binder_opens_chinese_lesson_1(doc):
    assert "urlpath=lab/tree/notebooks/zh-CN/01_value_function.ipynb" in (ROOT / doc).read_text(encoding="utf-8")
    assert (ROOT / "notebooks" / "zh-CN" / "01_value_function.ipynb").exists()


CHINESE_DOCS = ["README.zh-CN.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "zh-CN").glob("*.md"))]


@pytest.mark.parametrize("doc", CHINESE_DOCS)
def test_chinese_documents_link_to_files_that_exist_and_use_the_glossary(doc):
    import re

    path = ROOT / doc
    body = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", body):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        assert (path.parent / target.split("#")[0]).exists(), f"{doc}: broken link {target}"
    if doc.endswith("glossary.md"):
        return  # it names the words not to use
    for bad, good in GLOSSARY[1]:
        assert bad not in body.replace(good, ""), f"{doc}: {bad!r} is not the glossary's term, use {good!r}"
