"""Checkpoints: a run's whole state in one file, written atomically and loaded without running code.

A checkpoint is a dict of tensors and plain data (numbers, strings, lists, dicts) saved with
:func:`torch.save`. :func:`load_checkpoint` reads it with ``torch.load(..., weights_only=True)``, so a
file that carries pickled Python objects (the way code gets run on load) is refused, never executed.
"""

from __future__ import annotations

import pickletools
import warnings
import zipfile
from pathlib import Path

import torch

from ._atomic import atomic_write

__all__ = ["CHECKPOINT_FORMAT", "CheckpointError", "save_checkpoint", "load_checkpoint"]

CHECKPOINT_FORMAT = "gan-lessons/1"


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, unsafe or of the wrong kind."""


def save_checkpoint(path, **state):
    """Write ``state`` (tensors, numbers, strings, lists, tuples and dicts only) to ``path``, atomically.

    A crash (or a full disk) mid-write never leaves a truncated file at ``path``, and an existing
    checkpoint is only replaced by a complete new one (:func:`gan_lessons._atomic.atomic_write`).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CheckpointError(f"cannot write checkpoint: folder {folder} does not exist")
    with atomic_write(path) as f:
        torch.save({"format": CHECKPOINT_FORMAT, **state}, f)
    return path


def _carries_code(path):
    """True if the file is a complete pickle that builds Python objects (the way code gets run)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
        else:
            data = Path(path).read_bytes()
        ops = {op.name for op, _, _ in pickletools.genops(data)}
    except Exception:  # noqa: BLE001 - not even a well-formed pickle: corrupt, not malicious
        return False
    return bool(ops & {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ", "NEWOBJ_EX"})


def load_checkpoint(path, kind=None):
    """Load a checkpoint safely (``weights_only=True``: tensors and plain data only, never code).

    Parameters
    ----------
    path : str or Path
    kind : {"toy", "dcgan"}, optional
        If given, the checkpoint must be of that kind.

    Raises
    ------
    CheckpointError
        Missing, empty, truncated or corrupt file; a file carrying pickled code (refused, never
        run); a file that is not a gan-lessons checkpoint; or one of the wrong kind.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a folder; expected a file such as {path / 'checkpoint.pt'}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": the error below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - every failure becomes one readable line
        if "Unsupported global" in str(e) or _carries_code(path):
            raise CheckpointError(
                f"refusing to load {path}: it contains pickled Python objects (code), which could run when "
                "loaded; only plain tensors and data are accepted"
            ) from None
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a gan-lessons checkpoint")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path} is a {state.get('kind')} checkpoint, but a {kind} checkpoint is needed here")
    return state
