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
*callbacks* (how progress bars, live plots and widgets watch training). All randomness comes
from one :class:`torch.Generator`, whose state the checkpoint saves, so a resumed run continues
exactly where it stopped.
"""

from __future__ import annotations

import copy
import math
import os
import pickletools
import random
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ._atomic import temp_file_for
from .losses import critic_loss, discriminator_loss, generator_loss, gradient_penalty, r1_penalty

__all__ = [
    "seed_everything",
    "select_device",
    "latent_dim",
    "sample_noise",
    "d_step",
    "g_step",
    "unroll_d",
    "linear_decay_",
    "train",
    "History",
    "StepInfo",
    "StopTraining",
    "TrainingDiverged",
    "EMA",
    "progress_bar",
    "save_checkpoint",
    "load_checkpoint",
    "CheckpointError",
    "CHECKPOINT_FORMAT",
]

CHECKPOINT_FORMAT = "gan-lessons/1"


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite: training stopped instead of silently producing garbage."""


class StopTraining(Exception):
    """Raise from a callback to end :func:`train` early (e.g. a widget's Stop button)."""


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, unsafe or of the wrong kind."""


# ---------------------------------------------------------------------------------- set-up


def seed_everything(seed):
    """Seed Python's, NumPy's and PyTorch's global generators; return a fresh :class:`torch.Generator`.

    Call it explicitly at the start of an experiment (nothing is seeded at import). The returned
    generator is the one :func:`train` draws noise and batches from.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - seeding the legacy global generator is the point
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def select_device(name="cpu"):
    """The one place the course picks a device. ``"cpu"`` (default), ``"cuda"``, ``"mps"`` or ``"auto"``.

    ``"auto"`` takes CUDA, then Apple's MPS, when present, else the CPU. Everything in the course
    runs on a CPU; exact resume is guaranteed on CPU only.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'mps' or 'auto', got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("device 'mps' was asked for but Apple's MPS is not available")
    return torch.device(name)


def latent_dim(G):
    """The noise dimension of a generator (its ``z_dim`` attribute)."""
    z = getattr(G, "z_dim", None)
    if not isinstance(z, int):
        raise TypeError("G must be a generator with an int attribute z_dim (the noise dimension)")
    return z


def sample_noise(G, n, generator=None, device="cpu"):
    r"""Noise :math:`z \sim \mathcal{N}(0, I)` of shape (n, z_dim) for generator ``G``."""
    return torch.randn(n, latent_dim(G), generator=generator).to(device)


# ---------------------------------------------------------------------------------- one step


def d_step(G, D, opt_d, real, z, wgan_gp=0.0, generator=None, r1=0.0):
    r"""One discriminator update: gradient ascent on V(D, G), i.e. descent on the discriminator loss.

    .. math:: \theta_D \leftarrow \theta_D + \eta \nabla_{\theta_D} \frac1m \sum_i
              \big[\log D(x_i) + \log(1 - D(G(z_i)))\big]

    G is held fixed (its output is detached). Returns ``(loss, mean D(x), mean D(G(z)))`` as floats.
    With ``wgan_gp = λ > 0`` (lesson 3) D is a WGAN critic instead: it descends
    :func:`~gan_lessons.losses.critic_loss` + λ :func:`~gan_lessons.losses.gradient_penalty`
    (random interpolation weights drawn from ``generator``); the returned means are then
    :math:`\sigma(\text{score})`, only a rough indication. With ``r1 = γ > 0`` the loss gets
    :math:`+\gamma\,R_1` (:func:`~gan_lessons.losses.r1_penalty`), which damps oscillation (lesson 2).
    """
    with torch.no_grad():
        fake = G(z)
    real_logits, fake_logits = D(real), D(fake)
    if wgan_gp:
        loss = critic_loss(real_logits, fake_logits) + wgan_gp * gradient_penalty(D, real, fake, generator)
    else:
        loss = discriminator_loss(real_logits, fake_logits)
    if r1:
        loss = loss + r1 * r1_penalty(D, real)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss.item(), torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()


def g_step(G, D, opt_g, z, loss="nonsaturating", d_params=None):
    r"""One generator update through the (fixed) discriminator.

    .. math:: \theta_G \leftarrow \theta_G - \eta \nabla_{\theta_G} L_G(D(G(z)))

    with :math:`L_G` the non-saturating :math:`-\log D(G(z))` (default) or the saturating
    :math:`\log(1 - D(G(z)))` loss. Only G's optimiser steps; D's gradients are discarded.
    Returns the loss as a float. ``d_params`` (lesson 3): judge with these parameters of D instead
    of its own, e.g. the unrolled ones of :func:`unroll_d`.
    """
    fake = G(z)
    logits = D(fake) if d_params is None else torch.func.functional_call(D, d_params, (fake,))
    out = generator_loss(logits, loss)
    opt_g.zero_grad(set_to_none=True)
    out.backward()
    opt_g.step()
    return out.item()


def unroll_d(G, D, reals, zs, lr):
    r"""Unrolled GAN (Metz et al. 2016, arXiv:1611.02163, Eq. 5-8): D's parameters after K look-ahead steps.

    .. math:: \theta_D^{k+1} = \theta_D^k - \eta \nabla_{\theta_D} L_D(\theta_D^k, \theta_G),
              \qquad k = 0, \dots, K-1

    K = ``len(reals)`` plain gradient steps of size ``lr`` on the discriminator loss, kept
    *differentiable* with respect to G: a generator step through the returned parameters
    (``g_step(..., d_params=...)``) sees how D would react to it, so moving all samples onto
    the mode D currently likes stops paying. D itself is not changed.

    Parameters
    ----------
    reals, zs : sequences of Tensor
        One real batch and one noise batch per look-ahead step.
    lr : float
        Step size of the look-ahead steps.

    Returns
    -------
    dict
        Parameter name to tensor, for :func:`torch.func.functional_call`.
    """
    if len(reals) != len(zs) or not reals:
        raise ValueError("reals and zs must be non-empty sequences of the same length (one batch per unrolled step)")
    if not (isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    params = dict(D.named_parameters())
    for real, z in zip(reals, zs, strict=True):
        call = torch.func.functional_call
        loss = discriminator_loss(call(D, params, (real,)), call(D, params, (G(z),)))
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
        params = {name: p - lr * g for (name, p), g in zip(params.items(), grads, strict=True)}
    return params


def linear_decay_(optimizers, factor):
    r"""Set every learning rate to ``factor`` times its initial value: :math:`\eta = f\,\eta_0`.

    The initial value is remembered in each parameter group (``initial_lr``, saved with the
    optimiser's state), so the schedule depends on the step alone and a resumed run follows it
    exactly. Shrinking the step size to zero stops the players from circling the equilibrium
    (lessons 2 and 3).
    """
    for opt in optimizers:
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor


class EMA:
    r"""An exponential moving average of a generator's weights, for sampling.

    .. math:: \bar\theta \leftarrow \beta \bar\theta + (1 - \beta)\,\theta

    Averaging the iterates damps the oscillation of the GAN game (lesson 3); sample from
    ``ema.model``. Buffers (e.g. batch-norm statistics) are copied, not averaged.
    """

    def __init__(self, model, decay=0.999):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for avg, p in zip(self.model.parameters(), model.parameters(), strict=True):
            avg.lerp_(p, 1.0 - self.decay)
        for avg, b in zip(self.model.buffers(), model.buffers(), strict=True):
            avg.copy_(b)


# ---------------------------------------------------------------------------------- the loop


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


@dataclass
class History:
    """Per-step record of a run: losses, mean D(x) and mean D(G(z))."""

    step: list = field(default_factory=list)
    loss_d: list = field(default_factory=list)
    loss_g: list = field(default_factory=list)
    d_real: list = field(default_factory=list)
    d_fake: list = field(default_factory=list)

    def append(self, info):
        for name in ("step", "loss_d", "loss_g", "d_real", "d_fake"):
            getattr(self, name).append(getattr(info, name))

    def __len__(self):
        return len(self.step)

    def state_dict(self):
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_state_dict(cls, d):
        return cls(**{k: list(d.get(k, [])) for k in ("step", "loss_d", "loss_g", "d_real", "d_fake")})


def train(
    G,
    D,
    opt_g,
    opt_d,
    sample_real,
    steps,
    *,
    batch_size=64,
    k=1,
    g_loss="nonsaturating",
    generator=None,
    device="cpu",
    start_step=0,
    history=None,
    callbacks=(),
    ema=None,
    wgan_gp=0.0,
    unroll=0,
    unroll_lr=1e-3,
    lr_decay=False,
    r1=0.0,
):
    r"""Train G and D by Algorithm 1 of Goodfellow et al. (2014): ``k`` D steps, then one G step.

    Parameters
    ----------
    G, D : torch.nn.Module
        Generator (with a ``z_dim`` attribute) and discriminator (returning logits).
    opt_g, opt_d : torch.optim.Optimizer
        Their optimisers.
    sample_real : callable
        ``sample_real(batch_size, generator) -> Tensor``: a batch of real data.
    steps : int
        Total number of generator steps of the run (a resumed run continues up to it).
    batch_size : int
        Samples per batch, real and fake alike.
    k : int
        Discriminator steps per generator step.
    g_loss : {"nonsaturating", "saturating", "wasserstein"}
        Generator loss.
    generator : torch.Generator, optional
        Source of all randomness (noise and batches); see :func:`seed_everything`.
    start_step : int
        Steps already done (when resuming).
    history : History, optional
        Appended to (when resuming); a new one is made otherwise.
    callbacks : sequence of callables
        Each is called as ``cb(info)`` with a :class:`StepInfo` after every step; a callback may
        raise :class:`StopTraining` to end the run early.
    ema : EMA, optional
        Updated after every generator step.
    wgan_gp : float
        0 (default): the GAN loss. λ > 0: D is a WGAN critic with gradient penalty λ (see
        :func:`d_step`); pass ``g_loss="wasserstein"`` with it.
    unroll, unroll_lr : int, float
        Unrolled GAN: each G step looks ``unroll`` D steps of size ``unroll_lr`` ahead
        (:func:`unroll_d`); 0 (default) = off.

    r1 : float
        Weight γ of the R1 penalty on D (:func:`~gan_lessons.losses.r1_penalty`); 0 = off.
    lr_decay : bool
        Decay both learning rates linearly to 0 at the end of the run: step ``t`` uses
        :math:`\eta_t = \eta_0 (1 - t / \text{steps})` (see :func:`linear_decay_`).

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        As soon as a loss is NaN or infinite.
    """
    for name, v, lo in (
        *(("steps", steps, 0), ("batch_size", batch_size, 1), ("k", k, 1), ("start_step", start_step, 0)),
        ("unroll", unroll, 0),
    ):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        if v < lo:
            raise ValueError(f"{name} must be >= {lo}, got {v}")
    history = History() if history is None else history
    G.train()
    D.train()
    try:
        for step in range(start_step, steps):
            if lr_decay:
                linear_decay_((opt_g, opt_d), 1.0 - step / steps)
            for _ in range(k):
                real = sample_real(batch_size, generator).to(device)
                z = sample_noise(G, batch_size, generator, device)
                loss_d, d_real, d_fake = d_step(G, D, opt_d, real, z, wgan_gp, generator, r1)
            z = sample_noise(G, batch_size, generator, device)
            d_params = None
            if unroll:
                reals = [sample_real(batch_size, generator).to(device) for _ in range(unroll)]
                zs = [sample_noise(G, batch_size, generator, device) for _ in reals]
                d_params = unroll_d(G, D, reals, zs, unroll_lr)
            loss_g = g_step(G, D, opt_g, z, g_loss, d_params)
            if not (math.isfinite(loss_d) and math.isfinite(loss_g)):
                raise TrainingDiverged(
                    f"training diverged at step {step + 1}: discriminator loss {loss_d}, generator loss {loss_g}; "
                    "try a lower learning rate or a different seed"
                )
            if ema is not None:
                ema.update(G)
            info = StepInfo(step + 1, steps, loss_d, loss_g, d_real, d_fake, G, D)
            history.append(info)
            for cb in callbacks:
                cb(info)
    except StopTraining:
        pass
    return history


def progress_bar(total=None, every=10, desc="training", **kw):
    """A callback that shows a ``tqdm.auto`` progress bar (a widget in Jupyter, text in a terminal).

    Returns a callable with a ``close()`` method; it refreshes every ``every`` steps and shows the
    latest losses.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, **kw)

    def callback(info):
        if bar.total is None:
            bar.reset(total=info.total)
        if info.step % every == 0 or info.step == info.total:
            bar.n = info.step
            bar.set_postfix(loss_d=f"{info.loss_d:.3f}", loss_g=f"{info.loss_g:.3f}", refresh=False)
            bar.refresh()

    callback.close = bar.close
    callback.bar = bar
    return callback


