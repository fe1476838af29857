"""Helpers shared by the metrics (private)."""

from __future__ import annotations

import numpy as np
import torch


def _as_numpy(name, x):
    """``x`` (numpy array or tensor) as a float64 numpy array, non-empty and finite; errors name ``name``."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__}")
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x
