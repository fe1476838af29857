"""Helpers shared by the lessons' controls (private)."""

from __future__ import annotations

import io


def _figure_png(fig, dpi=90):
    """A matplotlib figure as PNG bytes: what every widget shows in its image."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
