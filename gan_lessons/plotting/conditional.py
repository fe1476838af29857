r"""Pictures for a conditional GAN (lesson 6): one row per class, style and content, blends of classes.

A conditional G separates *content*, the class :math:`y` it is asked for, from *style*, what the noise
:math:`z` adds: in :func:`plot_class_grid` each row is a class and each column one fixed :math:`z`, so a
column shows one "handwriting" across all the digits. A blend of classes feeds G the weighted class
embedding :math:`(1 - t)\, e_a + t\, e_b` (:class:`gan_lessons.models.ConditionalDCGANGenerator`).
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import check_int
from ..i18n import N_, figure_text
from ..models import Labelled, decode, latent_dim, n_classes
from ._common import _new_ax
from .dcgan import _gif_path, _write_gif, plot_image_grid

__all__ = [
    "class_noise",
    "class_weights",
    "blend_images",
    "plot_class_grid",
    "plot_class_blend",
    "plot_style_walk",
    "plot_per_class",
    "save_class_morph_gif",
]


#: default texts, translated where they are drawn
_GRID_TITLE = N_("one row per class, one column per z")
_PER_CLASS_LABEL = N_("conditional G")


def _conditional(G):
    K = n_classes(G)
    if K is None:
        raise ValueError("G is unconditional: it cannot be asked for a class (train it with conditional=True)")
    return K


def class_noise(G, n_per_class=8, seed=0):
    """Codes for a class grid: ``n_per_class`` noise vectors, each repeated for every class, as a Labelled pair.

    Sample ``c * n_per_class + j`` is class ``c`` with noise ``j``: drawn as a grid of ``n_per_class``
    columns, each row is a class and each column one fixed z. Pass it to
    :class:`~gan_lessons.plotting.FixedNoiseGrids` for one such grid per epoch.
    """
    K = _conditional(G)
    z = torch.randn(check_int("n_per_class", n_per_class), latent_dim(G), generator=torch.Generator().manual_seed(seed))
    return Labelled(z.repeat(K, 1), torch.arange(K).repeat_interleave(n_per_class))  # (K * n, z_dim), (K * n,)


def _names(G, class_names):
    K = _conditional(G)
    names = class_names or getattr(G, "class_names", None) or [str(c) for c in range(K)]
    if len(names) != K:
        raise ValueError(f"class_names must name the {K} classes, got {len(names)}")
    return list(names)


def plot_class_grid(G, z=None, ax=None, class_names=None, title=_GRID_TITLE):
    """Draw G's images of :func:`class_noise` codes (or of ``z``, a Labelled grid), rows labelled by class."""
    title = figure_text(title)  # the default, translated; a title of the caller's with no translation stays as it is
    z = class_noise(G) if z is None else z
    K, names = _conditional(G), _names(G, class_names)
    n = len(z.y) // K
    ax = _new_ax(ax, figsize=(0.5 * n + 1, 0.5 * K + 0.5))
    plot_image_grid(decode(G, z), ax, nrow=n, title=title)
    h = G.image_size + 1  # a tile and its one-pixel gap
    ax.set_yticks([h * c + h / 2 - 0.5 for c in range(K)], names)
    ax.tick_params(left=False, labelsize=8)
    ax.axis("on")
    ax.set_xticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    return ax


def class_weights(n_classes, a, b, t):
    """Class weights (len(t), n_classes): :math:`(1 - t)` on class ``a`` and :math:`t` on class ``b``, for each t."""
    t = torch.as_tensor(np.atleast_1d(t), dtype=torch.float32)
    for name, c in (("a", a), ("b", b)):
        check_int(name, c, minimum=0, maximum=n_classes - 1)
    w = torch.zeros(len(t), n_classes)
    w[:, a] += 1 - t
    w[:, b] += t
    return w


def blend_images(G, z, a, b, t):
    """G's images of one code ``z`` (z_dim,) at class blends ``t`` (a number or several) from class ``a`` to ``b``."""
    K = _conditional(G)
    w = class_weights(K, a, b, t)
    z = torch.as_tensor(z, dtype=torch.float32).reshape(1, -1).expand(len(w), -1)  # (n, z_dim)
    return decode(G, Labelled(z, w))


