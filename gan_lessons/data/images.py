"""Image data sets for the lessons, as float32 tensors of shape ``(N, C, H, W)`` in ``[-1, 1]``.

Why ``[-1, 1]``? Our generators end in ``tanh``, whose outputs live in ``(-1, 1)``; scaling the
real images to the same range means the discriminator cannot tell real from fake by brightness
alone. To show a batch, map it back with ``(x + 1) / 2``.

Three sources, from smallest to largest:

* :func:`load_digits` -- scikit-learn's 1,797 handwritten digits, 8x8 pixels. Ships with
  scikit-learn, so it works offline; perfect for a GAN that trains in a minute on a CPU. A fixed,
  stratified quarter of them (450, 45 per digit: :func:`digits_split`) is held out: the course's
  recipes train on the other 1,347, and lesson 4 evaluates against the 450 the GAN never saw.
* :func:`load_mnist` -- MNIST or Fashion-MNIST, 28x28, downloaded once and cached.
* :func:`load_image_folder` -- your own PNG/JPEG pictures; :func:`load_image_classes` -- a folder with
  one subfolder of pictures per class (both in :mod:`gan_lessons.data.folders`, re-exported here).

:func:`load_images` picks one of them from a name or a folder path; :func:`load_labelled_images` does
the same with labels and class names, for a conditional GAN (lesson 6).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .._validate import check_choice, check_int
from .download import DATASET_FILES, DownloadError, default_cache_dir, file_sha256, read_idx
from .download import download as download_file  # load_mnist has a `download` flag
from .folders import class_folders, load_image_classes, load_image_folder

__all__ = [
    "IMAGE_DATASETS",
    "DIGITS_HELD_OUT_PER_CLASS",
    "digits_split",
    "load_digits",
    "load_image_folder",
    "load_images",
    "load_mnist",
    "load_image_classes",
    "load_labelled_images",
    "class_names",
    "FASHION_MNIST_CLASSES",
    "MNIST_SPLIT_SIZES",
]

#: The data sets :func:`load_images` knows by name (a folder path is the other choice).
IMAGE_DATASETS = ("digits", "mnist", "fashion-mnist")

#: Fashion-MNIST's ten classes, in label order (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747, Table 1).
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
)  # fmt: skip

#: Images in each split of MNIST and of Fashion-MNIST: what a learner's own copy of one of their files must hold.
MNIST_SPLIT_SIZES = {"train": 60_000, "test": 10_000}

#: Digits of each class in the held-out ("test") split of :func:`load_digits`: 45 x 10 = 450, a quarter.
DIGITS_HELD_OUT_PER_CLASS = 45
_DIGITS_SPLIT: dict = {}


def _resize(x, size):
    """Bilinearly resize a batch ``(N, C, H, W)`` in ``[-1, 1]`` to ``(N, C, size, size)``."""
    if x.shape[-2:] == (size, size):
        return x
    # antialias only matters when shrinking: it averages the pixels that get merged.
    shrinking = size < min(x.shape[-2:])
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=shrinking)
    return x.clamp_(-1.0, 1.0)


def _sklearn_digits():
    from sklearn.datasets import load_digits as sklearn_digits  # imported late: it is slow

    return sklearn_digits()


def digits_split():
    """The fixed, stratified split of scikit-learn's digits: ``(train_idx, test_idx)``, sorted int64 tensors.

    The test split holds :data:`DIGITS_HELD_OUT_PER_CLASS` (45) images of every digit, 450 in all, drawn
    once with a fixed seed; the train split holds the other 1,347. The course's recipes train on the
    train split only, so the test split measures what a generator does on digits it never saw
    (lesson 4's digit-FID reference and the digit classifier's accuracy).
    """
    if not _DIGITS_SPLIT:
        labels = torch.from_numpy(_sklearn_digits().target.astype(np.int64))
        g = torch.Generator().manual_seed(0)
        test = []
        for c in range(10):
            members = torch.nonzero(labels == c).flatten()
            test.append(members[torch.randperm(len(members), generator=g)[:DIGITS_HELD_OUT_PER_CLASS]])
        test_idx = torch.cat(test).sort().values
        held = torch.zeros(len(labels), dtype=torch.bool)
        held[test_idx] = True
        _DIGITS_SPLIT["split"] = (torch.nonzero(~held).flatten(), test_idx)
    train_idx, test_idx = _DIGITS_SPLIT["split"]
    return train_idx.clone(), test_idx.clone()


def load_digits(size=16, return_labels=False, split="all"):
    """scikit-learn's handwritten digits (1,797 images, 8x8, values 0..16), scaled to ``[-1, 1]``.

    Parameters
    ----------
    size : int, default 16
        Side of the returned images, at least 8. ``8`` is the native resolution; larger sizes are
        upsampled bilinearly (``align_corners=False``) and clamped to ``[-1, 1]``.
    return_labels : bool, default False
        Also return the digit (0..9) of each image.
    split : {"all", "train", "test"}, default "all"
        All 1,797 digits, the 1,347 the course trains on, or the 450 held out (45 per digit), in
        their original order; see :func:`digits_split`.

    Returns
    -------
    images : torch.Tensor
        float32, shape ``(N, 1, size, size)`` (N = 1,797, 1,347 or 450), values in ``[-1, 1]`` (ink is +1).
    labels : torch.Tensor
        int64, shape ``(N,)``; only if ``return_labels``.
    """
    size = check_int("size", size, minimum=8)
    check_choice("split", split, ("all", "train", "test"))
    digits = _sklearn_digits()
    pixels = torch.from_numpy(digits.images.astype(np.float32))  # (N, 8, 8), values 0..16
    labels = torch.from_numpy(digits.target.astype(np.int64))
    if split != "all":
        idx = digits_split()[0 if split == "train" else 1]
        pixels, labels = pixels[idx], labels[idx]
    images = _resize((pixels / 8.0 - 1.0).unsqueeze(1), size).contiguous()
    if return_labels:
        return images, labels
    return images


def _own_copy(dest, key):
    """``(usable, what)``: whether ``dest`` reads as a valid IDX file of the official dtype, shape and values."""
    split, kind = key.split("-")
    n = MNIST_SPLIT_SIZES[split]
    shape = (n, 28, 28) if kind == "images" else (n,)
    what = f"{n:,} {'28x28 uint8 images' if kind == 'images' else 'uint8 labels 0..9'}"
    try:
        data = read_idx(dest)
    except (OSError, ValueError):
        return False, what
    usable = data.dtype == np.uint8 and data.shape == shape and (kind == "images" or int(data.max(initial=0)) <= 9)
    return usable, what


def _mnist_file(name, key, folder, fetch, progress):
    """Path to one file of ``name`` in ``folder``: the official one (downloaded if allowed) or a learner's own copy."""
    remote = DATASET_FILES[name][key]
    dest = folder / remote.filename
    if dest.is_file() and file_sha256(dest) != remote.sha256:
        usable, what = _own_copy(dest, key)
        if usable:
            warnings.warn(
                f"{dest} is not the official {name} file (its SHA-256 differs), but it is a valid IDX file of "
                f"{what}: using it (move it away to download the official one)",
                stacklevel=3,
            )
            return dest
        if not fetch:
            raise DownloadError(
                f"{dest} has the wrong SHA-256 and is not a valid IDX file of {what} (corrupted or incomplete): "
                f"call load_mnist({name!r}, download=True) to download it again (that file is kept, renamed)"
            )
    if fetch:
        return download_file(remote.urls, dest, remote.sha256, progress=progress)
    if not dest.is_file():
        raise DownloadError(
            f"{name} file {dest} not found and download=False: call load_mnist({name!r}, "
            f"download=True), or download {remote.urls[0]} yourself and place it in {folder}"
        )
    return dest


