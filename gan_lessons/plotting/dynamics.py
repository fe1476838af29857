r"""Pictures for training dynamics (lesson 3): the bilinear game, saturating losses, dropped modes.

* The bilinear game :math:`\min_x \max_y xy`: paths of gradient methods over the field
  :math:`(-y, x)` that simultaneous descent-ascent follows, and their distance to the equilibrium (0, 0).
* The generator's loss: :math:`|\partial L_G / \partial \ell|` against :math:`D(G(z))` for the
  saturating :math:`\log(1 - D(G(z)))` and non-saturating :math:`-\log D(G(z))` losses, and the
  course of runs trained with each.
* 2-D mixtures: samples over the target's centres, titled with the modes covered and the share of
  high-quality samples (:func:`gan_lessons.metrics.mode_coverage`); both numbers over training time
  for several methods and seeds, and which modes G is on at each moment.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..dynamics import bilinear_field, distance_to_equilibrium
from ..i18n import figure_text
from ..metrics.toy import mode_coverage
from ._common import _display_name, _new_ax

__all__ = [
    "plot_phase_portrait",
    "plot_distance_to_equilibrium",
    "plot_generator_loss_gradients",
    "plot_saturation",
    "plot_samples_2d",
    "plot_samples_over_time",
    "plot_method_grid",
    "plot_coverage_over_time",
    "plot_mode_occupancy",
]

#: one colour per method of the bilinear game and per generator loss, the same in every picture
_METHOD_COLORS = {
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
    ax = _new_ax(ax, (4.6, 4.6))
    p = np.asarray(path, dtype=float)
    d = distance_to_equilibrium(p)
    lim = lim or max(1.5, 1.1 * float(d.max()))
    if field:
        g = np.linspace(-lim, lim, 15)
        X, Y = np.meshgrid(g, g)
        U, V = bilinear_field(X, Y)
        ax.quiver(X, Y, U, V, color="0.75", angles="xy", width=0.004)
    color = _METHOD_COLORS.get(method, "tab:blue")
    ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.3)
    ax.plot(*p[0], "o", color="black", ms=6, label=figure_text("start"))
    ax.plot(*p[-1], "s", color=color, ms=6, label=figure_text("after {n} steps").format(n=len(p) - 1))
    ax.plot(0, 0, "*", color="gold", mec="black", ms=15, label=figure_text("equilibrium (0, 0)"))
    ax.set(
        xlim=(-lim, lim),
        ylim=(-lim, lim),
        xlabel=figure_text("x (minimises xy)"),
        ylabel=figure_text("y (maximises xy)"),
    )
    ax.set_aspect("equal")
    distance = figure_text("distance to (0, 0): {start:.2f} → {end:.2f}").format(start=d[0], end=d[-1])
    ax.set_title((f"{_display_name(method)}\n" if method else "") + distance, fontsize=10)
    ax.legend(loc="lower right", fontsize=7)
    return ax


def plot_distance_to_equilibrium(paths, ax=None):
    """Distance to (0, 0) against step, one line per method (``paths``: method name -> path), log scale."""
    ax = _new_ax(ax, (6, 3.6))
    for method, path in paths.items():
        label = _display_name(method)
        ax.semilogy(distance_to_equilibrium(path), color=_METHOD_COLORS.get(method), label=label, lw=1.6)
    ax.set(
        xlabel=figure_text("step"),
        ylabel=figure_text("distance to (0, 0)"),
        title=figure_text("who reaches the equilibrium?"),
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def plot_generator_loss_gradients(d, grads, ax=None):
    r""":math:`|\partial L_G / \partial \ell|` against :math:`D(G(z))` (``grads``: loss name -> values)."""
    ax = _new_ax(ax, (6, 3.6))
    names = {
        "saturating": figure_text(r"saturating  $\log(1 - D(G(z)))$"),
        "nonsaturating": figure_text(r"non-saturating  $-\log D(G(z))$"),
    }
    for loss, g in grads.items():
        ax.plot(d, np.abs(g), color=_METHOD_COLORS.get(loss), lw=2, label=names.get(loss, loss))
    ax.axvspan(0, 0.1, color="tab:red", alpha=0.08)
    ax.text(0.012, 0.5, figure_text("D confidently\nrejects the fakes\n(early training)"), fontsize=8, va="center")
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.05),
        xlabel=r"$D(G(z))$",
        ylabel=r"$|\partial L_G / \partial\,\mathrm{logit}|$",
        title=figure_text("the learning signal G receives"),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    return ax


def plot_saturation(runs, fig=None):
    """Three panels for runs keyed by loss name, each a dict with ``step``, ``d_fake``, ``grad_norm``, ``g_mean``.

    Left: mean :math:`D(G(z))`; middle: the norm of G's gradient (log scale); right: the mean of G's
    samples against the target's.
    """
    fig = fig or Figure(figsize=(12, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for loss, r in runs.items():
        c, label = _METHOD_COLORS.get(loss), _display_name(loss)
        axes[0].plot(r["step"], r["d_fake"], color=c, label=label, lw=1.2)
        axes[1].semilogy(r["step"], np.maximum(r["grad_norm"], 1e-30), color=c, label=label, lw=1.0)
        axes[2].plot(r["step"], r["g_mean"], color=c, label=label, lw=1.5)
        if "target_mean" in r:
            axes[2].axhline(r["target_mean"], color="black", ls="--", lw=1, label=figure_text("target mean"))
    step = figure_text("step")
    axes[0].set(xlabel=step, ylabel=figure_text(r"mean $D(G(z))$"), title=figure_text("how D judges the fakes"))
    axes[1].set(xlabel=step, ylabel=r"$\|\nabla_{\theta_G} L_G\|$", title=figure_text("gradient reaching G"))
    axes[2].set(xlabel=step, ylabel=figure_text("mean of G's samples"), title=figure_text("where G's samples are"))
    handles, labels = axes[2].get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    axes[2].legend(uniq.values(), uniq.keys(), fontsize=8)
    for a in axes:
        a.grid(alpha=0.3)
    return fig


def plot_samples_2d(x, target, ax=None, title=None, lim=None, s=3):
    r"""Samples (n, 2) over the target's centres, each centre with its :math:`3\sigma` high-quality circle."""
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
    """``head`` over a line with the modes covered and the share of high-quality samples of ``x``."""
    m = mode_coverage(x, target)
    return figure_text("{head}\n{modes}/{total} modes, HQ {hq:.0f}%").format(
        head=head, modes=m["modes"], total=m["total_modes"], hq=100 * m["hq_share"]
    )


