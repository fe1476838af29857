"""Pictures for the lessons (matplotlib): densities, discriminators, losses, samples; one module per lesson.

* :mod:`~gan_lessons.plotting.value_function`: the two players, :math:`D^*`, :math:`C(G)` (lesson 1)
* :mod:`~gan_lessons.plotting.toy_gan`: a 1-D GAN's densities, discriminator, mapping, dashboard (lesson 2)
* :mod:`~gan_lessons.plotting.dynamics`: the bilinear game, saturating losses, dropped modes (lesson 3)
* :mod:`~gan_lessons.plotting.dcgan`: image grids, training curves, the latent space (lesson 4)
* :mod:`~gan_lessons.plotting.wasserstein`: divergences, Gaussian fits, critics, a WGAN's estimate of W1 (lesson 5)
* :mod:`~gan_lessons.plotting.conditional`: one row per class, style and content, blends of classes (lesson 6)

Every function draws on an ``ax`` (or makes a figure) and returns it, so notebooks and widgets
share the same pictures and tests can check them without a display (Agg backend). New figures are
not registered with pyplot, so a notebook shows each picture once.
"""

from . import conditional, dcgan, dynamics, toy_gan, value_function, wasserstein
from .conditional import *  # noqa: F403
from .dcgan import *  # noqa: F403
from .dynamics import *  # noqa: F403
from .toy_gan import *  # noqa: F403
from .value_function import *  # noqa: F403
from .wasserstein import *  # noqa: F403

__all__ = [*value_function.__all__, *toy_gan.__all__, *dynamics.__all__, *dcgan.__all__, *wasserstein.__all__]
__all__ += conditional.__all__
