"""The gettext files (.pot, .po, .mo) of the package's messages in other languages, made with Babel.

Exercise feedback, widgets, progress bars, figure text and the command line mark what a learner reads with
``_()`` (:mod:`gan_lessons.i18n`). :func:`extract_messages` collects those strings (and the figure text of
the lessons' code cells) into ``gan_lessons/locale/gan_lessons.pot``; :func:`update_messages` merges them
into each language's ``.po`` (where the translations live) and compiles its ``.mo`` (what gettext reads).
``python -m gan_lessons translations [--check]`` runs both, and checks the notebook editions too.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

from .i18n import _
from .translation import EDITIONS, _source, check_edition, translation_gaps, update_catalogues

__all__ = ["KEYWORDS", "extract_messages", "message_problems", "update_messages", "translations_command"]

KEYWORDS = {"_": None, "N_": None, "gettext": None, "figure_text": None, "ngettext": (1, 2)}
_STAMP = datetime.datetime(2026, 11, 29, tzinfo=datetime.UTC)  # fixed: the files change only with the messages
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[rsd]|%[rsd]")


def _package(root):
    return Path(root) / "gan_lessons"


def extract_messages(root=None):
    """Every message marked in the package's code and the lessons' code cells, as a Babel catalogue (the ``.pot``)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract, extract_from_dir

    root = Path(root) if root is not None else Path.cwd()
    cat = Catalog(project="gan-lessons", version="0.1", creation_date=_STAMP, revision_date=_STAMP, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        _package(root), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        cat.add(message, None, [(f"gan_lessons/{filename}", lineno)], auto_comments=comments, context=context)
    for path in sorted((root / "solutions").glob("*.ipynb")):  # figure text in the lessons' own code cells
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            found = extract("python", io.BytesIO(_source(cell).encode()), keywords=KEYWORDS)
            for lineno, message, comments, _context in found:
                cat.add(message, None, [(f"solutions/{path.name}:{cell['id']}", lineno)], auto_comments=comments)
    return cat


def _po_text(catalog, **kw):
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=116, include_lineno=False, **kw)
    return buf.getvalue()


def _mo_bytes(catalog):
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def _locale_files(root, lang):
    from .i18n import LANGUAGES

    base = _package(root) / "locale"
    code = LANGUAGES[lang]
    return (
        base / "gan_lessons.pot",
        base / code / "LC_MESSAGES" / "gan_lessons.po",
        base / code / "LC_MESSAGES" / "gan_lessons.mo",
    )


def _translated(message):
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings)


def message_problems(catalog, template):
    """What is wrong with a language's ``.po`` ``catalog`` against the ``template``: one line per problem."""
    problems = []
    want = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for m in catalog:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        if key not in want:
            problems.append(f"no longer in the code (obsolete): {key!r}")
            continue
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        if m.fuzzy or not _translated(m):
            if m.locations and all(Path(f).name == "course.py" for f, _ in m.locations):
                continue  # a new lesson's title or summary: the lists show the English until it is translated
            problems.append(f"not translated{' (fuzzy)' if m.fuzzy else ''}: {key!r}")
        elif any(sorted(_PLACEHOLDER.findall(ids[0])) != sorted(_PLACEHOLDER.findall(s)) for s in strings):
            problems.append(f"placeholders differ: {key!r} -> {strings[0]!r}")
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    problems += [f"missing from the .po: {key!r}" for key in sorted(want - have)]
    return problems


def _read_json(path):
    """A JSON file ``{msgid: translation}``; ``ValueError`` naming the file (and the line and column) if it is not."""
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ValueError(f"{path}: cannot be read: {e.strerror or e}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: must hold one JSON object {{msgid: translation}}, got a {type(table).__name__}")
    return table


def update_messages(root=None, lang="zh-CN", check=False, import_json=()):
    """Extract the messages, merge them into ``lang``'s ``.po`` and compile its ``.mo``.

    ``import_json``: JSON files ``{msgid: translation}`` whose translations fill untranslated entries.
    With ``check=True`` write nothing; return the problems instead (the ``.pot`` or ``.mo`` out of date,
    messages untranslated, fuzzy or with different placeholders). Returns a list of one-line problems.
    """
    from babel.messages.pofile import read_po

    root = Path(root) if root is not None else Path.cwd()
    template = extract_messages(root)
    pot_text = _po_text(template)  # now: merging shares message objects with the template
    pot, po, mo = _locale_files(root, lang)
    if po.exists():
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang.replace("-", "_"))
    else:
        from babel.messages.catalog import Catalog

        catalog = Catalog(
            locale=lang.replace("-", "_"),
            project="gan-lessons",
            version="0.1",
            copyright_holder="the gan-lessons authors",
            last_translator="the gan-lessons authors",
            language_team="gan-lessons (docs/zh-CN/glossary.md)",
            creation_date=_STAMP,
            fuzzy=False,
        )
    problems = []
    if check:
        if not pot.exists() or pot.read_bytes() != pot_text:
            problems.append(f"{pot} is out of date: run python -m gan_lessons translations")
        problems += [f"{po}: {p}" for p in message_problems(catalog, template)]
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            problems.append(f"{mo} does not match {po.name}: run python -m gan_lessons translations")
        return problems
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    for path in import_json:
        table = _read_json(path)
        for m in catalog:
            key = m.id if isinstance(m.id, str) else (m.id[0] if m.id else "")
            if key in table and not _translated(m):
                value = table[key]
                m.string = (
                    tuple(value) if isinstance(m.id, tuple | list) else (value if isinstance(value, str) else value[0])
                )
                m.flags.discard("fuzzy")
    catalog.revision_date = _STAMP
    pot.parent.mkdir(parents=True, exist_ok=True)
    po.parent.mkdir(parents=True, exist_ok=True)
    pot.write_bytes(pot_text)
    po.write_bytes(_po_text(catalog))
    with po.open("rb") as f:  # compile what was written, as a reader of the .po would
        mo.write_bytes(_mo_bytes(read_po(f, locale=lang.replace("-", "_"))))
    return [f"{po}: {p}" for p in message_problems(catalog, template)]


def translations_command(update_catalogues_too=False, check=False, import_json=(), root=None):
    """``python -m gan_lessons translations``: messages made (or checked), and every edition checked.

    ``root``: the course's repository (default: the current folder). Prints each problem on a line and returns
    the exit status: 0 when everything is translated and current.
    """
    problems = []
    for path in import_json:  # a malformed file stops the command before it writes anything
        _read_json(path)
    for lang in EDITIONS:
        if update_catalogues_too and not check:
            n = update_catalogues(root, lang=lang)
            print(_("{lang}: {n} new markdown cells to translate").format(lang=lang, n=n))
        problems += update_messages(root, lang=lang, check=check, import_json=import_json)
        for path, found in check_edition(root, lang=lang).items():
            problems += [f"{path}: {p}" for p in found]
        for name in translation_gaps(root, lang=lang):  # not a problem: the lesson is built in English meanwhile
            print(
                _("{lang}: {name} is not translated yet (its edition is the English, with a note)").format(
                    lang=lang, name=name
                )
            )
    for p in problems:
        print(p)
    print(_("{n} problems").format(n=len(problems)) if problems else _("all translations are complete and current"))
    return 1 if problems else 0
