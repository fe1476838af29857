"""gan-lessons: the package behind a hands-on course on Generative Adversarial Networks.

One concept per module, named after the lesson's term (layers: ``docs/architecture.md``):

* :mod:`~gan_lessons.theory`: the value function V(D, G), the optimal discriminator D*, the JSD (lesson 1)
* :mod:`~gan_lessons.data`: toy targets with exact densities; digits, MNIST, your own images
* :mod:`~gan_lessons.models`: MLP, DCGAN and conditional DCGAN generators and discriminators
* :mod:`~gan_lessons.losses`: discriminator and generator losses, on logits
* :mod:`~gan_lessons.games`: what each training step minimises (GAN, unrolled GAN, WGAN-GP)
* :mod:`~gan_lessons.training`: Algorithm 1 as ``d_step``, ``g_step``, ``train``, and what observes it
* :mod:`~gan_lessons.checkpoint`: saving and safely loading a run
* :mod:`~gan_lessons.recipes`: the course's recipes (frozen dataclasses); :mod:`~gan_lessons.runs`: running them
* :mod:`~gan_lessons.metrics`: KS distance, modes covered, digit-FID, per-class figures of a conditional G
* :mod:`~gan_lessons.plotting`, :mod:`~gan_lessons.widgets`: pictures and interactive controls, one module per lesson
* :mod:`~gan_lessons.exercises`: the notebook exercises' checks

Importing the package is cheap and has no side effects (nothing is seeded, nothing downloaded).
"""

import os
from pathlib import Path

__version__ = "0.1.0"
__all__ = ["fast_mode", "course_path", "__version__"]


def fast_mode():
    """True when ``GAN_LESSONS_FAST=1``: notebooks shrink their runs to seconds (the tests set it)."""
    return os.environ.get("GAN_LESSONS_FAST", "") not in ("", "0")


def course_path(*parts):
    """A path in the course's folder (the one that holds ``notebooks/``), from wherever a notebook runs.

    ``course_path("runs", "lesson4")`` is the same folder from ``notebooks/``, ``solutions/`` and the
    Chinese edition's ``notebooks/zh-CN/``. Outside the course's folder: relative to the current one's parent.
    """
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir():
            return folder.joinpath(*parts)
    return here.parent.joinpath(*parts)
