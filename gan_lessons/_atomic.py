"""Safe files: atomic writes, and one run at a time in an output folder.

A file is written next to its destination, then moved over it with ``os.replace``: a crash, a full
disk or Ctrl-C mid-write never leaves a truncated file at the destination, and a file that was there is
only replaced by a complete new one. Checkpoints, samples, saved images and GIFs, and downloads are all
written through :func:`atomic_write`, the one place that calls ``os.replace``. A run that writes into a
folder holds it with :func:`folder_lock`, so two runs never interleave their checkpoints.
"""

import os
import socket
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "temp_file_for", "remove_stale_temporaries", "folder_lock", "FolderInUse", "LOCK_NAME"]

LOCK_NAME = ".gan_lessons.lock"


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


def remove_stale_temporaries(folder, names, suffix=".tmp", older_than=0.0):
    """Delete the temporary files :func:`atomic_write` left for ``names`` in ``folder`` (a killed process's).

    Only files ``.NAME.*SUFFIX`` untouched for ``older_than`` seconds go; returns how many.
    """
    now, removed = time.time(), 0
    for name in names:
        for tmp in Path(folder).glob(f".{name}.*{suffix}"):
            try:
                if now - tmp.stat().st_mtime >= older_than:
                    tmp.unlink()
                    removed += 1
            except OSError:  # gone meanwhile, or not ours to remove
                pass
    return removed


class FolderInUse(RuntimeError):
    """Another run is writing into this folder."""


def _holder(lock):
    """``(pid, host, since)`` of the run holding ``lock``, or ``None`` if that run is gone (a stale lock)."""
    try:
        pid, host, since = lock.read_text().split()
        pid, since = int(pid), float(since)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # being written this very moment, or left half-written by a crash
        return (0, "?", lock.stat().st_mtime) if time.time() - lock.stat().st_mtime < 10 else None
    if host == socket.gethostname() and os.name == "posix":  # on Windows os.kill(pid, 0) would send a Ctrl-C
        try:
            os.kill(pid, 0)  # signal 0: is the process there?
        except ProcessLookupError:
            return None
        except PermissionError:  # there, but someone else's
            pass
    return pid, host, since


@contextmanager
def folder_lock(folder, clean=()):
    """Hold ``folder`` for one run: ``with folder_lock(out): ...``; a second run there gets :class:`FolderInUse`.

    The lock is a file ``.gan_lessons.lock`` (process id, host, time) created exclusively; it is removed
    when the block ends. A lock left by a run that was killed (its process is gone) is taken over. While
    holding the folder, the temporary files left there by a killed run for the file names ``clean`` are
    removed (:func:`remove_stale_temporaries`).
    """
    folder = Path(folder)
    lock = folder / LOCK_NAME
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder is None:  # stale: its run is gone
                lock.unlink(missing_ok=True)
                continue
            pid, host, since = holder
            raise FolderInUse(
                f"{folder} is in use by another run (process {pid} on {host}, since "
                f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(since))}); wait for it to finish or choose "
                f"another folder (if no run is using it, delete {lock})"
            ) from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} {socket.gethostname()} {time.time()}")
        break
    else:
        raise FolderInUse(f"{folder} is in use by another run (its lock {lock} keeps coming back)")
    try:
        remove_stale_temporaries(folder, clean)
        yield folder
    finally:
        lock.unlink(missing_ok=True)
