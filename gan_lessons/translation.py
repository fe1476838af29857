"""The course in other languages: ``solutions/<lang>/`` and ``notebooks/<lang>/``, made, never edited.

Each lesson's markdown is translated in ``translations/<lang>/NN_*.md``, a *catalogue*: one entry per
markdown cell, keyed by the cell's id and the hash of the English it was translated from, so a change to
the English makes its translation *stale* (:func:`catalogue_problems`) and the build refuses it. Code cells
are shared: :func:`translated_version` swaps the markdown and adds the one code cell that chooses the
language. :func:`translation_issues` checks each translation against its English (maths, code, links,
numbers, headings, emphasis, the glossary ``docs/<lang>/glossary.md``). ``python -m gan_lessons notebooks``
builds the editions (:func:`gan_lessons.authoring.build_notebooks`); ``docs/zh-CN/README.md`` is the
translators' guide.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

__all__ = [
    "EDITIONS",
    "LANGUAGE_CELL_ID",
    "course_root",
    "source_hash",
    "read_catalogue",
    "write_catalogue",
    "catalogue_path",
    "catalogue_problems",
    "translated_version",
    "untranslated_version",
    "translation_gaps",
    "words",
    "update_catalogues",
    "read_glossary",
    "translation_issues",
    "first_use_issues",
    "check_edition",
]

EDITIONS = ("zh-CN",)
_MARK = re.compile(r"^<!-- cell (?P<id>\S+) en-sha256 (?P<sha>[0-9a-f]{12}) -->[ \t]*$", re.MULTILINE)
_HEADER = (
    "<!-- gan-lessons translation catalogue: {lang} edition of solutions/{name}.\n"
    "     One entry per markdown cell: a line 'cell ID en-sha256 HASH' in a comment, the translation below it.\n"
    "     HASH is the English cell's hash when it was translated: when the English changes, the build\n"
    "     refuses the stale entry and prints the new hash. See docs/zh-CN/README.md (translators' guide). -->\n"
)
LANGUAGE_CELL_ID = "{lang}-language"
_NOT_TRANSLATED = {
    "zh-CN": "> **本课的中文翻译尚未完成**，下面是英文原文。练习反馈、交互控件和图中文字已有中文的部分仍显示中文。\n",
}
_LANGUAGE_CELL = {
    "zh-CN": (
        "# 中文版：练习反馈、交互控件、进度条和图中文字都用中文（术语表：docs/zh-CN/glossary.md）。\n"
        "# 图中的中文需要中文字体；没有时图保持英文，python -m gan_lessons doctor 会告诉你如何安装。\n"
        "from gan_lessons.i18n import set_language\n"
        "\n"
        'LANGUAGE = set_language("zh-CN")'
    )
}


def words(text):
    """What a translation is made from: a cell's words, maths and code, in order, and nothing else.

    Two English texts with the same :func:`words` need the same translation, so a change to spacing, line breaks,
    punctuation or emphasis outside maths and code leaves a translation current. Words are Unicode word
    characters (letters, digits, ``_``; "1.25" is the words 1 and 25); maths (``$…$``, ``$$…$$``), inline code
    and code blocks are kept whole, their runs of white space made one space.
    """
    out, rest = [], 0
    for m in _WHOLE.finditer(text):
        out += re.findall(r"\w+", text[rest : m.start()]) + [re.sub(r"\s+", " ", m[0].strip())]
        rest = m.end()
    return out + re.findall(r"\w+", text[rest:])


def source_hash(text):
    """The first 12 hex digits of the SHA-256 of a cell's :func:`words`: what a translation records."""
    return hashlib.sha256("\x00".join(words(text)).encode("utf-8")).hexdigest()[:12]


