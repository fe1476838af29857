"""Interactive controls for the lessons (ipywidgets + matplotlib), one module per lesson.

* :mod:`~gan_lessons.widgets.value_function`: slide :math:`p_g` over :math:`p_{data}` (lesson 1)
* :mod:`~gan_lessons.widgets.toy_gan`: train a 1-D GAN, step the game by hand, replay a run (lesson 2)
* :mod:`~gan_lessons.widgets.dynamics`: gradient methods on the bilinear game (lesson 3)
* :mod:`~gan_lessons.widgets.dcgan`: scrub through training, walk G's latent space (lesson 4)
* :mod:`~gan_lessons.widgets.wasserstein`: shift p_g and watch four divergences and their slopes (lesson 5)
* :mod:`~gan_lessons.widgets.conditional`: an AI-art studio on a conditional GAN (lesson 6)

Each widget is a thin layer: its callbacks call package functions (in :mod:`gan_lessons.theory`,
:mod:`gan_lessons.training`, :mod:`gan_lessons.plotting`, ...) that the tests exercise directly,
and every builder returns the widget *and* exposes its update function, so a notebook runs top to
bottom headless with no interaction. ipywidgets is imported lazily, inside the builders.
:func:`kde_1d`, :class:`ToySnapshot` and :func:`toy_snapshot` live in :mod:`gan_lessons.metrics`
and are importable from here too.
"""

from ..metrics.toy import ToySnapshot, kde_1d, toy_snapshot
from . import conditional, dcgan, dynamics, toy_gan, value_function, wasserstein
from .conditional import *  # noqa: F403
from .dcgan import *  # noqa: F403
from .dynamics import *  # noqa: F403
from .toy_gan import *  # noqa: F403
from .value_function import *  # noqa: F403
from .wasserstein import *  # noqa: F403

__all__ = ["kde_1d", "ToySnapshot", "toy_snapshot"]  # from gan_lessons.metrics: lesson 2 imports them from here
__all__ += [*value_function.__all__, *toy_gan.__all__, *dynamics.__all__, *dcgan.__all__, *wasserstein.__all__]
__all__ += conditional.__all__
