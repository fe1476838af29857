r"""Controls for an image DCGAN (lesson 4): scrub through training, walk G's latent space.

* :class:`GridScrubber` replays the fixed-noise grids recorded while training
  (:class:`gan_lessons.plotting.FixedNoiseGrids`): digits emerge from noise.
* :class:`LatentExplorer` moves a code along random orthonormal directions,

  .. math:: z = z_0 + \sum_i \alpha_i d_i, \qquad \lVert d_i \rVert = \sqrt{z_{dim}}/2,

  and shows G's image of it, which can be saved as a PNG.
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from .._validate import check_int
from ..i18n import _, figure_text
from ..models import latent_dim
from ..plotting.dcgan import decode_latents, plot_image_grid, save_image
from ._common import _figure_png

__all__ = ["GridScrubber", "LatentExplorer"]


class GridScrubber:
    """Scrub through the fixed-noise grids recorded during training, and watch digits emerge.

    ``show(i)`` draws grid ``i`` (negative counts from the end) into ``figure`` and returns it; the
    widget's slider only calls it. Build it from a :class:`gan_lessons.plotting.FixedNoiseGrids`
    callback, or from lists ``grids`` (each (n, C, H, W) in [-1, 1]) and ``steps``.
    """

    def __init__(self, grids, steps=None, steps_per_epoch=None, nrow=None):
        if hasattr(grids, "grids"):  # a FixedNoiseGrids callback
            grids, steps = grids.grids, grids.steps if steps is None else steps
        grids = list(grids)
        if not grids:
            raise ValueError("grids is empty: train with a FixedNoiseGrids callback first")
        steps = list(range(len(grids))) if steps is None else list(steps)
        if len(steps) != len(grids):
            raise ValueError(f"steps has {len(steps)} entries but there are {len(grids)} grids")
        self.grids, self.steps, self.steps_per_epoch, self.nrow = grids, steps, steps_per_epoch, nrow
        self.figure = Figure(figsize=(4.6, 4.9), layout="constrained")
        self.index = None
        self._image = None
        self.show(-1)

    def label(self, i):
        """The title of grid ``i``: its step, and its epoch when ``steps_per_epoch`` is known."""
        s = self.steps[i]
        if self.steps_per_epoch:
            return figure_text("epoch {epoch:g} (step {step})").format(epoch=s / self.steps_per_epoch, step=s)
        return figure_text("step {step}").format(step=s)

    def show(self, i):
        """Draw grid ``i``; returns the figure."""
        n = len(self.grids)
        i = check_int("i", i, minimum=-n)
        if i >= n:
            raise ValueError(f"i must be an int in {-n}..{n - 1}, got {i!r}")
        self.index = i % n
        self.figure.clear()
        plot_image_grid(self.grids[self.index], self.figure.subplots(), nrow=self.nrow, title=self.label(self.index))
        if self._image is not None:
            self._image.value = _figure_png(self.figure)
        return self.figure

    def widget(self):
        """A slider over the recorded grids (with a play button) above the picture."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        slider = w.IntSlider(value=self.index, min=0, max=len(self.grids) - 1, description=_("snapshot"),
                             continuous_update=True, layout=w.Layout(width="420px"))  # fmt: skip
        play = w.Play(value=self.index, min=0, max=len(self.grids) - 1, interval=400)
        w.jslink((play, "value"), (slider, "value"))
        self._image = w.Image(value=_figure_png(self.figure), format="png")
        slider.observe(lambda change: self.show(int(change["new"])), names="value")
        return w.VBox([w.HBox([play, slider]), w.HBox([self._image])])  # in a row, the picture keeps its size


class LatentExplorer:
    r"""Move through G's latent space with sliders: :math:`z = z_0 + \sum_i \alpha_i d_i`.

    ``z0`` is a starting code (default: a seeded draw); the directions :math:`d_i` are random
    orthonormal vectors, scaled to length :math:`\sqrt{z_{dim}}/2` so that :math:`\alpha = \pm 2` moves
    as far as a typical code's length. ``update(alphas)`` draws G's image of the new code into
    ``figure`` and returns the code; ``save(path)`` writes the current image as a PNG (your favourite digit).
    """

    def __init__(self, G, z0=None, n_directions=4, seed=0):
        z_dim = latent_dim(G)
        if check_int("n_directions", n_directions) > z_dim:
            raise ValueError(f"n_directions must be an int in 1..{z_dim}, got {n_directions!r}")
        g = torch.Generator().manual_seed(seed)
        self.G = G
        if z0 is None:
            self.z0 = torch.randn(z_dim, generator=g)  # (z_dim,)
        else:
            self.z0 = torch.as_tensor(z0, dtype=torch.float32).reshape(-1)
        if self.z0.shape != (z_dim,):
            raise ValueError(f"z0 must have {z_dim} entries (G's noise dimension), got {tuple(self.z0.shape)}")
        q, _ = torch.linalg.qr(torch.randn(z_dim, n_directions, generator=g))  # (z_dim, n_directions), orthonormal
        self.directions = q.T * (z_dim**0.5 / 2)  # (n_directions, z_dim)
        self.figure = Figure(figsize=(3, 3.2), layout="constrained")
        self._image = None
        self.update([0.0] * n_directions)

    def code(self, alphas):
        """The latent code :math:`z_0 + \\sum_i \\alpha_i d_i` for slider values ``alphas``."""
        a = torch.as_tensor(alphas, dtype=torch.float32).reshape(-1)
        if a.shape != (len(self.directions),) or not torch.isfinite(a).all():
            raise ValueError(f"alphas must be {len(self.directions)} finite numbers, got {alphas!r}")
        return self.z0 + a @ self.directions

    def update(self, alphas):
        """Draw G's image at the code of ``alphas``; returns the code (z_dim,)."""
        self.alphas = list(map(float, alphas))
        self.z = self.code(alphas)
        self.image = decode_latents(self.G, self.z[None])[0]
        self.figure.clear()
        title = "α = " + ", ".join(f"{a:+.1f}" for a in self.alphas)
        plot_image_grid(self.image[None], self.figure.subplots(), title=title)
        if self._image is not None:
            self._image.value = _figure_png(self.figure)
        return self.z

    def save(self, path, scale=16):
        """Save the current image as a PNG (``scale`` x enlarged); returns the path."""
        return save_image(self.image, path, scale=scale)

    def widget(self, save_to="favourite_digit.png"):
        """One slider per direction, the image, and a button that saves it to ``save_to``."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        sliders = [w.FloatSlider(value=a, min=-3, max=3, step=0.1, description=_("direction {i}").format(i=i + 1),
                                 continuous_update=True) for i, a in enumerate(self.alphas)]  # fmt: skip
        self._image = w.Image(value=_figure_png(self.figure), format="png")
        button, status = w.Button(description=_("save this digit")), w.HTML()

        def changed(_change):
            self.update([s.value for s in sliders])

        def clicked(_click):
            status.value = _("saved to <code>{path}</code>").format(path=self.save(save_to))

        for s in sliders:
            s.observe(changed, names="value")
        button.on_click(clicked)
        return w.HBox([w.VBox([*sliders, w.HBox([button, status])]), self._image])