def plot_samples_over_time(snapshots, target, fig=None, title=None):
    """One panel per snapshot (``snapshots``: step -> samples (n, 2)), titled with modes covered and HQ share."""
    n = len(snapshots)
    fig = fig or Figure(figsize=(2.6 * n, 3.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, (step, x) in zip(axes, snapshots.items(), strict=True):
        plot_samples_2d(x, target, ax, _coverage_title(figure_text("step {step}").format(step=step), target, x))
    if title:
        fig.suptitle(title)
    return fig


def plot_method_grid(samples, target, fig=None, ncols=None, title=None):
    """One panel per method (``samples``: method name -> samples (n, 2)), titled with its metrics."""
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


def plot_coverage_over_time(records, fig=None, title=None):
    """Modes covered (top row) and high-quality share (bottom row) against the step, one column per method.

    ``records``: method name -> list of :class:`~gan_lessons.metrics.CoverageTracker` (one per seed), as
    :func:`gan_lessons.dynamics.coverage_over_time` returns. One line per seed, in the same colour order in
    every column.
    """
    n = len(records)
    fig = fig or Figure(figsize=(2.9 * n, 5.0), layout="constrained")
    axes = np.asarray(fig.subplots(2, n, sharey="row", squeeze=False))
    for j, (name, trackers) in enumerate(records.items()):
        for i, t in enumerate(trackers):
            kw = {"color": f"C{i}", "lw": 1.3, "alpha": 0.85, "label": figure_text("seed {i}").format(i=i)}
            axes[0, j].plot(t.steps, t.modes, drawstyle="steps-post", **kw)
            axes[1, j].plot(t.steps, 100 * np.asarray(t.hq_share), **kw)
        total = len(trackers[0].target.centers) if trackers else 8
        axes[0, j].axhline(total, color="black", ls=":", lw=0.8)
        axes[0, j].set(title=name, ylim=(-0.3, total + 0.5))
        axes[1, j].set(xlabel=figure_text("generator step"), ylim=(0, 100))
        for a in axes[:, j]:
            a.grid(alpha=0.3)
    axes[0, 0].set_ylabel(figure_text("modes covered"))
    axes[1, 0].set_ylabel(figure_text("high-quality samples (%)"))
    axes[0, 0].legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title)
    return fig


def plot_mode_occupancy(tracker, ax=None, title=None):
    """Where G's mass is over time: the share of ``tracker``'s samples nearest to each mode, per measurement.

    A collapsed generator lights up one or two rows at a time, and the lit rows move (mode hopping); a
    generator that covers the target lights every row about equally (1/K each).
    """
    ax = _new_ax(ax, (9, 2.8))
    share = np.asarray(tracker.nearest, dtype=float).T  # (modes, measurements)
    steps = np.asarray(tracker.steps)
    edges = np.concatenate([steps, [steps[-1] + (steps[-1] - steps[-2] if len(steps) > 1 else 1)]])
    mesh = ax.pcolormesh(edges, np.arange(share.shape[0] + 1), share, cmap="Blues", vmin=0, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label=figure_text("share of samples\nnearest the mode"), pad=0.01)
    ax.set(xlabel=figure_text("generator step"), ylabel=figure_text("mode"), yticks=np.arange(share.shape[0]) + 0.5)
    ax.set_yticklabels(range(share.shape[0]))
    if title:
        ax.set_title(title)
    return ax
