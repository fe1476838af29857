"""Argument checks shared by the whole package: every error names the argument and what it got.

Wrong *type* raises :class:`TypeError`, a value out of range :class:`ValueError`. ``bool`` is never
accepted as a number (``True`` is an ``int`` in Python, but ``steps=True`` is a mistake). Each check
returns the value, so a constructor can read ``self.depth = check_int("depth", depth, minimum=0)``.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_int", "check_number", "check_seed", "check_bool", "check_choice", "check_type"]


def check_int(name, value, minimum=1, maximum=None):
    """``value`` must be an ``int`` (not a ``bool``), ``>= minimum`` and, if given, ``<= maximum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum:,}, got {value:,}")
    return int(value)


def check_number(name, value, low=None, high=None, *, low_open=False, high_open=False):
    """``value`` must be a finite real number in ``[low, high]`` (an end is open with ``low_open``/``high_open``).

    ``low`` or ``high`` left at ``None`` is unbounded on that side.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or below or above:
        if low is not None and high is not None:
            span = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        elif low is not None:
            span = f"{'>' if low_open else '>='} {low}"
        elif high is not None:
            span = f"{'<' if high_open else '<='} {high}"
        else:
            span = "finite"
        raise ValueError(f"{name} must be {span}, got {value!r}")
    return float(value)


def check_seed(name, seed):
    """A seed is an ``int`` in ``[0, 2**63)``: what :meth:`torch.Generator.manual_seed` takes."""
    check_int(name, seed, minimum=0)
    if seed >= 2**63:
        raise ValueError(f"{name} must be < 2**63, got {seed}")
    return seed


def check_bool(name, value):
    """``value`` must be ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_choice(name, value, allowed):
    """``value`` must be one of ``allowed`` (``True`` is not ``1`` here, unless ``allowed`` holds booleans)."""
    if value not in allowed or (isinstance(value, bool) and not any(a is value for a in allowed)):
        raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return value


def check_type(name, value, cls):
    """``value`` must be an instance of ``cls`` (a class or a tuple of classes)."""
    if not isinstance(value, cls):
        wanted = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise TypeError(f"{name} must be of type {wanted}, got {type(value).__name__}")
    return value
