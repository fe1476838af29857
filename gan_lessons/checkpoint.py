"""Checkpoints: a run's whole state in one file, written atomically and loaded without running code.

A checkpoint is a dict of tensors and plain data (numbers, strings, lists, dicts) saved with
:func:`torch.save`. :func:`load_checkpoint` reads it with ``torch.load(..., weights_only=True)``, so a
file that carries pickled Python objects (the way code gets run on load) is refused, never executed.
"""

from __future__ import annotations

import errno
import io
import math
import pickletools
import signal
import threading
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

import torch

from ._atomic import atomic_write

__all__ = ["CHECKPOINT_FORMAT", "RUN_KINDS", "CheckpointError", "save_checkpoint", "load_checkpoint", "check_run_state"]

CHECKPOINT_FORMAT = "gan-lessons/1"
RUN_KINDS = ("toy", "dcgan")  #: checkpoints of a training run (``gan_lessons.runs.save_run``)


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, unsafe or of the wrong kind."""


def save_checkpoint(path, **state):
    """Write ``state`` (tensors, numbers, strings, lists, tuples and dicts only) to ``path``, atomically.

    A crash (or a full disk) mid-write never leaves a truncated file at ``path``, and an existing
    checkpoint is only replaced by a complete new one (:func:`gan_lessons._atomic.atomic_write`). A Ctrl-C
    during the write takes effect when the write is done (:func:`_ctrl_c_after`).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CheckpointError(f"cannot write checkpoint: folder {folder} does not exist")
    try:
        with _ctrl_c_after(), atomic_write(path) as f:
            torch.save({"format": CHECKPOINT_FORMAT, **state}, f)
    except (OSError, RuntimeError) as e:  # a full disk shows up as either, RuntimeError from torch's zip writer
        full = getattr(e, "errno", None) == errno.ENOSPC or "unexpected pos" in str(e) or "No space" in str(e)
        why = "the disk is full" if full else (getattr(e, "strerror", None) or str(e).splitlines()[0])
        raise CheckpointError(f"cannot write checkpoint {path}: {why}; the previous checkpoint there is kept") from None
    return path


@contextmanager
def _ctrl_c_after():
    """Hold Ctrl-C back while the block runs (main thread); each press is delivered, in order, when it ends.

    A KeyboardInterrupt raised inside torch's zip writer comes out as a RuntimeError from C++, which would read
    like a failed (full-disk) write. So while the block runs a press is only noted, also one that arrived just
    before it (Python runs a signal's handler at its next instruction, which may be inside ``torch.save``); then
    the handler that was in place gets it: the run stops just after the save.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for signum in pressed:  # in order: the handler decides (save-and-stop, stop now, ...)
            signal.raise_signal(signum)


def _carries_code(path):
    """True if a pickle in the file builds Python objects (the way code gets run).

    A zip checkpoint holds one pickle (``data.pkl``); the legacy format is several pickles one after
    the other (a magic number, the protocol, system info, the object, its storage keys), then raw bytes.
    """
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
        else:
            data = Path(path).read_bytes()
    except Exception:  # noqa: BLE001 - unreadable: corrupt, not malicious
        return False
    ops, f = set(), io.BytesIO(data)
    try:
        while f.tell() < len(data):
            ops |= {op.name for op, _, _ in pickletools.genops(f)}
    except Exception:  # noqa: BLE001, S110 - the end of the pickles (raw tensor bytes follow) or a corrupt one
        pass
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
        if "unsupported global" in str(e).lower() or _carries_code(path):
            raise CheckpointError(
                f"refusing to load {path}: it contains pickled Python objects (code), which could run when "
                "loaded; only plain tensors and data are accepted"
            ) from None
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a gan-lessons checkpoint")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path} is a {state.get('kind')} checkpoint, but a {kind} checkpoint is needed here")
    if state.get("kind") in RUN_KINDS:
        problem = check_run_state(state)
        if problem:
            raise CheckpointError(f"checkpoint {path} is not a valid gan-lessons checkpoint: {problem}")
    return state


def _weights(name, value):
    if not isinstance(value, dict) or not value:
        return f"{name} must be a non-empty dict of tensors, got {type(value).__name__}"
    bad = [k for k, v in value.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        return f"{name} must map names to tensors ({bad[0]!r} does not)"
    if not all(torch.isfinite(v).all() for v in value.values() if v.is_floating_point()):
        return f"{name} holds NaN or infinite weights (the run diverged before it was saved)"
    return None


def _optimiser(name, value):
    if not isinstance(value, dict) or not isinstance(value.get("state"), dict):
        return f"{name} must be an optimiser state (a dict with 'state' and 'param_groups')"
    if not isinstance(value.get("param_groups"), list) or not value["param_groups"]:
        return f"{name}'s param_groups must be a non-empty list"
    return None


def _history(value, step):
    names = ("step", "loss_d", "loss_g", "d_real", "d_fake")
    if not isinstance(value, dict) or not all(isinstance(value.get(n), list) for n in names):
        return f"history must be a dict of lists {', '.join(names)}"
    lengths = {len(value[n]) for n in names}
    if lengths != {step}:
        return f"history has {sorted(lengths)} entries where step says {step}"
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for n in names for v in value[n]):
        return "history holds values that are not finite numbers"
    return None


def check_run_state(state):
    """What is wrong with the structure of a training run's checkpoint, or ``None`` if nothing is.

    A run's checkpoint (:func:`gan_lessons.runs.save_run`) holds ``config`` (a dict), ``step`` (an int),
    the weights ``G`` and ``D`` (and ``ema`` or ``None``), the optimisers' states ``opt_g`` and ``opt_d``,
    the random state ``rng`` (a byte tensor) and ``history`` (a list per recorded quantity, one entry
    per step). Whether the weights fit the recipe is checked where the networks are built.
    """
    config, step = state.get("config"), state.get("step")
    if not isinstance(config, dict):
        return f"config must be a dict of recipe fields, got {type(config).__name__}"
    if config.get("kind") != state.get("kind"):
        return f"config is of kind {config.get('kind')!r}, the checkpoint of kind {state.get('kind')!r}"
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        return f"step must be an int >= 0, got {step!r}"
    checks = [_weights("G", state.get("G")), _weights("D", state.get("D"))]
    checks += [_weights("ema", state["ema"]) if state.get("ema") is not None else None]
    checks += [_optimiser("opt_g", state.get("opt_g")), _optimiser("opt_d", state.get("opt_d"))]
    rng = state.get("rng")
    if not isinstance(rng, torch.Tensor) or rng.dtype != torch.uint8:
        checks.append(f"rng must be a random-number generator's state (a uint8 tensor), got {type(rng).__name__}")
    checks.append(_history(state.get("history"), step))
    for name in ("channels", "steps_per_epoch"):
        v = state.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            checks.append(f"{name} must be None or an int >= 1, got {v!r}")
    return next((c for c in checks if c), None)
