"""Atomic writes: a file is written next to its destination, then moved over it with ``os.replace``.

A crash, a full disk or Ctrl-C mid-write never leaves a truncated file at the destination, and a file
that was there is only replaced by a complete new one. Checkpoints, samples, saved images and GIFs,
and downloads are all written through :func:`atomic_write`, the one place that calls ``os.replace``.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "temp_file_for"]


def temp_file_for(dest, suffix=".tmp"):
    """``(fd, path)`` of a new temporary file in ``dest``'s folder, with the permissions ``open()`` would give.

    ``tempfile.mkstemp`` makes files readable by their owner only (0600); a checkpoint or a dataset that an
    instructor shares with a room should get the usual ``0666 & ~umask`` instead.
    """
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix, dir=dest.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
    except (AttributeError, OSError):  # no fchmod (Windows) or not allowed: keep mkstemp's mode
        pass
    return fd, tmp


@contextmanager
def atomic_write(dest, suffix=".tmp"):
    """Write ``dest`` atomically: ``with atomic_write(path) as f: f.write(...)`` (``f`` is a binary file).

    The data goes to a temporary file in the same folder, is flushed to disk, and replaces ``dest`` only
    when the ``with`` block ends without an exception; otherwise the temporary file is removed and
    ``dest`` is left as it was.
    """
    dest = Path(dest)
    fd, tmp = temp_file_for(dest, suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):  # gone if os.replace succeeded
            os.unlink(tmp)
