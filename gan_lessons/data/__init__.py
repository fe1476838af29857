"""Data for the course: toy targets with exact densities, and image datasets.

* :mod:`gan_lessons.data.toy`: 1-D Gaussian, 1-D mixture, 2-D ``ring8`` and ``grid25``.
* :mod:`gan_lessons.data.images`: scikit-learn's digits (embedded, the default), MNIST and
  Fashion-MNIST (downloaded on demand, verified, by :mod:`gan_lessons.data.download`), or a folder of
  your own images (:mod:`gan_lessons.data.folders`; with labels: one subfolder per class).
"""

from .download import DownloadError, default_cache_dir, read_idx
from .images import (
    DIGITS_HELD_OUT_PER_CLASS,
    FASHION_MNIST_CLASSES,
    IMAGE_DATASETS,
    class_names,
    digits_split,
    load_digits,
    load_image_classes,
    load_image_folder,
    load_images,
    load_labelled_images,
    load_mnist,
)
from .toy import TOY_TARGETS, GaussianMixture, gaussian, grid25, mixture, ring8, toy_target

__all__ = [
    "TOY_TARGETS",
    "GaussianMixture",
    "gaussian",
    "mixture",
    "ring8",
    "grid25",
    "toy_target",
    "IMAGE_DATASETS",
    "DIGITS_HELD_OUT_PER_CLASS",
    "digits_split",
    "load_digits",
    "load_mnist",
    "load_image_folder",
    "load_images",
    "load_image_classes",
    "load_labelled_images",
    "class_names",
    "FASHION_MNIST_CLASSES",
    "DownloadError",
    "default_cache_dir",
    "read_idx",
]
