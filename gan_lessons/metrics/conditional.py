r"""Did G draw what we asked for? The figures of lesson 6, for a conditional generator of digits.

Asked for class :math:`y`, a conditional G should draw a digit the course's classifier
(:func:`gan_lessons.metrics.digits.digit_classifier`) reads as :math:`y` (:func:`class_accuracy`), that
looks like the real digits of that class (digit-FID per class, :func:`per_class_fid`), in many
different ways (:func:`within_class_diversity`: a G that draws one 7 whatever the noise scores 0),
without copying its training images (nearest-neighbour distances,
:func:`gan_lessons.metrics.digits.nearest_neighbours`).
:func:`conditional_report` measures all of it.

Style: :func:`stroke_thickness` and :func:`slant` measure a picture; :func:`find_style_direction` finds the
direction in latent space that changes one of them (the "handwriting" a code carries across classes).
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import check_int
from ..data import load_digits
from ..models import decode, n_classes, sample_noise
from .digits import (
    _gaussian_fit,
    as_digit_pixels,
    classify_digits,
    digit_features,
    digit_fid,
    digit_fid_baseline,
    frechet_distance,
    nearest_neighbours,
)

__all__ = [
    "class_accuracy",
    "per_class_accuracy",
    "per_class_fid",
    "within_class_diversity",
    "sample_per_class",
    "sort_by_classifier",
    "conditional_report",
    "stroke_thickness",
    "slant",
    "STYLES",
    "style_direction",
    "find_style_direction",
]


def _labels(labels, n, name="labels"):
    y = np.asarray(labels.detach().cpu() if isinstance(labels, torch.Tensor) else labels)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (n and (y.min() < 0 or y.max() > 9)):
        raise ValueError(f"{name} must be {n} digit classes 0..9 (one per sample), got {y.dtype} of shape {y.shape}")
    return y.astype(np.int64)


def class_accuracy(samples, labels):
    r"""Share of samples the classifier reads as the class they were asked for.

    .. math:: \frac1N \sum_i [\hat y(x_i) = y_i]
    """
    x = as_digit_pixels(samples)
    return float((classify_digits(x)[0] == _labels(labels, len(x))).mean())


def per_class_accuracy(samples, labels):
    """:func:`class_accuracy` of each class 0..9: a numpy array of 10 (NaN for a class with no sample)."""
    x = as_digit_pixels(samples)
    y = _labels(labels, len(x))
    hit = classify_digits(x)[0] == y
    return np.array([hit[y == c].mean() if (y == c).any() else np.nan for c in range(10)])


def _class_features(split, c):
    images, labels = load_digits(8, return_labels=True, split=split)
    return digit_features(images[labels == c])


def per_class_fid(samples, labels, baseline=True):
    r"""Digit-FID of each class: class :math:`c`'s samples against the 45 held-out digits of class :math:`c`.

    .. math:: \text{FID}_c = \lVert \mu_{g,c} - \mu_{r,c} \rVert^2 + \operatorname{Tr}\big(\Sigma_{g,c}
              + \Sigma_{r,c} - 2 (\Sigma_{g,c} \Sigma_{r,c})^{1/2}\big)

    With 45 reference digits the numbers are noisy and biased upwards; ``baseline`` also returns the
    real-vs-real figure of each class (as many training digits of that class, up to all ~135, against the
    same 45): ``(fid, baseline)`` arrays of 10, or only ``fid``.
    """
    x = as_digit_pixels(samples)
    y = _labels(labels, len(x))
    f = digit_features(x)
    fid, base = np.full(10, np.nan), np.full(10, np.nan)
    for c in range(10):
        if (y == c).sum() < 2:
            continue
        ref = _class_features("test", c)
        fid[c] = frechet_distance(*_gaussian_fit(f[y == c]), *_gaussian_fit(ref))
        if baseline:
            train = _class_features("train", c)[: (y == c).sum()]
            base[c] = frechet_distance(*_gaussian_fit(train), *_gaussian_fit(ref))
    return (fid, base) if baseline else fid


def within_class_diversity(samples, labels, per_class=None):
    r"""Mean distance from each sample to its nearest *other* sample of the same class, per class (pixels, 8x8).

    A generator that ignores its noise and draws one image per class scores 0; the real training digits
    of a class score about 2 (compare with the same function on them). The more samples, the nearer the
    nearest: compare sets of the same size, ``per_class`` (the first that many of each class; default all).
    Returns an array of 10 (NaN for a class with fewer than two samples).
    """
    x = as_digit_pixels(samples).reshape(-1, 64).double().numpy()
    y = _labels(labels, len(x))
    out = np.full(10, np.nan)
    for c in range(10):
        a = x[y == c][:per_class]
        if len(a) < 2:
            continue
        d2 = (a**2).sum(1)[:, None] - 2 * a @ a.T + (a**2).sum(1)[None]
        np.fill_diagonal(d2, np.inf)
        out[c] = float(np.sqrt(np.clip(d2.min(1), 0, None)).mean())
    return out


def sample_per_class(G, n_per_class, seed=0):
    """``n_per_class`` samples of each class of conditional ``G``: ``(images, labels)``, numpy, class-major order."""
    K = n_classes(G)
    if K is None:
        raise ValueError("G is unconditional: it cannot be asked for a class (train it with conditional=True)")
    check_int("n_per_class", n_per_class)
    labels = torch.arange(K).repeat_interleave(n_per_class)  # 0, 0, ..., 1, 1, ...
    z = sample_noise(G, len(labels), torch.Generator().manual_seed(seed), labels=labels)
    return decode(G, z), labels.numpy()


def sort_by_classifier(G, n_per_class, seed=0, batch=2000, max_draws=100_000):
    """The other way to get "a 7": draw from an *unconditional* G and keep what the classifier reads as each class.

    Draws batches until every class has ``n_per_class`` (or ``max_draws`` samples were drawn). Returns
    ``(images, labels, draws)``: numpy, class-major order (a class G rarely draws may come up short), and
    how many samples it took. The classifier agrees with every kept sample by construction, so it cannot
    judge them: compare per-class FID and diversity instead, and the draws it cost.
    """
    check_int("n_per_class", n_per_class)
    kept, draws, rng = [[] for _ in range(10)], 0, torch.Generator().manual_seed(seed)
    while min(map(len, kept)) < n_per_class and draws < max_draws:
        x = decode(G, sample_noise(G, batch, rng))
        read = classify_digits(x)[0]
        for c in range(10):
            kept[c].extend(x[read == c][: n_per_class - len(kept[c])])
        draws += batch
    images = np.stack([img for c in range(10) for img in kept[c]])
    return images, np.repeat(np.arange(10), [len(k) for k in kept]), draws


def conditional_report(G, n_per_class=200, seed=0, train_images=None):
    """Every lesson-6 figure of a conditional digit generator, from ``n_per_class`` samples of each digit.

    ``accuracy`` (asked for a y, read as y) and ``accuracy_per_class``, ``min_class_accuracy``;
    ``confidence`` (mean max-probability); ``fid`` of all samples against the 450 held-out digits with its
    real-vs-real ``fid_baseline``; ``fid_per_class`` and ``fid_baseline_per_class``; ``diversity_per_class``
    (:func:`within_class_diversity`) and ``diversity_real_per_class`` (the same of the training digits);
    and, with ``train_images``, ``nearest_train`` (median distance of a sample to its nearest training
    image), ``nearest_train_min``, and ``nearest_train_real`` and ``nearest_train_real_min`` (the same for the
    held-out real digits: what drawing *new* digits looks like; a copying G scores near 0).
    """
    x, y = sample_per_class(G, n_per_class, seed)
    x = as_digit_pixels(x)
    acc = per_class_accuracy(x, y)
    fid_c, base_c = per_class_fid(x, y)
    real, real_y = load_digits(8, return_labels=True, split="train")
    m = min(n_per_class, int(np.bincount(real_y.numpy()).min()))  # diversity: as many samples as real digits
    report = {
        "n_per_class": n_per_class,
        "accuracy": float(np.nanmean(acc)),
        "accuracy_per_class": acc.tolist(),
        "min_class_accuracy": float(np.nanmin(acc)),
        "confidence": float(classify_digits(x)[1].max(1).mean()),
        "fid": digit_fid(x),
        "fid_baseline": digit_fid_baseline(min(len(x), 1347)),
        "fid_per_class": fid_c.tolist(),
        "fid_baseline_per_class": base_c.tolist(),
        "diversity_per_class": within_class_diversity(x, y, m).tolist(),
        "diversity_real_per_class": within_class_diversity(real, real_y, m).tolist(),
    }
    if train_images is not None:
        train = as_digit_pixels(train_images, "train_images")
        d = nearest_neighbours(x, train)[1][:, 0]
        d_real = nearest_neighbours(load_digits(8, split="test"), train)[1][:, 0]
        report.update(nearest_train=float(np.median(d)), nearest_train_min=float(d.min()))
        report.update(nearest_train_real=float(np.median(d_real)), nearest_train_real_min=float(d_real.min()))
    return report


# ---------------------------------------------------------------------------------- style


def _ink(images):
    x = torch.as_tensor(np.asarray(images), dtype=torch.float64)
    if x.dim() != 4 or len(x) == 0:
        raise ValueError(f"images must have shape (N, C, H, W), got {tuple(x.shape)}")
    return (x.mean(1) + 1) / 2  # (N, H, W): ink (or brightness) in [0, 1]


def stroke_thickness(images):
    r"""How much ink each image holds: the mean pixel mapped to [0, 1]; shape (N,).

    .. math:: \frac{1}{HW}\sum_{ij} \frac{x_{ij} + 1}{2}
    """
    return _ink(images).mean((1, 2)).numpy()


def slant(images):
    r"""How far each image leans to the right: the ink-weighted slope of columns against rows.

    .. math:: \mathrm{slant} = -\operatorname{cov}(c, r) / \operatorname{var}(r)

    With :math:`(r, c)` the row and column of a pixel weighted by its ink: a stroke whose top lies to the
    right of its bottom has a positive slant (rows grow downwards, hence the minus). Upright digits score
    about 0; (N,).
    """
    ink = _ink(images)  # (N, H, W)
    h, w = ink.shape[1:]
    r = torch.arange(h, dtype=torch.float64)[:, None].expand(h, w)
    c = torch.arange(w, dtype=torch.float64)[None, :].expand(h, w)
    mass = ink.sum((1, 2)).clamp_min(1e-9)  # (N,)
    mr, mc = (ink * r).sum((1, 2)) / mass, (ink * c).sum((1, 2)) / mass
    dr, dc = r - mr[:, None, None], c - mc[:, None, None]  # (N, H, W)
    cov = (ink * dr * dc).sum((1, 2)) / mass
    var = (ink * dr * dr).sum((1, 2)) / mass
    return (-cov / var.clamp_min(1e-9)).numpy()


#: The style measures :func:`find_style_direction` knows by name.
STYLES = {"thickness": stroke_thickness, "slant": slant}


def style_direction(z, measure):
    r"""The unit direction :math:`d` in latent space along which ``measure`` grows fastest, by least squares.

    .. math:: w = \arg\min_w \lVert (Z - \bar Z) w - (m - \bar m) \rVert^2, \qquad d = w / \lVert w \rVert

    ``z`` (N, z_dim) are codes, ``measure`` (N,) a number computed from each code's image (e.g.
    :func:`slant`). Moving a code along :math:`+d` changes the measure most per unit step, if the
    relation is roughly linear. Returns a float32 tensor (z_dim,).
    """
    Z = torch.as_tensor(z, dtype=torch.float64)
    m = torch.as_tensor(np.asarray(measure), dtype=torch.float64).reshape(-1)
    if Z.dim() != 2 or len(Z) != len(m) or len(Z) <= Z.shape[1]:
        shapes = f"{tuple(Z.shape)} and {tuple(m.shape)}"
        raise ValueError(f"z must be (N, z_dim) with N > z_dim and measure (N,), got {shapes}")
    w = torch.linalg.lstsq(Z - Z.mean(0), (m - m.mean())[:, None]).solution[:, 0]  # (z_dim,)
    return (w / w.norm()).float()


def find_style_direction(G, style="slant", n=2000, seed=0, label=None):
    """Draw ``n`` codes, measure each image's ``style`` (a name in :data:`STYLES` or a function), fit a direction.

    For a conditional G every sample is of class ``label`` (default: all classes in turn), so the
    direction changes the style *within* a class. Returns ``(direction, r)``: the unit direction
    (:func:`style_direction`) and the correlation between a code's position along it and the measure
    (how much of the style it explains, -1..1).
    """
    measure = STYLES[style] if isinstance(style, str) and style in STYLES else style
    if not callable(measure):
        raise ValueError(f"style must be one of {', '.join(STYLES)} or a function of images, got {style!r}")
    check_int("n", n, minimum=10)
    K = n_classes(G)
    labels = None if K is None else (torch.arange(n) % K if label is None else label)
    z = sample_noise(G, n, torch.Generator().manual_seed(seed), labels=labels)
    m = np.asarray(measure(decode(G, z)), dtype=np.float64)
    codes = (z.x if K is not None else z).cpu()
    d = style_direction(codes, m)
    r = float(np.corrcoef((codes @ d).numpy(), m)[0, 1])
    return d, r
