"""House rules for the stored notebooks: no outputs, no widget state, learner versions in sync."""

import json
from pathlib import Path

import pytest

from gan_lessons.authoring import build_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} cell {i} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} stores widget state"


def test_learner_notebooks_match_solutions():
    assert build_notebooks(ROOT, check=True) == 0, "run: python -m gan_lessons notebooks"


def test_every_solution_has_a_learner_notebook():
    sols = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    learners = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert sols == learners
