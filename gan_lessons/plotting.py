"""Pictures for the lessons (matplotlib): densities, discriminators, losses, samples.

Every function draws on an ``ax`` (or makes a figure) and returns it, so notebooks and widgets
share the same pictures and tests can check them without a display (Agg backend).
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401  (used by the sections below)
import numpy as np  # noqa: F401

__all__: list[str] = []

# ---------------------------------------------------------------- lesson 1: the value function

__all__ += [
    "plot_two_players",
    "plot_value_explorer",
    "plot_criterion_curve",
    "plot_discriminator_fit",
    "plot_mc_convergence",
]

_L1 = {"data": "black", "g": "tab:blue", "d": "tab:red", "learned": "tab:orange", "ref": "0.45"}


def _new_ax(ax, figsize=(8, 4)):
    """``ax`` itself, or the Axes of a new figure that is not registered with pyplot (no double display)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").subplots()


def plot_two_players(ax=None):
    r"""The GAN game as a diagram: G turns noise into fakes, D scores real and fake, each learns from D's verdict.

    Goodfellow et al. (2014), Sec. 3: D is trained to maximise V (tell real from fake), G to
    minimise it (make D call its fakes real).
    """
    ax = _new_ax(ax, figsize=(10, 4.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.7, 4.3)
    ax.axis("off")

    def box(x, y, text, color, w=1.9, h=0.8):
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=10.5,
            wrap=True,
            bbox={"boxstyle": "round,pad=0.45", "fc": color, "ec": "0.3", "alpha": 0.9},
        )

    def arrow(x0, y0, x1, y1, text=None, color="0.25", style="-|>", rad=0.0, tx=None, ty=None):
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": style, "color": color, "lw": 1.6, "connectionstyle": f"arc3,rad={rad}"},
        )
        if text:
            ax.text(
                (x0 + x1) / 2 if tx is None else tx,
                (y0 + y1) / 2 + 0.18 if ty is None else ty,
                text,
                ha="center",
                va="bottom",
                fontsize=9,
                color=color,
            )

    box(0.9, 1.0, "noise\n$z \\sim p_z$", "#f1f3f5")
    box(3.2, 1.0, "generator\n$G(z)$", "#d0e4f5")
    box(0.9, 3.3, "real data\n$x \\sim p_{data}$", "#f1f3f5")
    box(6.0, 2.15, "discriminator\n$D(\\cdot) \\in [0, 1]$", "#f8d7da")
    box(8.85, 2.15, "$P(\\mathrm{real})$", "#fff3cd")
    arrow(1.45, 1.0, 2.55, 1.0)
    arrow(3.85, 1.0, 5.2, 1.8, "fake $G(z)$", tx=4.25, ty=1.5)
    arrow(1.65, 3.3, 5.2, 2.5, "real $x$", tx=3.5, ty=3.0)
    arrow(6.85, 2.15, 8.35, 2.15)
    arrow(
        8.85,
        1.75,
        3.2,
        0.5,
        r"G learns from D's verdict: make $D(G(z)) \to 1$  (minimise V)",
        color=_L1["g"],
        rad=-0.25,
        tx=6.0,
        ty=-0.6,
    )
    arrow(
        8.85,
        2.6,
        6.3,
        2.75,
        r"D learns: $D(x) \to 1$, $D(G(z)) \to 0$  (maximise V)",
        color=_L1["d"],
        rad=0.5,
        tx=7.7,
        ty=3.65,
    )
    ax.set_title("The two players: $\\min_G \\max_D V(D, G)$", fontsize=12)
    return ax


def plot_value_explorer(state, ax=None):
    r"""The lesson-1 explorer: :math:`p_{data}`, :math:`p_g` and :math:`D^*(x)`, with read-outs of V, JSD and Thm. 1.

    Parameters
    ----------
    state : dict
        As returned by :func:`gan_lessons.widgets.value_explorer_state` (keys ``x``, ``p_data``,
        ``p_g``, ``d_star``, ``value``, ``jsd``, ``thm1``, ``target_name``, ``mean``, ``std``).
    ax : matplotlib Axes, optional
        Densities go on ``ax``, :math:`D^*` on a twin axis on the right (probability, 0 to 1).

    Returns
    -------
    matplotlib Axes
        The densities' axes (``ax.right`` is the twin axis of :math:`D^*`).
    """
    missing = {"x", "p_data", "p_g", "d_star", "value", "jsd", "thm1"} - set(state)
    if missing:
        raise ValueError(f"state is missing {sorted(missing)}: build it with value_explorer_state(...)")
    ax = _new_ax(ax, figsize=(9, 4.2))
    x, pd, pg = state["x"], state["p_data"], state["p_g"]
    ax.fill_between(x, pd, color=_L1["data"], alpha=0.12)
    ax.plot(x, pd, color=_L1["data"], lw=2, label=rf"$p_{{data}}$: {state.get('target_name', 'target')}")
    ax.plot(
        x,
        pg,
        color=_L1["g"],
        lw=2,
        label=rf"$p_g = \mathcal{{N}}({state.get('mean', 0):.2f}, {state.get('std', 1):.2f}^2)$",
    )
    ax.set_ylim(0, 1.3 * max(pd.max(), pg.max()))
    ax.set_xlim(*state.get("xlim", (x[0], x[-1])))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    right = ax.twinx()
    right.plot(x, state["d_star"], color=_L1["d"], lw=2, ls="--", label=r"optimal $D^*(x)$ (right axis)")
    right.axhline(0.5, color=_L1["ref"], lw=0.8, ls=":", label=r"$D = 1/2$ (equilibrium)")
    right.set_ylim(-0.02, 1.3)
    right.set_yticks([0, 0.25, 0.5, 0.75, 1])
    right.set_ylabel("$D^*(x)$ = P(real)", color=_L1["d"])
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = right.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8.5, loc="upper left", ncol=2, framealpha=0.9)
    ax.set_title(
        rf"$V(D^*, G)$ = {state['value']:.4f}    JSD = {state['jsd']:.4f} nats    "
        rf"$-\log 4 + 2\,$JSD = {state['thm1']:.4f}",
        fontsize=11,
    )
    ax.right = right
    return ax