def load_mnist(name="mnist", split="train", cache_dir=None, download=True, progress=True, return_labels=False):
    """MNIST or Fashion-MNIST (28x28 grayscale), downloaded once, scaled to ``[-1, 1]``.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
        Which data set.
    split : {"train", "test"}
        60,000 training images or 10,000 test images.
    cache_dir : str or os.PathLike, optional
        Where the files are kept, in a subfolder named after the data set. Defaults to
        :func:`~gan_lessons.data.download.default_cache_dir`.
    download : bool, default True
        Download the files if they are missing (or corrupt). With ``False`` they must already
        be in the cache.

        A file in the cache that is not the official one (its SHA-256 differs: say one you
        downloaded yourself and placed there, re-compressed on the way) is used, with a warning
        that says so, if it reads as a valid IDX file of the official dtype and shape (60,000 or
        10,000 28x28 uint8 images; as many uint8 labels 0..9). Any other such file is not deleted:
        it is kept beside, renamed ``<name>.unverified``, and the official file is downloaded
        (:func:`~gan_lessons.data.download.download`).
    progress : bool, default True
        Show a progress bar while downloading.
    return_labels : bool, default False
        Also return the class (0..9) of each image.

    Returns
    -------
    images : torch.Tensor
        float32, shape ``(N, 1, 28, 28)``; pixel ``0..255`` mapped linearly to ``-1..1``.
    labels : torch.Tensor
        int64, shape ``(N,)``; only if ``return_labels``.

    Raises
    ------
    DownloadError
        If a file cannot be downloaded, or (with ``download=False``) is missing or corrupt.
    ValueError
        For an unknown ``name`` or ``split``, or files that are not the expected IDX data.
    """
    if not isinstance(name, str) or name not in DATASET_FILES:
        raise ValueError(f"name must be one of {', '.join(map(repr, DATASET_FILES))}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if cache_dir is None:
        cache_dir = default_cache_dir()
    elif not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a path or None, got {type(cache_dir).__name__}")
    folder = Path(cache_dir) / name

    image_file = _mnist_file(name, f"{split}-images", folder, download, progress)
    label_file = _mnist_file(name, f"{split}-labels", folder, download, progress)
    pixels, labels = read_idx(image_file), read_idx(label_file)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[1:] != (28, 28):
        raise ValueError(f"{image_file}: expected uint8 images of shape (N, 28, 28), got {pixels.dtype} {pixels.shape}")
    if labels.ndim != 1 or len(labels) != len(pixels):
        raise ValueError(f"{label_file}: expected {len(pixels)} labels, got shape {labels.shape}")

    images = (torch.from_numpy(pixels).float() / 127.5 - 1.0).unsqueeze(1)
    if return_labels:
        return images, torch.from_numpy(labels.astype(np.int64))
    return images


def load_images(name_or_path, size=None, channels=None, **kw):
    """Load image data by name (``"digits"``, ``"mnist"``, ``"fashion-mnist"``) or folder path.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        One of :data:`IMAGE_DATASETS`, or a folder of images. A name wins over a folder that
        happens to have the same name; pass a :class:`pathlib.Path` (or ``"./digits"``) to
        load such a folder.
    size : int, optional
        Side of the returned images. Defaults: 16 for digits, 28 for (Fashion-)MNIST, 32 for a
        folder. (Fashion-)MNIST at another size is resized bilinearly (antialiased when
        shrinking), e.g. ``size=32`` for a DCGAN that wants a power of two.
    channels : int, optional
        1 or 3, only for a folder (default 1). The named data sets are grayscale, so for them
        it must be ``None`` or 1.
    **kw
        Passed on to :func:`load_digits`, :func:`load_mnist` or :func:`load_image_folder`
        (e.g. ``return_labels=True``, ``split="test"``).

    Returns
    -------
    torch.Tensor or (torch.Tensor, torch.Tensor)
        What the chosen loader returns: images ``(N, C, size, size)`` in ``[-1, 1]``, with
        labels if asked for.
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a data set name or a folder path, got {type(name_or_path).__name__}")
    is_name = isinstance(name_or_path, str) and name_or_path in IMAGE_DATASETS
    if is_name and channels not in (None, 1):
        raise ValueError(f"channels must be None or 1 for {name_or_path!r}, which is grayscale; got {channels!r}")
    if is_name and name_or_path == "digits":
        return load_digits(16 if size is None else size, **kw)
    if is_name:
        size = 28 if size is None else check_int("size", size)  # checked before any download
        out = load_mnist(name_or_path, **kw)
        if size == 28:
            return out
        if isinstance(out, tuple):
            return _resize(out[0], size).contiguous(), out[1]
        return _resize(out, size).contiguous()
    if os.path.isdir(name_or_path):
        return load_image_folder(name_or_path, 32 if size is None else size, 1 if channels is None else channels, **kw)
    raise _unknown(name_or_path, f"{', '.join(IMAGE_DATASETS[:-1])} or {IMAGE_DATASETS[-1]}, or a folder of images")


def _unknown(name_or_path, expected):
    """The ValueError for a name that is no data set, or for a path (it has a slash, or starts with a dot) that is
    no folder: then it says which path was looked for."""
    text = os.fspath(name_or_path)
    if not (isinstance(name_or_path, os.PathLike) or "/" in text or os.sep in text or text.startswith(".")):
        return ValueError(f"unknown dataset {text!r}: expected {expected}")
    where = os.path.abspath(text)
    state = "is not a folder" if os.path.exists(where) else "does not exist"
    return ValueError(f"image folder {text} {state}" + ("" if where == text else f" (looked for {where})"))


def class_names(name_or_path):
    """The names of the classes of a data set.

    Digits and MNIST: ``"0"``..``"9"``; Fashion-MNIST: its ten (:data:`FASHION_MNIST_CLASSES`); a folder: its
    class subfolders in label order (:func:`~gan_lessons.data.folders.class_folders`, which checks them).
    """
    if name_or_path in ("digits", "mnist"):
        return [str(i) for i in range(10)]
    if name_or_path == "fashion-mnist":
        return list(FASHION_MNIST_CLASSES)
    if isinstance(name_or_path, (str, os.PathLike)) and os.path.isdir(name_or_path):
        return [d.name for d in class_folders(name_or_path)]
    if isinstance(name_or_path, (str, os.PathLike)):
        raise _unknown(name_or_path, "digits, mnist, fashion-mnist or a folder")
    raise ValueError(f"unknown dataset {name_or_path!r}: expected digits, mnist, fashion-mnist or a folder")


def load_labelled_images(name_or_path, size=None, channels=None, **kw):
    """Images with their classes, for a conditional GAN: ``(images, labels, class_names)``.

    A named data set (:data:`IMAGE_DATASETS`) comes with its labels (:func:`load_images` with
    ``return_labels=True``; ``**kw`` such as ``split`` go there); a folder must hold one subfolder per
    class (:func:`load_image_classes`).
    """
    if isinstance(name_or_path, str) and name_or_path in IMAGE_DATASETS:
        images, labels = load_images(name_or_path, size, channels, return_labels=True, **kw)
        return images, labels, class_names(name_or_path)
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a data set name or a folder path, got {type(name_or_path).__name__}")
    if not os.path.isdir(name_or_path):
        raise _unknown(
            name_or_path, "digits, mnist or fashion-mnist, or a folder with one subfolder of images per class"
        )
    return load_image_classes(name_or_path, 32 if size is None else size, 1 if channels is None else channels)
