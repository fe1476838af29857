"""Course authoring: the learner notebooks are made from the solutions notebooks, never edited by hand.

``solutions/NN_*.ipynb`` holds everything; :func:`build_notebooks` (``python -m gan_lessons notebooks``)
writes ``notebooks/NN_*.ipynb`` from it, dropping the cells tagged ``solution`` (see
:mod:`gan_lessons.exercises` and ``docs/exercises.md``) and every output. A test checks that the two
never drift apart. Learners never need this module.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .exercises import SOLUTION_TAG

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
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def build_notebooks(root=None, check=False):
    """Write ``notebooks/X.ipynb`` = :func:`learner_version` of every ``solutions/X.ipynb``.

    With ``check=True`` write nothing and return 1 (printing the names) if any is out of date.
    Returns 0 on success, as the command line's exit status.
    """
    root = Path(root) if root is not None else Path.cwd()
    src, dst = root / "solutions", root / "notebooks"
    if not src.is_dir():
        raise ValueError(f"no solutions/ folder in {root}; run this from the course's root folder")
    stale = []
    for path in sorted(src.glob("*.ipynb")):
        text = _dump(learner_version(json.loads(path.read_text())))
        out = dst / path.name
        if not out.exists() or out.read_text() != text:
            stale.append(out)
            if not check:
                dst.mkdir(exist_ok=True)
                out.write_text(text)
    for out in stale:
        print(f"{'out of date' if check else 'wrote'}: {out}")
    return 1 if (check and stale) else 0
