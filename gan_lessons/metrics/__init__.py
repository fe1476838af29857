r"""How good is a generator? Numbers that answer it for each lesson's data.

* :mod:`~gan_lessons.metrics.toy`: 1-D and 2-D toy targets (lessons 2 and 3): the
  Kolmogorov–Smirnov distance :math:`\sup_x |F_n(x) - F(x)|`, modes covered and the share of
  high-quality samples, a kernel density estimate of :math:`p_g`, and snapshots of a 1-D GAN.
* :mod:`~gan_lessons.metrics.digits`: generated digits (lesson 4): a small digit classifier, its
  confidence and class histogram, digit-FID and its real-vs-real baseline, nearest neighbours.
* :mod:`~gan_lessons.metrics.conditional`: a conditional generator of digits (lesson 6): did it draw
  the class it was asked for, per class, in many ways, without copying?
"""

from . import conditional, digits, toy
from .conditional import *  # noqa: F403
from .digits import *  # noqa: F403
from .toy import *  # noqa: F403

__all__ = [*toy.__all__, *digits.__all__, *conditional.__all__]
