"""Course authoring: the learner notebooks are made from the solutions notebooks, never edited by hand.

``solutions/NN_*.ipynb`` holds everything; :func:`build_notebooks` (``python -m gan_lessons notebooks``)
writes ``notebooks/NN_*.ipynb`` from it, dropping the cells tagged ``solution`` (see
:mod:`gan_lessons.exercises` and ``docs/exercises.md``) and every output. A test checks that the two
never drift apart. The same build writes the editions in other languages (``solutions/zh-CN/``,
``notebooks/zh-CN/``) from :mod:`gan_lessons.translation`'s catalogues. Learners never need this module.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from . import listings
from .exercises import SOLUTION_TAG
from .translation import (
    EDITIONS,
    catalogue_path,
    catalogue_problems,
    read_catalogue,
    translated_version,
    untranslated_version,
)

__all__ = ["learner_version", "build_notebooks"]


def learner_version(nb):
    """The learner's notebook from a solutions notebook (a dict in nbformat 4 JSON).

    Drops cells tagged ``solution``, clears outputs and execution counts, drops widget state.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb["cells"]:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def _dump(nb):
    for cell in nb["cells"]:  # sources as lists of lines, as Jupyter stores them
        if isinstance(cell["source"], str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def build_notebooks(root=None, check=False):
    """Write ``notebooks/X.ipynb`` = :func:`learner_version` of every ``solutions/X.ipynb``, and the editions.

    Each language of :data:`EDITIONS` with a ``translations/<lang>/`` folder gets ``solutions/<lang>/X.ipynb``
    (:func:`translated_version`, from ``translations/<lang>/X.md``) and ``notebooks/<lang>/X.ipynb`` (its learner
    version). A catalogue with a missing or stale translation stops the build with every problem listed
    (``ValueError``); a lesson with no catalogue yet is built in English with a note (:func:`untranslated_version`).
    The lists the documents carry (:mod:`gan_lessons.listings`) are written too.
    With ``check=True`` write nothing and return 1 (printing the names and problems) if any is out of date.
    Returns 0 on success, as the command line's exit status.
    """
    root = Path(root) if root is not None else Path.cwd()
    src = root / "solutions"
    if not src.is_dir():
        raise ValueError(f"no solutions/ folder in {root}; run this from the course's root folder")
    wanted, problems = {}, []
    for path in sorted(src.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        wanted[root / "notebooks" / path.name] = learner_version(nb)
        for lang in (lang for lang in EDITIONS if (root / "translations" / lang).is_dir()):
            cat_path = catalogue_path(root, lang, path.stem)
            if not cat_path.exists():  # a new lesson: in English, with a note, until it is translated
                edition = untranslated_version(nb, lang)
            else:
                catalogue = read_catalogue(cat_path)
                found = catalogue_problems(nb, catalogue)
                if found:
                    problems += [f"{cat_path}: {p}" for p in found]
                    continue
                edition = translated_version(nb, catalogue, lang)
            wanted[src / lang / path.name] = edition
            wanted[root / "notebooks" / lang / path.name] = learner_version(edition)
    if problems and not check:
        raise ValueError("the translations are not complete:\n" + "\n".join(problems))
    stale = [root / rel for rel in listings.sync(root, check=check)]  # the README's lesson table, the guides' lists
    for out, nb in wanted.items():
        text = _dump(nb)
        if not out.exists() or out.read_text() != text:
            stale.append(out)
            if not check:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text)
    for out in stale:
        print(f"{'out of date' if check else 'wrote'}: {out}")
    for problem in problems:
        print(problem)
    return 1 if (check and (stale or problems)) else 0
