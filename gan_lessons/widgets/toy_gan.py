r"""Controls for a 1-D toy GAN (lesson 2): train it, play the game by hand, replay a run.

The dashboard plays Algorithm 1 of Goodfellow et al. (2014) on a 1-D target: D steps ascend and
G steps descend the value

.. math:: V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))],

and every moment of the game is measured on fixed evaluation data as a
:class:`gan_lessons.metrics.ToySnapshot` (densities, :math:`D` beside :math:`D^*`, losses, KS, JSD)
and drawn by :func:`gan_lessons.plotting.plot_toy_dashboard`.
"""

from __future__ import annotations

import time
from dataclasses import replace

import torch

from .. import runs, training
from .._validate import check_int
from ..games import GAN
from ..i18n import _, figure_text
from ..metrics.toy import toy_snapshot
from ..models import sample_noise
from ..plotting._common import _display_name
from ..plotting.toy_gan import plot_toy_dashboard
from ..recipes import ToyConfig, toy_config
from ._common import _figure_png

__all__ = ["ToyGANDashboard"]


class ToyGANDashboard:
    r"""A live dashboard for a 1-D GAN (lesson 2): train, step the game by hand, replay a run.

    All its actions are plain methods, so a notebook (or a test) drives it without a browser;
    :meth:`widget` only wires ipywidgets controls to them.

    * :meth:`train` runs the recipe through :func:`gan_lessons.runs.train_run` (so it picks up the
      course's default recipe) with a callback that records a :class:`~gan_lessons.metrics.ToySnapshot`
      every ``every`` steps and, when live, redraws.
    * :meth:`d_step` / :meth:`g_step` make ``n`` discriminator / generator updates by hand
      (:func:`gan_lessons.training.d_step`, :func:`~gan_lessons.training.g_step`, Algorithm 1 of
      Goodfellow et al. 2014): a D step changes only D, a G step only G.
    * :meth:`replay` draws any recorded snapshot; :meth:`update` draws the latest.

    Parameters
    ----------
    cfg : ToyConfig, optional
        A 1-D recipe (``data`` "gaussian" or "mixture"); default ``toy_config("gaussian")``.
    every : int
        Record a snapshot every ``every`` generator steps while training.
    n_eval : int
        Evaluation samples (real and fake) per snapshot.
    live : bool
        Redraw the widget while training (at most every ``min_interval`` seconds, and leaving at least
        three quarters of the time to training).
    """

    def __init__(self, cfg=None, *, every=50, n_eval=4000, live=True, min_interval=1.0):
        cfg = toy_config("gaussian") if cfg is None else cfg
        if not isinstance(cfg, ToyConfig):
            raise TypeError(f"cfg must be a ToyConfig, got {type(cfg).__name__}")
        self.every, self.n_eval = check_int("every", every), check_int("n_eval", n_eval)
        self.live, self.min_interval = bool(live), float(min_interval)
        self.fig, self._png = None, None
        self._ui = None
        self._last_draw, self._draw_seconds = 0.0, 0.0
        self._hand = None  # (run, opt_g, opt_d) for steps by hand
        self.reset(cfg)

    # ------------------------------------------------------------------ state
    def reset(self, cfg=None, **overrides):
        """A fresh game: the run ``runs.start_run(cfg)`` starts (seeded, G and D built). Returns the first snapshot."""
        cfg = replace(self.cfg if cfg is None else cfg, **overrides)
        if cfg.data not in ("gaussian", "mixture"):
            raise ValueError(f"cfg.data must be a 1-D target, 'gaussian' or 'mixture'; got {cfg.data!r}")
        if cfg.loss not in ("nonsaturating", "saturating"):  # the dashboard draws D(x) and the GAN's losses
            raise ValueError(f"cfg.loss must be the GAN's, 'nonsaturating' or 'saturating'; got {cfg.loss!r}")
        self.cfg = cfg
        self.run = runs.start_run(cfg)  #: the :class:`~gan_lessons.runs.Run` being played: G, D, rng, history
        self.g_steps, self.d_steps = 0, 0
        mean, std = float(self.target.mean[0]), float(self.target.std[0])
        ev = torch.Generator().manual_seed(1234)  # fixed evaluation data: curves move only when G or D do
        self._grid = torch.linspace(mean - 5 * std, mean + 5 * std, 401).double().numpy()
        self._z_eval = torch.randn(self.n_eval, cfg.z_dim, generator=ev)
        self._x_eval = self.target.sample(self.n_eval, ev)
        self._z_grid = torch.zeros(201, cfg.z_dim)
        self._z_grid[:, 0] = torch.linspace(-3, 3, 201)  # the mapping along the first noise coordinate
        self.snapshots = []
        return self.record(figure_text("initial"))

    def record(self, label="", G=None, D=None):
        """Measure the current (or given) G and D, append a :class:`ToySnapshot`, redraw if live; return it.

        ``label`` heads the dashboard's title (figure text: the dashboard's own labels are translated).
        """
        s = toy_snapshot(
            self.G if G is None else G,
            self.D if D is None else D,
            self.target,
            self._grid,
            self._z_eval,
            self._x_eval,
            self._z_grid,
            step=self.g_steps,
            d_steps=self.d_steps,
            label=label,
            g_loss=self.cfg.loss,
        )
        self.snapshots.append(s)
        self._sync_replay()
        return s

    @property
    def G(self):
        return self.run.G

    @property
    def D(self):
        return self.run.D

    @property
    def target(self):
        return self.run.target

    @property
    def history(self):
        return self.run.history

    @property
    def latest(self):
        """The last recorded snapshot."""
        return self.snapshots[-1]

    # ------------------------------------------------------------------ actions
    def train(self, steps=None, *, cfg=None, callbacks=(), **overrides):
        """A fresh run of the recipe (``cfg``, default the dashboard's, with ``overrides``), trained to its end.

        :meth:`reset` starts it, :func:`gan_lessons.runs.train_run` trains it. Records a snapshot every
        ``every`` steps (and at the end), redrawing when live. Returns the :class:`gan_lessons.runs.Run`;
        :meth:`d_step` / :meth:`g_step` then continue from the trained game.
        """
        if steps is not None:
            overrides["steps"] = steps
        self.reset(cfg, **overrides)
        k = self.cfg.k

        def on_step(info):
            if info.step % self.every == 0 or info.step == info.total:
                self.g_steps, self.d_steps = info.step, info.step * k
                self.record(figure_text("training"), info.G, info.D)
                wait = max(self.min_interval, 3 * self._draw_seconds)  # drawing takes at most ~1/4 of the time
                if self.live and self._ui is not None and time.perf_counter() - self._last_draw >= wait:
                    self.update()

        r = runs.train_run(self.run, callbacks=[on_step, *callbacks])
        self.g_steps, self.d_steps = r.step, r.step * k
        if self.latest.step != r.step:  # stopped early by a callback: record where it stopped
            self.record(figure_text("stopped"))
        if self._ui is not None:
            self.update()
        return r

    def _hand_optimisers(self):
        # Steps by hand use fresh Adam optimisers at the recipe's learning rates: after a run whose
        # recipe decays the learning rate, the run's own optimisers would barely move.
        if self._hand is None or self._hand[0] is not self.run:
            self._hand = (self.run, *runs.optimisers(self.cfg, self.G, self.D))
        return self._hand[1], self._hand[2]

    def d_step(self, n=1):
        """``n`` discriminator updates on fresh real and fake batches (G held fixed); record a snapshot.

        The plain update of Algorithm 1 (the recipe's extras, such as an R1 penalty, are left out, so that
        many steps bring D close to lesson 1's optimal D*). Returns the last batch's discriminator loss.
        """
        check_int("n", n)
        _, opt_d = self._hand_optimisers()
        for _ in range(n):
            real = self.target.sample(self.cfg.batch_size, self.run.rng)  # (batch_size, 1)
            z = sample_noise(self.G, self.cfg.batch_size, self.run.rng)  # (batch_size, z_dim)
            loss = training.d_step(self.G, self.D, opt_d, real=real, z=z)[0]
            self.d_steps += 1
        # Translators: figure text, so no ngettext (Chinese needs one form); the English has two.
        self.record((figure_text("{n} D step by hand") if n == 1 else figure_text("{n} D steps by hand")).format(n=n))
        self.update_if_shown()
        return loss

    def g_step(self, n=1):
        """``n`` generator updates through the fixed D (the recipe's generator loss); record a snapshot.

        Returns the last batch's generator loss.
        """
        check_int("n", n)
        opt_g, _ = self._hand_optimisers()
        for _ in range(n):
            z = sample_noise(self.G, self.cfg.batch_size, self.run.rng)  # (batch_size, z_dim)
            loss = training.g_step(self.G, self.D, opt_g, z=z, game=GAN(g_loss=self.cfg.loss))
            self.g_steps += 1
        # Translators: figure text, so no ngettext (Chinese needs one form); the English has two.
        self.record((figure_text("{n} G step by hand") if n == 1 else figure_text("{n} G steps by hand")).format(n=n))
        self.update_if_shown()
        return loss

    # ------------------------------------------------------------------ pictures
    def update(self, index=-1):
        """Draw snapshot ``index`` (default: the latest) into the dashboard's figure and return the figure."""
        t0 = time.perf_counter()
        self.fig = plot_toy_dashboard(self.snapshots, index, fig=self.fig)
        self._png = None
        if self._ui is not None:
            self._ui["image"].value = self._render_png(index)
        self._last_draw = time.perf_counter()
        self._draw_seconds = self._last_draw - t0
        return self.fig

    def _render_png(self, index):
        self._png = (self.snapshots[index], _figure_png(self.fig, dpi=80))
        return self._png[1]

    def show(self, index=-1):
        """The dashboard at snapshot ``index`` as a PNG image for a cell's output (the widget's picture, reused)."""
        from IPython.display import Image  # a notebook's library: imported only when shown

        if self._png is None or self._png[0] is not self.snapshots[index]:
            self.update(index)
            if self._png is None:
                self._render_png(index)
        return Image(data=self._png[1])

    def update_if_shown(self):
        """Redraw the widget, if it is shown (steps by hand call it)."""
        if self._ui is not None:
            self.update()

    def replay(self, index):
        """Show recorded snapshot ``index`` (0 = initial, -1 = latest) of the run; return that snapshot."""
        self.update(index)
        return self.snapshots[index]

    def save(self, path, index=-1, dpi=100):
        """Save the dashboard at snapshot ``index`` as an image file."""
        self.update(index).savefig(path, dpi=dpi)
        return path

    # ------------------------------------------------------------------ controls
    def config_from_controls(self):
        """The recipe the controls describe (the dashboard's cfg with the sliders' values)."""
        if self._ui is None:
            return self.cfg
        c = self._ui["controls"]
        return replace(
            self.cfg,
            lr_g=float(c["lr_g"].value),
            lr_d=float(c["lr_d"].value),
            k=int(c["k"].value),
            batch_size=int(c["batch_size"].value),
            loss=c["g_loss"].value,
            steps=int(c["steps"].value),
        )

    def _sync_replay(self):
        if self._ui is not None:
            slider = self._ui["replay"]
            self._ui["syncing"] = True
            slider.max = max(0, len(self.snapshots) - 1)
            slider.value = slider.max
            self._ui["syncing"] = False

    def widget(self):
        """The ipywidgets dashboard: controls, Train / New game / D step / G step buttons, a replay slider."""
        import ipywidgets as w  # a notebook's library: imported only when a widget is built

        controls = _recipe_controls(w, self.cfg)
        buttons = {
            name: w.Button(description=text, layout=w.Layout(width="130px"))
            for name, text in (
                ("train", _("Train (new run)")),
                ("reset", _("New game")),
                ("d", _("D step ×n")),
                ("g", _("G step ×n")),
            )
        }
        buttons["train"].button_style = "primary"
        n_hand = w.BoundedIntText(
            value=1, min=1, max=1000, description=_("n per click"), layout=w.Layout(width="180px")
        )
        replay = w.IntSlider(
            value=0, min=0, max=0, description=_("replay"), continuous_update=False, layout=w.Layout(width="600px")
        )
        image = w.Image(format="png")
        self._ui = {
            "controls": controls,
            "buttons": buttons,
            "n": n_hand,
            "replay": replay,
            "image": image,
            "syncing": False,
        }
        guarded = _with_buttons_disabled
        buttons["train"].on_click(guarded(buttons, lambda: self.train(cfg=self.config_from_controls())))
        buttons["reset"].on_click(guarded(buttons, lambda: (self.reset(self.config_from_controls()), self.update())))
        buttons["d"].on_click(guarded(buttons, lambda: self.d_step(int(n_hand.value))))
        buttons["g"].on_click(guarded(buttons, lambda: self.g_step(int(n_hand.value))))
        replay.observe(lambda ch: None if self._ui["syncing"] else self.replay(int(ch["new"])), names="value")
        self._sync_replay()
        self.update()
        hand = w.HBox([buttons["d"], buttons["g"], n_hand])
        return w.VBox([*controls.values(), w.HBox([buttons["train"], buttons["reset"]]), hand, replay, image])


