r"""Controls for training dynamics (lesson 3): gradient methods on the bilinear game, as a phase portrait.

On :math:`\min_x \max_y xy` simultaneous gradient descent-ascent with step size :math:`\eta`,

.. math:: (x, y) \leftarrow (x - \eta y,\; y + \eta x),

spirals away from the equilibrium (0, 0); alternating updates circle it; extragradient, optimistic
updates (for a small enough :math:`\eta`) and averaging reach it (:func:`gan_lessons.dynamics.bilinear_game`).
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..dynamics import METHODS, bilinear_game
from ..i18n import _, figure_text
from ..plotting._common import _display_name
from ..plotting.dynamics import plot_distance_to_equilibrium, plot_phase_portrait
from ._common import _figure_png

__all__ = ["PhasePortrait"]


class PhasePortrait:
    r"""Lesson 3's phase portrait: a gradient method on :math:`\min_x \max_y xy`, method and step size as controls.

    ``update(method, lr, steps)`` runs :func:`gan_lessons.dynamics.bilinear_game`, redraws the path
    over the gradient field (:func:`gan_lessons.plotting.plot_phase_portrait`) next to its distance
    to the equilibrium, and returns the path. The widget's controls only call it; headless, call
    ``update`` yourself and look at ``portrait.figure``.
    """

    def __init__(self, method="simultaneous", lr=0.2, steps=60):
        self.figure = Figure(figsize=(9.5, 4.2), layout="constrained")
        self._ui = None
        self.method, self.lr, self.steps, self.path = method, lr, steps, None
        self.update(method, lr, steps)

    def update(self, method=None, lr=None, steps=None):
        """Recompute and redraw (``None`` keeps the current setting); returns the path, shape (steps + 1, 2)."""
        method = self.method if method is None else method
        lr = self.lr if lr is None else lr
        steps = self.steps if steps is None else steps
        path = bilinear_game(method, lr, steps)  # raises before anything changes on bad input
        self.method, self.lr, self.steps, self.path = method, lr, steps, path
        self.figure.clear()
        left, right = self.figure.subplots(1, 2, width_ratios=[1, 1.15])
        plot_phase_portrait(path, method, left, lim=max(1.6, 1.1 * float(abs(path).max())))
        plot_distance_to_equilibrium({method: path}, right)
        right.set_title(figure_text("{method}, step size {lr:g}").format(method=_display_name(method), lr=lr))
        if self._ui is not None:
            self._ui["image"].value = self.png()
        return path

    def png(self):
        """The current figure as PNG bytes."""
        return _figure_png(self.figure)

    def widget(self):
        """A choice of method, sliders for the step size and the number of steps, and the picture."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        style = {"description_width": "90px"}
        controls = {
            "method": w.ToggleButtons(
                options=[(_display_name(m, _), m) for m in METHODS],
                value=self.method,
                description=_("method"),
                style=style,
            ),
            "lr": w.FloatSlider(
                value=self.lr,
                min=0.02,
                max=1.5,  # past 1, even extragradient spirals out (the lesson asks learners to try it)
                step=0.02,
                description=_("step size η"),
                style=style,
                layout=w.Layout(width="420px"),
            ),
            "steps": w.IntSlider(
                value=self.steps,
                min=10,
                max=400,
                step=10,
                description=_("steps"),
                style=style,
                layout=w.Layout(width="420px"),
            ),
        }
        self._ui = {"controls": controls, "image": w.Image(value=self.png(), format="png")}

        def changed(_change):
            self.update(controls["method"].value, float(controls["lr"].value), int(controls["steps"].value))

        for c in controls.values():
            c.observe(changed, names="value")
        return w.VBox([*controls.values(), self._ui["image"]])
