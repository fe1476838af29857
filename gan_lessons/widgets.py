"""Interactive controls for the lessons (ipywidgets + matplotlib).

Each widget is a thin layer: its callbacks call package functions (in :mod:`gan_lessons.theory`,
:mod:`gan_lessons.training`, :mod:`gan_lessons.plotting`, ...) that the tests exercise directly,
and every builder returns the widget *and* exposes its update function, so a notebook runs top to
bottom headless with no interaction. ipywidgets is imported lazily, inside the builders.
"""

from __future__ import annotations

__all__: list[str] = []

# ---------------------------------------------------------------- lesson 1: the value function

# ---------------------------------------------------------------- lesson 2: a 1-D toy GAN

# ---------------------------------------------------------------- lesson 3: training dynamics

# ---------------------------------------------------------------- lesson 4: an image DCGAN
