"""Interactive controls for the lessons (ipywidgets + matplotlib).

Each widget is a thin layer: its callbacks call package functions (in :mod:`gan_lessons.theory`,
:mod:`gan_lessons.training`, :mod:`gan_lessons.plotting`, ...) that the tests exercise directly,
and every builder returns the widget *and* exposes its update function, so a notebook runs top to
bottom headless with no interaction. ipywidgets is imported lazily, inside the builders.
"""

from __future__ import annotations

__all__: list[str] = []


def _figure_png(fig, dpi=90):
    """A matplotlib figure as PNG bytes: what every widget shows in its image."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------- lesson 1: the value function

__all__ += ["value_explorer_state", "ValueExplorer", "EXPLORER_TARGETS"]

EXPLORER_TARGETS = ("gaussian", "mixture")  #: the target shapes the lesson-1 explorer offers


def _explorer_target(target):
    from .data import GaussianMixture, toy_target

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
    import numpy as np

    from .data import gaussian
    from .theory import LOG4, generator_criterion, js_divergence, optimal_discriminator

    tgt = _explorer_target(target)
    p_g_dist = gaussian(mean, std)  # validates mean and std (ValueError / TypeError naming them)
    t_lo = float((tgt.centers[:, 0] - 8 * tgt.sigmas).min())
    t_hi = float((tgt.centers[:, 0] + 8 * tgt.sigmas).max())
    if grid is None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 3:
            raise ValueError(f"n must be an int >= 3, got {n!r}")
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
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(9, 4.2), layout="constrained")
        self._ui = None
        self.state = None
        self._target = target
        self.update(target, mean, std)

    def update(self, target=None, mean=None, std=None):
        """Recompute and redraw for new settings (``None`` keeps the current one); returns the state dict."""
        from .plotting import plot_value_explorer

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
        return (
            f"<b>V(D*, G)</b> = {s['value']:.4f} &nbsp; <b>JSD</b> = {s['jsd']:.4f} nats &nbsp; "
            f"<b>−log 4 + 2·JSD</b> = {s['thm1']:.4f} &nbsp; (minimum −log 4 = −1.3863 only when p<sub>g</sub> = "
            f"p<sub>data</sub>)"
        )

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
        import ipywidgets as w

        style = {"description_width": "90px"}
        controls = {
            "target": w.ToggleButtons(
                options=list(EXPLORER_TARGETS),
                description="p_data",
                style=style,
                value=self._target if isinstance(self._target, str) else "mixture",
            ),
            "mean": w.FloatSlider(
                value=self.state["mean"],
                min=-6,
                max=10,
                step=0.05,
                description="mean of p_g",
                style=style,
                layout=w.Layout(width="420px"),
                continuous_update=True,
            ),
            "std": w.FloatSlider(
                value=self.state["std"],
                min=0.2,
                max=4,
                step=0.05,
                description="std of p_g",
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

        def changed(_):
            if not self._ui["syncing"]:
                self.update(controls["target"].value, float(controls["mean"].value), float(controls["std"].value))

        for c in controls.values():
            c.observe(changed, names="value")
        return w.VBox([*controls.values(), self._ui["readout"], self._ui["image"]])


# ---------------------------------------------------------------- lesson 2: a 1-D toy GAN

from dataclasses import dataclass, replace  # noqa: E402  (this section's imports)

__all__ += ["kde_1d", "ToySnapshot", "toy_snapshot", "ToyGANDashboard"]


def kde_1d(samples, grid, bandwidth=None):
    r"""Gaussian kernel density estimate of 1-D samples on a grid: our estimate of :math:`p_g`.

    .. math:: \hat p(x) = \frac{1}{n h} \sum_{i=1}^n \varphi\!\left(\frac{x - x_i}{h}\right),
              \qquad h = 0.9 \min\!\left(\hat\sigma, \frac{IQR}{1.34}\right) n^{-1/5}

    (Silverman's rule of thumb, unless ``bandwidth`` is given).

    Parameters
    ----------
    samples : array or tensor, shape (n,) or (n, 1)
    grid : array, shape (m,)
    bandwidth : float, optional

    Returns
    -------
    numpy array, shape (m,)
    """
    import numpy as np
    import torch

    x = samples.detach().cpu().double().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples, float)
    x = x.reshape(len(x), -1)
    if x.shape[1] != 1 or len(x) < 2:
        raise ValueError(f"samples must be 1-D with at least 2 values, got shape {np.shape(samples)}")
    x = x[:, 0]
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contains NaN or infinite values")
    g = np.asarray(grid, dtype=np.float64)
    if bandwidth is None:
        q75, q25 = np.percentile(x, [75, 25])
        spread = min(x.std(), (q75 - q25) / 1.34) or x.std() or 1e-3
        bandwidth = 0.9 * spread * len(x) ** -0.2
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    u = (g[:, None] - x[None, :]) / bandwidth  # (m, n)
    return np.exp(-0.5 * u**2).sum(1) / (len(x) * bandwidth * np.sqrt(2 * np.pi))


@dataclass
class ToySnapshot:
    """Everything the lesson-2 dashboard draws for one moment of a 1-D GAN's training."""

    step: int  #: generator steps so far
    d_steps: int  #: discriminator steps so far
    label: str  #: e.g. "training", "D step", "G step"
    grid: object  #: x axis (numpy, (m,))
    p_data: object  #: target density on the grid
    p_g: object  #: KDE of the generator's samples on the grid
    d: object  #: D(x) on the grid
    d_star: object  #: optimal D* = p_data / (p_data + p_g) for the current p_g
    samples: object  #: the generated evaluation samples (numpy, (n,))
    z: object  #: a grid of noise values
    gz: object  #: G on that grid
    loss_d: float  #: discriminator loss on the evaluation batch
    loss_g: float  #: generator loss on the evaluation batch
    d_real: float  #: mean D(x) over the real evaluation batch
    d_fake: float  #: mean D(G(z)) over the fake evaluation batch
    ks: float  #: KS distance of the samples to the target
    jsd: float  #: JSD(p_data || KDE of p_g) on the grid, nats
    g_loss: str = "nonsaturating"
    target_mean: float | None = None  #: for the perfect-mapping lines (single Gaussian targets)
    target_std: float | None = None


def toy_snapshot(G, D, target, grid, z_eval, x_eval, z_grid, *, step=0, d_steps=0, label="", g_loss="nonsaturating"):
    r"""Measure a 1-D GAN on fixed evaluation data: densities, :math:`D`, :math:`D^*`, losses, KS and JSD.

    :math:`p_g` is estimated by :func:`kde_1d` of ``G(z_eval)``; :math:`D^*` is lesson 1's
    :func:`gan_lessons.theory.optimal_discriminator` of the exact :math:`p_{data}` and that estimate.
    Nothing is trained (no gradients, no state changed).
    """
    import numpy as np
    import torch

    from .losses import discriminator_loss, generator_loss
    from .metrics import ks_distance
    from .theory import js_divergence, optimal_discriminator

    grid = np.asarray(grid, dtype=np.float64)
    with torch.no_grad():
        fake = G(z_eval)
        real_logits, fake_logits = D(x_eval), D(fake)
        d = torch.sigmoid(D(torch.as_tensor(grid, dtype=torch.float32)[:, None])).double().numpy()
        gz = G(z_grid).double().numpy().ravel()
        loss_d = discriminator_loss(real_logits, fake_logits).item()
        loss_g = generator_loss(fake_logits, g_loss).item()
    samples = fake.double().numpy().ravel()
    p_data = target.density(grid)
    p_g = kde_1d(samples, grid)
    single = len(target.weights) == 1
    return ToySnapshot(
        step=int(step),
        d_steps=int(d_steps),
        label=label,
        grid=grid,
        p_data=p_data,
        p_g=p_g,
        d=d,
        d_star=optimal_discriminator(p_data, p_g),
        samples=samples,
        z=z_grid.double().numpy().ravel(),
        gz=gz,
        loss_d=loss_d,
        loss_g=loss_g,
        d_real=torch.sigmoid(real_logits).mean().item(),
        d_fake=torch.sigmoid(fake_logits).mean().item(),
        ks=ks_distance(samples, target),
        jsd=float(js_divergence(p_data, p_g, grid[1] - grid[0])),
        g_loss=g_loss,
        target_mean=float(target.centers[0, 0]) if single else None,
        target_std=float(target.sigmas[0]) if single else None,
    )


class ToyGANDashboard:
    r"""A live dashboard for a 1-D GAN (lesson 2): train, step the game by hand, replay a run.

    All its actions are plain methods, so a notebook (or a test) drives it without a browser;
    :meth:`widget` only wires ipywidgets controls to them.

    * :meth:`train` runs the recipe through :func:`gan_lessons.recipes.run` (so it picks up the
      course's default recipe) with a callback that records a :class:`ToySnapshot` every ``every``
      steps and, when live, redraws.
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
        from .config import ToyConfig, toy_config

        cfg = toy_config("gaussian") if cfg is None else cfg
        if not isinstance(cfg, ToyConfig):
            raise TypeError(f"cfg must be a ToyConfig, got {type(cfg).__name__}")
        for name, v in (("every", every), ("n_eval", n_eval)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        self.every, self.n_eval, self.live, self.min_interval = every, n_eval, bool(live), float(min_interval)
        self.fig, self._png = None, None
        self._ui = None
        self._last_draw, self._draw_seconds = 0.0, 0.0
        self.run = None
        self.reset(cfg)

    # ------------------------------------------------------------------ state
    def reset(self, cfg=None, **overrides):
        """A fresh game: new G and D exactly as ``recipes.run(cfg)`` would start them. Returns the first snapshot."""
        import copy

        import torch

        from .recipes import build_toy
        from .training import History, seed_everything

        cfg = replace(self.cfg if cfg is None else cfg, **overrides)
        if cfg.data not in ("gaussian", "mixture"):
            raise ValueError(f"cfg.data must be a 1-D target, 'gaussian' or 'mixture'; got {cfg.data!r}")
        self.cfg = cfg
        self.generator = seed_everything(cfg.seed)
        self.target, self.G, self.D, self.opt_g, self.opt_d = build_toy(cfg)
        self.G_init = copy.deepcopy(self.G)
        self.history, self.run, self.g_steps, self.d_steps = History(), None, 0, 0
        mean, std = float(self.target.mean[0]), float(self.target.std[0])
        ev = torch.Generator().manual_seed(1234)  # fixed evaluation data: curves move only when G or D do
        self._grid = torch.linspace(mean - 5 * std, mean + 5 * std, 401).double().numpy()
        self._z_eval = torch.randn(self.n_eval, cfg.z_dim, generator=ev)
        self._x_eval = self.target.sample(self.n_eval, ev)
        self._z_grid = torch.zeros(201, cfg.z_dim)
        self._z_grid[:, 0] = torch.linspace(-3, 3, 201)  # the mapping along the first noise coordinate
        self.snapshots = []
        return self.record("initial")

    def record(self, label="", G=None, D=None):
        """Measure the current (or given) G and D, append a :class:`ToySnapshot`, redraw if live; return it."""
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
            g_loss=self.cfg.g_loss,
        )
        self.snapshots.append(s)
        self._sync_replay()
        return s

    @property
    def latest(self):
        """The last recorded snapshot."""
        return self.snapshots[-1]

    # ------------------------------------------------------------------ actions
    def train(self, steps=None, *, cfg=None, callbacks=(), **overrides):
        """A fresh run of the recipe (``cfg``, default the dashboard's, with ``overrides``) through ``recipes.run``.

        Records a snapshot every ``every`` steps (and at the end), redrawing when live. Returns the
        :class:`gan_lessons.recipes.Run`; the dashboard then holds its G, D and optimisers, so
        :meth:`d_step` / :meth:`g_step` continue from the trained game.
        """
        import time

        from .recipes import run

        if steps is not None:
            overrides["steps"] = steps
        self.reset(cfg, **overrides)
        k = self.cfg.k

        def on_step(info):
            if info.step % self.every == 0 or info.step == info.total:
                self.g_steps, self.d_steps = info.step, info.step * k
                self.record("training", info.G, info.D)
                wait = max(self.min_interval, 3 * self._draw_seconds)  # drawing takes at most ~1/4 of the time
                if self.live and self._ui is not None and time.perf_counter() - self._last_draw >= wait:
                    self.update()

        r = run(self.cfg, callbacks=[on_step, *callbacks])
        self.run, self.G, self.D, self.opt_g, self.opt_d = r, r.G, r.D, r.opt_g, r.opt_d
        self.generator, self.history = r.generator, r.history
        self.g_steps, self.d_steps = r.step, r.step * k
        if self.latest.step != r.step:  # stopped early by a callback: record where it stopped
            self.record("stopped")
        if self._ui is not None:
            self.update()
        return r

    def _hand_optimisers(self):
        # Steps by hand use fresh Adam optimisers at the recipe's learning rates: after a run whose
        # recipe decays the learning rate, the run's own optimisers would barely move.
        import torch

        if getattr(self, "_hand", None) is None or self._hand[0] is not self.G or self._hand[1] is not self.D:
            betas = (self.cfg.beta1, self.cfg.beta2)
            self._hand = (
                self.G,
                self.D,
                torch.optim.Adam(self.G.parameters(), self.cfg.lr_g, betas=betas),
                torch.optim.Adam(self.D.parameters(), self.cfg.lr_d, betas=betas),
            )
        return self._hand[2], self._hand[3]

    def d_step(self, n=1):
        """``n`` discriminator updates on fresh real and fake batches (G held fixed); record a snapshot.

        The plain update of Algorithm 1 (the recipe's extras, such as an R1 penalty, are left out, so that
        many steps bring D close to lesson 1's optimal D*). Returns the last batch's discriminator loss.
        """
        from .training import d_step, sample_noise

        _check_count("n", n)
        _, opt_d = self._hand_optimisers()
        for _ in range(n):
            real = self.target.sample(self.cfg.batch_size, self.generator)
            z = sample_noise(self.G, self.cfg.batch_size, self.generator)
            loss = d_step(self.G, self.D, opt_d, real, z)[0]
            self.d_steps += 1
        self.record(f"{n} D step{'s' if n > 1 else ''} by hand")
        self.update_if_shown()
        return loss

    def g_step(self, n=1):
        """``n`` generator updates through the fixed D (the recipe's generator loss); record a snapshot.

        Returns the last batch's generator loss.
        """
        from .training import g_step, sample_noise

        _check_count("n", n)
        opt_g, _ = self._hand_optimisers()
        for _ in range(n):
            z = sample_noise(self.G, self.cfg.batch_size, self.generator)
            loss = g_step(self.G, self.D, opt_g, z, self.cfg.g_loss)
            self.g_steps += 1
        self.record(f"{n} G step{'s' if n > 1 else ''} by hand")
        self.update_if_shown()
        return loss

    # ------------------------------------------------------------------ pictures
    def update(self, index=-1):
        """Draw snapshot ``index`` (default: the latest) into the dashboard's figure and return the figure."""
        import time

        from .plotting import plot_toy_dashboard

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
        from IPython.display import Image

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
            g_loss=c["g_loss"].value,
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
        import ipywidgets as w

        cfg = self.cfg
        style, lay = {"description_width": "110px"}, w.Layout(width="330px")
        controls = {
            "lr_g": w.FloatLogSlider(
                value=cfg.lr_g,
                base=10,
                min=-5,
                max=-1,
                description="lr of G",
                style=style,
                layout=lay,
                readout_format=".1e",
            ),
            "lr_d": w.FloatLogSlider(
                value=cfg.lr_d,
                base=10,
                min=-5,
                max=-1,
                description="lr of D",
                style=style,
                layout=lay,
                readout_format=".1e",
            ),
            "k": w.IntSlider(value=cfg.k, min=1, max=10, description="k (D steps/G step)", style=style, layout=lay),
            "batch_size": w.Dropdown(
                options=sorted({16, 32, 64, 128, 256, 512, cfg.batch_size}),
                value=cfg.batch_size,
                description="batch size",
                style=style,
                layout=lay,
            ),
            "g_loss": w.ToggleButtons(
                options=["nonsaturating", "saturating"], value=cfg.g_loss, description="G loss", style=style
            ),
            "steps": w.IntSlider(
                value=cfg.steps, min=50, max=max(6000, cfg.steps), step=50, description="steps", style=style, layout=lay
            ),
        }
        buttons = {
            name: w.Button(description=text, layout=w.Layout(width="130px"))
            for name, text in (
                ("train", "Train (new run)"),
                ("reset", "New game"),
                ("d", "D step ×n"),
                ("g", "G step ×n"),
            )
        }
        buttons["train"].button_style = "primary"
        n_hand = w.BoundedIntText(value=1, min=1, max=1000, description="n per click", layout=w.Layout(width="180px"))
        replay = w.IntSlider(
            value=0, min=0, max=0, description="replay", continuous_update=False, layout=w.Layout(width="600px")
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

        def guard(fn):
            def handler(_):
                for b in buttons.values():
                    b.disabled = True
                try:
                    fn()
                finally:
                    for b in buttons.values():
                        b.disabled = False

            return handler

        buttons["train"].on_click(guard(lambda: self.train(cfg=self.config_from_controls())))
        buttons["reset"].on_click(guard(lambda: (self.reset(self.config_from_controls()), self.update())))
        buttons["d"].on_click(guard(lambda: self.d_step(int(n_hand.value))))
        buttons["g"].on_click(guard(lambda: self.g_step(int(n_hand.value))))
        replay.observe(lambda ch: None if self._ui["syncing"] else self.replay(int(ch["new"])), names="value")
        self._sync_replay()
        self.update()
        hand = w.HBox([buttons["d"], buttons["g"], n_hand])
        return w.VBox([*controls.values(), w.HBox([buttons["train"], buttons["reset"]]), hand, replay, image])


def _check_count(name, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be >= 1, got {n}")


# ---------------------------------------------------------------- lesson 3: training dynamics

__all__ += ["PhasePortrait"]


class PhasePortrait:
    r"""Lesson 3's phase portrait: a gradient method on :math:`\min_x \max_y xy`, method and step size as controls.

    ``update(method, lr, steps)`` runs :func:`gan_lessons.dynamics.bilinear_game`, redraws the path
    over the gradient field (:func:`gan_lessons.plotting.plot_phase_portrait`) next to its distance
    to the equilibrium, and returns the path. The widget's controls only call it; headless, call
    ``update`` yourself and look at ``portrait.figure``.
    """

    def __init__(self, method="simultaneous", lr=0.2, steps=60):
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(9.5, 4.2), layout="constrained")
        self._ui = None
        self.method, self.lr, self.steps, self.path = method, lr, steps, None
        self.update(method, lr, steps)

    def update(self, method=None, lr=None, steps=None):
        """Recompute and redraw (``None`` keeps the current setting); returns the path, shape (steps + 1, 2)."""
        from .dynamics import bilinear_game
        from .plotting import plot_distance_to_equilibrium, plot_phase_portrait

        method = self.method if method is None else method
        lr = self.lr if lr is None else lr
        steps = self.steps if steps is None else steps
        path = bilinear_game(method, lr, steps)  # raises before anything changes on bad input
        self.method, self.lr, self.steps, self.path = method, lr, steps, path
        self.figure.clear()
        left, right = self.figure.subplots(1, 2, width_ratios=[1, 1.15])
        plot_phase_portrait(path, method, left, lim=max(1.6, 1.1 * float(abs(path).max())))
        plot_distance_to_equilibrium({method: path}, right)
        right.set_title(f"{method}, step size {lr:g}")
        if self._ui is not None:
            self._ui["image"].value = self.png()
        return path

    def png(self):
        """The current figure as PNG bytes."""
        return _figure_png(self.figure)

    def widget(self):
        """A choice of method, sliders for the step size and the number of steps, and the picture."""
        import ipywidgets as w

        from .dynamics import METHODS

        style = {"description_width": "90px"}
        controls = {
            "method": w.ToggleButtons(options=list(METHODS), value=self.method, description="method", style=style),
            "lr": w.FloatSlider(
                value=self.lr,
                min=0.02,
                max=1.0,
                step=0.02,
                description="step size η",
                style=style,
                layout=w.Layout(width="420px"),
            ),
            "steps": w.IntSlider(
                value=self.steps,
                min=10,
                max=400,
                step=10,
                description="steps",
                style=style,
                layout=w.Layout(width="420px"),
            ),
        }
        self._ui = {"controls": controls, "image": w.Image(value=self.png(), format="png")}

        def changed(_):
            self.update(controls["method"].value, float(controls["lr"].value), int(controls["steps"].value))

        for c in controls.values():
            c.observe(changed, names="value")
        return w.VBox([*controls.values(), self._ui["image"]])


# ---------------------------------------------------------------- lesson 4: an image DCGAN

__all__ += ["GridScrubber", "LatentExplorer"]


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
        from matplotlib.figure import Figure

        self.grids, self.steps, self.steps_per_epoch, self.nrow = grids, steps, steps_per_epoch, nrow
        self.figure = Figure(figsize=(4.6, 4.9), layout="constrained")
        self.index = None
        self._image = None
        self.show(-1)

    def label(self, i):
        s = self.steps[i]
        if self.steps_per_epoch:
            return f"epoch {s / self.steps_per_epoch:g} (step {s})"
        return f"step {s}"

    def show(self, i):
        """Draw grid ``i``; returns the figure."""
        from .plotting import plot_image_grid

        if isinstance(i, bool) or not isinstance(i, int) or not -len(self.grids) <= i < len(self.grids):
            raise ValueError(f"i must be an int in {-len(self.grids)}..{len(self.grids) - 1}, got {i!r}")
        self.index = i % len(self.grids)
        self.figure.clear()
        plot_image_grid(self.grids[self.index], self.figure.subplots(), nrow=self.nrow, title=self.label(self.index))
        if self._image is not None:
            self._image.value = _figure_png(self.figure)
        return self.figure

    def widget(self):
        """A slider over the recorded grids (with a play button) above the picture."""
        import ipywidgets as w

        slider = w.IntSlider(value=self.index, min=0, max=len(self.grids) - 1, description="snapshot",
                             continuous_update=True, layout=w.Layout(width="420px"))  # fmt: skip
        play = w.Play(value=self.index, min=0, max=len(self.grids) - 1, interval=400)
        w.jslink((play, "value"), (slider, "value"))
        self._image = w.Image(value=_figure_png(self.figure), format="png")
        slider.observe(lambda change: self.show(int(change["new"])), names="value")
        return w.VBox([w.HBox([play, slider]), self._image])


class LatentExplorer:
    r"""Move through G's latent space with sliders: :math:`z = z_0 + \sum_i \alpha_i d_i`.

    ``z0`` is a starting code (default: a seeded draw); the directions :math:`d_i` are random
    orthonormal vectors, scaled to length :math:`\sqrt{nz}/2` so that :math:`\alpha = \pm 2` moves as far
    as a typical code's length. ``update(alphas)`` draws G's image of the new code into ``figure`` and
    returns the code; ``save(path)`` writes the current image as a PNG (your favourite digit).
    """

    def __init__(self, G, z0=None, n_directions=4, seed=0):
        import torch

        from .training import latent_dim

        nz = latent_dim(G)
        if isinstance(n_directions, bool) or not isinstance(n_directions, int) or not 1 <= n_directions <= nz:
            raise ValueError(f"n_directions must be an int in 1..{nz}, got {n_directions!r}")
        g = torch.Generator().manual_seed(seed)
        self.G = G
        self.z0 = torch.randn(nz, generator=g) if z0 is None else torch.as_tensor(z0, dtype=torch.float32).reshape(-1)
        if self.z0.shape != (nz,):
            raise ValueError(f"z0 must have {nz} entries (G's noise dimension), got {tuple(self.z0.shape)}")
        q, _ = torch.linalg.qr(torch.randn(nz, n_directions, generator=g))  # orthonormal columns
        self.directions = q.T * (nz**0.5 / 2)  # (n_directions, nz)
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(3, 3.2), layout="constrained")
        self._image = None
        self.update([0.0] * n_directions)

    def code(self, alphas):
        """The latent code :math:`z_0 + \\sum_i \\alpha_i d_i` for slider values ``alphas``."""
        import torch

        a = torch.as_tensor(alphas, dtype=torch.float32).reshape(-1)
        if a.shape != (len(self.directions),) or not torch.isfinite(a).all():
            raise ValueError(f"alphas must be {len(self.directions)} finite numbers, got {alphas!r}")
        return self.z0 + a @ self.directions

    def update(self, alphas):
        """Draw G's image at the code of ``alphas``; returns the code (nz,)."""
        from .plotting import decode_latents, plot_image_grid

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
        from .plotting import save_image

        return save_image(self.image, path, scale=scale)

    def widget(self, save_to="favourite_digit.png"):
        """One slider per direction, the image, and a button that saves it to ``save_to``."""
        import ipywidgets as w

        sliders = [w.FloatSlider(value=a, min=-3, max=3, step=0.1, description=f"direction {i + 1}",
                                 continuous_update=True) for i, a in enumerate(self.alphas)]  # fmt: skip
        self._image = w.Image(value=_figure_png(self.figure), format="png")
        button, status = w.Button(description="save this digit"), w.HTML()

        def changed(_):
            self.update([s.value for s in sliders])

        def clicked(_):
            status.value = f"saved to <code>{self.save(save_to)}</code>"

        for s in sliders:
            s.observe(changed, names="value")
        button.on_click(clicked)
        return w.HBox([w.VBox([*sliders, w.HBox([button, status])]), self._image])
