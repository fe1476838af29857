r"""The GAN training algorithm (Goodfellow et al. 2014, Algorithm 1), as plain functions.

.. code-block:: text

    for each training step:
        for k steps:                                   # d_step
            sample real x_1..x_m and noise z_1..z_m
            ascend  V = mean log D(x) + mean log(1 - D(G(z)))   w.r.t. D
        sample noise z_1..z_m                           # g_step
        descend the generator loss (non-saturating: -mean log D(G(z)))   w.r.t. G

:func:`train` is that loop and nothing more: it calls :func:`d_step` ``k`` times and
:func:`g_step` once per step, records a :class:`History`, and reports every step to its
*callbacks* (how progress bars, live plots, widgets and the moving average :class:`EMA` watch
training). What each step minimises comes from a *game* (:mod:`gan_lessons.games`: the original
GAN, unrolled, WGAN-GP), so the loop never changes. All randomness comes from one
:class:`torch.Generator`, ``rng``, whose state a checkpoint saves, so a resumed run continues exactly
where it stopped.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from ._validate import check_int, check_number, check_seed, check_type
from .games import GAN
from .models import sample_noise

__all__ = [
    "seed_everything",
    "select_device",
    "d_step",
    "g_step",
    "linear_decay",
    "set_lr",
    "train",
    "History",
    "StepInfo",
    "StopTraining",
    "TrainingDiverged",
    "LOSS_LIMIT",
    "EMA",
]


class TrainingDiverged(RuntimeError):
    """A loss became NaN, infinite or absurdly large: training stopped instead of silently producing garbage."""


#: A loss larger than this (in absolute value) means the run has blown up. The losses work on logits
#: :math:`\ell`, and a loss of :math:`L` needs logits of about :math:`\pm L`; float32's
#: :math:`\sigma(\ell)` is exactly 0 or 1 beyond :math:`|\ell| \approx 17` (and :math:`e^{-\ell}`
#: overflows beyond 88), so at :math:`10^6` every D(x) is 0 or 1 and no step can bring training back.
#: Healthy runs stay far below: :math:`\log 4 \approx 1.39` at the equilibrium, G's loss near 20 when D
#: wins outright; WGAN-GP's critic loss and penalty stay within a few hundred on the course's data.
LOSS_LIMIT = 1e6


class StopTraining(Exception):
    """Raise from a callback to end :func:`train` early (e.g. a widget's Stop button)."""


# ---------------------------------------------------------------------------------- set-up


def seed_everything(seed):
    """Seed Python's, NumPy's and PyTorch's global generators; return a fresh :class:`torch.Generator`.

    Call it explicitly at the start of an experiment (nothing is seeded at import). The returned
    generator, ``rng``, is the one :func:`train` draws noise and batches from.
    """
    check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - seeding the legacy global generator is the point
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def select_device(name="cpu"):
    """The one place the course picks a device. ``"cpu"`` (default), ``"cuda"``, ``"mps"`` or ``"auto"``.

    ``"auto"`` takes CUDA, then Apple's MPS, when present, else the CPU. Everything in the course
    runs on a CPU; exact resume is guaranteed on CPU only. Move G and D there before :func:`train`:
    it puts data and noise where G is.
    """
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if mps else "cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'mps' or 'auto', got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    if name == "mps" and not mps:
        raise ValueError("device 'mps' was asked for but Apple's MPS is not available")
    return torch.device(name)


# ---------------------------------------------------------------------------------- one step


def d_step(G, D, opt_d, *, real, z, game=GAN(), rng=None):
    r"""One discriminator update: gradient ascent on V(D, G), i.e. descent on the discriminator loss.

    .. math:: \theta_D \leftarrow \theta_D + \eta \nabla_{\theta_D} \frac1m \sum_i
              \big[\log D(x_i) + \log(1 - D(G(z_i)))\big]

    G is held fixed (its output is computed without gradients). The loss is ``game.loss_d``
    (:mod:`gan_lessons.games`; ``rng`` feeds a WGAN-GP's random interpolation). Returns
    ``(loss, mean D(x), mean D(G(z)))`` as floats.
    """
    with torch.no_grad():
        fake = G(z)  # (B, ...) = G(z), z: (B, z_dim)
    loss, real_logits, fake_logits = game.loss_d(D, real, fake, rng)  # logits: (B,)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss.item(), torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()


def g_step(G, D, opt_g, *, z, game=GAN(), sample_real=None, rng=None):
    r"""One generator update through the (fixed) discriminator.

    .. math:: \theta_G \leftarrow \theta_G - \eta \nabla_{\theta_G} L_G(D(G(z)))

    with :math:`L_G` = ``game.loss_g``: the non-saturating :math:`-\log D(G(z))` by default. Only G's
    optimiser steps; D's gradients are discarded. ``sample_real`` and ``rng`` are for games that
    draw more batches (the unrolled GAN's look-ahead). Returns the loss as a float.
    """
    loss = game.loss_g(G, D, z, sample_real, rng)  # z: (B, z_dim)
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return loss.item()


# ---------------------------------------------------------------------------------- the learning rate


def linear_decay(step, steps):
    r"""A learning-rate schedule: :math:`\eta_t = \eta_0 (1 - t / T)`, from the full rate to 0 at the run's end.

    Shrinking the step size to zero stops the players from circling the equilibrium (lessons 2 and 3).
    It depends on the step alone, so a resumed run follows it exactly.
    """
    return 1.0 - step / steps


def set_lr(opt, scale):
    r"""Set each learning rate of ``opt`` to ``scale`` times its initial value :math:`\eta_0`.

    The initial value is remembered in each parameter group (``initial_lr``, saved with the optimiser's
    state, as PyTorch's own schedulers do).
    """
    for group in opt.param_groups:
        group.setdefault("initial_lr", group["lr"])
        group["lr"] = group["initial_lr"] * scale


# ---------------------------------------------------------------------------------- what observes it


@dataclass
class StepInfo:
    """What a callback sees after each training step."""

    step: int  #: steps completed so far (1-based after the first step)
    total: int  #: the run's total number of steps
    loss_d: float  #: discriminator loss of the last D step
    loss_g: float  #: generator loss
    d_real: float  #: mean D(x) on the last real batch
    d_fake: float  #: mean D(G(z)) on the last fake batch
    G: torch.nn.Module = field(repr=False, default=None)
    D: torch.nn.Module = field(repr=False, default=None)


_RECORDED = ("step", "loss_d", "loss_g", "d_real", "d_fake")


@dataclass
class History:
    """Per-step record of a run: losses, mean D(x) and mean D(G(z))."""

    step: list = field(default_factory=list)
    loss_d: list = field(default_factory=list)
    loss_g: list = field(default_factory=list)
    d_real: list = field(default_factory=list)
    d_fake: list = field(default_factory=list)

    def append(self, info):
        for name in _RECORDED:
            getattr(self, name).append(getattr(info, name))

    def __len__(self):
        return len(self.step)

    def state_dict(self):
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_state_dict(cls, d):
        return cls(**{k: list(d.get(k, [])) for k in _RECORDED})


class EMA:
    r"""An exponential moving average of a generator's weights, for sampling; a callback of :func:`train`.

    .. math:: \bar\theta \leftarrow \beta \bar\theta + (1 - \beta)\,\theta

    Averaging the iterates damps the oscillation of the GAN game (lesson 3); sample from
    ``ema.model``. Buffers (e.g. batch-norm statistics) are copied, not averaged. Pass it first in
    ``callbacks`` so that the callbacks after it see the updated average.
    """

    def __init__(self, model, decay=0.999):
        self.decay = check_number("decay", decay, 0.0, 1.0, low_open=True, high_open=True)
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        avg, now = list(self.model.parameters()), list(model.parameters())
        if len(avg) != len(now):
            raise ValueError(f"model has {len(now)} parameter tensors, the average {len(avg)}: not the same network")
        torch._foreach_lerp_(avg, now, 1.0 - self.decay)  # every tensor at once: the same numbers as a loop
        for avg, b in zip(self.model.buffers(), model.buffers(), strict=True):
            avg.copy_(b)

    def __call__(self, info):
        self.update(info.G)


# ---------------------------------------------------------------------------------- the loop


def _check_losses(step, loss_d, loss_g):
    """Stop a run whose loss is NaN, infinite or beyond :data:`LOSS_LIMIT`."""
    if not all(math.isfinite(v) and abs(v) <= LOSS_LIMIT for v in (loss_d, loss_g)):
        raise TrainingDiverged(
            f"training diverged at step {step}: discriminator loss {loss_d:.3g}, generator loss {loss_g:.3g} "
            f"(beyond {LOSS_LIMIT:.0e} a run has blown up); try a lower learning rate or a different seed"
        )


def train(
    G,
    D,
    opt_g,
    opt_d,
    sample_real,
    steps,
    *,
    batch_size=64,
    game=GAN(),
    lr_schedule=None,
    rng=None,
    history=None,
    callbacks=(),
):
    r"""Train G and D by Algorithm 1 of Goodfellow et al. (2014): ``game.k`` D steps, then one G step.

    Parameters
    ----------
    G, D : torch.nn.Module
        Generator (with a ``z_dim`` attribute) and discriminator (returning logits), on the device to
        train on (:func:`select_device`); real batches and noise are moved there.
    opt_g, opt_d : torch.optim.Optimizer
        Their optimisers.
    sample_real : callable
        ``sample_real(batch_size, rng) -> Tensor``: a batch of real data.
    steps : int
        Total number of generator steps of the run (a resumed run continues up to it).
    batch_size : int
        Samples per batch, real and fake alike (Algorithm 1's m).
    game : GAN, UnrolledGAN or WGANGP
        What each player minimises and ``k``, the D steps per G step (:mod:`gan_lessons.games`).
    lr_schedule : callable, optional
        ``lr_schedule(step, steps) -> scale``: both learning rates are their initial value times the
        scale at every step (e.g. :func:`linear_decay`); ``None`` (default) leaves them alone.
    rng : torch.Generator, optional
        Source of all randomness (noise and batches); see :func:`seed_everything`.
    history : History, optional
        A resumed run's history: training continues from step ``len(history)`` and appends to it.
    callbacks : sequence of callables
        ``cb(info)`` with a :class:`StepInfo` after every step (an :class:`EMA`, a progress bar from
        :mod:`gan_lessons.progress`, a widget); a callback may raise :class:`StopTraining` to end the run early.

    Returns the :class:`History`; raises :class:`TrainingDiverged` as soon as a loss is NaN or infinite.
    """
    for name, value, cls in (("G", G, torch.nn.Module), ("D", D, torch.nn.Module)):
        check_type(name, value, cls)
    for name, value in (("opt_g", opt_g), ("opt_d", opt_d)):
        check_type(name, value, torch.optim.Optimizer)
    if not callable(sample_real):
        raise TypeError(f"sample_real must be a function (batch_size, rng) -> Tensor, got {type(sample_real).__name__}")
    check_int("steps", steps, minimum=0)
    check_int("batch_size", batch_size)
    history = History() if history is None else history
    device = next(G.parameters()).device
    G.train()
    D.train()
    try:
        for step in range(len(history), steps):
            if lr_schedule is not None:  # the step size of this step: eta_t = eta_0 * lr
                lr = lr_schedule(step, steps)
                set_lr(opt_d, lr)
                set_lr(opt_g, lr)
            for _ in range(game.k):
                real = sample_real(batch_size, rng).to(device)  # (B, ...): x ~ p_data
                z = sample_noise(G, batch_size, rng, device)  # (B, z_dim): z ~ p_z
                loss_d, d_real, d_fake = d_step(G, D, opt_d, real=real, z=z, game=game, rng=rng)
            z = sample_noise(G, batch_size, rng, device)  # (B, z_dim)
            loss_g = g_step(G, D, opt_g, z=z, game=game, sample_real=sample_real, rng=rng)
            _check_losses(step + 1, loss_d, loss_g)
            info = StepInfo(step + 1, steps, loss_d, loss_g, d_real, d_fake, G, D)
            history.append(info)
            for cb in callbacks:
                cb(info)
    except StopTraining:
        pass
    return history