def _recipe_controls(w, cfg):
    """Sliders and choices for the recipe's settings, starting at ``cfg``'s (``w`` is the ipywidgets module).

    :meth:`ToyGANDashboard.config_from_controls` reads them back into a recipe.
    """
    style, lay = {"description_width": "110px"}, w.Layout(width="330px")
    return {
        "lr_g": w.FloatLogSlider(
            value=cfg.lr_g,
            base=10,
            min=-5,
            max=-1,
            description=_("lr of G"),
            style=style,
            layout=lay,
            readout_format=".1e",
        ),
        "lr_d": w.FloatLogSlider(
            value=cfg.lr_d,
            base=10,
            min=-5,
            max=-1,
            description=_("lr of D"),
            style=style,
            layout=lay,
            readout_format=".1e",
        ),
        "k": w.IntSlider(value=cfg.k, min=1, max=10, description=_("k (D steps/G step)"), style=style, layout=lay),
        "batch_size": w.Dropdown(
            options=sorted({16, 32, 64, 128, 256, 512, cfg.batch_size}),
            value=cfg.batch_size,
            description=_("batch size"),
            style=style,
            layout=lay,
        ),
        "g_loss": w.ToggleButtons(
            options=[(_display_name(loss, _), loss) for loss in ("nonsaturating", "saturating")],
            value=cfg.loss,
            description=_("G loss"),
            style=style,
        ),
        "steps": w.IntSlider(
            value=cfg.steps,
            min=50,
            max=max(6000, cfg.steps),
            step=50,
            description=_("steps"),
            style=style,
            layout=lay,
        ),
    }


def _with_buttons_disabled(buttons, fn):
    """A click handler that runs ``fn`` with all ``buttons`` disabled, so a long run cannot be started twice."""

    def handler(_click):
        for b in buttons.values():
            b.disabled = True
        try:
            fn()
        finally:
            for b in buttons.values():
                b.disabled = False

    return handler
