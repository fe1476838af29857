r"""Pictures for the value function (lesson 1): the two players, :math:`D^*`, :math:`C(G)` and Monte-Carlo V.

The value of the game (Goodfellow et al. 2014),

.. math:: V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))],

is drawn with the optimal discriminator :math:`D^* = p_{data} / (p_{data} + p_g)` (Prop. 1) and the
generator's criterion :math:`C(G) = \max_D V(D, G) = -\log 4 + 2\,\mathrm{JSD}(p_{data} \,\|\, p_g)` (Thm. 1).
Every function draws on an ``ax`` (or makes a figure) and returns it, so notebooks and widgets
share the same pictures and tests can check them without a display (Agg backend).
"""

from __future__ import annotations

import numpy as np

from ..i18n import figure_text
from ._common import _display_name, _new_ax

__all__ = [
    "plot_two_players",
    "plot_value_explorer",
    "plot_criterion_curve",
    "plot_discriminator_fit",
    "plot_mc_convergence",
]

#: colours of the curves: the data, the generator, the discriminator, a trained D, reference lines
_CURVE_COLORS = {"data": "black", "g": "tab:blue", "d": "tab:red", "learned": "tab:orange", "ref": "0.45"}


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

    box(0.9, 1.0, figure_text("noise\n$z \\sim p_z$"), "#f1f3f5")
    box(3.2, 1.0, figure_text("generator\n$G(z)$"), "#d0e4f5")
    box(0.9, 3.3, figure_text("real data\n$x \\sim p_{data}$"), "#f1f3f5")
    box(6.0, 2.15, figure_text("discriminator\n$D(\\cdot) \\in [0, 1]$"), "#f8d7da")
    box(8.85, 2.15, "$P(\\mathrm{real})$", "#fff3cd")
    arrow(1.45, 1.0, 2.55, 1.0)
    arrow(3.85, 1.0, 5.2, 1.8, figure_text("fake $G(z)$"), tx=4.25, ty=1.5)
    arrow(1.65, 3.3, 5.2, 2.5, figure_text("real $x$"), tx=3.5, ty=3.0)
    arrow(6.85, 2.15, 8.35, 2.15)
    arrow(
        8.85,
        1.75,
        3.2,
        0.5,
        figure_text(r"G learns from D's verdict: make $D(G(z)) \to 1$  (minimise V)"),
        color=_CURVE_COLORS["g"],
        rad=-0.25,
        tx=6.0,
        ty=-0.6,
    )
    arrow(
        8.85,
        2.6,
        6.3,
        2.75,
        figure_text(r"D learns: $D(x) \to 1$, $D(G(z)) \to 0$  (maximise V)"),
        color=_CURVE_COLORS["d"],
        rad=0.5,
        tx=7.7,
        ty=3.65,
    )
    ax.set_title(figure_text("The two players: $\\min_G \\max_D V(D, G)$"), fontsize=12)
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
    ax.fill_between(x, pd, color=_CURVE_COLORS["data"], alpha=0.12)
    name = _display_name(state["target_name"]) if "target_name" in state else figure_text("target")
    ax.plot(x, pd, color=_CURVE_COLORS["data"], lw=2, label=rf"$p_{{data}}$: {name}")
    ax.plot(
        x,
        pg,
        color=_CURVE_COLORS["g"],
        lw=2,
        label=rf"$p_g = \mathcal{{N}}({state.get('mean', 0):.2f}, {state.get('std', 1):.2f}^2)$",
    )
    ax.set_ylim(0, 1.3 * max(pd.max(), pg.max()))
    ax.set_xlim(*state.get("xlim", (x[0], x[-1])))
    ax.set_xlabel("x")
    ax.set_ylabel(figure_text("density"))
    right = ax.twinx()
    d_star_label = figure_text(r"optimal $D^*(x)$ (right axis)")
    right.plot(x, state["d_star"], color=_CURVE_COLORS["d"], lw=2, ls="--", label=d_star_label)
    right.axhline(0.5, color=_CURVE_COLORS["ref"], lw=0.8, ls=":", label=figure_text(r"$D = 1/2$ (equilibrium)"))
    right.set_ylim(-0.02, 1.3)
    right.set_yticks([0, 0.25, 0.5, 0.75, 1])
    right.set_ylabel(figure_text("$D^*(x)$ = P(real)"), color=_CURVE_COLORS["d"])
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = right.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8.5, loc="upper left", ncol=2, framealpha=0.9)
    ax.set_title(
        figure_text(r"$V(D^*, G)$ = {value:.4f}    JSD = {jsd:.4f} nats    $-\log 4 + 2\,$JSD = {thm1:.4f}").format(
            value=state["value"], jsd=state["jsd"], thm1=state["thm1"]
        ),
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
            label=figure_text("minimum {value:.3f} at mean {mean:.2f}").format(value=values[i], mean=means[i]),
        )
    ax.axhline(
        -np.log(4.0),
        color=_CURVE_COLORS["ref"],
        lw=1,
        ls="--",
        label=figure_text(r"$-\log 4$ (global minimum, $p_g = p_{data}$)"),
    )
    ax.axhline(0.0, color=_CURVE_COLORS["ref"], lw=1, ls=":", label=figure_text("0 (no overlap: JSD = log 2)"))
    ax.set_xlabel(figure_text(r"mean of $p_g$"))
    ax.set_ylabel(r"$C(G) = \max_D V(D, G)$")
    ax.set_title(figure_text(r"The generator's criterion as $p_g$ slides across $p_{data}$"))
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
    ax.fill_between(
        x, p_data * scale, color=_CURVE_COLORS["data"], alpha=0.10, label=figure_text(r"$p_{data}$ (scaled)")
    )
    ax.fill_between(x, p_g * scale, color=_CURVE_COLORS["g"], alpha=0.12, label=figure_text(r"$p_g$ (scaled)"))
    ax.plot(x, d_star, color=_CURVE_COLORS["d"], lw=2.2, ls="--", label=figure_text(r"analytic $D^*(x)$"))
    ax.plot(x, d_learned, color=_CURVE_COLORS["learned"], lw=2, label=figure_text("network $D(x)$, trained"))
    rare = (p_data + p_g) / 2 < 0.01 * max(p_data.max(), p_g.max())
    ax.fill_between(
        x, -0.02, 1.02, where=rare, color="0.85", alpha=0.5, lw=0, label=figure_text("almost no samples here")
    )
    ax.axhline(0.5, color=_CURVE_COLORS["ref"], lw=0.8, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel("x")
    ax.set_ylabel(figure_text("D(x) = P(real)"))
    ax.set_title(title or figure_text(r"A trained discriminator approaches $D^* = p_{data} / (p_{data} + p_g)$"))
    ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False)
    return ax


