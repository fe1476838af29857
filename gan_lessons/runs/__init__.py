"""Run a recipe: build the players, train them, checkpoint, resume, sample.

This is what ``python -m gan_lessons train ...`` and ``sample`` run, and what the notebooks call
for "the same run, through the package". A run is started fresh (:func:`start_run`) or from a checkpoint
(:func:`resume_run`), then trained up to its recipe's total (:func:`train_run`); :func:`run` does both.
The training itself is :func:`gan_lessons.training.train`; the recipes are :mod:`gan_lessons.recipes`.

* :mod:`~gan_lessons.runs.build`: the players, optimisers and training data of a recipe;
* :mod:`~gan_lessons.runs.lifecycle`: start, resume, train and save a run;
* :mod:`~gan_lessons.runs.results`: samples and summaries.
"""

from .build import build_dcgan, build_toy, generator_from_checkpoint, optimisers, training_images
from .lifecycle import Run, resume_run, run, save_run, start_run, train_run
from .results import generate, summarise

__all__ = [
    "Run",
    "optimisers",
    "build_toy",
    "build_dcgan",
    "training_images",
    "start_run",
    "resume_run",
    "train_run",
    "run",
    "save_run",
    "summarise",
    "generate",
    "generator_from_checkpoint",
]
