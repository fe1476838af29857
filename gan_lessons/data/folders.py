"""Your own pictures: a folder of PNG/JPEG images (:func:`load_image_folder`), or a folder with one subfolder of
images per class (:func:`load_image_classes`), as float32 batches ``(N, C, H, W)`` in ``[-1, 1]``.

Two things here are easy to get silently wrong, so they are done with care:

* **Bit depth.** PNG files may hold 16 bits a sample. Pillow reads 16-bit grayscale as integers 0..65535 (which a
  plain conversion to 8 bits clips to white) and 16-bit colour as 8 bits (it keeps each sample's high byte: it has
  no 16-bit colour mode). Every image is scaled by its own bit depth instead, and a 16-bit colour PNG is decoded
  twice, once for the high and once for the low byte of each sample (:func:`_png16`), so nothing is lost.
* **Which files are the classes.** Class ``i`` is the ``i``-th subfolder in order: by number when every subfolder
  is named by a whole number (``2`` before ``10``), otherwise alphabetical. Images the loader would not read
  (next to the class folders, or in folders inside a class folder) and class folders without an image are refused
  with a message that says where, rather than skipped: a skipped folder would shift every later class's label.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from .._validate import check_choice, check_int

__all__ = ["load_image_folder", "load_image_classes", "class_folders", "IMAGE_SUFFIXES"]

#: The file suffixes read as images, in any case.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

#: ITU-R 601-2 luma weights: what Pillow's conversion to grayscale ("L") uses, applied to 16-bit colour too.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)

#: Pillow's raw modes of 16-bit PNGs with colour or alpha, which it cuts down to 8 bits a sample.
_PNG16 = ("RGB;16B", "RGBA;16B", "LA;16B")


def _is_image(path):
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def _image_files(folder):
    """The image files directly in ``folder``, sorted by name (reproducible batch order)."""
    return sorted(f for f in folder.iterdir() if _is_image(f))


# ------------------------------------------------------------------------------------ one image


def _decoded(file, rawmode=None):
    """``file`` decoded and turned upright (EXIF orientation), as a numpy array; ``rawmode`` overrides the decoder's.

    A phone photo's pixels are stored sideways with a tag that says how to turn them: ``exif_transpose`` applies it.
    """
    with Image.open(file) as im:
        if rawmode is not None:
            im.tile = [(*tile[:3], rawmode) for tile in im.tile]  # (codec, extents, offset, raw mode)
        return np.asarray(ImageOps.exif_transpose(im))  # decoding happens here: corrupt data fails here


def _png16(file, rawmode):
    """A 16-bit PNG with colour or alpha at its full depth: float32 in [0, 1], ``(H, W, 3)`` (colour) or ``(H, W)``.

    Pillow's decoder keeps the high byte of each big-endian sample (raw mode ``RGB;16B``); the same file decoded as
    little-endian (``RGB;16L``) keeps the other byte, the low one. Gray with alpha has 4 bytes a pixel, as many as
    8-bit RGBA, so decoded as plain RGBA its bytes are the samples themselves. Alpha is dropped, as for 8-bit files.
    """
    if rawmode == "LA;16B":
        b = _decoded(file, "RGBA").astype(np.float32)
        return (b[..., 0] * 256 + b[..., 1]) / 65535
    high = _decoded(file).astype(np.float32)
    low = _decoded(file, rawmode.replace(";16B", ";16L")).astype(np.float32)
    return ((high * 256 + low) / 65535)[..., :3]


def _deep_kind(im):
    """How to read an opened image of more than 8 bits a sample (its 16-bit PNG raw mode, or mode); else ``None``."""
    rawmode = im.tile[0][3] if im.format == "PNG" and len(im.tile) == 1 else None
    if rawmode in _PNG16:
        return rawmode
    return im.mode if im.mode.startswith("I") else None  # "1", "L", "P", "RGB", "CMYK", ...: 8 bits a sample


def _deep_pixels(file, kind):
    """The pixels of an image of more than 8 bits a sample (:func:`_deep_kind`), float32 in [0, 1]."""
    if kind in _PNG16:
        return _png16(file, kind)
    values = _decoded(file).astype(np.float64)  # "I;16", "I;16B", ...; "I" (older Pillows' 16-bit PNGs)
    if values.size and (values.min() < 0 or values.max() > 65535):
        raise ValueError(f"32-bit pixel values {values.min():g}..{values.max():g}: only 8 and 16 bits are read")
    return (values / 65535).astype(np.float32)


def _square(a):
    """The middle square of an image array ``(H, W[, C])``: the longer side is cropped equally on both ends."""
    h, w = a.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return a[top : top + side, left : left + side]


def _resized_deep(x, size, channels):
    """Pixels in [0, 1] (float32) to ``channels`` (luma or copies), resized with Lanczos; float32 in [-1, 1]."""
    if channels == 1 and x.ndim == 3:
        x = x @ _LUMA
    elif channels == 3 and x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    x = _square(x)
    planes = np.moveaxis(x[..., None] if x.ndim == 2 else x, 2, 0)  # one float ("F") picture per channel
    lanczos = Image.Resampling.LANCZOS
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(p)).resize((size, size), lanczos)) for p in planes]
    out = np.stack(planes, axis=2).clip(0.0, 1.0) * 2 - 1  # (S, S, C); Lanczos overshoots a little at sharp edges
    return (out[..., 0] if channels == 1 else out).astype(np.float32)


def _load_one(file, size, channels):
    """One image file, upright, center-cropped to a square, resized: float32 ``(size, size[, 3])`` in [-1, 1]."""
    try:
        with Image.open(file) as im:
            kind = _deep_kind(im)
            if kind is None:  # 8 bits a sample: Pillow converts and resizes it as it is
                im = ImageOps.exif_transpose(im)  # phone photos: apply the EXIF rotation tag
                im = im.convert("L" if channels == 1 else "RGB")  # forces decoding: corrupt data fails here
        if kind is not None:
            return _resized_deep(_deep_pixels(file, kind), size, channels)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise ValueError(f"could not read image {file}: {err}") from err
    w, h = im.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side))
    im = im.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.uint8).astype(np.float32) / 127.5 - 1.0  # pixel 0..255 to -1..1


def load_image_folder(path, size=32, channels=1):
    """Every PNG and JPEG image in a folder, as a batch in ``[-1, 1]``.

    Each image is turned upright (using its EXIF orientation tag, as photos from phones need),
    converted to grayscale (``channels=1``) or RGB (``channels=3``), center-cropped to a square
    (the middle of the longer side is kept), and resized to ``size x size`` with the Lanczos
    filter (sharp, and it does not alias when shrinking). Files are read in sorted order, so the
    batch order is reproducible.

    Parameters
    ----------
    path : str or os.PathLike
        The folder. Only files directly in it count (subfolders are *not* searched); suffixes
        ``.png``, ``.jpg`` and ``.jpeg`` in any case. Other files are ignored.
    size : int, default 32
        Side of the returned images.
    channels : {1, 3}, default 1
        Grayscale or RGB.

    Returns
    -------
    torch.Tensor
        float32, shape ``(N, channels, size, size)``: black is -1 and white +1 whatever the file's bit depth
        (8-bit pixels ``0..255``, 16-bit PNG samples ``0..65535``, both mapped linearly to ``-1..1``).

    Raises
    ------
    ValueError
        If the folder is missing, is not a folder, or holds no PNG or JPEG image; or if any
        image file cannot be read (the message names it: no image is silently skipped).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder path (str or os.PathLike), got {type(path).__name__}")
    size = check_int("size", size)
    check_choice("channels", channels, (1, 3))
    folder = Path(path)
    if not folder.exists():
        raise ValueError(f"image folder {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: give the folder that holds the images")
    files = _image_files(folder)
    if not files:
        raise ValueError(f"no PNG or JPEG images in {folder} (subfolders are not searched)")
    images = torch.from_numpy(np.stack([_load_one(f, size, channels) for f in files]))  # (N, S, S[, 3])
    return images.unsqueeze(1) if channels == 1 else images.permute(0, 3, 1, 2).contiguous()


