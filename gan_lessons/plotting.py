"""Pictures for the lessons (matplotlib): densities, discriminators, losses, samples.

Every function draws on an ``ax`` (or makes a figure) and returns it, so notebooks and widgets
share the same pictures and tests can check them without a display (Agg backend).
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401  (used by the sections below)
import numpy as np  # noqa: F401

__all__: list[str] = []

# ---------------------------------------------------------------- lesson 1: the value function

# ---------------------------------------------------------------- lesson 2: a 1-D toy GAN

# ---------------------------------------------------------------- lesson 3: training dynamics

# ---------------------------------------------------------------- lesson 4: an image DCGAN
