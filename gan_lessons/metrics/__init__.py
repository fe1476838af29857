r"""How good is a generator? Numbers that answer it for each lesson's data.

* :mod:`~gan_lessons.metrics.toy`: 1-D and 2-D toy targets (lessons 2 and 3): the
  Kolmogorov–Smirnov distance :math:`\sup_x |F_n(x) - F(x)|`, modes covered and the share of
  high-quality samples, a kernel density estimate of :math:`p_g`, and snapshots of a 1-D GAN.
* :mod:`~gan_lessons.metrics.digits`: generated digits (lesson 4): a small digit classifier, its
  confidence and class histogram, digit-FID and its real-vs-real baseline, nearest neighbours.
"""

from . import digits, toy
from .digits import *  # noqa: F403
from .toy import *  # noqa: F403

__all__ = [*toy.__all__, *digits.__all__]
