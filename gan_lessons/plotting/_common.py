"""Helpers shared by the lessons' pictures (private)."""

from __future__ import annotations

from matplotlib.figure import Figure

from ..i18n import N_, figure_text

#: How the identifiers that pictures and controls show (gradient methods, generator losses, 1-D targets)
#: read to a learner. The identifiers themselves stay English: code compares them.
_NAMES = {
    "simultaneous": N_("simultaneous"),
    "alternating": N_("alternating"),
    "extragradient": N_("extragradient"),
    "optimistic": N_("optimistic"),
    "averaging": N_("averaging"),
    "saturating": N_("saturating"),
    "nonsaturating": N_("nonsaturating"),
    "saturating + Adam": N_("saturating + Adam"),
    "gaussian": N_("gaussian"),
    "mixture": N_("mixture"),
}


def _display_name(key, translate=figure_text):
    """``key`` as a learner reads it: translated with ``translate`` if it is one of :data:`_NAMES`, else as given.

    Figures use the default (:func:`~gan_lessons.i18n.figure_text`); controls pass :func:`~gan_lessons.i18n.gettext`.
    """
    return translate(_NAMES[key]) if isinstance(key, str) and key in _NAMES else key


def _new_ax(ax, figsize=(8, 4)):
    """``ax`` itself, or the Axes of a new figure that is not registered with pyplot (no double display)."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").subplots()
