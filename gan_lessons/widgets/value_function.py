r"""Controls for the value function (lesson 1): slide :math:`p_g` over :math:`p_{data}` and read off V and the JSD.

For a generator density :math:`p_g = \mathcal{N}(\text{mean}, \text{std}^2)` the explorer computes, by
quadrature, the optimal discriminator and the value it reaches (Goodfellow et al. 2014, Prop. 1 and Thm. 1):

.. math:: D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}, \qquad
          V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}(p_{data} \,\|\, p_g).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._validate import check_int
from ..data import GaussianMixture, gaussian, toy_target
from ..i18n import _
from ..plotting._common import _display_name
from ..plotting.value_function import plot_value_explorer
from ..theory import LOG4, generator_criterion, js_divergence, optimal_discriminator
from ._common import _figure_png

__all__ = ["value_explorer_state", "ValueExplorer", "EXPLORER_TARGETS"]

EXPLORER_TARGETS = ("gaussian", "mixture")  #: the target shapes the lesson-1 explorer offers


def _explorer_target(target):
    """The 1-D :class:`~gan_lessons.data.GaussianMixture` that ``target`` (a name or a mixture) stands for."""
    if isinstance(target, str):
        if target not in EXPLORER_TARGETS:
            raise ValueError(f"target must be one of {EXPLORER_TARGETS} or a 1-D GaussianMixture, got {target!r}")
        return toy_target(target)
    if not isinstance(target, GaussianMixture):
        raise TypeError(f"target must be a name or a GaussianMixture, got {type(target).__name__}")
    if target.dim != 1:
        raise ValueError(f"target must be 1-D, got a {target.dim}-D {target.name}")
    return target


def value_explorer_state(target, mean, std, grid=None, n=2001):
    r"""Everything the lesson-1 explorer shows, for :math:`p_g = \mathcal{N}(\text{mean}, \text{std}^2)`.

    Computed by quadrature with :mod:`gan_lessons.theory`: the optimal discriminator
    :math:`D^* = p_{data}/(p_{data}+p_g)` (Prop. 1), the value :math:`V(D^*, G) = C(G)`, the JSD,
    and :math:`-\log 4 + 2\,JSD` (Thm. 1: equal to :math:`V(D^*, G)`).

    Parameters
    ----------
    target : {"gaussian", "mixture"} or GaussianMixture
        :math:`p_{data}` (1-D).
    mean, std : float
        The generator's Gaussian :math:`p_g` (``std`` > 0).
    grid : array, optional
        A uniform grid; by default ``n`` points covering 8 standard deviations around both densities,
        so each integrates to 1 and Thm. 1 holds to many digits.

    Returns
    -------
    dict
        ``x``, ``dx``, ``p_data``, ``p_g``, ``d_star`` (arrays on the grid); ``value``, ``jsd``,
        ``thm1`` (floats); ``target_name``, ``mean``, ``std``; ``xlim`` (a stable plotting range).
    """
    tgt = _explorer_target(target)
    p_g_dist = gaussian(mean, std)  # validates mean and std (ValueError / TypeError naming them)
    t_lo = float((tgt.centers[:, 0] - 8 * tgt.sigmas).min())
    t_hi = float((tgt.centers[:, 0] + 8 * tgt.sigmas).max())
    if grid is None:
        check_int("n", n, minimum=3)
        grid = np.linspace(min(t_lo, mean - 8 * std), max(t_hi, mean + 8 * std), n)
    x = np.asarray(grid, dtype=np.float64)
    if x.ndim != 1 or x.size < 3 or not np.allclose(np.diff(x), x[1] - x[0], rtol=1e-6, atol=0) or x[1] <= x[0]:
        raise ValueError("grid must be a 1-D increasing uniform grid of at least 3 points")
    dx = float(x[1] - x[0])
    p_data, p_g = tgt.density(x), p_g_dist.density(x)
    jsd = js_divergence(p_data, p_g, dx)
    centre = float(tgt.mean[0])
    span = (centre - 8.0, centre + 8.0)  # fixed for a target, so the picture does not jump as sliders move
    return {
        "x": x,
        "dx": dx,
        "p_data": p_data,
        "p_g": p_g,
        "d_star": optimal_discriminator(p_data, p_g),
        "value": generator_criterion(p_data, p_g, dx),
        "jsd": jsd,
        "thm1": -LOG4 + 2 * jsd,
        "target_name": tgt.name,
        "mean": float(mean),
        "std": float(std),
        "xlim": span,
    }


class ValueExplorer:
    r"""Lesson 1's explorer: slide :math:`p_g` over :math:`p_{data}` and watch :math:`D^*`, V and the JSD.

    ``update(target, mean, std)`` computes :func:`value_explorer_state`, redraws the figure
    (:func:`gan_lessons.plotting.plot_value_explorer`) and returns the state; the widget's sliders
    only call it. Headless, call ``update`` yourself and look at ``explorer.figure``.
    """

    def __init__(self, target="mixture", mean=0.0, std=1.5):
        self.figure = Figure(figsize=(9, 4.2), layout="constrained")
        self._ui = None
        self.state = None
        self._target = target
        self.update(target, mean, std)

    def update(self, target=None, mean=None, std=None):
        """Recompute and redraw for new settings (``None`` keeps the current one); returns the state dict."""
        old = self.state or {}
        target = self._target if target is None else target
        mean = old.get("mean") if mean is None else mean
        std = old.get("std") if std is None else std
        state = value_explorer_state(target, mean, std)  # raises before anything changes on bad input
        self._target, self.state = target, state
        self.figure.clear()
        plot_value_explorer(state, self.figure.subplots())
        if self._ui is not None:
            self._sync_controls()
            self._ui["image"].value = self.png()
            self._ui["readout"].value = self.readout_html()
        return state

    def png(self):
        """The current figure as PNG bytes."""
        return _figure_png(self.figure)

    def readout_html(self):
        """The live read-outs: V(D*, G), JSD and -log 4 + 2 JSD, as a line of HTML."""
        s = self.state
        return _(
            "<b>V(D*, G)</b> = {value:.4f} &nbsp; <b>JSD</b> = {jsd:.4f} nats &nbsp; "
            "<b>−log 4 + 2·JSD</b> = {thm1:.4f} &nbsp; (minimum −log 4 = −1.3863 only when p<sub>g</sub> = "
            "p<sub>data</sub>)"
        ).format(value=s["value"], jsd=s["jsd"], thm1=s["thm1"])

    def _sync_controls(self):
        c = self._ui["controls"]
        self._ui["syncing"] = True
        try:
            if isinstance(self._target, str):
                c["target"].value = self._target
            c["mean"].value, c["std"].value = self.state["mean"], self.state["std"]
        finally:
            self._ui["syncing"] = False

    def widget(self):
        """Sliders for p_g's mean and std, a choice of target shape, the read-outs and the picture."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        style = {"description_width": "90px"}
        controls = {
            "target": w.ToggleButtons(
                options=[(_display_name(t, _), t) for t in EXPLORER_TARGETS],
                description="p_data",
                style=style,
                value=self._target if isinstance(self._target, str) else "mixture",
            ),
            "mean": w.FloatSlider(
                value=self.state["mean"],
                min=-6,
                max=10,
                step=0.05,
                description=_("mean of p_g"),
                style=style,
                layout=w.Layout(width="420px"),
                continuous_update=True,
            ),
            "std": w.FloatSlider(
                value=self.state["std"],
                min=0.2,
                max=4,
                step=0.05,
                description=_("std of p_g"),
                style=style,
                layout=w.Layout(width="420px"),
                continuous_update=True,
            ),
        }
        self._ui = {
            "controls": controls,
            "readout": w.HTML(self.readout_html()),
            "image": w.Image(value=self.png(), format="png"),
            "syncing": False,
        }

        def changed(_change):
            if not self._ui["syncing"]:
                self.update(controls["target"].value, float(controls["mean"].value), float(controls["std"].value))

        for c in controls.values():
            c.observe(changed, names="value")
        return w.VBox([*controls.values(), self._ui["readout"], self._ui["image"]])
