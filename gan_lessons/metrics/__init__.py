r"""How good is a generator? Numbers that answer it for each lesson's data.

* :mod:`~gan_lessons.metrics.toy`: 1-D and 2-D toy targets (lessons 2 and 3): the
  Kolmogorov–Smirnov distance :math:`\sup_x |F_n(x) - F(x)|`, modes covered and the share of
  high-quality samples, a kernel density estimate of :math:`p_g`, and snapshots of a 1-D GAN.
* :mod:`~gan_lessons.metrics.digits`: generated digits (lesson 4): a small digit classifier, its
  confidence and class histogram, digit-FID and its real-vs-real baseline, nearest neighbours.
"""

from .digits import (
    DIGIT_CLASSIFIER_VERSION,
    DigitClassifier,
    as_digit_pixels,
    class_histogram,
    classifier_confidence,
    classify_digits,
    digit_classifier,
    digit_features,
    digit_fid,
    digit_fid_baseline,
    digit_report,
    frechet_distance,
    nearest_neighbours,
)
from .toy import ToySnapshot, kde_1d, ks_distance, mode_coverage, toy_snapshot

__all__ = [
    # toy
    "ks_distance",
    "mode_coverage",
    "kde_1d",
    "ToySnapshot",
    "toy_snapshot",
    # digits
    "DIGIT_CLASSIFIER_VERSION",
    "DigitClassifier",
    "digit_classifier",
    "as_digit_pixels",
    "classify_digits",
    "classifier_confidence",
    "class_histogram",
    "digit_features",
    "frechet_distance",
    "digit_fid",
    "digit_fid_baseline",
    "digit_report",
    "nearest_neighbours",
]