def plot_criterion_curve(means, values, ax=None, label=r"$C(G)$", color=None, best=True):
    r"""The generator's criterion :math:`C(G) = \max_D V(D, G)` as :math:`p_g` slides along the x axis.

    Reference lines at :math:`-\log 4` (reached only when :math:`p_g = p_{data}`, Thm. 1) and at 0
    (the value for non-overlapping densities, where JSD = log 2). ``best`` marks the minimum.

    Parameters
    ----------
    means : array, shape (n,)
        Means of :math:`p_g` (the x axis).
    values : array, shape (n,)
        :math:`C(G)` for each mean (e.g. :func:`gan_lessons.theory.generator_criterion`).
    """
    means, values = np.asarray(means, dtype=float), np.asarray(values, dtype=float)
    if means.shape != values.shape or means.ndim != 1 or means.size < 2:
        raise ValueError(f"means and values must be 1-D of the same length >= 2, got {means.shape}, {values.shape}")
    ax = _new_ax(ax, figsize=(8, 4))
    (line,) = ax.plot(means, values, lw=2, color=color, label=label)
    if best:
        i = int(np.argmin(values))
        ax.plot(
            means[i],
            values[i],
            "o",
            color=line.get_color(),
            ms=8,
            label=rf"minimum {values[i]:.3f} at mean {means[i]:.2f}",
        )
    ax.axhline(-np.log(4.0), color=_L1["ref"], lw=1, ls="--", label=r"$-\log 4$ (global minimum, $p_g = p_{data}$)")
    ax.axhline(0.0, color=_L1["ref"], lw=1, ls=":", label="0 (no overlap: JSD = log 2)")
    ax.set_xlabel(r"mean of $p_g$")
    ax.set_ylabel(r"$C(G) = \max_D V(D, G)$")
    ax.set_title(r"The generator's criterion as $p_g$ slides across $p_{data}$")
    left_min = means[int(np.argmin(values))] < (means[0] + means[-1]) / 2
    ax.legend(fontsize=8.5, loc="lower right" if left_min else "lower left")  # away from the minimum
    return ax


def plot_discriminator_fit(x, p_data, p_g, d_star, d_learned, ax=None, title=None):
    r"""A trained discriminator's :math:`D(x)` against the analytic :math:`D^*(x)` (Prop. 1).

    Shades the region where both densities are tiny: there no sample ever lands, so the network's
    D is unconstrained and may differ from :math:`D^*` without costing anything in V.
    """
    x = np.asarray(x, dtype=float)
    arrays = [np.asarray(a, dtype=float) for a in (p_data, p_g, d_star, d_learned)]
    if any(a.shape != x.shape for a in arrays):
        raise ValueError("x, p_data, p_g, d_star and d_learned must all have the same shape")
    p_data, p_g, d_star, d_learned = arrays
    ax = _new_ax(ax, figsize=(9, 4.2))
    scale = 1.0 / max(p_data.max(), p_g.max())  # densities drawn scaled to [0, 1] behind the discriminators
    ax.fill_between(x, p_data * scale, color=_L1["data"], alpha=0.10, label=r"$p_{data}$ (scaled)")
    ax.fill_between(x, p_g * scale, color=_L1["g"], alpha=0.12, label=r"$p_g$ (scaled)")
    ax.plot(x, d_star, color=_L1["d"], lw=2.2, ls="--", label=r"analytic $D^*(x)$")
    ax.plot(x, d_learned, color=_L1["learned"], lw=2, label="network $D(x)$, trained")
    rare = (p_data + p_g) / 2 < 0.01 * max(p_data.max(), p_g.max())
    ax.fill_between(x, -0.02, 1.02, where=rare, color="0.85", alpha=0.5, lw=0, label="almost no samples here")
    ax.axhline(0.5, color=_L1["ref"], lw=0.8, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel("x")
    ax.set_ylabel("D(x) = P(real)")
    ax.set_title(title or r"A trained discriminator approaches $D^* = p_{data} / (p_{data} + p_g)$")
    ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False)
    return ax


