r"""Pictures for a 1-D toy GAN (lesson 2): densities, the discriminator, the mapping and the dashboard.

The generator's density :math:`p_g` is estimated from its samples by a kernel density estimate
(:func:`gan_lessons.metrics.kde_1d`) and drawn against the exact target :math:`p_{data}`; the network's
:math:`D(x)` is drawn against the optimal :math:`D^* = p_{data} / (p_{data} + p_g)`. The dashboard
puts these next to the losses, the mean outputs of D and the distances to the target over training,
from recorded :class:`gan_lessons.metrics.ToySnapshot` objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._validate import check_int
from ..i18n import N_, figure_text
from ..metrics.toy import ToySnapshot
from ._common import _display_name

__all__ = [
    "plot_toy_densities",
    "plot_discriminator_1d",
    "plot_mapping",
    "plot_toy_dashboard",
]

#: colours of the curves: the target, the generator, the discriminator, the optimal D*, G before training
_CURVE_COLORS = {"data": "black", "g": "tab:blue", "d": "tab:red", "dstar": "0.3", "init": "0.6"}
#: default titles, translated where they are drawn
_DENSITIES_TITLE = N_(r"$p_{data}$ and $p_g$")
_DISCRIMINATOR_TITLE = N_("discriminator")
_MAPPING_TITLE = N_(r"how G bends the noise: $z \mapsto G(z)$")


def plot_toy_densities(ax, grid, p_data, p_g=None, samples=None, bins=60, title=_DENSITIES_TITLE):
    r"""The target density :math:`p_{data}` against the generator's: its samples' histogram and KDE :math:`\hat p_g`.

    Parameters
    ----------
    ax : matplotlib Axes
    grid : array, shape (n,)
        Points where the densities are evaluated (uniform).
    p_data : array, shape (n,)
        Exact target density on ``grid``.
    p_g : array, shape (n,), optional
        Estimated density of the generator (e.g. :func:`gan_lessons.metrics.kde_1d`).
    samples : array, optional
        Generated samples, drawn as a density histogram over the grid's range.
    """
    grid = np.asarray(grid)
    if samples is not None:
        s = np.asarray(samples).ravel()
        counts, edges = np.histogram(s, bins=np.linspace(grid[0], grid[-1], bins + 1))
        counts = counts / (len(s) * np.diff(edges))  # a density: area = share of samples inside the grid
        ax.stairs(
            counts,
            edges,
            fill=True,
            color=_CURVE_COLORS["g"],
            alpha=0.25,
            label=figure_text("samples $G(z)$ (histogram)"),
        )
    ax.plot(grid, p_data, color=_CURVE_COLORS["data"], lw=2, label=figure_text(r"target $p_{data}$"))
    if p_g is not None:
        ax.plot(grid, p_g, color=_CURVE_COLORS["g"], lw=1.8, label=figure_text(r"$\hat p_g$ (KDE of samples)"))
    top = max(np.max(p_data), np.max(p_g) if p_g is not None else 0.0)
    ax.set_ylim(0, 1.35 * min(top, 3 * np.max(p_data)))  # a collapsed G's spike is cut, the target stays visible
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("x")
    ax.set_ylabel(figure_text("density"))
    ax.set_title(figure_text(title))
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_discriminator_1d(ax, grid, d, d_star=None, p_sum=None, title=_DISCRIMINATOR_TITLE):
    r"""The discriminator :math:`D(x)` over the data axis, beside the optimal :math:`D^* = p_{data} / (p_{data}+p_g)`.

    At the equilibrium both are the constant 1/2 (Goodfellow et al. 2014, Prop. 1 and Thm. 1).
    If ``p_sum`` (:math:`p_{data} + p_g` on the grid) is given, :math:`D^*` is drawn only where it is at
    least 1% of its maximum: elsewhere it is a ratio of two vanishing numbers and means nothing.
    """
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":", label=figure_text("1/2 (equilibrium)"))
    if d_star is not None:
        d_star = np.asarray(d_star, dtype=float)
        if p_sum is not None:  # where neither density has mass, D* is 0/0: not drawn
            p_sum = np.asarray(p_sum, dtype=float)
            d_star = np.where(p_sum > 0.01 * p_sum.max(), d_star, np.nan)
        ax.plot(
            grid,
            d_star,
            color=_CURVE_COLORS["dstar"],
            lw=1.8,
            ls="--",
            label=figure_text(r"optimal $D^*$ for current $\hat p_g$"),
        )
    ax.plot(grid, d, color=_CURVE_COLORS["d"], lw=2, label=figure_text("$D(x)$ (the network)"))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("x")
    ax.set_ylabel(figure_text("probability that x is real"))
    ax.set_title(figure_text(title))
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_mapping(ax, z, gz, before=None, mean=None, std=None, title=_MAPPING_TITLE):
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
                color=_CURVE_COLORS["data"],
                lw=1,
                ls=":",
                label=figure_text(r"perfect: $\mu \pm \sigma z$") if sign == 1 else None,
            )
    if before is not None:
        label = figure_text("G before training")
        ax.plot(z, np.asarray(before).ravel(), color=_CURVE_COLORS["init"], lw=1.8, ls="--", label=label)
    ax.plot(
        z,
        np.asarray(gz).ravel(),
        color=_CURVE_COLORS["g"],
        lw=2,
        label=figure_text("G now") if before is not None else "G",
    )
    ax.set_xlabel(figure_text("noise z"))
    ax.set_ylabel("G(z)")
    ax.set_title(figure_text(title))
    ax.legend(fontsize=8, loc="upper left")
    return ax


def _curves(ax, x, series, refs, ylabel, title, marker=None, logy=False, xmax=10):
    """Curves ``series`` (label -> values at steps ``x``), dotted reference lines ``refs`` (label -> (y, colour))."""
    for (label, y), color in zip(series.items(), (_CURVE_COLORS["d"], _CURVE_COLORS["g"], "tab:green"), strict=False):
        ax.plot(x, y, color=color, lw=1.5, marker="o" if len(x) < 30 else None, ms=3, label=label)
    for label, (y, color) in refs.items():
        ax.axhline(y, color=color, lw=0.8, ls=":", label=label)
    if marker is not None:
        ax.axvline(marker, color="0.4", lw=0.8)
    if logy:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.01, 0.1, 1 rather than 10^-2
        ax.yaxis.set_minor_formatter(NullFormatter())
        low = min(min(np.min(y) for y in series.values()), 1e-2)
        ax.set_ylim(0.7 * low, 1.0)  # at least two decades, so there are always labelled ticks
    ax.set_xlim(-0.02 * max(xmax, 10), 1.02 * max(xmax, 10))
    ax.set_xlabel(figure_text("generator steps"))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")


def _dashboard_axes(fig):
    """The dashboard's six Axes (2, 3), cleared: those of ``fig``, or of a new figure when ``fig`` is None."""
    if fig is None:  # a fixed layout: the dashboard redraws often, and automatic layouts cost half the time
        fig = Figure(figsize=(14, 7.6))
        fig.subplots(2, 3)
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.07, top=0.9, wspace=0.24, hspace=0.34)
    axes = np.array(fig.axes[:6]).reshape(2, 3)
    for ax in axes.flat:
        ax.clear()
    return fig, axes


