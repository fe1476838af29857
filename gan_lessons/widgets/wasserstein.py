r"""Controls for lesson 5: slide :math:`p_g` away from :math:`p_{data}` and watch four divergences and their slopes.

The model is the target shifted by :math:`s`, its spread times a width factor; every number is computed by
quadrature (:func:`gan_lessons.divergences.divergence_curves`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._validate import check_number
from ..data import GaussianMixture
from ..divergences import divergence_curves
from ..i18n import _, figure_text
from ..plotting._common import _display_name
from ..plotting.wasserstein import plot_divergence_explorer
from ._common import _figure_png

__all__ = ["DIVERGENCE_TARGETS", "divergence_explorer_state", "DivergenceExplorer"]

#: The targets the explorer offers, with a width that can be scaled: name -> (centres, spread)
DIVERGENCE_TARGETS = {"gaussian": ([0.0], 1.0), "mixture": ([-2.0, 2.0], 0.5)}
_SHIFTS = np.linspace(-6, 6, 121)  # the curves' range: fixed, so the picture does not jump


def _target(name, width):
    if name not in DIVERGENCE_TARGETS:
        raise ValueError(f"target must be one of {list(DIVERGENCE_TARGETS)}, got {name!r}")
    width = check_number("width", width, low=0, low_open=True)
    centres, spread = DIVERGENCE_TARGETS[name]
    return GaussianMixture(np.asarray(centres)[:, None], spread * width, name=f"{name}, width x{width:g}")


def divergence_explorer_state(target="gaussian", shift=1.0, width=1.0, n=2001):
    r"""Everything the explorer shows for :math:`p_g(x) = p_{data}(x - s)` with ``shift`` :math:`s`.

    Parameters
    ----------
    target : {"gaussian", "mixture"}
        :math:`p_{data}`: N(0, 1), or two modes at -2 and 2 of spread 0.5, both spreads times ``width``.
    shift : float
        :math:`s`, in [-6, 6].
    width : float
        Spread factor of both densities (> 0; narrow densities separate sooner).

    Returns
    -------
    dict
        ``x``, ``p_data``, ``p_g`` (arrays); ``curves`` (:func:`~gan_lessons.divergences.divergence_curves`
        over s in [-6, 6]); ``values`` and ``slopes`` at ``shift`` (name -> float); ``shift``, ``width``,
        ``target_name``, ``title`` (the target as the picture names it, in the course's language), ``xlim``.
    """
    tgt = _target(target, width)
    shift = check_number("shift", shift, -6.0, 6.0)
    curves = divergence_curves(tgt, _SHIFTS)
    here = divergence_curves(tgt, [shift - 1e-3, shift + 1e-3])  # the value and slope at exactly this shift
    names = [k for k in here if k != "s" and not k.startswith("d/ds")]
    x = np.linspace(-10, 10, n)
    return {
        "x": x,
        "p_data": tgt.density(x),
        "p_g": GaussianMixture(tgt.centers + shift, tgt.sigmas, tgt.weights).density(x),
        "curves": curves,
        "values": {k: float(here[k].mean()) for k in names},
        "slopes": {k: float(here["d/ds " + k][0]) for k in names},
        "shift": float(shift),
        "width": float(width),
        "target_name": tgt.name,
        "title": figure_text("{target}, width x{width:g}").format(target=_display_name(target), width=float(width)),
        "xlim": (-10, 10),
    }


class DivergenceExplorer:
    r"""Lesson 5's explorer: shift :math:`p_g` and read JSD, both KLs and :math:`W_1`, and their slopes.

    ``update(target, shift, width)`` computes :func:`divergence_explorer_state` and redraws; the sliders
    only call it. Headless, call ``update`` yourself and look at ``explorer.figure``.
    """

    def __init__(self, target="gaussian", shift=1.0, width=1.0):
        self.figure = Figure(figsize=(10, 3.8), layout="constrained")
        self._ui = None
        self.state = None
        self._target = target
        self.update(target, shift, width)

    def update(self, target=None, shift=None, width=None):
        """Recompute and redraw for new settings (``None`` keeps the current one); returns the state dict."""
        old = self.state or {}
        target = self._target if target is None else target
        shift = old.get("shift") if shift is None else shift
        width = old.get("width") if width is None else width
        state = divergence_explorer_state(target, shift, width)  # raises before anything changes on bad input
        self._target, self.state = target, state
        self.figure.clear()
        plot_divergence_explorer(state, self.figure.subplots(1, 2))
        if self._ui is not None:
            self._ui["image"].value = self.png()
            self._ui["readout"].value = self.readout_html()
        return state

    def png(self):
        """The current figure as PNG bytes."""
        return _figure_png(self.figure)

    def readout_html(self):
        """Each divergence and its slope at the current shift, as a line of HTML."""
        s = self.state
        cell = _("<b>{name}</b> = {value:.3f} (slope {slope:+.3f})")
        cells = [cell.format(name=k, value=v, slope=s["slopes"][k]) for k, v in s["values"].items()]
        return " &nbsp; ".join(cells)

    def widget(self):
        """A choice of target, sliders for the shift and the width, the read-outs and the picture."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        style, lay = {"description_width": "90px"}, w.Layout(width="420px")
        controls = {
            "target": w.ToggleButtons(
                options=[(_display_name(t, _), t) for t in DIVERGENCE_TARGETS], value=self._target, description="p_data"
            ),
            "shift": w.FloatSlider(
                value=self.state["shift"], min=-6, max=6, step=0.05, description=_("shift s"), style=style, layout=lay
            ),
            "width": w.FloatSlider(
                value=self.state["width"], min=0.1, max=2, step=0.05, description=_("width"), style=style, layout=lay
            ),
        }
        self._ui = {"readout": w.HTML(self.readout_html()), "image": w.Image(value=self.png(), format="png")}

        def changed(_change):
            self.update(controls["target"].value, float(controls["shift"].value), float(controls["width"].value))

        for c in controls.values():
            c.observe(changed, names="value")
        return w.VBox([*controls.values(), self._ui["readout"], self._ui["image"]])