def plot_mc_convergence(ns, estimates, std_errors, exact, ax=None):
    r"""Monte-Carlo estimates of V against the sample size, with :math:`\pm 2` standard errors and the exact value."""
    ns, est, se = (np.asarray(a, dtype=float) for a in (ns, estimates, std_errors))
    if not (ns.shape == est.shape == se.shape) or ns.ndim != 1:
        raise ValueError("ns, estimates and std_errors must be 1-D of the same length")
    ax = _new_ax(ax, figsize=(8, 4))
    ax.fill_between(ns, est - 2 * se, est + 2 * se, color=_L1["g"], alpha=0.2, label=r"$\pm 2$ standard errors")
    ax.plot(ns, est, "o-", color=_L1["g"], lw=1.5, label=r"Monte-Carlo $\hat V$ from n samples")
    ax.axhline(exact, color=_L1["d"], lw=1.5, ls="--", label=f"quadrature on a grid: {exact:.4f}")
    ax.set_xscale("log")
    ax.set_xlabel("number of samples n (each of real and fake)")
    ax.set_ylabel(r"$V(D^*, G)$")
    ax.set_title(r"Monte-Carlo estimates converge like $1/\sqrt{n}$")
    ax.legend(fontsize=8.5, loc="best")
    return ax


# ---------------------------------------------------------------- lesson 2: a 1-D toy GAN

__all__ += [
    "plot_toy_densities",
    "plot_discriminator_1d",
    "plot_mapping",
    "plot_toy_dashboard",
]

_L2 = {"data": "black", "g": "tab:blue", "d": "tab:red", "dstar": "0.3", "init": "0.6"}


