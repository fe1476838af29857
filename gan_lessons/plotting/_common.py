"""Helpers shared by the lessons' pictures (private)."""

from __future__ import annotations

from matplotlib.figure import Figure


def _new_ax(ax, figsize=(8, 4)):
    """``ax`` itself, or the Axes of a new figure that is not registered with pyplot (no double display)."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").subplots()