def _dashboard_curves(axes, shown, xmax):
    r"""The dashboard's bottom row for the snapshots ``shown`` (the last one is the current one).

    The losses with their equilibrium values (:math:`L_D = \log 4`, :math:`L_G = \pm\log 2`), the mean
    outputs of D (both tend to 1/2), and the KS distance and JSD to the target (log scale).
    """
    s, x = shown[-1], [t.step for t in shown]
    eq_g = np.log(2.0) if s.g_loss == "nonsaturating" else -np.log(2.0)
    _curves(
        axes[0],
        x,
        {"$L_D$": [t.loss_d for t in shown], f"$L_G$ ({_display_name(s.g_loss)})": [t.loss_g for t in shown]},
        {
            r"$\log 4$": (np.log(4.0), _CURVE_COLORS["d"]),
            rf"${'' if eq_g > 0 else '-'}\log 2$": (eq_g, _CURVE_COLORS["g"]),
        },
        figure_text("loss (evaluation batch)"),
        figure_text("losses"),
        marker=s.step,
        xmax=xmax,
    )
    _curves(
        axes[1],
        x,
        {
            figure_text("mean $D(x)$, x real"): [t.d_real for t in shown],
            figure_text("mean $D(G(z))$"): [t.d_fake for t in shown],
        },
        {"1/2": (0.5, "0.4")},
        figure_text("mean output of D"),
        figure_text("mean D on real and fake"),
        marker=s.step,
        xmax=xmax,
    )
    axes[1].set_ylim(-0.02, 1.02)
    _curves(
        axes[2],
        x,
        {
            figure_text("KS distance"): [max(t.ks, 1e-4) for t in shown],
            figure_text("JSD (nats, KDE)"): [max(t.jsd, 1e-4) for t in shown],
        },
        {figure_text(r"$\log 2$ (JSD max)"): (np.log(2.0), "0.6")},
        figure_text("distance to the target (log scale)"),
        figure_text("how far is $p_g$ from $p_{data}$?"),
        marker=s.step,
        logy=True,
        xmax=xmax,
    )


