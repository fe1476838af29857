import json

import pytest

from gan_lessons import authoring
from gan_lessons import exercises as ex


@ex.record("demo.square")
def check_square(fn):
    """A demo check: fn(x) must be x squared."""
    out = ex.call_answer(fn, 3)
    assert out == 9, f"square(3) should be 9, yours gave {out}"
    return "Right: 3² = 9."


def test_check_statuses():
    ex.reset()
    assert check_square(lambda x: x * x).status == "correct"
    fb = check_square(lambda x: x + x)
    assert fb.status == "wrong" and "yours gave 6" in fb.message and not fb

    def stub(x): ...

    assert check_square(stub).status == "missing"
    assert check_square(None).status == "missing"

    def not_impl(x):
        raise NotImplementedError

    assert check_square(not_impl).status == "missing"
    fb = check_square(lambda x: 1 / 0)
    assert fb.status == "wrong" and "ZeroDivisionError" in fb.message
    assert "Not attempted" in check_square(None)._repr_html_()


def test_assert_all_correct():
    ex.reset()
    check_square(None)
    with pytest.raises(AssertionError, match="demo.square"):
        ex.assert_all_correct("demo")
    check_square(lambda x: x**2)
    assert ex.assert_all_correct("demo", expected=1) == 1
    with pytest.raises(AssertionError, match="expected 2"):
        ex.assert_all_correct("demo", expected=2)


def _nb(cells):
    return {"cells": cells, "metadata": {"widgets": {"state": {}}}, "nbformat": 4, "nbformat_minor": 5}


def _code(src, tags=(), outputs=()):
    return {
        "cell_type": "code",
        "source": src,
        "metadata": {"tags": list(tags)},
        "outputs": list(outputs),
        "execution_count": 3 if outputs else None,
    }


def test_learner_version_strips_solutions_outputs_and_widget_state():
    nb = _nb(
        [
            _code("def f(x):\n    ...", ["exercise"]),
            _code("def f(x):\n    return x", ["solution"]),
            _code("check(f)", outputs=[{"output_type": "stream", "name": "stdout", "text": "hi"}]),
        ]
    )
    out = authoring.learner_version(nb)
    assert [c["source"] for c in out["cells"]] == ["def f(x):\n    ...", "check(f)"]
    assert out["cells"][1]["outputs"] == [] and out["cells"][1]["execution_count"] is None
    assert "widgets" not in out["metadata"]
    assert len(nb["cells"]) == 3  # the input is untouched


def test_build_notebooks_writes_and_checks(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    nb = _nb([_code("x = 1"), _code("x = 2", ["solution"])])
    (tmp_path / "solutions" / "01_demo.ipynb").write_text(json.dumps(nb))
    assert authoring.build_notebooks(tmp_path, check=True) == 1
    assert authoring.build_notebooks(tmp_path) == 0
    built = json.loads((tmp_path / "notebooks" / "01_demo.ipynb").read_text())
    assert ["".join(c["source"]) for c in built["cells"]] == ["x = 1"]
    assert authoring.build_notebooks(tmp_path, check=True) == 0
    with pytest.raises(ValueError, match="solutions"):
        authoring.build_notebooks(tmp_path / "nowhere")