# ---------------------------------------------------------------------------------- checkpoints


def save_checkpoint(path, **state):
    """Write a checkpoint atomically: to a temporary file in the same folder, then renamed into place.

    A crash (or a full disk) mid-write never leaves a truncated file at ``path``, and an existing
    checkpoint is only replaced by a complete new one. ``state`` must hold only tensors, numbers,
    strings, lists, tuples and dicts, so that :func:`load_checkpoint` can read it with
    ``torch.load(..., weights_only=True)``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CheckpointError(f"cannot write checkpoint: folder {folder} does not exist")
    state = {"format": CHECKPOINT_FORMAT, **state}
    fd, tmp = temp_file_for(path)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _carries_code(path):
    """True if the file is a complete pickle that builds Python objects (the way code gets run)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
        else:
            data = Path(path).read_bytes()
        ops = {op.name for op, _, _ in pickletools.genops(data)}
    except Exception:  # noqa: BLE001 - not even a well-formed pickle: corrupt, not malicious
        return False
    return bool(ops & {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ", "NEWOBJ_EX"})


def load_checkpoint(path, kind=None):
    """Load a checkpoint safely (``weights_only=True``: tensors and plain data only, never code).

    Parameters
    ----------
    path : str or Path
    kind : {"toy", "dcgan"}, optional
        If given, the checkpoint must be of that kind.

    Raises
    ------
    CheckpointError
        Missing, empty, truncated or corrupt file; a file carrying pickled code (refused, never
        run); a file that is not a gan-lessons checkpoint; or one of the wrong kind.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a folder; expected a file such as {path / 'checkpoint.pt'}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": the error below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - every failure becomes one readable line
        if "Unsupported global" in str(e) or _carries_code(path):
            raise CheckpointError(
                f"refusing to load {path}: it contains pickled Python objects (code), which could run when "
                "loaded; only plain tensors and data are accepted"
            ) from None
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a gan-lessons checkpoint")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path} is a {state.get('kind')} checkpoint, but a {kind} checkpoint is needed here")
    return state
