r"""Pictures for an image DCGAN (lesson 4): image grids, training curves, digit metrics, the latent space.

Images are ``(N, C, H, W)`` arrays or tensors in :math:`[-1, 1]` (G's tanh output), shown with the
ink of digits white, as in MNIST. The latent space is explored along paths between codes, straight
or along the arc (slerp):

.. math:: z(t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
          \qquad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert\,\lVert z_1\rVert}.

Pictures are saved as PNG files and morphs as animated GIFs, each written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from PIL import Image

from .._atomic import atomic_write
from .._validate import check_choice, check_int
from ..i18n import N_, figure_text
from ..metrics.digits import nearest_neighbours
from ..models import Labelled, decode
from ._common import _new_ax

__all__ = [
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


#: default texts, translated where they are drawn
_HISTOGRAM_TITLE = N_("which digits does G draw?")


def _images_numpy(images, name="images"):
    """(N, C, H, W) float numpy in [-1, 1] from a tensor or array; (N, H, W) gets a channel axis."""
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().float().numpy()
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(images).__name__}")
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[:, None]  # (N, H, W) -> (N, 1, H, W)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or len(x) == 0:
        raise ValueError(f"{name} must have shape (N, C, H, W) with C 1 or 3 and N >= 1, got {images.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def decode_latents(G, z):
    """Images of generator ``G`` at latent codes ``z`` (N, z_dim): float32 numpy (N, C, H, W) in [-1, 1].

    G runs in evaluation mode (batch norm uses its running statistics, as for sampling) without
    gradients, and is put back in the mode it was in (:func:`gan_lessons.models.decode`). A single
    code ``z`` (z_dim,) gives one image, (1, C, H, W). A conditional G takes the pair
    :class:`~gan_lessons.models.Labelled` ``(z, y)``.
    """
    if isinstance(z, Labelled):  # a conditional G's codes with their classes
        return decode(G, z)
    z = torch.as_tensor(z, dtype=torch.float32)
    return decode(G, z[None] if z.dim() == 1 else z)  # (N, z_dim) -> (N, C, H, W)


def image_grid(images, nrow=None, pad=1):
    """Tile images (N, C, H, W) in [-1, 1] into one picture in [0, 1]: (rows*H, cols*W) or (.., .., 3).

    ``nrow`` images per row (default: a square-ish grid); ``pad`` pixels of mid-grey between tiles.
    """
    x = (np.clip(_images_numpy(images), -1, 1) + 1) / 2  # (N, C, H, W) in [0, 1]
    n, c, h, w = x.shape
    if nrow is None:
        nrow = int(np.ceil(np.sqrt(n)))
    nrow = min(check_int("nrow", nrow), n)
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
    z : Tensor (n, z_dim)
        The fixed codes, e.g. ``torch.randn(64, z_dim, generator=torch.Generator().manual_seed(0))``; for a
        conditional G the pair ``Labelled(z, y)`` (:func:`gan_lessons.plotting.class_noise`: one row per class).
    every : int
        Steps between pictures: pass the steps of one epoch for one grid per epoch.
    draw_with : nn.Module, optional
        The generator to draw with, e.g. a run's moving average (``Run.sampling_generator``); default: the G
        being trained.
    """

    def __init__(self, z, every, draw_with=None):
        self.z, self.every, self.draw_with = z, check_int("every", every), draw_with
        self.grids, self.steps = [], []

    def snapshot(self, G, step):
        """Record G's images of the fixed codes, labelled ``step`` (e.g. step 0, before training)."""
        self.grids.append(decode_latents(self.draw_with if self.draw_with is not None else G, self.z))
        self.steps.append(int(step))

    def __call__(self, info):
        if info.step % self.every == 0 or info.step == info.total:
            if not self.steps or self.steps[-1] != info.step:
                self.snapshot(info.G, info.step)


def _smooth(y, window):
    """Running mean of ``y`` over ``window`` values (over fewer at the start), as long as ``y``."""
    y = np.asarray(y, dtype=float)
    if window <= 1 or len(y) < window:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    return np.concatenate([c[1:window] / np.arange(1, window), (c[window:] - c[:-window]) / window])


