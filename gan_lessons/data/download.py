"""Download files safely, and read the IDX format that MNIST ships in.

Downloading a data set is where courses most often break: the network drops halfway, a mirror
serves an HTML error page, a half-written file from last week is silently read as data. This
module follows three rules so that never happens:

1. every file has a known SHA-256 checksum, and a file is only used if it matches;
2. bytes are streamed into a temporary file *next to* the destination, which is moved into
   place atomically (:func:`gan_lessons._atomic.atomic_write`) only once the checksum is right;
3. on any failure the temporary file is deleted and a :class:`DownloadError` says, in one line,
   what went wrong and how to fix it.

A download also never hangs: a server that does not answer is given up after :data:`ANSWER_TIMEOUT`
seconds, one that trickles (a byte now and then) after a :data:`RATE_WINDOW` below :data:`MIN_RATE`,
and every download after :data:`DOWNLOAD_DEADLINE` at the latest. A file found at the destination
with the wrong checksum (perhaps one a learner placed there by hand) is never deleted: it is kept
beside it, renamed, before downloading (:func:`download`).

The IDX format (Y. LeCun, http://yann.lecun.com/exdb/mnist/) is tiny: a 4-byte magic number
(two zero bytes, a type code, the number of dimensions), one big-endian ``uint32`` size per
dimension, then the values, big-endian, in C order. :func:`read_idx` parses it with numpy alone.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from .._atomic import atomic_write, remove_stale_temporaries
from .._validate import check_bool, check_number

__all__ = [
    "ANSWER_TIMEOUT",
    "DOWNLOAD_DEADLINE",
    "MIN_RATE",
    "RATE_WINDOW",
    "DATASET_FILES",
    "DownloadError",
    "RemoteFile",
    "default_cache_dir",
    "download",
    "file_sha256",
    "read_idx",
]


#: Seconds to wait for a server to answer (to connect, to send the next bytes) before giving up on it.
ANSWER_TIMEOUT = 30.0
#: The longest one file's download may take, in seconds. Fashion-MNIST's largest file (26 MB) takes
#: 3.5 minutes at 1 Mbit/s, and 55 minutes at :data:`MIN_RATE`.
DOWNLOAD_DEADLINE = 3600.0
#: The slowest average rate accepted, in bytes per second over each :data:`RATE_WINDOW`: a server that
#: trickles a byte every few seconds answers in time, yet would take days.
MIN_RATE = 8 * 1024
#: Seconds over which the rate is measured (the first window starts when the server answers).
RATE_WINDOW = 60.0


class DownloadError(RuntimeError):
    """A file could not be downloaded, or it did not have the expected SHA-256 checksum.

    The message is one line saying what failed and what to do about it.
    """


class RemoteFile(NamedTuple):
    """One file of a data set: its name on disk, its SHA-256 and the URLs to try, in order."""

    filename: str
    sha256: str
    urls: tuple[str, ...]


def _remote(filename, sha256, mirrors):
    return RemoteFile(filename, sha256, tuple(mirror + filename for mirror in mirrors))


# The SHA-256 checksums below were checked against TensorFlow Datasets' url_checksums files,
# which list "url  size_in_bytes  sha256" for every file TFDS downloads:
#   https://github.com/tensorflow/datasets/blob/master/tensorflow_datasets/url_checksums/mnist.txt
#   https://github.com/tensorflow/datasets/blob/master/tensorflow_datasets/url_checksums/fashion_mnist.txt
# and they agree with the sums published by many other projects that download the same files.
# Sizes in bytes, for reference: MNIST train images 9,912,422 / labels 28,881, test images
# 1,648,877 / labels 4,542; Fashion-MNIST train images 26,421,880 / labels 29,515, test images
# 4,422,102 / labels 5,148.
_MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # the mirror TensorFlow uses
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # the mirror PyTorch uses
)
_FASHION_MNIST_MIRRORS = (
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # the authors' own site
)

#: The files of each IDX data set, keyed by data set name, then by ``"<split>-<kind>"``.
DATASET_FILES = {
    "mnist": {
        "train-images": _remote(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            _MNIST_MIRRORS,
        ),
        "train-labels": _remote(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            _MNIST_MIRRORS,
        ),
        "test-images": _remote(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            _MNIST_MIRRORS,
        ),
        "test-labels": _remote(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            _MNIST_MIRRORS,
        ),
    },
    "fashion-mnist": {
        "train-images": _remote(
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            _FASHION_MNIST_MIRRORS,
        ),
        "train-labels": _remote(
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            _FASHION_MNIST_MIRRORS,
        ),
        "test-images": _remote(
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            _FASHION_MNIST_MIRRORS,
        ),
        "test-labels": _remote(
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            _FASHION_MNIST_MIRRORS,
        ),
    },
}


def default_cache_dir():
    """The folder where downloaded data sets are kept.

    Returns
    -------
    pathlib.Path
        ``$GAN_LESSONS_CACHE`` if that environment variable is set (and not empty), otherwise
        ``~/.cache/gan_lessons``. The folder is not created here.
    """
    env = os.environ.get("GAN_LESSONS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gan_lessons"


def _as_path(value, name):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    return Path(value)


def file_sha256(path):
    """The SHA-256 checksum of a file, as 64 lowercase hex digits (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(_as_path(path, "path"), "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(sha256):
    if not isinstance(sha256, str):
        raise TypeError(f"sha256 must be a str of 64 hex digits, got {type(sha256).__name__}")
    value = sha256.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
    return value


def _check_urls(url):
    urls = (url,) if isinstance(url, str) else url
    if not isinstance(urls, (list, tuple)) or not urls or not all(isinstance(u, str) for u in urls):
        raise TypeError(f"url must be a str or a non-empty list/tuple of str, got {url!r}")
    return tuple(urls)


class _FetchFailed(Exception):
    """Internal: one URL failed; the reason is the message."""


def _describe(err, host, timeout):
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP error {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        err = err.reason if isinstance(err.reason, BaseException) else err
    if isinstance(err, TimeoutError):  # socket.timeout: no connection, no reply, or no more bytes in time
        return f"no answer from {host} after {timeout:g} s"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__


class _Watch:
    """The download's clock: fails it when it passes ``deadline`` seconds, or averages under ``min_rate`` bytes/s.

    The rate is measured over windows of ``window`` seconds: a slow start is fine, a trickle is not.
    """

    def __init__(self, deadline, min_rate, window):
        self.deadline, self.min_rate, self.window = deadline, min_rate, window
        self.start = self.window_start = time.monotonic()
        self.got = self.window_got = 0

    def add(self, n):
        now = time.monotonic()
        self.got += n
        self.window_got += n
        if now - self.start > self.deadline:
            raise _FetchFailed(f"took longer than the {self.deadline:g} s a download may take ({self._so_far()})")
        if now - self.window_start >= self.window:
            rate = self.window_got / (now - self.window_start)
            if rate < self.min_rate:
                raise _FetchFailed(
                    f"too slow: {rate / 1024:.2g} KiB/s over {now - self.window_start:.3g} s, under the minimum "
                    f"{self.min_rate / 1024:.3g} KiB/s ({self._so_far()})"
                )
            self.window_start, self.window_got = now, 0

    def _so_far(self):
        return f"{self.got:,} bytes in {time.monotonic() - self.start:.3g} s"


def _stream(response, out, bar, watch):
    """Copy ``response`` into ``out`` chunk by chunk, as they arrive; return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    read = getattr(response, "read1", response.read)  # read1: what has arrived, so the clock is checked often
    while chunk := read(1 << 20):
        out.write(chunk)
        digest.update(chunk)
        bar.update(len(chunk))
        watch.add(len(chunk))
    return digest.hexdigest()


def _fetch(url, dest, sha256, progress, limits):
    """Stream ``url`` into a temporary file next to ``dest``; move it into place only if it checks out."""
    timeout, deadline, min_rate = limits
    host = urllib.parse.urlsplit(url).hostname or url
    try:
        with atomic_write(dest, suffix=".part") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
            bar_options = {"unit": "B", "unit_scale": True, "unit_divisor": 1024, "leave": False}
            with tqdm(total=total, desc=dest.name, disable=not progress, **bar_options) as bar:
                watch = _Watch(deadline, min_rate, RATE_WINDOW)
                got = _stream(response, out, bar, watch)
            if total is not None and watch.got < total:
                raise _FetchFailed(f"the connection closed after {watch.got:,} of {total:,} bytes")
            if got != sha256:  # raised inside the block: the temporary file is removed, dest left alone
                raise _FetchFailed(f"SHA-256 mismatch (expected {sha256}, got {got})")
    except (OSError, http.client.HTTPException, ValueError) as err:
        # OSError covers URLError, HTTPError, timeouts and dropped connections; ValueError is
        # what urllib raises for a malformed URL.
        raise _FetchFailed(_describe(err, host, timeout)) from err


def download(url, dest, sha256, progress=True, timeout=None, deadline=None, min_rate=None):
    """Download ``url`` to ``dest``, making sure the result has the given SHA-256.

    If ``dest`` already holds a file with the right checksum it is returned at once, without
    touching the network. Otherwise the file is streamed into a temporary file in the same folder,
    its checksum is verified, and only then is it moved to ``dest`` (atomically).

    Parameters
    ----------
    url : str or sequence of str
        Where to download from. ``http(s)://`` and ``file://`` URLs work. Give several (mirrors)
        to try each in order until one delivers a file with the right checksum.
    dest : str or os.PathLike
        Where the file should end up. Missing parent folders are created.
    sha256 : str
        The expected SHA-256 of the file, 64 hex digits.
    progress : bool, default True
        Show a ``tqdm`` progress bar while downloading.
    timeout : float, optional
        Seconds to wait for the server to connect or to send more bytes before giving up on a URL
        ("no answer from <host> after <timeout> s"); default :data:`ANSWER_TIMEOUT` (30).
    deadline : float, optional
        Seconds one URL's download may take in all; default :data:`DOWNLOAD_DEADLINE` (an hour).
    min_rate : float, optional
        Bytes per second a download must average over each :data:`RATE_WINDOW` (60 s), or it is given
        up as too slow (a server trickling a byte every few seconds would take days); default
        :data:`MIN_RATE` (8 KiB/s); 0 turns the check off.

    Returns
    -------
    pathlib.Path
        ``dest``, now holding a file with the expected checksum.

    Raises
    ------
    DownloadError
        If no URL delivered a file with the right checksum (network error, HTTP error, no answer,
        too slow, past the deadline, checksum mismatch...): the message says which, for each URL.
        No temporary file is left behind, and no file with the wrong checksum at ``dest``.
    TypeError, ValueError
        If an argument is malformed (e.g. ``sha256`` is not 64 hex digits).

    Notes
    -----
    A file already at ``dest`` whose checksum is *wrong* is never deleted, since it may be one a
    learner placed there by hand (this module's error message suggests it): it is renamed to
    ``<name>.unverified`` (``.unverified-2``, ... if that is taken) before the download, and an
    error message says where it went. So nothing is lost, and nothing wrong is read as data.
    """
    urls = _check_urls(url)
    dest = _as_path(dest, "dest")
    sha256 = _check_sha256(sha256)
    check_bool("progress", progress)
    limits = _check_limits(timeout, deadline, min_rate)

    # a download killed mid-way leaves its .part file behind; one untouched for 10 minutes is dead
    remove_stale_temporaries(dest.parent, [dest.name], suffix=".part", older_than=600)
    kept = None
    if dest.is_file():
        if file_sha256(dest) == sha256:
            return dest
        kept = _set_aside(dest)
    elif dest.exists():
        raise ValueError(f"dest {dest} exists and is not a file")
    dest.parent.mkdir(parents=True, exist_ok=True)

    problems = []
    for u in urls:
        try:
            _fetch(u, dest, sha256, progress, limits)
            return dest
        except _FetchFailed as err:
            problems.append(f"{u}: {err}")
    note = f" (the file that was there had the wrong SHA-256: it is kept as {kept.name})" if kept else ""
    message = (
        f"could not download {dest.name}{note}: {'; '.join(problems)}. Check your internet "
        f"connection and try again, or download the file yourself from {urls[0]} and place it "
        f"at {dest}"
    )
    raise DownloadError(" ".join(message.split()))  # always one line


def _check_limits(timeout, deadline, min_rate):
    """``(timeout, deadline, min_rate)``, each checked, the module's defaults in place of ``None``."""
    return (
        check_number("timeout", ANSWER_TIMEOUT if timeout is None else timeout, low=0, low_open=True),
        check_number("deadline", DOWNLOAD_DEADLINE if deadline is None else deadline, low=0, low_open=True),
        check_number("min_rate", MIN_RATE if min_rate is None else min_rate, low=0),
    )


def _set_aside(dest):
    """Rename a file with the wrong checksum at ``dest`` to a free ``<name>.unverified[-N]`` beside it; return that."""
    for n in range(1, 1000):
        kept = dest.with_name(f"{dest.name}.unverified{'' if n == 1 else f'-{n}'}")
        if not kept.exists():
            dest.rename(kept)
            return kept
    raise DownloadError(f"{dest} has the wrong SHA-256, and 999 earlier such files are kept beside it: clear them")


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (the format of MNIST and Fashion-MNIST) into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzipped files (``.gz``, recognised by their content) are decompressed on the fly.

    Returns
    -------
    numpy.ndarray
        The data, with the shape from the file's header, in native byte order: ``uint8``,
        ``int8``, ``int16``, ``int32``, ``float32`` or ``float64`` depending on the type code.

    Raises
    ------
    ValueError
        If the file is not a valid IDX file: bad magic number, truncated header, corrupt gzip
        data, or a data size that does not match the header. The message names the file.
    FileNotFoundError
        If the file does not exist.
    """
    path = _as_path(path, "path")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number; an IDX file always starts with 00 00
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({err})") from err
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file: {len(raw)} bytes is too short for the header")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: not an IDX file: bad magic number 0x{raw[:4].hex()} (expected two zero bytes, "
            "a type code 08, 09, 0b, 0c, 0d or 0e, then the number of dimensions)"
        )
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, file has {len(raw)}")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    actual = len(raw) - header
    if actual != expected:
        hint = " (truncated?)" if actual < expected else " (extra bytes at the end)"
        raise ValueError(
            f"{path}: size mismatch: the header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file has {actual} bytes of data{hint}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native byte order
