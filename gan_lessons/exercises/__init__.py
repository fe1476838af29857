"""The course's exercise system: checks that give friendly feedback, and learner notebooks made from solutions.

How an exercise looks in a notebook (see ``docs/exercises.md``)::

    # cell tagged "exercise": what the learner sees and fills in
    def estimate_v(D, x_real, x_fake):
        ...  # your code here

    # cell tagged "solution": only in solutions/, stripped from the learner's notebook
    def estimate_v(D, x_real, x_fake):
        return np.mean(np.log(D(x_real))) + np.mean(np.log(1 - D(x_fake)))

    # untagged cell: the check, in both versions
    lesson1.check_estimate_v(estimate_v)

A check never raises for a wrong or missing answer (the learner's notebook must run top to bottom):
it *returns* a :class:`Feedback`, shown as a coloured box, with status ``"correct"``, ``"wrong"``
(with a specific hint) or ``"missing"`` ("not attempted yet"). Every result is recorded, so the
solutions notebook ends with ``assert_all_correct("lesson1")`` in a cell tagged ``solution``.

One source of truth: ``solutions/NN_*.ipynb`` holds everything; ``notebooks/NN_*.ipynb`` (what
learners open) is made from it by :func:`gan_lessons.authoring.build_notebooks` (``python -m gan_lessons
notebooks``), which drops ``solution`` cells and every output. A test checks the two never drift apart.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from ..i18n import N_, _

__all__ = [
    "Feedback",
    "call_answer",
    "as_number",
    "record",
    "results",
    "assert_all_correct",
    "reset",
    "SOLUTION_TAG",
    "EXERCISE_TAG",
]

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
_STYLE = {
    "correct": ("#e6f4ea", "#1e7e34", N_("✔ Correct")),
    "wrong": ("#fdecea", "#b02a37", N_("✘ Not yet")),
    "missing": ("#f1f3f5", "#495057", N_("… Not attempted yet")),
}
_RESULTS: dict[str, Feedback] = {}


@dataclass(frozen=True)
class Feedback:
    """The outcome of one exercise check. Truthy only when correct."""

    exercise: str  #: e.g. "lesson1.estimate_v"
    status: str  #: "correct", "wrong" or "missing"
    message: str  #: what is right, or a specific hint

    def __bool__(self):
        return self.status == "correct"

    def __str__(self):
        return f"{_(_STYLE[self.status][2])} [{self.exercise}] {self.message}"

    __repr__ = __str__

    def _repr_html_(self):
        bg, fg, title = _STYLE[self.status]
        title = _(title)
        return (
            f'<div style="background:{bg};border-left:4px solid {fg};padding:6px 10px;margin:4px 0">'
            f'<b style="color:{fg}">{title}</b> <code>{html.escape(self.exercise)}</code><br>'
            f"{html.escape(self.message)}</div>"
        )


class _Missing(Exception):
    """The learner has not written an answer yet."""


def call_answer(fn, *args, **kwargs):
    """Call the learner's function; raise :class:`_Missing` if it is a stub (``...``, ``None``, ``pass``).

    Any other exception propagates (the check turns it into a "wrong" with the error's text).
    """
    if fn is None or fn is Ellipsis:
        raise _Missing
    if not callable(fn):
        return fn
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError:
        raise _Missing from None
    if out is None or out is Ellipsis:
        raise _Missing
    return out


def as_number(name, out, hint=""):
    """The learner's answer as one finite float, or an ``AssertionError`` with a friendly message.

    Accepts Python and NumPy numbers and one-element tensors; ``hint`` is added when the value is
    NaN or infinite (e.g. "is a log taken of 0?").
    """
    if hasattr(out, "numel") and out.numel() == 1:  # a one-element torch tensor
        out = out.item()
    try:
        v = float(out)
    except (TypeError, ValueError):
        raise AssertionError(
            _("{name} should return one number, got {type}").format(name=name, type=type(out).__name__)
        ) from None
    assert math.isfinite(v), (
        _("{name} returned {value}: {hint}").format(name=name, value=v, hint=hint)
        if hint
        else _("{name} returned {value}").format(name=name, value=v)
    )
    return v


def record(exercise):
    """Decorator for a check named ``exercise``: turns its outcome into a recorded :class:`Feedback`.

    The decorated function returns ``None`` or a success message when the answer is right,
    raises ``AssertionError("hint")`` when it is wrong, and lets :func:`call_answer` signal a
    missing answer. Any other exception from the learner's code becomes a "wrong" naming it.
    """

    def decorate(check):
        def wrapper(*args, **kwargs):
            return _run(exercise, check, args, kwargs)

        wrapper.__name__, wrapper.__doc__, wrapper.exercise = check.__name__, check.__doc__, exercise
        return wrapper

    return decorate


def _run(exercise, check, args, kwargs):
    try:
        msg = check(*args, **kwargs)
        fb = Feedback(exercise, "correct", msg or _("Well done."))
    except _Missing:
        fb = Feedback(exercise, "missing", _("Replace the ... with your code, then run this cell again."))
    except AssertionError as e:
        fb = Feedback(exercise, "wrong", str(e) or _("Not quite: check your formula."))
    except Exception as e:  # noqa: BLE001 - the learner's code failed: say how, never crash the notebook
        fb = Feedback(
            exercise, "wrong", _("Your code raised {error}: {message}").format(error=type(e).__name__, message=e)
        )
    _RESULTS[exercise] = fb
    return fb


def results(prefix=""):
    """Recorded feedback of this session, for exercises whose name starts with ``prefix``."""
    return {k: v for k, v in _RESULTS.items() if k.startswith(prefix)}


def reset():
    """Forget every recorded result."""
    _RESULTS.clear()


def assert_all_correct(prefix, expected=None):
    """Raise ``AssertionError`` unless every recorded check under ``prefix`` is correct.

    ``expected``: the number of exercises there must be (so a check that was never run fails too).
    """
    got = results(prefix)
    bad = [str(f) for f in got.values() if not f]
    if bad:
        raise AssertionError(_("not all exercises are correct:\n{results}").format(results="\n".join(bad)))
    if expected is not None and len(got) != expected:
        raise AssertionError(
            _("expected {expected} checked exercises under {prefix!r}, found {found}: {names}").format(
                expected=expected, prefix=prefix, found=len(got), names=sorted(got)
            )
        )
    return len(got)