def plot_toy_densities(ax, grid, p_data, p_g=None, samples=None, bins=60, title=r"$p_{data}$ and $p_g$"):
    r"""The target density :math:`p_{data}` against the generator's: its samples' histogram and KDE :math:`\hat p_g`.

    Parameters
    ----------
    ax : matplotlib Axes
    grid : array, shape (n,)
        Points where the densities are evaluated (uniform).
    p_data : array, shape (n,)
        Exact target density on ``grid``.
    p_g : array, shape (n,), optional
        Estimated density of the generator (e.g. :func:`gan_lessons.widgets.kde_1d`).
    samples : array, optional
        Generated samples, drawn as a density histogram over the grid's range.
    """
    grid = np.asarray(grid)
    if samples is not None:
        s = np.asarray(samples).ravel()
        counts, edges = np.histogram(s, bins=np.linspace(grid[0], grid[-1], bins + 1))
        counts = counts / (len(s) * np.diff(edges))  # a density: area = share of samples inside the grid
        ax.stairs(counts, edges, fill=True, color=_L2["g"], alpha=0.25, label="samples $G(z)$ (histogram)")
    ax.plot(grid, p_data, color=_L2["data"], lw=2, label=r"target $p_{data}$")
    if p_g is not None:
        ax.plot(grid, p_g, color=_L2["g"], lw=1.8, label=r"$\hat p_g$ (KDE of samples)")
    top = max(np.max(p_data), np.max(p_g) if p_g is not None else 0.0)
    ax.set_ylim(0, 1.35 * min(top, 3 * np.max(p_data)))  # a collapsed G's spike is cut, the target stays visible
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_discriminator_1d(ax, grid, d, d_star=None, p_sum=None, title="discriminator"):
    r"""The discriminator :math:`D(x)` over the data axis, beside the optimal :math:`D^* = p_{data} / (p_{data}+p_g)`.

    At the equilibrium both are the constant 1/2 (Goodfellow et al. 2014, Prop. 1 and Thm. 1).
    If ``p_sum`` (:math:`p_{data} + p_g` on the grid) is given, :math:`D^*` is drawn only where it is at
    least 1% of its maximum: elsewhere it is a ratio of two vanishing numbers and means nothing.
    """
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":", label="1/2 (equilibrium)")
    if d_star is not None:
        d_star = np.asarray(d_star, dtype=float)
        if p_sum is not None:  # where neither density has mass, D* is 0/0: not drawn
            p_sum = np.asarray(p_sum, dtype=float)
            d_star = np.where(p_sum > 0.01 * p_sum.max(), d_star, np.nan)
        ax.plot(grid, d_star, color=_L2["dstar"], lw=1.8, ls="--", label=r"optimal $D^*$ for current $\hat p_g$")
    ax.plot(grid, d, color=_L2["d"], lw=2, label="$D(x)$ (the network)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("x")
    ax.set_ylabel("probability that x is real")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_mapping(ax, z, gz, before=None, mean=None, std=None, title=r"how G bends the noise: $z \mapsto G(z)$"):
    r"""The generator as a function of 1-D noise, :math:`z \mapsto G(z)`, optionally before training too.

    For a Gaussian target :math:`\mathcal{N}(\mu, \sigma^2)` and :math:`z \sim \mathcal{N}(0, 1)`, the
    straight lines :math:`G(z) = \mu \pm \sigma z` are perfect generators: they are drawn dotted when
    ``mean`` and ``std`` are given.
    """
    z = np.asarray(z).ravel()
    if mean is not None and std is not None:
        for sign in (1, -1):
            ax.plot(
                z,
                mean + sign * std * z,
                color=_L2["data"],
                lw=1,
                ls=":",
                label=r"perfect: $\mu \pm \sigma z$" if sign == 1 else None,
            )
    if before is not None:
        ax.plot(z, np.asarray(before).ravel(), color=_L2["init"], lw=1.8, ls="--", label="G before training")
    ax.plot(z, np.asarray(gz).ravel(), color=_L2["g"], lw=2, label="G now" if before is not None else "G")
    ax.set_xlabel("noise z")
    ax.set_ylabel("G(z)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def _curves(ax, x, series, refs, ylabel, title, marker=None, logy=False, xmax=10):
    for (label, y), color in zip(series.items(), (_L2["d"], _L2["g"], "tab:green"), strict=False):
        ax.plot(x, y, color=color, lw=1.5, marker="o" if len(x) < 30 else None, ms=3, label=label)
    for label, (y, color) in refs.items():
        ax.axhline(y, color=color, lw=0.8, ls=":", label=label)
    if marker is not None:
        ax.axvline(marker, color="0.4", lw=0.8)
    if logy:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.01, 0.1, 1 rather than 10^-2
        ax.yaxis.set_minor_formatter(NullFormatter())
        low = min(min(np.min(y) for y in series.values()), 1e-2)
        ax.set_ylim(0.7 * low, 1.0)  # at least two decades, so there are always labelled ticks
    ax.set_xlim(-0.02 * max(xmax, 10), 1.02 * max(xmax, 10))
    ax.set_xlabel("generator steps")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")


def plot_toy_dashboard(snapshots, index=-1, fig=None):
    r"""The lesson-2 dashboard: six panels drawn from recorded snapshots of a 1-D GAN.

    Top: :math:`p_{data}` vs samples and KDE of :math:`p_g`; :math:`D(x)` with :math:`D^*`; the
    mapping :math:`z \mapsto G(z)` (at the first snapshot, dashed, and now). Bottom, up to the shown
    snapshot: the losses on a fixed evaluation batch (equilibrium: :math:`L_D = \log 4`, non-saturating
    :math:`L_G = \log 2`); mean :math:`D(x)` and :math:`D(G(z))` (both tend to 1/2); KS and JSD.

    Parameters
    ----------
    snapshots : sequence of :class:`gan_lessons.widgets.ToySnapshot`
    index : int
        Which snapshot to show (negative counts from the end): replaying a run is drawing earlier indices.
    fig : matplotlib Figure, optional
        Redrawn in place (cleared) when given; else a new figure (not registered with pyplot).

    Returns
    -------
    matplotlib Figure
    """
    from matplotlib.figure import Figure

    if not snapshots:
        raise ValueError("snapshots is empty: record at least one snapshot first")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"index must be an int, got {type(index).__name__}")
    n = len(snapshots)
    if not -n <= index < n:
        raise ValueError(f"index must be in [-{n}, {n - 1}], got {index}")
    index = int(index) % n
    s, shown = snapshots[index], snapshots[: index + 1]
    if fig is None:  # a fixed layout: the dashboard redraws often, and automatic layouts cost half the time
        fig = Figure(figsize=(14, 7.6))
        fig.subplots(2, 3)
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.07, top=0.9, wspace=0.24, hspace=0.34)
    axes = np.array(fig.axes[:6]).reshape(2, 3)
    for ax in axes.flat:
        ax.clear()
    plot_toy_densities(axes[0, 0], s.grid, s.p_data, s.p_g, s.samples)
    plot_discriminator_1d(
        axes[0, 1], s.grid, s.d, s.d_star, p_sum=s.p_data + s.p_g, title=r"discriminator $D(x)$ and optimal $D^*(x)$"
    )
    plot_mapping(axes[0, 2], s.z, s.gz, before=snapshots[0].gz, mean=s.target_mean, std=s.target_std)
    x, xmax = [t.step for t in shown], max(t.step for t in snapshots)  # replay keeps the whole run's axis
    eq_g = np.log(2.0) if s.g_loss == "nonsaturating" else -np.log(2.0)
    _curves(
        axes[1, 0],
        x,
        {"$L_D$": [t.loss_d for t in shown], f"$L_G$ ({s.g_loss})": [t.loss_g for t in shown]},
        {r"$\log 4$": (np.log(4.0), _L2["d"]), rf"${'' if eq_g > 0 else '-'}\log 2$": (eq_g, _L2["g"])},
        "loss (evaluation batch)",
        "losses",
        marker=s.step,
        xmax=xmax,
    )
    _curves(
        axes[1, 1],
        x,
        {"mean $D(x)$, x real": [t.d_real for t in shown], "mean $D(G(z))$": [t.d_fake for t in shown]},
        {"1/2": (0.5, "0.4")},
        "mean output of D",
        "mean D on real and fake",
        marker=s.step,
        xmax=xmax,
    )
    axes[1, 1].set_ylim(-0.02, 1.02)
    _curves(
        axes[1, 2],
        x,
        {"KS distance": [max(t.ks, 1e-4) for t in shown], "JSD (nats, KDE)": [max(t.jsd, 1e-4) for t in shown]},
        {r"$\log 2$ (JSD max)": (np.log(2.0), "0.6")},
        "distance to the target (log scale)",
        "how far is $p_g$ from $p_{data}$?",
        marker=s.step,
        logy=True,
        xmax=xmax,
    )
    fig.suptitle(
        f"{s.label} — after {s.step} G steps and {s.d_steps} D steps:  KS {s.ks:.3f} ({len(s.samples):,} samples)   "
        f"JSD {s.jsd:.4f} nats   "
        f"mean D(x) {s.d_real:.3f}   mean D(G(z)) {s.d_fake:.3f}",
        fontsize=12,
    )
    return fig


