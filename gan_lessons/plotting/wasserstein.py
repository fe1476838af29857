"""Pictures for lesson 5: divergences against a shift, Gaussian fits, critics and a WGAN's own estimate of W1."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..i18n import figure_text
from ._common import _new_ax

__all__ = [
    "plot_divergence_curves",
    "plot_divergence_explorer",
    "plot_gaussian_fits",
    "plot_critics",
    "plot_weight_histogram",
    "plot_critic_over_training",
]

#: One colour per divergence, the same in every picture of the lesson.
COLORS = {"JSD": "C0", "KL(p||q)": "C1", "KL(q||p)": "C3", "NS": "C4", "W1": "C2"}
LABELS = {
    "JSD": "JSD",
    "KL(p||q)": r"KL($p_{data}\|p_g$)",
    "KL(q||p)": r"KL($p_g\|p_{data}$)",
    "NS": r"KL($p_g\|p_{data}$) − 2 JSD",
    "W1": r"$W_1$",
}


def plot_divergence_curves(curves, ax=None, slopes=False, marker=None, ylim=None):
    """The divergences of :func:`gan_lessons.divergences.divergence_curves` against the shift ``s`` (or their slopes).

    ``marker``: a shift to mark with a vertical line (the explorer's current one).
    """
    ax = _new_ax(ax, (6, 4))
    s = curves["s"]
    for name in [k for k in curves if k in COLORS]:
        y = curves["d/ds " + name] if slopes else curves[name]
        ax.plot(s, y, color=COLORS[name], lw=2, ls="--" if name == "KL(q||p)" else "-", label=LABELS[name])
    if not slopes and "JSD" in curves:
        ax.axhline(np.log(2), color=COLORS["JSD"], ls=":", lw=1)
        ax.text(s[0], np.log(2), " log 2", color=COLORS["JSD"], va="bottom", fontsize=8)
    if marker is not None:
        ax.axvline(marker, color="0.4", ls="--", lw=1)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set(
        xlabel=figure_text("shift $s$ of $p_g$"),
        ylabel=figure_text("slope d/ds") if slopes else figure_text("divergence (nats; $W_1$ in x-units)"),
    )
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_divergence_explorer(state, axes):
    """The divergence explorer's picture: the two densities (left) and the divergences against the shift (right)."""
    left, right = axes
    left.fill_between(state["x"], state["p_data"], color="C0", alpha=0.25, label="$p_{data}$")
    shifted = figure_text("$p_g$: shifted by s = {shift:.2f}").format(shift=state["shift"])
    left.plot(state["x"], state["p_g"], color="C3", lw=2, label=shifted)
    title = state.get("title", state["target_name"])
    left.set(xlim=state["xlim"], xlabel="x", ylabel=figure_text("density"), title=title)
    left.legend(fontsize=8, loc="upper right")
    plot_divergence_curves(state["curves"], right, marker=state["shift"], ylim=(-0.1, 4.0))
    right.set_title(figure_text("divergence against the shift"))
    return axes


def plot_gaussian_fits(x, p, fits, ax=None):
    """A target density and the best single Gaussian under each divergence (``fits``: name -> dict of mu, sigma)."""
    ax = _new_ax(ax, (7, 3.6))
    ax.fill_between(x, p, color="0.8", label=figure_text("$p_{data}$ (two modes)"))
    for name, f in fits.items():
        q = np.exp(-0.5 * ((x - f["mu"]) / f["sigma"]) ** 2) / (f["sigma"] * np.sqrt(2 * np.pi))
        ax.plot(
            x,
            q,
            color=COLORS.get(name, "k"),
            lw=2,
            label=f"{LABELS.get(name, name)}: μ={f['mu']:+.2f}, σ={f['sigma']:.2f}",
        )
    ax.set(
        xlabel="x", ylabel=figure_text("density"), title=figure_text("the best single Gaussian under each divergence")
    )
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_critics(x, p, q, f_opt, critics, ax=None):
    """Two densities, the optimal critic ``f_opt`` and trained critics (``critics``: label -> values on ``x``).

    Critics are defined up to a constant: each is drawn shifted to mean 0 on the grid's middle, where
    the densities are, so that slopes can be compared.
    """
    ax = _new_ax(ax, (8, 4))
    tw = ax.twinx()
    tw.fill_between(x, p, color="C0", alpha=0.15)
    tw.fill_between(x, q, color="C3", alpha=0.15)
    tw.set_yticks([])
    tw.set_ylim(0, 1.15 * max(p.max(), q.max()))
    ax.plot(x, f_opt - f_opt.mean(), color="k", lw=2.5, label=figure_text("optimal 1-Lipschitz critic (exact)"))
    styles = ["--", "-.", ":", (0, (5, 1))]
    for i, (label, f) in enumerate(critics.items()):
        ax.plot(x, f - f.mean(), lw=2, ls=styles[i % len(styles)], color=f"C{i + 2}", label=label)
    ax.set(xlabel="x", ylabel=figure_text("critic f(x) (shifted to mean 0)"))
    ax.set_zorder(tw.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_weight_histogram(critics, ax=None, clip=None):
    """The share of each critic's weights in each bin (``critics``: label -> module); ``clip`` marks the walls.

    With ``clip``, weights are drawn in units of the bound, so the walls are at -1 and 1.
    """
    ax = _new_ax(ax, (6, 3.2))
    for i, (label, f) in enumerate(critics.items()):
        w = np.concatenate([p.detach().numpy().ravel() for n, p in f.named_parameters() if "weight" in n])
        w = w / clip if clip is not None else w
        bins = np.linspace(-1.05, 1.05, 43) if clip is not None else 60
        ax.hist(w, bins=bins, alpha=0.7, color=f"C{i + 2}", label=label, weights=np.full(len(w), 1 / len(w)))
    if clip is not None:
        for v in (-1, 1):
            ax.axvline(v, color="k", ls=":", lw=1)
    xlabel = figure_text("weight / c") if clip is not None else figure_text("weight")
    ax.set(xlabel=xlabel, ylabel=figure_text("share of the weights"), ylim=(0, None))
    ax.legend(fontsize=8, loc="upper center")
    return ax


def plot_critic_over_training(trackers, fig=None, title=None):
    """A WGAN's own estimate of W1 (top) and the critic-free distance (bottom) against the step.

    ``trackers``: label -> :class:`~gan_lessons.critics.CriticTracker`. The bottom measure is the 1-D
    :math:`W_1` of the samples, or the sliced :math:`W_1` on a 2-D target.
    """
    fig = fig or Figure(figsize=(7, 5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for i, (label, t) in enumerate(trackers.items()):
        top.plot(t.steps, t.estimate, color=f"C{i}", lw=1.5, label=label)
        bottom.plot(t.steps, t.w1, color=f"C{i}", lw=1.5, label=label)
    top.set(ylabel=figure_text("critic's estimate\n$E f(x) - E f(G(z))$"))
    dim = next(iter(trackers.values())).target.dim if trackers else 1
    bottom.set(
        xlabel=figure_text("generator step"),
        ylabel=figure_text("$W_1$ of the samples\n(no critic)")
        if dim == 1
        else figure_text("sliced $W_1$\n(no critic)"),
    )
    top.axhline(0, color="0.5", lw=0.8)
    for a in (top, bottom):
        a.grid(alpha=0.3)
    top.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