def plot_class_blend(G, z, a, b, n=9, ax=None, class_names=None):
    """A strip of one code drawn as a blend from class ``a`` to class ``b`` in ``n`` steps; returns the Axes."""
    names = _names(G, class_names)
    ax = _new_ax(ax, figsize=(0.9 * n, 1.3))
    images = blend_images(G, z, a, b, np.linspace(0, 1, n))
    return plot_image_grid(
        images, ax, nrow=n, title=figure_text("class {a} -> class {b} (same z)").format(a=names[a], b=names[b])
    )


def plot_style_walk(G, z, label, direction, alphas=(-3, -2, -1, 0, 1, 2, 3), ax=None, title=None):
    """Images of class ``label`` at codes :math:`z + \\alpha d` for each ``alpha``: one style direction, walked."""
    _conditional(G)
    d = torch.as_tensor(direction, dtype=torch.float32).reshape(1, -1)
    a = torch.as_tensor(alphas, dtype=torch.float32).reshape(-1, 1)
    codes = torch.as_tensor(z, dtype=torch.float32).reshape(1, -1) + a * d  # (n, z_dim)
    images = decode(G, Labelled(codes, torch.full((len(codes),), label)))
    ax = _new_ax(ax, figsize=(0.9 * len(codes), 1.3))
    return plot_image_grid(images, ax, nrow=len(codes), title=title)


def plot_per_class(report, class_names=None, axes=None, label=_PER_CLASS_LABEL):
    """Two panels from a :func:`gan_lessons.metrics.conditional_report`: class accuracy, and FID per class vs real."""
    label = figure_text(label)
    if axes is None:
        from matplotlib.figure import Figure

        axes = Figure(figsize=(10, 3), layout="constrained").subplots(1, 2)
    acc = np.asarray(report["accuracy_per_class"])
    names = class_names or [str(c) for c in range(len(acc))]
    x = np.arange(len(acc))
    axes[0].bar(x, acc, color="tab:blue")
    axes[0].axhline(
        report["accuracy"],
        color="k",
        ls="--",
        lw=1,
        label=figure_text("mean {accuracy:.3f}").format(accuracy=report["accuracy"]),
    )
    axes[0].set(xticks=x, xticklabels=names, ylim=(0, 1.02), ylabel=figure_text("asked for y, read as y"), title=label)
    axes[0].legend(loc="lower right")
    fid, base = np.asarray(report["fid_per_class"]), np.asarray(report["fid_baseline_per_class"])
    axes[1].bar(x - 0.2, fid, 0.4, label=label, color="tab:orange")
    axes[1].bar(x + 0.2, base, 0.4, label=figure_text("real training digits"), color="tab:gray")
    axes[1].set(xticks=x, xticklabels=names, ylabel=figure_text("digit-FID vs held-out of the class"),
                title=figure_text("per-class digit-FID (45 held-out digits each)"))  # fmt: skip
    axes[1].legend()
    return axes


def save_class_morph_gif(G, z, classes, path, frames_per_leg=10, scale=8, duration_ms=80):
    """An animated GIF of one code ``z`` blending through ``classes`` (k >= 2) and back to the first, in a loop.

    Written atomically; returns the path.
    """
    K = _conditional(G)
    classes = [check_int("classes", c, minimum=0, maximum=K - 1) for c in classes]
    if len(classes) < 2:
        raise ValueError(f"classes must name at least two classes, got {classes!r}")
    check_int("frames_per_leg", frames_per_leg, minimum=2)
    path = _gif_path(path)
    t = np.arange(frames_per_leg) / frames_per_leg
    legs = [blend_images(G, z, a, b, t) for a, b in zip(classes, classes[1:] + classes[:1], strict=True)]
    return _write_gif(np.concatenate(legs), path, scale, duration_ms)
