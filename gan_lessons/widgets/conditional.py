r"""An AI-art studio for a conditional GAN (lesson 6): ask for a class or a blend of two, move style sliders.

:class:`ArtStudio` draws one image of G at

.. math:: x = G\big(z_0 + \textstyle\sum_i \alpha_i d_i,\ (1 - t)\, e_a + t\, e_b\big),

a code :math:`z_0` moved along style directions :math:`d_i` (found from G's samples,
:func:`gan_lessons.metrics.find_style_direction`: slant, thickness) and the blend of classes :math:`a` and
:math:`b`. Favourites go to a gallery, exported as one PNG; the blend from :math:`a` to :math:`b` and back is
exported as an animated GIF. Every button calls a plain method (``update``, ``keep``, ``save_gallery``,
``save_gif``) that tests call directly.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from .._validate import check_int, check_number
from ..i18n import N_, _, figure_text
from ..metrics.conditional import find_style_direction
from ..models import latent_dim, n_classes
from ..plotting.conditional import blend_images, save_class_morph_gif
from ..plotting.dcgan import plot_image_grid, save_image
from ._common import _figure_png

__all__ = ["ArtStudio"]

#: how the style sliders read to a learner (the names stay English: ``update(slant=1.5)`` uses them)
_STYLE_NAMES = {"slant": N_("slant"), "thickness": N_("thickness")}


class ArtStudio:
    """Draw with a conditional G: a class or a blend of two, style sliders, a gallery, PNG and GIF export.

    Parameters
    ----------
    G : nn.Module
        A conditional generator (:class:`~gan_lessons.models.ConditionalDCGANGenerator`), e.g.
        ``runs.generator_from_checkpoint(path)``.
    class_names : list of str, optional
        Names of G's classes (default: ``G.class_names`` from a checkpoint, else "0", "1", ...).
    styles : sequence of str
        Style directions to find from G's samples (:data:`gan_lessons.metrics.STYLES`).
    n_free : int
        Extra sliders along random unit directions: styles nobody has named.
    seed : int
        Seed of the starting code :math:`z_0` (``update(seed=...)`` draws another).
    """

    def __init__(self, G, class_names=None, styles=("slant", "thickness"), n_free=2, seed=0):
        self.k = n_classes(G)
        if self.k is None:
            raise ValueError("G is unconditional: the studio needs a conditional G (trained with conditional=True)")
        self.G, z_dim = G, latent_dim(G)
        names = class_names or getattr(G, "class_names", None) or [str(c) for c in range(self.k)]
        if len(names) != self.k:
            raise ValueError(f"class_names must name the {self.k} classes, got {len(names)}")
        self.class_names = list(names)
        self.directions = {s: find_style_direction(G, s, n=1000)[0] for s in styles}  # name -> unit (z_dim,)
        free = torch.randn(z_dim, check_int("n_free", n_free, minimum=0), generator=torch.Generator().manual_seed(1))
        for i, d in enumerate(free.T):
            self.directions[f"free {i + 1}"] = d / d.norm()
        self.a, self.b, self.t, self.seed = 0, 0, 0.0, seed
        self.alphas = dict.fromkeys(self.directions, 0.0)
        self.gallery, self.captions = [], []
        self.figure = Figure(figsize=(2.6, 2.9), layout="constrained")
        self._image = self._gallery_image = None
        self.update(seed=seed)

    def code(self):
        r"""The current code :math:`z_0 + \sum_i \alpha_i d_i`, (z_dim,)."""
        return self.z0 + sum(a * self.directions[name] for name, a in self.alphas.items())

    def caption(self):
        """What the current image is: its class (or blend) and its style."""
        a, b = self.class_names[self.a], self.class_names[self.b]
        what = f"{1 - self.t:.2f} {a} + {self.t:.2f} {b}"
        if self.t in (0, 1) or self.a == self.b:
            what = b if self.t == 1 else a
        style = ", ".join(f"{self._style_label(n, figure_text)} {v:+.1f}" for n, v in self.alphas.items() if v)
        return f"{what} (z #{self.seed}{', ' + style if style else ''})"

    def _style_label(self, name, translate):
        """How style slider ``name`` reads: ``translate`` (figure text or widget text) of its display name."""
        if name in _STYLE_NAMES:
            return translate(_STYLE_NAMES[name])
        if name.startswith("free ") and name[5:].isdigit():  # the unnamed directions, "free 1", "free 2", ...
            return translate(N_("free {i}")).format(i=name[5:])
        return name

    def update(self, a=None, b=None, t=None, seed=None, **alphas):
        """Change any of class ``a``, class ``b``, blend ``t`` (0: all a, 1: all b), code ``seed``, style sliders.

        Style sliders are given by name, e.g. ``update(slant=1.5)``. Returns the image (C, H, W) in [-1, 1].
        """
        if a is not None:
            self.a = check_int("a", a, minimum=0, maximum=self.k - 1)
        if b is not None:
            self.b = check_int("b", b, minimum=0, maximum=self.k - 1)
        if t is not None:
            self.t = float(check_number("t", t, 0.0, 1.0))
        if seed is not None:
            self.seed = check_int("seed", seed, minimum=0)
            self.z0 = torch.randn(latent_dim(self.G), generator=torch.Generator().manual_seed(self.seed))
        for name, value in alphas.items():
            if name not in self.alphas:
                raise ValueError(f"unknown style slider {name!r}: expected one of {', '.join(self.alphas)}")
            self.alphas[name] = float(check_number(name, value, -5.0, 5.0))
        self.image = blend_images(self.G, self.code(), self.a, self.b, self.t)[0]  # (C, H, W)
        self.figure.clear()
        plot_image_grid(self.image[None], self.figure.subplots(), title=self.caption())
        if self._image is not None:
            self._image.value = _figure_png(self.figure)
        return self.image

    def keep(self):
        """Add the current image to the gallery; returns the gallery's size."""
        self.gallery.append(self.image.copy())
        self.captions.append(self.caption())
        if self._gallery_image is not None:
            self._gallery_image.value = _figure_png(self.gallery_figure())
        return len(self.gallery)

    def gallery_figure(self):
        """The gallery as a figure, one tile per favourite."""
        fig = Figure(figsize=(min(8, max(len(self.gallery), 1)) * 0.9 + 0.4, 1.3), layout="constrained")
        if self.gallery:
            plot_image_grid(
                np.stack(self.gallery),
                fig.subplots(),
                nrow=8,
                title=figure_text("gallery ({n})").format(n=len(self.gallery)),
            )
        return fig

    def save_gallery(self, path, scale=8):
        """Save the gallery as one PNG (8 to a row); returns the path. An empty gallery is a ValueError."""
        if not self.gallery:
            raise ValueError("the gallery is empty: keep an image first (the 'keep' button, or keep())")
        return save_image(np.stack(self.gallery), path, nrow=min(8, len(self.gallery)), scale=scale)

    def save_gif(self, path, frames_per_leg=12, scale=8):
        """Save the current code blending from class a to class b and back as an animated GIF; returns the path."""
        b = self.b if self.b != self.a else (self.a + 1) % self.k  # one class: blend to the next one
        return save_class_morph_gif(self.G, self.code(), [self.a, b], path, frames_per_leg, scale)

    def widget(self, gallery_png="studio_gallery.png", gif="studio_morph.gif"):
        """Class pickers, blend and style sliders, a new-z button; keep and export buttons; image and gallery."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        options = [(n, c) for c, n in enumerate(self.class_names)]
        pick_a = w.Dropdown(options=options, value=self.a, description=_("class a"))
        pick_b = w.Dropdown(options=options, value=self.b, description=_("blend with"))
        blend = w.FloatSlider(value=self.t, min=0, max=1, step=0.05, description=_("blend t"))
        sliders = {
            n: w.FloatSlider(value=v, min=-4, max=4, step=0.25, description=self._style_label(n, _))
            for n, v in self.alphas.items()
        }
        seed = w.IntText(value=self.seed, description="z #", layout=w.Layout(width="160px"))
        buttons = [w.Button(description=d) for d in (_("new z"), _("keep"), _("export gallery PNG"), _("export GIF"))]
        status = w.HTML()
        self._image = w.Image(value=_figure_png(self.figure), format="png")
        self._gallery_image = w.Image(value=_figure_png(self.gallery_figure()), format="png")

        def changed(_change):
            styles = {n: s.value for n, s in sliders.items()}
            self.update(a=pick_a.value, b=pick_b.value, t=blend.value, seed=max(0, int(seed.value)), **styles)

        def act(button):
            try:
                if button is buttons[0]:
                    seed.value = self.seed + 1  # redraws through `changed`
                elif button is buttons[1]:
                    status.value = _("kept #{n}: {caption}").format(n=self.keep(), caption=self.caption())
                elif button is buttons[2]:
                    status.value = _("saved <code>{path}</code>").format(path=self.save_gallery(gallery_png))
                else:
                    status.value = _("saved <code>{path}</code>").format(path=self.save_gif(gif))
            except (ValueError, OSError) as e:
                status.value = f"<b>{e}</b>"

        for control in (pick_a, pick_b, blend, seed, *sliders.values()):
            control.observe(changed, names="value")
        for b in buttons:
            b.on_click(act)
        controls = w.VBox([pick_a, pick_b, blend, *sliders.values(), w.HBox([seed, buttons[0]])])
        gallery = w.HBox([self._gallery_image])  # in a row, the picture keeps its size instead of filling the width
        return w.VBox([w.HBox([controls, self._image]), w.HBox(buttons[1:]), status, gallery])