# ---------------------------------------------------------------- lesson 3: training dynamics

__all__ += [
    "plot_phase_portrait",
    "plot_distance_to_equilibrium",
    "plot_generator_loss_gradients",
    "plot_saturation",
    "plot_samples_2d",
    "plot_samples_over_time",
    "plot_method_grid",
]

_L3_COLORS = {
    "simultaneous": "tab:red",
    "alternating": "tab:orange",
    "extragradient": "tab:green",
    "optimistic": "tab:blue",
    "averaging": "tab:purple",
    "saturating": "tab:red",
    "nonsaturating": "tab:blue",
    "saturating + Adam": "tab:orange",
}


def plot_phase_portrait(path, method="", ax=None, lim=None, field=True):
    r"""A path of the bilinear game :math:`\min_x \max_y xy` over its gradient field.

    ``path`` is :func:`gan_lessons.dynamics.bilinear_game`'s output; the arrows are the field
    :math:`(-y, x)` that simultaneous descent-ascent follows; the star is the equilibrium (0, 0).
    """
    from .dynamics import bilinear_field, distance_to_equilibrium

    ax = _new_ax(ax, (4.6, 4.6))
    p = np.asarray(path, dtype=float)
    d = distance_to_equilibrium(p)
    lim = lim or max(1.5, 1.1 * float(d.max()))
    if field:
        g = np.linspace(-lim, lim, 15)
        X, Y = np.meshgrid(g, g)
        U, V = bilinear_field(X, Y)
        ax.quiver(X, Y, U, V, color="0.75", angles="xy", width=0.004)
    color = _L3_COLORS.get(method, "tab:blue")
    ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.3)
    ax.plot(*p[0], "o", color="black", ms=6, label="start")
    ax.plot(*p[-1], "s", color=color, ms=6, label=f"after {len(p) - 1} steps")
    ax.plot(0, 0, "*", color="gold", mec="black", ms=15, label="equilibrium (0, 0)")
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="x (minimises xy)", ylabel="y (maximises xy)")
    ax.set_aspect("equal")
    ax.set_title((f"{method}\n" if method else "") + f"distance to (0, 0): {d[0]:.2f} → {d[-1]:.2f}", fontsize=10)
    ax.legend(loc="lower right", fontsize=7)
    return ax


def plot_distance_to_equilibrium(paths, ax=None):
    """Distance to (0, 0) against step, one line per method (``paths``: method name -> path), log scale."""
    from .dynamics import distance_to_equilibrium

    ax = _new_ax(ax, (6, 3.6))
    for method, path in paths.items():
        ax.semilogy(distance_to_equilibrium(path), color=_L3_COLORS.get(method), label=method, lw=1.6)
    ax.set(xlabel="step", ylabel="distance to (0, 0)", title="who reaches the equilibrium?")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def plot_generator_loss_gradients(d, grads, ax=None):
    r""":math:`|\partial L_G / \partial \ell|` against :math:`D(G(z))` (``grads``: loss name -> values)."""
    ax = _new_ax(ax, (6, 3.6))
    names = {"saturating": r"saturating  $\log(1 - D(G(z)))$", "nonsaturating": r"non-saturating  $-\log D(G(z))$"}
    for loss, g in grads.items():
        ax.plot(d, np.abs(g), color=_L3_COLORS.get(loss), lw=2, label=names.get(loss, loss))
    ax.axvspan(0, 0.1, color="tab:red", alpha=0.08)
    ax.text(0.012, 0.5, "D confidently\nrejects the fakes\n(early training)", fontsize=8, va="center")
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.05),
        xlabel=r"$D(G(z))$",
        ylabel=r"$|\partial L_G / \partial\,\mathrm{logit}|$",
        title="the learning signal G receives",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    return ax


