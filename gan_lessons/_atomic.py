"""Temporary files for atomic writes: written next to the destination, then moved over it with ``os.replace``."""

import os
import tempfile

__all__ = ["temp_file_for"]


def temp_file_for(dest, suffix=".tmp"):
    """``(fd, path)`` of a new temporary file in ``dest``'s folder, with the permissions ``open()`` would give.

    ``tempfile.mkstemp`` makes files readable by their owner only (0600); a checkpoint or a dataset that an
    instructor shares with a room should get the usual ``0666 & ~umask`` instead.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix, dir=dest.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
    except (AttributeError, OSError):  # no fchmod (Windows) or not allowed: keep mkstemp's mode
        pass
    return fd, tmp