def plot_dcgan_curves(history, steps_per_epoch=None, window=None, axes=None):
    r"""Loss curves and discriminator outputs of a run, smoothed by a running mean.

    Left: D's loss (:math:`\log 4 \approx 1.386` at the equilibrium :math:`D = 1/2`) and G's loss
    (:math:`\log 2 \approx 0.693` there). Right: mean :math:`D(x)` and :math:`D(G(z))` (both 1/2 at the
    equilibrium). The x-axis is in epochs when ``steps_per_epoch`` is given. Returns the two Axes.
    """
    if axes is None:
        axes = Figure(figsize=(10, 3.4), layout="constrained").subplots(1, 2)
    n = len(history.step)
    if n == 0:
        raise ValueError("history is empty: train for at least one step first")
    window = window or max(1, n // 50)
    x = np.asarray(history.step, dtype=float)
    xlabel = figure_text("step")
    if steps_per_epoch:
        x, xlabel = x / steps_per_epoch, figure_text("epoch")
    a, b = axes
    a.plot(x, _smooth(history.loss_d, window), color="tab:red", label=figure_text("D loss"))
    a.plot(x, _smooth(history.loss_g, window), color="tab:blue", label=figure_text("G loss"))
    a.axhline(np.log(4), color="tab:red", ls=":", lw=1)
    a.axhline(np.log(2), color="tab:blue", ls=":", lw=1)
    a.set(xlabel=xlabel, ylabel=figure_text("loss"), title=figure_text("losses (dotted: value at D = 1/2)"))
    b.plot(x, _smooth(history.d_real, window), color="black", label=figure_text("mean D(x), real"))
    b.plot(x, _smooth(history.d_fake, window), color="tab:orange", label=figure_text("mean D(G(z)), fake"))
    b.axhline(0.5, color="0.5", ls=":", lw=1)
    b.set(xlabel=xlabel, ylabel=figure_text("D output"), ylim=(0, 1), title=figure_text("what D says"))
    for ax in axes:
        ax.legend(loc="best", fontsize=9)
    return axes


def plot_class_histogram(shares, ax=None, title=_HISTOGRAM_TITLE, floor=0.05):
    """Bar chart of the share of each digit 0..9 (e.g. :func:`gan_lessons.metrics.class_histogram`).

    The dotted line is the real data's 10%; bars under ``floor`` (dropped or starved modes) are red.
    """
    shares = np.asarray(shares, dtype=float)
    if shares.shape != (10,):
        raise ValueError(f"shares must have 10 entries (digits 0..9), got shape {shares.shape}")
    title = figure_text(title)  # the default, translated; a title of the caller's with no translation stays as it is
    ax = _new_ax(ax, figsize=(6, 3))
    colors = ["tab:red" if s < floor else "tab:blue" for s in shares]
    ax.bar(np.arange(10), shares, color=colors)
    ax.axhline(0.1, color="black", ls=":", lw=1, label=figure_text("real data: 10% each"))
    ax.axhline(floor, color="tab:red", ls="--", lw=1, label=f"{floor:.0%}")
    ax.set(
        xticks=np.arange(10),
        xlabel=figure_text("digit (as the classifier reads it)"),
        ylabel=figure_text("share of samples"),
        title=title,
    )
    ax.set_ylim(0, max(0.2, 1.35 * shares.max()))
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    return ax


def plot_nearest_neighbours(samples, images, k=4, fig=None):
    """Each sample (left column) next to its ``k`` nearest training images, with their pixel distances.

    If G memorised its data, the left image would equal its first neighbour (distance ~ 0).
    """
    s = _images_numpy(samples, "samples")
    idx, dist = nearest_neighbours(s, images, k)  # (N, k) each, nearest first
    imgs = _images_numpy(images)
    if fig is None:
        fig = Figure(figsize=(1.1 * (k + 1), 1.15 * len(s)), layout="constrained")
    axes = np.asarray(fig.subplots(len(s), k + 1, squeeze=False))
    for i in range(len(s)):
        plot_image_grid(s[i : i + 1], axes[i, 0], title=figure_text("sample") if i == 0 else None)
        for j in range(k):
            plot_image_grid(imgs[idx[i, j] : idx[i, j] + 1], axes[i, j + 1])
            axes[i, j + 1].set_title(f"d={dist[i, j]:.2f}", fontsize=8)
    fig.suptitle(figure_text("generated sample | nearest training images (pixel distance)"), fontsize=10)
    return fig


def latent_path(z0, z1, n=10, mode="slerp"):
    r"""``n`` codes from ``z0`` to ``z1`` (both ends included), as a tensor (n, z_dim).

    ``"linear"``: :math:`(1-t) z_0 + t z_1`. ``"slerp"`` (default; Shoemake 1985, White 2016,
    arXiv:1609.04468): along the arc,

    .. math:: \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
              \qquad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert\,\lVert z_1\rVert}.

    Gaussian codes live near a sphere of radius :math:`\sqrt{z_{dim}}`; the straight line cuts through its
    inside (its middle is about :math:`1/\sqrt 2` as long), where G saw no codes during training.
    """
    z0, z1 = torch.as_tensor(z0, dtype=torch.float32).reshape(-1), torch.as_tensor(z1, dtype=torch.float32).reshape(-1)
    if z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 must have the same size, got {tuple(z0.shape)} and {tuple(z1.shape)}")
    check_int("n", n, minimum=2)
    check_choice("mode", mode, ("slerp", "linear"))
    t = torch.linspace(0, 1, n)[:, None]  # (n, 1)
    omega = torch.arccos((z0 @ z1 / (z0.norm() * z1.norm()).clamp_min(1e-12)).clamp(-1, 1))
    if mode == "linear" or omega < 1e-4:  # (almost) parallel codes: the arc is a straight line
        return (1 - t) * z0 + t * z1  # (n, z_dim)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)  # (n, z_dim)


def plot_interpolation(G, z0, z1, n=10, mode="slerp", ax=None, title=None):
    """A strip of G's images along :func:`latent_path` from ``z0`` to ``z1``; returns the Axes."""
    ax = _new_ax(ax, figsize=(1.0 * n, 1.3))
    return plot_image_grid(decode_latents(G, latent_path(z0, z1, n, mode)), ax, nrow=n, title=title)


def _to_pil(images, nrow=None, scale=8):
    """A grid of ``images`` as a Pillow image, each pixel enlarged to a ``scale`` x ``scale`` square."""
    check_int("scale", scale)
    g = np.round(image_grid(images, nrow, pad=1 if len(_images_numpy(images)) > 1 else 0) * 255).astype(np.uint8)
    im = Image.fromarray(g, mode="L" if g.ndim == 2 else "RGB")
    return im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)