def plot_saturation(runs, fig=None):
    """Two panels for runs keyed by loss name, each a dict with ``step``, ``d_fake``, ``grad_norm``, ``g_mean``.

    Left: mean :math:`D(G(z))`; middle: the norm of G's gradient (log scale); right: the mean of G's
    samples against the target's.
    """
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(12, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for loss, r in runs.items():
        c = _L3_COLORS.get(loss)
        axes[0].plot(r["step"], r["d_fake"], color=c, label=loss, lw=1.2)
        axes[1].semilogy(r["step"], np.maximum(r["grad_norm"], 1e-30), color=c, label=loss, lw=1.0)
        axes[2].plot(r["step"], r["g_mean"], color=c, label=loss, lw=1.5)
        if "target_mean" in r:
            axes[2].axhline(r["target_mean"], color="black", ls="--", lw=1, label="target mean")
    axes[0].set(xlabel="step", ylabel=r"mean $D(G(z))$", title="how D judges the fakes")
    axes[1].set(xlabel="step", ylabel=r"$\|\nabla_{\theta_G} L_G\|$", title="gradient reaching G")
    axes[2].set(xlabel="step", ylabel="mean of G's samples", title="where G's samples are")
    handles, labels = axes[2].get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    axes[2].legend(uniq.values(), uniq.keys(), fontsize=8)
    for a in axes:
        a.grid(alpha=0.3)
    return fig


def plot_samples_2d(x, target, ax=None, title=None, lim=None, s=3):
    r"""Samples (n, 2) over the target's centres, each centre with its :math:`3\sigma` high-quality circle."""
    from matplotlib.patches import Circle

    ax = _new_ax(ax, (4, 4))
    x = np.asarray(x)
    c = target.centers
    lim = lim or 1.35 * float(np.abs(c).max())
    ax.scatter(x[:, 0], x[:, 1], s=s, alpha=0.35, color="tab:blue", lw=0)
    for (cx, cy), sd in zip(c, target.sigmas, strict=True):
        ax.add_patch(Circle((cx, cy), 3 * sd, fill=False, color="tab:red", lw=0.8))
    ax.scatter(c[:, 0], c[:, 1], marker="+", color="tab:red", s=40, lw=1)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[], yticks=[])
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def _coverage_title(head, target, x):
    from .metrics import mode_coverage

    m = mode_coverage(x, target)
    return f"{head}\n{m['modes']}/{m['total_modes']} modes, HQ {100 * m['hq_share']:.0f}%"


