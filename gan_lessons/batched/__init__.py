r"""Many small GANs trained at once: N toy runs of one architecture as one batched model (lessons 3 and 5).

On a CPU a toy GAN's training step is a few dozen tiny operations, and each costs more in overhead than in
arithmetic. Stack the weights of N runs along a leading dimension and each layer of all N networks becomes one
batched matrix product (:func:`torch.baddbmm`): N runs cost little more than one.

Nothing else changes. It is Algorithm 1 of :func:`gan_lessons.training.train` (``k`` D steps, one G step) with
the game's own losses (:mod:`gan_lessons.losses`, applied run by run with :func:`torch.vmap`), its R1 or gradient
penalty, Adam, the recipe's learning-rate decay and moving average of G. The runs stay independent: each draws
its real batches and noise from its own random stream in the order the single run does, and each has its own
Adam (Adam works number by number, so one Adam over the stacked weights is N independent ones). So run ``i`` of
a batch is the run that :func:`gan_lessons.runs.run` trains alone from the same recipe::

    from dataclasses import replace
    from gan_lessons.batched import train_together
    from gan_lessons.recipes import toy_config
    from gan_lessons.runs import start_run

    runs = train_together([start_run(replace(toy_config("ring8", steps=3000), seed=s)) for s in range(12)])
    # twelve Runs: r.history, r.sample(2500), r.sampling_generator, ... -- look at the spread over seeds

Runs trained together share the architecture and the loop (the recipe fields in :data:`SHARED`); they may
differ in everything else: seed, learning rates, loss (GAN, WGAN-GP, hinge, least squares), penalty weights.
Lesson 3's cures (packs, spectral normalisation, the unrolled GAN) train together with runs of the same cure.
"""

from .stack import Adam, Stack
from .train import SHARED, batchable, train_together

__all__ = ["SHARED", "batchable", "train_together", "Stack", "Adam"]
