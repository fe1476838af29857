"""The course itself: its lessons in order, and where it lives. Every list of lessons reads :data:`LESSONS`.

The README's lesson table, the instructor guide's "Lessons at a glance", the command line's help, the JupyterHub
sizing (:mod:`gan_lessons.classroom`), the website, the browser test and the course benchmark all come from
here, so a new lesson is one entry in :data:`LESSONS` beside its notebook, its exercises, its module and its
tests (CONTRIBUTING.md, "Adding a lesson"). ``python -m gan_lessons notebooks`` writes the lists in the
documents; ``--check`` (run by the tests) says when one is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_

__all__ = ["REPOSITORY", "repository_url", "Lesson", "LESSONS", "lesson"]

#: The course's GitHub repository, ``org/name``. A placeholder, and the only place that says so: put your fork's
#: address here, then run ``python -m gan_lessons notebooks`` to write it into every badge and link (README,
#: docs, the JupyterHub configuration); the website and ``classroom-link`` read it from here.
REPOSITORY = "gan-lessons/gan-lessons"


def repository_url():
    """``https://github.com/<REPOSITORY>``."""
    return f"https://github.com/{REPOSITORY}"


@dataclass(frozen=True)
class Lesson:
    """One lesson: a notebook in ``solutions/`` (the learner's edition in ``notebooks/`` is made from it)."""

    name: str  #: the notebook's name without ``.ipynb``: ``NN_topic``, NN its place in the course
    title: str  #: as the README's table and the instructor guide show it (marked for translation: N_)
    summary: str  #: what the learner does, one sentence or two (the README's table; N_ too)
    minutes: tuple  #: the learner's time, (shortest, longest) in minutes; the JupyterHub sizing divides by the first

    @property
    def number(self):
        return int(self.name.split("_", 1)[0])

    @property
    def notebook(self):
        """``NN_topic.ipynb``: the file in ``notebooks/``, ``solutions/`` and their ``zh-CN/`` editions."""
        return f"{self.name}.ipynb"


LESSONS = (
    Lesson(
        "01_value_function",
        N_("The value function"),
        N_(
            "Derive V(D,G), the optimal discriminator D\\* = p_data/(p_data+p_g) and C(G) = −log 4 + 2·JSD (Goodfellow "
            "et al. 2014); check them three ways; explore them with sliders.",
        ),
        (60, 75),
    ),
    Lesson(
        "02_toy_gan",
        N_("A 1-D toy GAN"),
        N_(
            "Write the training algorithm in a dozen lines, then watch a generator learn N(4, 1.25) in a live "
            "dashboard.",
        ),
        (60, 80),
    ),
    Lesson(
        "03_training_dynamics",
        N_("Training dynamics"),
        N_(
            "Why GAN training is hard: equilibria that are not minima, saturating losses, mode collapse on 2-D "
            "mixtures, and the cures that work.",
        ),
        (80, 110),
    ),
    Lesson(
        "04_dcgan",
        N_("An image DCGAN"),
        N_(
            "Train a DCGAN (Radford et al. 2015) that draws digits in minutes on a CPU, evaluate it, and explore its "
            "latent space.",
        ),
        (75, 100),
    ),
    Lesson(
        "05_wasserstein",
        N_("From JSD to the Wasserstein GAN"),
        N_(
            "What the generator really minimises: JSD, both KLs and the earth mover's distance side by side; the "
            "critic and three ways to keep it 1-Lipschitz, measured; WGAN-GP trained properly.",
        ),
        (75, 100),
    ),
    Lesson(
        "06_conditional",
        N_("A conditional GAN and an AI-art studio"),
        N_(
            "Ask for the digit you want: G(z, y) and two ways to show D the label (concatenation, projection), "
            "compared; per-class accuracy, FID and diversity; style vs content; an art studio that exports PNG and "
            "GIF.",
        ),
        (75, 100),
    ),
)


def lesson(number):
    """The lesson numbered ``number`` (1, 2, ...), or a ValueError naming the ones there are."""
    for item in LESSONS:
        if item.number == number:
            return item
    raise ValueError(f"lesson must be one of {', '.join(str(x.number) for x in LESSONS)}, got {number!r}")
