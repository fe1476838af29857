"""What a run produced: samples (:func:`generate`) and a short readable summary (:func:`summarise`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from .._validate import check_int
from ..metrics.conditional import conditional_report
from ..metrics.toy import ks_distance, mode_coverage
from ..models import decode, n_classes, sample_noise
from ..recipes import config_to_dict
from .build import generator_from_checkpoint

__all__ = ["summarise", "generate"]

#: Samples per class a conditional run's summary judges with the digit classifier (lesson 6).
SUMMARY_PER_CLASS = 200


def summarise(r):
    """A small readable summary of a run: recipe, steps, time, final losses and quality figures.

    Toy runs: the KS distance (1-D) or the modes covered (2-D). Conditional runs on the digits: lesson 6's
    per-class figures (:func:`gan_lessons.metrics.conditional.conditional_report` on 200 samples per class).
    """
    h = r.history
    s = {
        "kind": r.kind,
        "config": config_to_dict(r.config),
        "steps": r.step,
        "train_seconds_this_session": round(r.seconds, 2),
        "device": str(r.device),
    }
    if len(h):
        tail = slice(max(0, len(h) - 100), len(h))  # mean over the last 100 steps: less noisy
        for name in ("loss_d", "loss_g", "d_real", "d_fake"):
            s[f"{name}_last100"] = round(float(np.mean(getattr(h, name)[tail])), 4)
    if r.kind == "toy":
        s["loss"] = r.config.loss  # what the players optimised (recipes.TOY_LOSSES)
        x = r.sample(20_000, seed=12345)
        if r.target.dim == 1:
            s["ks_distance_20k"] = round(ks_distance(x, r.target), 4)
        else:
            m = mode_coverage(x[:2500], r.target)
            s["modes_covered_2500"] = m["modes"]
            s["high_quality_share_2500"] = round(m["hq_share"], 4)
    elif r.config.conditional:
        s["class_names"] = r.class_names
        if r.config.data == "digits" and r.config.channels == 1:  # the digit classifier reads the digits only
            s["quality"] = _rounded(
                conditional_report(r.sampling_generator, SUMMARY_PER_CLASS, seed=12345, train_images=r.images)
            )
    return s


def _rounded(x):
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, (list, tuple)):
        return [_rounded(v) for v in x]
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    return x


def generate(G, n, seed=0, label=None):
    """``n`` samples of generator ``G`` (a module or a checkpoint path) as float32 numpy.

    Toy: shape (n, dim). DCGAN: (n, C, H, W) in [-1, 1]. A checkpoint's moving-average generator
    is used when it has one. Sampling is done in evaluation mode (:func:`gan_lessons.models.decode`),
    4,096 at a time. Refuses ``n`` whose samples would take more than half the memory this machine
    has free, and a generator whose samples are not finite (a run that diverged).

    A conditional G draws class ``label`` for every sample, or, without it, class ``i mod K`` for sample
    ``i`` (K classes): 0, 1, ..., K-1, 0, 1, ... ``label`` for an unconditional G is a ValueError.
    """
    check_int("n", n)
    if isinstance(G, (str, Path)):
        G = generator_from_checkpoint(G)
    if not isinstance(G, torch.nn.Module):
        raise TypeError(f"G must be a generator module or a checkpoint path, got {type(G).__name__}")
    k = n_classes(G)
    if label is not None and k is None:
        raise ValueError(f"label {label!r} was given, but G is unconditional (trained without --conditional)")
    if label is not None and (isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < k):
        raise ValueError(f"label must be a class 0..{k - 1} (G draws {k} classes), got {label!r}")
    rng = torch.Generator().manual_seed(seed)
    chunks = []
    for i in range(0, n, 4096):
        m = min(4096, n - i)
        y = None if k is None else torch.full((m,), label) if label is not None else torch.arange(i, i + m) % k
        chunks.append(decode(G, sample_noise(G, m, rng, labels=y)))  # (chunk, ...)
        if not np.isfinite(chunks[-1]).all():
            raise ValueError("G's samples are NaN or infinite: its weights are not finite (did training diverge?)")
        if i == 0:
            _check_fits(n, chunks[0][0])
    return np.concatenate(chunks)


def _check_fits(n, one):
    """Refuse ``n`` samples like ``one`` if they need more than half the memory that is free."""
    need = n * one.nbytes
    free = _free_memory()
    if free is not None and need > free // 2:
        raise ValueError(
            f"n = {n:,} samples of shape {one.shape} need {need / 2**30:,.3g} GiB, more than half of the "
            f"{free / 2**30:.1f} GiB this machine has free: ask for fewer"
        )


def _free_memory():
    """Bytes of memory free (Linux), or of all memory (elsewhere), or ``None`` if the system does not say."""
    for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
    return None