# ------------------------------------------------------------------------------------ classes


def _label_order(folders):
    """Class folders in label order: by number if every name is a whole number (2 before 10), else alphabetical."""
    if folders and all(re.fullmatch(r"[0-9]+", d.name) for d in folders):
        return sorted(folders, key=lambda d: (int(d.name), d.name))
    return sorted(folders, key=lambda d: d.name)


def _nested_images(class_folder):
    """``{folder: images}`` for the folders inside a class folder (at any depth) that hold images; hidden ones aside."""
    found = {}
    for root, dirs, files in os.walk(class_folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        n = sum(Path(f).suffix.lower() in IMAGE_SUFFIXES for f in files)
        if n and Path(root) != class_folder:
            found[Path(root)] = n
    return found


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _refuse_skipped_images(folder, loose, nested):
    """Images the class loader would not read: a ValueError that says how many, where, and what is expected."""
    where = []
    if loose:
        where.append(f"{_plural(len(loose), 'image')} directly in {folder}, next to the class folders")
    if nested:
        places = [f"{d.relative_to(folder)} ({n})" for d, n in sorted(nested.items())]
        more = f" and {len(places) - 3} more folders" if len(places) > 3 else ""
        where.append(
            f"{_plural(sum(nested.values()), 'image')} in folders inside class folders: {', '.join(places[:3])}{more}"
        )
    raise ValueError(
        f"{' and '.join(where)} would be skipped: a folder of classes must hold one subfolder of PNG/JPEG images per "
        "class, with the images directly inside each (no images at the top, no folders inside a class); move them"
    )


def class_folders(path):
    """The class subfolders of folder ``path``, in label order (class ``i`` is the ``i``-th), after checking them.

    Order: by number when every subfolder's name is a whole number (``0``, ``1``, ..., ``10``), else alphabetical.
    Hidden folders (``.name``) are not classes. Checked: at least two classes; every class folder holds a PNG or
    JPEG image; no image lies where the loader would not read it (next to the class folders, or in a folder
    inside a class folder). Each check fails with a ValueError naming the folders, since a skipped folder or image
    would silently change the data, or every later class's label.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"image folder {folder} does not exist or is not a folder")
    subs = _label_order([d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")])
    loose = _image_files(folder)
    if len(subs) < 2:
        hint = f" ({_plural(len(loose), 'image')} lie directly in it: sort them into their classes' folders)"
        raise ValueError(
            f"{folder} must hold one subfolder of PNG/JPEG images per class, at least two; "
            f"found {len(subs)}{hint if loose else ''}"
        )
    nested = {d: n for sub in subs for d, n in _nested_images(sub).items()}
    if loose or nested:
        _refuse_skipped_images(folder, loose, nested)
    empty = [d.name for d in subs if not _image_files(d)]
    if empty:
        raise ValueError(
            f"class folder{'s' if len(empty) > 1 else ''} {', '.join(empty)} in {folder} "
            f"{'hold' if len(empty) > 1 else 'holds'} no PNG or JPEG image: every subfolder is a class "
            "(skipping one would shift the labels of the classes after it); add images, or move it out"
        )
    return subs


def load_image_classes(path, size=32, channels=1):
    """A folder with one subfolder of images per class: ``(images, labels, class_names)``.

    Class ``i`` is the ``i``-th subfolder in label order (:func:`class_folders`: by number when every subfolder is
    named by a whole number, else alphabetical), and its name is the folder's name, so ``class_names[i]`` is the
    name of label ``i``. Each subfolder is read by :func:`load_image_folder` (the same crop, resize and checks).

    Returns
    -------
    images : torch.Tensor, float32 ``(N, channels, size, size)`` in ``[-1, 1]``
    labels : torch.Tensor, int64 ``(N,)``
    class_names : list of str, in label order

    Raises
    ------
    ValueError
        The folder is missing, or holds fewer than two class subfolders (a conditional GAN needs at least two
        classes), or a class folder without an image, or images the loader would skip (see
        :func:`class_folders`), or an image that cannot be read.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder path (str or os.PathLike), got {type(path).__name__}")
    classes = class_folders(path)
    parts = [load_image_folder(d, size, channels) for d in classes]
    labels = torch.cat([torch.full((len(p),), i, dtype=torch.int64) for i, p in enumerate(parts)])
    return torch.cat(parts), labels, [d.name for d in classes]