def _source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def read_catalogue(path):
    """A translation catalogue as ``{cell_id: (english_hash, translation)}``.

    Raises ``ValueError`` naming the file and line for a cell listed twice or text before the first entry.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    marks = list(_MARK.finditer(text))
    head = text[: marks[0].start()] if marks else text
    if re.sub(r"<!--.*?-->", "", head, flags=re.DOTALL).strip():
        raise ValueError(f"{path}: text before the first entry ('<!-- cell ID en-sha256 HASH -->' line)")
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        if m["id"] in out:
            line = text.count("\n", 0, m.start()) + 1
            raise ValueError(f"{path}:{line}: cell {m['id']} is translated twice")
        out[m["id"]] = (m["sha"], text[m.end() : end].strip("\n"))
    return out


def write_catalogue(path, entries, lang, name):
    """Write ``entries`` (``[(cell_id, english_hash, translation), ...]``) as a catalogue file."""
    parts = [_HEADER.format(lang=lang, name=name)]
    for cell_id, sha, text in entries:
        parts.append(f"\n<!-- cell {cell_id} en-sha256 {sha} -->\n{text.strip(chr(10))}\n")
    Path(path).write_text("".join(parts), encoding="utf-8")


def catalogue_problems(nb, catalogue):
    """What stops ``catalogue`` from translating ``nb``: a list of one-line problems (empty when none).

    Every markdown cell needs an entry made from its current English (same hash); an entry for a
    cell the notebook does not have is a problem too (a renamed or deleted cell).
    """
    problems, ids = [], set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        cid = cell.get("id")
        ids.add(cid)
        sha = source_hash(_source(cell))
        if cid not in catalogue:
            problems.append(f"cell {cid}: no translation (English hash {sha})")
        elif catalogue[cid][0] != sha:
            problems.append(
                f"cell {cid}: stale: the English changed since it was translated (recorded hash "
                f"{catalogue[cid][0]}, now {sha}); update the translation, then its hash"
            )
        elif not catalogue[cid][1].strip():
            problems.append(f"cell {cid}: the translation is empty")
    problems += [
        f"cell {cid}: translated, but the notebook has no such markdown cell" for cid in catalogue if cid not in ids
    ]
    return problems


def _relink(markdown):
    """Relative links that leave the folder gain a ``../``: the edition sits one folder deeper (``zh-CN/``)."""
    return re.sub(r"(\]\(|src=\")\.\./", lambda m: m.group(1) + "../../", markdown)


def translated_version(nb, catalogue, lang, check=True):
    """The ``lang`` edition of a solutions notebook: translated markdown, the same code cells.

    One code cell is added before the first code cell: it chooses the language
    (:func:`gan_lessons.i18n.set_language`). Raises ``ValueError`` listing every problem of the catalogue.
    """
    problems = catalogue_problems(nb, catalogue) if check else []
    if problems:
        raise ValueError("\n".join(problems))
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = _relink(catalogue[cell["id"]][1])
        elif not any(c["cell_type"] == "code" for c in cells):
            cells.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": LANGUAGE_CELL_ID.format(lang=lang),
                    "metadata": {},
                    "outputs": [],
                    "source": _LANGUAGE_CELL[lang],
                }
            )
        cells.append(cell)
    nb["cells"] = cells
    return nb


def untranslated_version(nb, lang):
    """The ``lang`` edition of a lesson nobody has translated yet: the English, with a note saying so in ``lang``.

    A new lesson goes green in English first: its edition is built (the language cell included, so exercise
    feedback and widgets speak ``lang`` where the message catalogue has them) and :func:`translation_gaps` lists
    it, instead of the build refusing it.
    """
    note = {"cell_type": "markdown", "id": f"untranslated-{lang}", "metadata": {}, "source": _NOT_TRANSLATED[lang]}
    edition = translated_version(
        nb, {c["id"]: ("", _source(c)) for c in nb["cells"] if c["cell_type"] == "markdown"}, lang, check=False
    )
    edition["cells"].insert(0, note)
    return edition


def translation_gaps(root=None, lang="zh-CN"):
    """The lessons (solutions notebooks' names) that have no ``lang`` catalogue yet: built in English."""
    root = Path(root) if root is not None else Path.cwd()
    return [
        p.stem for p in sorted((root / "solutions").glob("*.ipynb")) if not catalogue_path(root, lang, p.stem).exists()
    ]


def course_root(start=None):
    """The course's repository: ``start`` (default: the current folder) or the nearest folder above it that holds
    the package (``gan_lessons/__init__.py``) and ``notebooks/``; ``None`` when there is none.

    The authors' commands write there (never into a stray ``gan_lessons/`` under, say, ``docs/``).
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "gan_lessons" / "__init__.py").is_file() and (folder / "notebooks").is_dir():
            return folder
    return None


def catalogue_path(root, lang, name):
    return Path(root) / "translations" / lang / f"{name}.md"


def update_catalogues(root=None, lang="zh-CN"):
    """Add an entry (the English text, to be translated) for every markdown cell a catalogue lacks.

    Existing entries, stale ones included, are kept as they are. Returns the number of entries added.
    """
    root = Path(root) if root is not None else Path.cwd()
    added = 0
    for path in sorted((root / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        cat_path = catalogue_path(root, lang, path.stem)
        old = read_catalogue(cat_path) if cat_path.exists() else {}
        entries = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            if cell["id"] in old:
                entries.append((cell["id"], *old[cell["id"]]))
            else:
                entries.append((cell["id"], source_hash(_source(cell)), _source(cell)))
                added += 1
        cat_path.parent.mkdir(parents=True, exist_ok=True)
        write_catalogue(cat_path, entries, lang, path.name)
    return added


# --------------------------------------------------------------------------------------------------
# Checking a translation: the mathematics, code, links and numbers of each cell are the English
# ones, and the glossary's terms (docs/<lang>/glossary.md) are used, consistently.
# --------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"```.*?```", re.DOTALL)
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?\$")
_CODE = re.compile(r"`[^`]+`")
# maths and code, kept whole by words(): a code block, display maths, inline maths, inline code
_WHOLE = re.compile("|".join(p.pattern for p in (_FENCE, _DISPLAY_MATH, _INLINE_MATH, _CODE)), re.DOTALL)
_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HTML_ATTR = re.compile(r"(?:href|src)=\"([^\"]+)\"")
# a line break between two Chinese characters (or full-width punctuation) inside a paragraph: shown as a space
_CJK_BREAK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]\n[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")


def _pieces(text):
    """(code blocks, maths, inline code, link targets, the prose left when those are taken out)."""
    fences = _FENCE.findall(text)
    text = _FENCE.sub(" ", text)
    maths = _DISPLAY_MATH.findall(text)
    text = _DISPLAY_MATH.sub(" ", text)
    maths += _INLINE_MATH.findall(text)
    text = _INLINE_MATH.sub(" ", text)
    code = _CODE.findall(text)
    text = _CODE.sub(" ", text)
    links = _LINK.findall(text) + _HTML_ATTR.findall(text)
    text = _HTML_ATTR.sub(" ", _LINK.sub("] ", text))
    text = re.sub(r"https?://\S+", " ", text)
    spaced = [[re.sub(r"\s+", " ", x.strip()) for x in xs] for xs in (fences, maths, code)]  # as words() keeps them
    return *spaced, links, text


def _emphasis(markdown):
    """(bold spans, italic spans) as a CommonMark renderer sees them (markdown-it, what JupyterLab follows)."""
    from markdown_it import MarkdownIt

    for pattern in (_FENCE, _DISPLAY_MATH, _INLINE_MATH, _CODE):  # maths such as $D^*$ is not emphasis
        markdown = pattern.sub("x", markdown)
    tokens = [t for block in MarkdownIt("commonmark").parse(markdown) for t in (block.children or [])]
    return sum(t.type == "strong_open" for t in tokens), sum(t.type == "em_open" for t in tokens)


def _term_pattern(english):
    pat = re.escape(english)
    for a, b in (("isation", "i[sz]ation"), ("neighbour", "neighbou?r"), ("–", "[–-]"), (r"\ ", r"[\s-]+")):
        pat = pat.replace(a, b)
    return re.compile(rf"\b{pat}(?:s|es)?\b", re.IGNORECASE)


def read_glossary(path):
    """The glossary's checked terms and forbidden variants, from ``docs/<lang>/glossary.md``.

    Returns ``(terms, avoid)``: ``terms`` is a list of ``(english, translation, english_at_first_use)``
    from the table under "核心术语", ``avoid`` a list of ``(variant, use_instead)`` from "不要使用".
    """
    terms, avoid, section = [], [], None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set(cols[0]) <= set("-") or cols[0] in ("English", "不要使用"):
            continue
        if section == "核心术语":
            terms.append((cols[0], cols[1], cols[2] == "是"))
        elif section == "不要使用":
            avoid.append((cols[0], cols[1]))
    return terms, avoid


def translation_issues(english, translated, glossary=None):
    """What in one translated markdown cell does not match its English: a list of one-line problems.

    Checks that code blocks, mathematics (``$…$``, ``$$…$$``), inline code and link targets are the
    English ones (as multisets), that the prose has the same numbers and the same headings' levels,
    and, given a glossary (:func:`read_glossary`), that each term the English uses has its translation
    and no forbidden variant appears.
    """
    issues = []
    en, tr = _pieces(english), _pieces(translated)
    for name, a, b in zip(("code block", "maths", "inline code", "link target"), en[:4], tr[:4], strict=True):
        if sorted(a) != sorted(b):
            lost = [x for x in a if x not in b]
            new = [x for x in b if x not in a]
            issues.append(f"{name} differs: missing {lost[:3]}, not in the English {new[:3]}")
    en_numbers, tr_numbers = set(_NUMBER.findall(en[4])), set(_NUMBER.findall(tr[4]))
    if en_numbers != tr_numbers:
        issues.append(
            f"numbers differ: missing {sorted(en_numbers - tr_numbers)}, "
            f"not in the English {sorted(tr_numbers - en_numbers)}"
        )
    emphasis = [_emphasis(t) for t in (english, translated)]
    if emphasis[0] != emphasis[1]:
        issues.append(
            f"bold/italic render differently: {emphasis[0]} in English, {emphasis[1]} here (a ** or * next to "
            "full-width punctuation and a Chinese character does not open or close: move it, e.g. "
            "**判别器**（discriminator）)"
        )
    breaks = _CJK_BREAK.findall(_FENCE.sub(" ", translated))
    if breaks:
        issues.append(
            f"{len(breaks)} line break(s) between Chinese characters, e.g. {breaks[0]!r}: Markdown shows each as "
            "a space; join the lines"
        )
    heads = [re.findall(r"^(#+) ", t, re.MULTILINE) for t in (english, translated)]
    if heads[0] != heads[1]:
        issues.append(f"headings differ: {[len(h) for h in heads[0]]} levels in English, {[len(h) for h in heads[1]]}")
    if glossary is not None:
        terms, avoid = glossary
        for term, zh, _ in terms:
            if _term_pattern(term).search(en[4]) and zh not in tr[4] and zh not in translated:
                issues.append(f"the English says {term!r}: the glossary's translation is {zh!r}")
        for bad, good in avoid:
            if bad in translated.replace(good, ""):
                issues.append(f"{bad!r} is not the glossary's term: use {good!r}")
    return issues


def first_use_issues(cells, glossary):
    """Terms whose first use in a lesson is not followed by the English (``判别器（discriminator）``).

    ``cells`` is the lesson's translated markdown, in order. Returns a list of one-line problems.
    """
    issues = []
    for term, zh, wanted in glossary[0]:
        if not wanted:
            continue
        for cid, text in cells:
            prose = _pieces(text)[4]
            if zh in prose:
                if not _term_pattern(term).search(prose):
                    issues.append(f"cell {cid}: first use of {zh!r} in this lesson: add the English, {zh}（{term}）")
                break
    return issues


def check_edition(root=None, lang="zh-CN", lessons=None):
    """Every problem of the ``lang`` edition's catalogues: ``{catalogue path: [problems]}`` (empty when none).

    Missing or stale entries (:func:`catalogue_problems`), then each translation against its English
    (:func:`translation_issues`) and the glossary's first-use rule (:func:`first_use_issues`).
    ``lessons``: only the solutions notebooks whose names start with one of these (e.g. ``["01"]``).
    """
    root = Path(root) if root is not None else Path.cwd()
    glossary = read_glossary(root / "docs" / lang / "glossary.md")
    out = {}
    for path in sorted((root / "solutions").glob("*.ipynb")):
        if lessons and not any(path.name.startswith(x) for x in lessons):
            continue
        nb = json.loads(path.read_text())
        cat_path = catalogue_path(root, lang, path.stem)
        if not cat_path.exists():  # not translated yet: built in English, listed by translation_gaps
            continue
        cat = read_catalogue(cat_path)
        problems = catalogue_problems(nb, cat)
        cells = []
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown" and cell["id"] in cat:
                text = cat[cell["id"]][1]
                cells.append((cell["id"], text))
                problems += [f"cell {cell['id']}: {p}" for p in translation_issues(_source(cell), text, glossary)]
        problems += first_use_issues(cells, glossary)
        if problems:
            out[str(cat_path)] = problems
    return out