def _check_folder(path):
    """Saving needs an existing folder (a ValueError naming it otherwise)."""
    if not path.parent.is_dir():
        raise ValueError(f"cannot save {path}: folder {path.parent} does not exist")


def save_image(images, path, nrow=None, scale=8):
    """Save one image (C, H, W) or a grid of images (N, C, H, W) in [-1, 1] as a PNG, ``scale`` x bigger.

    Pixels are enlarged as crisp squares (nearest neighbour). Written atomically; returns the path.
    """
    x = _images_numpy(images[None] if np.ndim(images) == 3 and np.shape(images)[0] in (1, 3) else images)
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {path}")
    _check_folder(path)
    image = _to_pil(x, nrow, scale)
    with atomic_write(path) as f:
        image.save(f, format="PNG")
    return path


def save_morph_gif(G, codes, path, frames_per_leg=12, scale=8, duration_ms=70):
    """Save an animated GIF that morphs through ``codes`` (k, z_dim) and back to the first, in a loop.

    Each leg from one code to the next is :func:`latent_path` (slerp) with ``frames_per_leg`` frames.
    Written atomically with Pillow; returns the path.
    """
    codes = torch.as_tensor(codes, dtype=torch.float32)
    if codes.dim() != 2 or len(codes) < 2:
        raise ValueError(f"codes must have shape (k, z_dim) with k >= 2, got {tuple(codes.shape)}")
    check_int("frames_per_leg", frames_per_leg, minimum=2)
    path = _gif_path(path)
    legs = [latent_path(codes[i], codes[(i + 1) % len(codes)], frames_per_leg + 1)[:-1] for i in range(len(codes))]
    return _write_gif(decode_latents(G, torch.cat(legs)), path, scale, duration_ms)  # (k * frames_per_leg, C, H, W)


def _gif_path(path):
    """``path`` as a Path, or a ValueError unless it ends in .gif (checked before any frame is drawn)."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end in .gif, got {path}")
    return path


def _write_gif(images, path, scale, duration_ms):
    """Write ``images`` (N, C, H, W) in [-1, 1] as a looping GIF, one frame each, atomically; returns the path."""
    frames = [_to_pil(img[None], scale=scale) for img in images]
    _check_folder(path)
    with atomic_write(path) as f:
        frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path