def plot_mc_convergence(ns, estimates, std_errors, exact, ax=None):
    r"""Monte-Carlo estimates of V against the sample size, with :math:`\pm 2` standard errors and the exact value."""
    ns, est, se = (np.asarray(a, dtype=float) for a in (ns, estimates, std_errors))
    if not (ns.shape == est.shape == se.shape) or ns.ndim != 1:
        raise ValueError("ns, estimates and std_errors must be 1-D of the same length")
    ax = _new_ax(ax, figsize=(8, 4))
    ax.fill_between(
        ns,
        est - 2 * se,
        est + 2 * se,
        color=_CURVE_COLORS["g"],
        alpha=0.2,
        label=figure_text(r"$\pm 2$ standard errors"),
    )
    ax.plot(ns, est, "o-", color=_CURVE_COLORS["g"], lw=1.5, label=figure_text(r"Monte-Carlo $\hat V$ from n samples"))
    quadrature = figure_text("quadrature on a grid: {exact:.4f}").format(exact=exact)
    ax.axhline(exact, color=_CURVE_COLORS["d"], lw=1.5, ls="--", label=quadrature)
    ax.set_xscale("log")
    ax.set_xlabel(figure_text("number of samples n (each of real and fake)"))
    ax.set_ylabel(r"$V(D^*, G)$")
    ax.set_title(figure_text(r"Monte-Carlo estimates converge like $1/\sqrt{n}$"))
    ax.legend(fontsize=8.5, loc="best")
    return ax