def plot_toy_dashboard(snapshots: Sequence[ToySnapshot], index=-1, fig=None):
    r"""The lesson-2 dashboard: six panels drawn from recorded snapshots of a 1-D GAN.

    Top: :math:`p_{data}` vs samples and KDE of :math:`p_g`; :math:`D(x)` with :math:`D^*`; the
    mapping :math:`z \mapsto G(z)` (at the first snapshot, dashed, and now). Bottom, up to the shown
    snapshot: the losses on a fixed evaluation batch (equilibrium: :math:`L_D = \log 4`, non-saturating
    :math:`L_G = \log 2`); mean :math:`D(x)` and :math:`D(G(z))` (both tend to 1/2); KS and JSD.

    Parameters
    ----------
    snapshots : sequence of :class:`gan_lessons.metrics.ToySnapshot`
    index : int
        Which snapshot to show (negative counts from the end): replaying a run is drawing earlier indices.
    fig : matplotlib Figure, optional
        Redrawn in place (cleared) when given; else a new figure (not registered with pyplot).

    Returns
    -------
    matplotlib Figure
    """
    if not snapshots:
        raise ValueError("snapshots is empty: record at least one snapshot first")
    n = len(snapshots)
    index = check_int("index", index, minimum=-n)
    if index >= n:
        raise ValueError(f"index must be in [-{n}, {n - 1}], got {index}")
    index %= n
    s = snapshots[index]
    fig, axes = _dashboard_axes(fig)
    plot_toy_densities(axes[0, 0], s.grid, s.p_data, s.p_g, s.samples)
    plot_discriminator_1d(
        axes[0, 1],
        s.grid,
        s.d,
        s.d_star,
        p_sum=s.p_data + s.p_g,
        title=figure_text(r"discriminator $D(x)$ and optimal $D^*(x)$"),
    )
    plot_mapping(axes[0, 2], s.z, s.gz, before=snapshots[0].gz, mean=s.target_mean, std=s.target_std)
    xmax = max(t.step for t in snapshots)  # replay keeps the whole run's axis
    _dashboard_curves(axes[1], snapshots[: index + 1], xmax)
    fig.suptitle(
        figure_text(
            "{label} — after {g_steps} G steps and {d_steps} D steps:  KS {ks:.3f} ({n:,} samples)   "
            "JSD {jsd:.4f} nats   "
            "mean D(x) {d_real:.3f}   mean D(G(z)) {d_fake:.3f}"
        ).format(
            label=s.label,
            g_steps=s.step,
            d_steps=s.d_steps,
            ks=s.ks,
            n=len(s.samples),
            jsd=s.jsd,
            d_real=s.d_real,
            d_fake=s.d_fake,
        ),
        fontsize=12,
    )
    return fig