def plot_samples_over_time(snapshots, target, fig=None, title=None):
    """One panel per snapshot (``snapshots``: step -> samples (n, 2)), titled with modes covered and HQ share."""
    from matplotlib.figure import Figure

    n = len(snapshots)
    fig = fig or Figure(figsize=(2.6 * n, 3.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, (step, x) in zip(axes, snapshots.items(), strict=True):
        plot_samples_2d(x, target, ax, _coverage_title(f"step {step}", target, x))
    if title:
        fig.suptitle(title)
    return fig


def plot_method_grid(samples, target, fig=None, ncols=None, title=None):
    """One panel per method (``samples``: method name -> samples (n, 2)), titled with its metrics."""
    from matplotlib.figure import Figure

    n = len(samples)
    ncols = ncols or n
    nrows = -(-n // ncols)
    fig = fig or Figure(figsize=(2.7 * ncols, 2.9 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax, (name, x) in zip(axes, samples.items(), strict=False):
        plot_samples_2d(x, target, ax, _coverage_title(name, target, x))
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- lesson 4: an image DCGAN

__all__ += [
    "decode_latents",
    "image_grid",
    "plot_image_grid",
    "FixedNoiseGrids",
    "plot_dcgan_curves",
    "plot_class_histogram",
    "plot_nearest_neighbours",
    "latent_path",
    "plot_interpolation",
    "save_image",
    "save_morph_gif",
]


def _images_numpy(images, name="images"):
    """(N, C, H, W) float numpy in [-1, 1] from a tensor or array; (N, H, W) gets a channel axis."""
    import torch

    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().float().numpy()
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(images).__name__}")
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3) or len(x) == 0:
        raise ValueError(f"{name} must have shape (N, C, H, W) with C 1 or 3 and N >= 1, got {images.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def decode_latents(G, z):
    """Images of generator ``G`` at latent codes ``z`` (N, nz): float32 numpy (N, C, H, W) in [-1, 1].

    G runs in evaluation mode (batch norm uses its running statistics, as for sampling) without
    gradients, and is put back in the mode it was in.
    """
    import torch

    z = torch.as_tensor(z, dtype=torch.float32)
    if z.dim() == 1:
        z = z[None]
    was_training = G.training
    G.eval()
    try:
        with torch.no_grad():
            return G(z).float().cpu().numpy()
    finally:
        G.train(was_training)


def image_grid(images, nrow=None, pad=1):
    """Tile images (N, C, H, W) in [-1, 1] into one picture in [0, 1]: (rows*H, cols*W) or (.., .., 3).

    ``nrow`` images per row (default: a square-ish grid); ``pad`` pixels of mid-grey between tiles.
    """
    x = (np.clip(_images_numpy(images), -1, 1) + 1) / 2
    n, c, h, w = x.shape
    if nrow is None:
        nrow = int(np.ceil(np.sqrt(n)))
    if isinstance(nrow, bool) or not isinstance(nrow, (int, np.integer)) or nrow < 1:
        raise ValueError(f"nrow must be an int >= 1, got {nrow!r}")
    nrow = min(int(nrow), n)
    rows = -(-n // nrow)
    out = np.full((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), 0.5, dtype=np.float32)
    for i in range(n):
        r, q = divmod(i, nrow)
        out[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w] = x[i]
    return out[0] if c == 1 else out.transpose(1, 2, 0)


def plot_image_grid(images, ax=None, nrow=None, title=None):
    """Show a grid of images (ink of digits is white, as in MNIST); returns the Axes."""
    ax = _new_ax(ax, figsize=(5, 5))
    ax.imshow(image_grid(images, nrow), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


class FixedNoiseGrids:
    """A training callback that draws the same noise through G every ``every`` steps (and at the last).

    Watching one fixed set of codes over training shows digits *emerge* (Radford et al. 2015 show
    such grids); the pictures are kept in ``grids`` (numpy (n, C, H, W)) with their ``steps``.

    Parameters
    ----------
    z : Tensor (n, nz)
        The fixed codes, e.g. ``torch.randn(64, nz, generator=torch.Generator().manual_seed(0))``.
    every : int
        Steps between pictures: pass the steps of one epoch for one grid per epoch.
    sampler : nn.Module, optional
        The network to draw with, e.g. a run's moving average ``ema.model``; default: the G being trained.
    """

    def __init__(self, z, every, sampler=None):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        self.z, self.every, self.sampler = z, every, sampler
        self.grids, self.steps = [], []

    def snapshot(self, G, step):
        """Record G's images of the fixed codes, labelled ``step`` (e.g. step 0, before training)."""
        self.grids.append(decode_latents(self.sampler if self.sampler is not None else G, self.z))
        self.steps.append(int(step))

    def __call__(self, info):
        if info.step % self.every == 0 or info.step == info.total:
            if not self.steps or self.steps[-1] != info.step:
                self.snapshot(info.G, info.step)


def _smooth(y, window):
    y = np.asarray(y, dtype=float)
    if window <= 1 or len(y) < window:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    return np.concatenate([c[1:window] / np.arange(1, window), (c[window:] - c[:-window]) / window])


def plot_dcgan_curves(history, steps_per_epoch=None, window=None, axes=None):
    """Loss curves and discriminator outputs of a run, smoothed by a running mean.

    Left: D's loss (:math:`\\log 4 \\approx 1.386` at the equilibrium :math:`D = 1/2`) and G's loss
    (:math:`\\log 2 \\approx 0.693` there). Right: mean :math:`D(x)` and :math:`D(G(z))` (both 1/2 at the
    equilibrium). The x-axis is in epochs when ``steps_per_epoch`` is given. Returns the two Axes.
    """
    if axes is None:
        from matplotlib.figure import Figure

        axes = Figure(figsize=(10, 3.4), layout="constrained").subplots(1, 2)
    n = len(history.step)
    if n == 0:
        raise ValueError("history is empty: train for at least one step first")
    window = window or max(1, n // 50)
    x = np.asarray(history.step, dtype=float)
    xlabel = "step"
    if steps_per_epoch:
        x, xlabel = x / steps_per_epoch, "epoch"
    a, b = axes
    a.plot(x, _smooth(history.loss_d, window), color="tab:red", label="D loss")
    a.plot(x, _smooth(history.loss_g, window), color="tab:blue", label="G loss")
    a.axhline(np.log(4), color="tab:red", ls=":", lw=1)
    a.axhline(np.log(2), color="tab:blue", ls=":", lw=1)
    a.set(xlabel=xlabel, ylabel="loss", title="losses (dotted: value at D = 1/2)")
    b.plot(x, _smooth(history.d_real, window), color="black", label="mean D(x), real")
    b.plot(x, _smooth(history.d_fake, window), color="tab:orange", label="mean D(G(z)), fake")
    b.axhline(0.5, color="0.5", ls=":", lw=1)
    b.set(xlabel=xlabel, ylabel="D output", ylim=(0, 1), title="what D says")
    for ax in axes:
        ax.legend(loc="best", fontsize=9)
    return axes


def plot_class_histogram(shares, ax=None, title="which digits does G draw?", floor=0.05):
    """Bar chart of the share of each digit 0..9 (e.g. :func:`gan_lessons.metrics.class_histogram`).

    The dotted line is the real data's 10%; bars under ``floor`` (dropped or starved modes) are red.
    """
    shares = np.asarray(shares, dtype=float)
    if shares.shape != (10,):
        raise ValueError(f"shares must have 10 entries (digits 0..9), got shape {shares.shape}")
    ax = _new_ax(ax, figsize=(6, 3))
    colors = ["tab:red" if s < floor else "tab:blue" for s in shares]
    ax.bar(np.arange(10), shares, color=colors)
    ax.axhline(0.1, color="black", ls=":", lw=1, label="real data: 10% each")
    ax.axhline(floor, color="tab:red", ls="--", lw=1, label=f"{floor:.0%}")
    ax.set(xticks=np.arange(10), xlabel="digit (as the classifier reads it)", ylabel="share of samples", title=title)
    ax.set_ylim(0, max(0.2, 1.35 * shares.max()))
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    return ax


def plot_nearest_neighbours(samples, images, k=4, fig=None):
    """Each sample (left column) next to its ``k`` nearest training images, with their pixel distances.

    If G memorised its data, the left image would equal its first neighbour (distance ~ 0).
    """
    from .metrics import nearest_neighbours

    s = _images_numpy(samples, "samples")
    idx, dist = nearest_neighbours(s, images, k)
    imgs = _images_numpy(images)
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(1.1 * (k + 1), 1.15 * len(s)), layout="constrained")
    axes = np.asarray(fig.subplots(len(s), k + 1, squeeze=False))
    for i in range(len(s)):
        plot_image_grid(s[i : i + 1], axes[i, 0], title="sample" if i == 0 else None)
        for j in range(k):
            plot_image_grid(imgs[idx[i, j] : idx[i, j] + 1], axes[i, j + 1])
            axes[i, j + 1].set_title(f"d={dist[i, j]:.2f}", fontsize=8)
    fig.suptitle("generated sample | nearest training images (pixel distance)", fontsize=10)
    return fig


def latent_path(z0, z1, n=10, mode="slerp"):
    r"""``n`` codes from ``z0`` to ``z1`` (both ends included), as a tensor (n, nz).

    ``"linear"``: :math:`(1-t) z_0 + t z_1`. ``"slerp"`` (default; Shoemake 1985, White 2016,
    arXiv:1609.04468): along the arc,

    .. math:: \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
              \qquad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert\,\lVert z_1\rVert}.

    Gaussian codes live near a sphere of radius :math:`\sqrt{nz}`; the straight line cuts through its
    inside (its middle is about :math:`1/\sqrt 2` as long), where G saw no codes during training.
    """
    import torch

    z0, z1 = torch.as_tensor(z0, dtype=torch.float32).reshape(-1), torch.as_tensor(z1, dtype=torch.float32).reshape(-1)
    if z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 must have the same size, got {tuple(z0.shape)} and {tuple(z1.shape)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if mode not in ("slerp", "linear"):
        raise ValueError(f"mode must be 'slerp' or 'linear', got {mode!r}")
    t = torch.linspace(0, 1, n)[:, None]
    omega = torch.arccos((z0 @ z1 / (z0.norm() * z1.norm()).clamp_min(1e-12)).clamp(-1, 1))
    if mode == "linear" or omega < 1e-4:  # (almost) parallel codes: the arc is a straight line
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def plot_interpolation(G, z0, z1, n=10, mode="slerp", ax=None, title=None):
    """A strip of G's images along :func:`latent_path` from ``z0`` to ``z1``; returns the Axes."""
    ax = _new_ax(ax, figsize=(1.0 * n, 1.3))
    return plot_image_grid(decode_latents(G, latent_path(z0, z1, n, mode)), ax, nrow=n, title=title)


def _to_pil(images, nrow=None, scale=8):
    from PIL import Image

    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be an int >= 1, got {scale!r}")
    g = np.round(image_grid(images, nrow, pad=1 if len(_images_numpy(images)) > 1 else 0) * 255).astype(np.uint8)
    im = Image.fromarray(g, mode="L" if g.ndim == 2 else "RGB")
    return im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)


def save_image(images, path, nrow=None, scale=8):
    """Save one image (C, H, W) or a grid of images (N, C, H, W) in [-1, 1] as a PNG, ``scale`` x bigger.

    Pixels are enlarged as crisp squares (nearest neighbour). Written atomically; returns the path.
    """
    from pathlib import Path

    x = _images_numpy(images[None] if np.ndim(images) == 3 and np.shape(images)[0] in (1, 3) else images)
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {path}")
    _atomic_save(path, lambda f: _to_pil(x, nrow, scale).save(f, format="PNG"))
    return path


def save_morph_gif(G, codes, path, frames_per_leg=12, scale=8, duration_ms=70):
    """Save an animated GIF that morphs through ``codes`` (k, nz) and back to the first, in a loop.

    Each leg from one code to the next is :func:`latent_path` (slerp) with ``frames_per_leg`` frames.
    Written atomically with Pillow; returns the path.
    """
    from pathlib import Path

    import torch

    codes = torch.as_tensor(codes, dtype=torch.float32)
    if codes.dim() != 2 or len(codes) < 2:
        raise ValueError(f"codes must have shape (k, nz) with k >= 2, got {tuple(codes.shape)}")
    if isinstance(frames_per_leg, bool) or not isinstance(frames_per_leg, int) or frames_per_leg < 2:
        raise ValueError(f"frames_per_leg must be an int >= 2, got {frames_per_leg!r}")
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end in .gif, got {path}")
    legs = [latent_path(codes[i], codes[(i + 1) % len(codes)], frames_per_leg + 1)[:-1] for i in range(len(codes))]
    images = decode_latents(G, torch.cat(legs))
    frames = [_to_pil(img[None], scale=scale) for img in images]
    _atomic_save(
        path,
        lambda f: frames[0].save(
            f, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0
        ),
    )
    return path


def _atomic_save(path, write):
    import os

    from ._atomic import temp_file_for

    if not path.parent.is_dir():
        raise ValueError(f"cannot save {path}: folder {path.parent} does not exist")
    fd, tmp = temp_file_for(path)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
