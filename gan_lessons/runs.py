"""Run a recipe: build the players, train them, checkpoint, resume, sample.

This is what ``python -m gan_lessons train ...`` and ``sample`` run, and what the notebooks call
for "the same run, through the package". A run is started fresh (:func:`start_run`) or from a checkpoint
(:func:`resume_run`), then trained up to its recipe's total (:func:`train_run`); :func:`run` does both.
The training itself is :func:`gan_lessons.training.train`; the recipes are :mod:`gan_lessons.recipes`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from ._atomic import atomic_write, folder_lock
from ._validate import check_int
from .checkpoint import RUN_KINDS, CheckpointError, load_checkpoint, save_checkpoint
from .data import load_images, toy_target
from .metrics.toy import ks_distance, mode_coverage
from .models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator, decode, sample_noise
from .recipes import DCGANConfig, ToyConfig, config_from_dict, config_to_dict, steps_per_epoch, with_total
from .training import EMA, History, linear_decay, progress_bar, seed_everything, train

__all__ = [
    "Run",
    "optimisers",
    "build_toy",
    "build_dcgan",
    "start_run",
    "resume_run",
    "train_run",
    "run",
    "save_run",
    "summarise",
    "generate",
    "generator_from_checkpoint",
]


@dataclass
class Run:
    """Everything a run holds: its recipe, players, optimisers, random state and history."""

    config: ToyConfig | DCGANConfig
    G: torch.nn.Module  #: the generator as trained
    D: torch.nn.Module  #: the discriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    rng: torch.Generator  #: the run's random number generator (noise and batches)
    history: History
    ema: EMA | None = None
    target: object = None  #: toy runs: the GaussianMixture
    images: torch.Tensor | None = None  #: DCGAN runs: the training images (N, C, H, W)
    seconds: float = 0.0  #: wall time of training (this session, resumed runs excluded)

    @property
    def kind(self):
        return self.config.kind

    @property
    def step(self):
        return len(self.history)

    @property
    def total_steps(self):
        """Generator steps of the whole run, by its recipe."""
        return self.config.total_steps(None if self.images is None else len(self.images))

    @cached_property
    def data_fingerprint(self):
        """A short hash of the training images (``None`` for toy runs): a resumed run must train on the same data."""
        return _fingerprint(self.images)

    @property
    def sampler(self):
        """The generator to sample from: the moving average when the recipe keeps one."""
        return self.ema.model if self.ema is not None else self.G

    def sample_real(self, batch_size, rng):
        """A batch of real data: from the toy target, or images drawn without replacement (B, C, H, W)."""
        if self.images is None:
            return self.target.sample(batch_size, rng)
        return self.images[torch.randperm(len(self.images), generator=rng)[:batch_size]]

    def sample(self, n, seed=0):
        """``n`` samples as a float32 numpy array (toy: (n, dim); DCGAN: (n, C, H, W) in [-1, 1])."""
        return generate(self.sampler, n, seed)


# ---------------------------------------------------------------------------------- building


def optimisers(cfg, G, D):
    """Adam for each player, at the recipe's learning rates and betas: ``(opt_g, opt_d)``."""
    betas = (cfg.beta1, cfg.beta2)
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr_d, betas=betas)
    return opt_g, opt_d


def build_toy(cfg):
    """Target, G, D and optimisers for a :class:`ToyConfig`: ``(target, G, D, opt_g, opt_d)``.

    G and D carry the target's mean and standard deviation as fixed buffers, so they work in
    standardised units whatever the target's location and scale.
    """
    target = toy_target(cfg.data, cfg.mean, cfg.std)
    mean, std = torch.tensor(target.mean), torch.tensor(target.std)
    G = MLPGenerator(cfg.z_dim, target.dim, cfg.hidden, cfg.depth, cfg.g_activation, shift=mean, scale=std)
    D = MLPDiscriminator(
        target.dim, cfg.hidden, cfg.depth, shift=mean, scale=std, pack=cfg.pack, spectral_norm=cfg.spectral_norm
    )
    return (target, G, D, *optimisers(cfg, G, D))


def build_dcgan(cfg, channels=None):
    """``(G, D, opt_g, opt_d)`` for a :class:`DCGANConfig` (``channels`` overrides the config's)."""
    c = channels or cfg.channels
    G = DCGANGenerator(
        cfg.z_dim, cfg.image_size, c, cfg.g_width, full_res=cfg.full_res, extra_layers=cfg.g_extra_layers
    )
    D = DCGANDiscriminator(
        cfg.image_size,
        c,
        cfg.d_width,
        spectral_norm=cfg.spectral_norm,
        full_res=cfg.full_res,
        extra_layers=cfg.d_extra_layers,
    )
    return (G, D, *optimisers(cfg, G, D))


def _players(cfg, images=None, progress=False):
    """``(target, images, G, D, opt_g, opt_d)`` for either recipe; DCGAN images are loaded unless given."""
    if cfg.kind == "toy":
        target, G, D, opt_g, opt_d = build_toy(cfg)
        return target, None, G, D, opt_g, opt_d
    if images is None:  # the training split: digits' held-out 450 and (Fashion-)MNIST's test set are for evaluation
        kw = {"progress": progress} if cfg.data in ("mnist", "fashion-mnist") else {}
        kw = {"split": "train"} if cfg.data == "digits" else kw
        images = load_images(cfg.data, size=cfg.image_size, channels=cfg.channels, **kw)
    return (None, images, *build_dcgan(cfg, channels=images.shape[1]))


def start_run(cfg, *, images=None, progress=False):
    """A fresh run of recipe ``cfg`` at step 0: everything seeded from ``cfg.seed``, then built.

    ``images`` (DCGAN runs): training images (N, C, H, W) in [-1, 1], instead of loading ``cfg.data``;
    ``progress`` shows a download's progress.
    """
    if not isinstance(cfg, (ToyConfig, DCGANConfig)):
        raise TypeError(f"cfg must be a ToyConfig or DCGANConfig, got {type(cfg).__name__}")
    rng = seed_everything(cfg.seed)
    target, images, G, D, opt_g, opt_d = _players(cfg, images, progress)
    ema = EMA(G, cfg.ema) if cfg.ema else None
    return Run(cfg, G, D, opt_g, opt_d, rng, History(), ema, target, images)


def resume_run(path, *, total=None, kind=None, expect=None, images=None, progress=False):
    """The run saved in checkpoint ``path``, ready to train on up to ``total`` steps (toy) or epochs (DCGAN).

    Parameters
    ----------
    path : str or Path
        A checkpoint written by :func:`save_run`.
    total : int, optional
        The run's new total (``steps`` or ``epochs``), larger than what the checkpoint has done;
        ``None`` keeps the checkpoint's own.
    kind : {"toy", "dcgan"}, optional
        The kind of run the checkpoint must hold.
    expect : dict, optional
        Recipe fields the caller asked for (e.g. ``{"seed": 3}``): each must equal the checkpoint's,
        since a resumed run keeps its recipe.
    images : Tensor, optional
        DCGAN runs: the training images, instead of loading the recipe's data.

    Raises
    ------
    CheckpointError
        The file is not a usable checkpoint (see :func:`gan_lessons.checkpoint.load_checkpoint`).
    ValueError
        A field of ``expect`` differs from the checkpoint's, or ``total`` asks for no more training.
    """
    state = load_checkpoint(path, kind=kind)
    cfg = _recipe_of(state, path)
    for name, value in (expect or {}).items():
        if getattr(cfg, name) != value:
            raise ValueError(
                f"{name} {value} differs from the checkpoint's {getattr(cfg, name)}; "
                f"a resumed run keeps its recipe (leave --{name} out)"
            )
    r = start_run(with_total(cfg, total), images=images, progress=progress)  # then the saved state goes in
    saved, now = state.get("data_fingerprint"), r.data_fingerprint
    if saved is not None and saved != now:
        raise ValueError(
            f"the training images differ from those the run in {path} was trained on (fingerprint {now}, "
            f"not {saved}): resume with the same data, or start a new run"
        )
    try:
        r.G.load_state_dict(state["G"])
        r.D.load_state_dict(state["D"])
        r.opt_g.load_state_dict(state["opt_g"])
        r.opt_d.load_state_dict(state["opt_d"])
        if r.ema is not None:
            r.ema.model.load_state_dict(state["ema"])
        r.rng.set_state(state["rng"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {path} does not fit its own recipe: {_first_line(e)}") from None
    r.history = History.from_state_dict(state["history"])
    if total is not None and r.total_steps <= r.step:
        raise ValueError(
            f"the checkpoint already has {r.step} steps; ask for a larger total ({r.config.total_name}; "
            f"--{r.config.total_name} on the command line)"
        )
    return r


# ---------------------------------------------------------------------------------- training


def train_run(r, *, out=None, callbacks=(), progress=False, checkpoint_every=0):
    """Train run ``r`` up to its recipe's total with :func:`gan_lessons.training.train`; return it.

    Parameters
    ----------
    out : str or Path, optional
        Folder to write ``checkpoint.pt`` and ``summary.json`` into when training ends (also when a
        callback stops it early with :class:`~gan_lessons.training.StopTraining`: the checkpoint
        then resumes exactly). Nothing is written if training fails. The run holds the folder while it
        trains (:func:`gan_lessons._atomic.folder_lock`): a second run into it is refused.
    callbacks : sequence of callables
        Passed to :func:`~gan_lessons.training.train`, after the moving average's update.
    progress : bool
        Show a progress bar.
    checkpoint_every : int
        With ``out``, also write the checkpoint every this many steps (0: only at the end), so a
        crashed or killed run loses little and resumes exactly.
    """
    check_int("checkpoint_every", checkpoint_every, minimum=0)
    if out is None:
        return _train_run(r, None, callbacks, progress, 0)
    Path(out).mkdir(parents=True, exist_ok=True)
    with folder_lock(out, clean=("checkpoint.pt", "summary.json")):  # one run at a time in a folder
        return _train_run(r, out, callbacks, progress, checkpoint_every)


def _train_run(r, out, callbacks, progress, checkpoint_every):
    cfg, steps = r.config, r.total_steps
    callbacks = [*([r.ema] if r.ema is not None else []), *callbacks]
    if out is not None and checkpoint_every:

        def save_now(info):
            if info.step % checkpoint_every == 0 and info.step < info.total:
                save_run(r, out, summary=False)

        callbacks.append(save_now)
    bar = progress_bar(total=steps, initial=r.step) if progress else None
    t0 = time.perf_counter()
    train(
        r.G,
        r.D,
        r.opt_g,
        r.opt_d,
        r.sample_real,
        steps,
        batch_size=cfg.batch_size,
        game=cfg.game(),
        lr_schedule=linear_decay if cfg.lr_decay else None,
        rng=r.rng,
        history=r.history,
        callbacks=[*callbacks, *([bar] if bar else [])],
    )
    r.seconds = time.perf_counter() - t0
    if bar:
        bar.close()
    if out is not None:
        save_run(r, out)
    return r


def run(cfg=None, *, resume=None, out=None, callbacks=(), progress=False, images=None, checkpoint_every=0):
    """Train a recipe from scratch, or resume a checkpoint up to ``cfg``'s total steps/epochs.

    ``run(cfg)`` is ``train_run(start_run(cfg))``; ``run(cfg, resume=path)`` is ``train_run(resume_run(path,
    total=cfg's total))``: with ``resume``, ``cfg`` may be omitted (the checkpoint's recipe is kept as
    it is), and if given only its ``steps``/``epochs`` are taken. ``cfg=None`` without ``resume`` is
    the default toy recipe. The other arguments are those of :func:`start_run` and :func:`train_run`.

    Returns
    -------
    Run
    """
    if resume is not None:
        total = None if cfg is None else getattr(cfg, cfg.total_name)
        r = resume_run(resume, total=total, kind=None if cfg is None else cfg.kind, images=images, progress=progress)
    else:
        r = start_run(ToyConfig() if cfg is None else cfg, images=images, progress=progress)
    return train_run(r, out=out, callbacks=callbacks, progress=progress, checkpoint_every=checkpoint_every)


# ---------------------------------------------------------------------------------- results


def save_run(r, out, summary=True):
    """Write ``out/checkpoint.pt`` (atomically) and, with ``summary``, ``out/summary.json``; return the checkpoint."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = save_checkpoint(
        out / "checkpoint.pt",
        kind=r.kind,
        config=config_to_dict(r.config),
        step=r.step,
        G=r.G.state_dict(),
        D=r.D.state_dict(),
        opt_g=r.opt_g.state_dict(),
        opt_d=r.opt_d.state_dict(),
        ema=r.ema.model.state_dict() if r.ema is not None else None,
        rng=r.rng.get_state(),
        history=r.history.state_dict(),
        channels=int(r.images.shape[1]) if r.images is not None else None,
        steps_per_epoch=steps_per_epoch(len(r.images), r.config.batch_size) if r.images is not None else None,
        data_fingerprint=r.data_fingerprint,
    )
    if summary:
        with atomic_write(out / "summary.json") as f:
            f.write((json.dumps(summarise(r), indent=2) + "\n").encode())
    return ckpt


def summarise(r):
    """A small readable summary of a run: recipe, steps, time, final losses and quality figures."""
    h = r.history
    s = {
        "kind": r.kind,
        "config": config_to_dict(r.config),
        "steps": r.step,
        "train_seconds_this_session": round(r.seconds, 2),
    }
    if len(h):
        tail = slice(max(0, len(h) - 100), len(h))  # mean over the last 100 steps: less noisy
        for name in ("loss_d", "loss_g", "d_real", "d_fake"):
            s[f"{name}_last100"] = round(float(np.mean(getattr(h, name)[tail])), 4)
    if r.kind == "toy":
        s["loss"] = r.config.loss  # what the players optimised (recipes.TOY_LOSSES)
        x = r.sample(20_000, seed=12345)
        if r.target.dim == 1:
            s["ks_distance_20k"] = round(ks_distance(x, r.target), 4)
        else:
            m = mode_coverage(x[:2500], r.target)
            s["modes_covered_2500"] = m["modes"]
            s["high_quality_share_2500"] = round(m["hq_share"], 4)
    return s


def generate(G, n, seed=0):
    """``n`` samples of generator ``G`` (a module or a checkpoint path) as float32 numpy.

    Toy: shape (n, dim). DCGAN: (n, C, H, W) in [-1, 1]. A checkpoint's moving-average generator
    is used when it has one. Sampling is done in evaluation mode (:func:`gan_lessons.models.decode`),
    4,096 at a time. Refuses ``n`` whose samples would take more than half the memory this machine
    has free, and a generator whose samples are not finite (a run that diverged).
    """
    check_int("n", n)
    if isinstance(G, (str, Path)):
        G = generator_from_checkpoint(G)
    if not isinstance(G, torch.nn.Module):
        raise TypeError(f"G must be a generator module or a checkpoint path, got {type(G).__name__}")
    rng = torch.Generator().manual_seed(seed)
    chunks = []
    for i in range(0, n, 4096):
        chunks.append(decode(G, sample_noise(G, min(4096, n - i), rng)))  # (chunk, ...)
        if not np.isfinite(chunks[-1]).all():
            raise ValueError("G's samples are NaN or infinite: its weights are not finite (did training diverge?)")
        if i == 0:
            _check_fits(n, chunks[0][0])
    return np.concatenate(chunks)


def _check_fits(n, one):
    """Refuse ``n`` samples like ``one`` if they need more than half the memory that is free."""
    need = n * one.nbytes
    free = _free_memory()
    if free is not None and need > free // 2:
        raise ValueError(
            f"n = {n:,} samples of shape {one.shape} need {need / 2**30:,.3g} GiB, more than half of the "
            f"{free / 2**30:.1f} GiB this machine has free: ask for fewer"
        )


def _free_memory():
    """Bytes of memory free (Linux), or of all memory (elsewhere), or ``None`` if the system does not say."""
    for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
    return None


def generator_from_checkpoint(path, kind=None):
    """Rebuild the sampling generator (the moving average if any) stored in a checkpoint."""
    state = load_checkpoint(path, kind=kind)
    cfg = _recipe_of(state, path)
    try:
        G = build_toy(cfg)[1] if cfg.kind == "toy" else build_dcgan(cfg, channels=state.get("channels"))[0]
        G.load_state_dict(state["ema"] if state.get("ema") is not None else state["G"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {path} does not hold a usable generator: {_first_line(e)}") from None
    return G


def _recipe_of(state, path):
    """The recipe a run's checkpoint was trained with, or a CheckpointError saying what is wrong with it."""
    if state.get("kind") not in RUN_KINDS:
        raise CheckpointError(f"{path} holds a {state.get('kind')!r} checkpoint, not a training run's")
    try:
        return config_from_dict(state["config"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"checkpoint {path} is not a valid gan-lessons checkpoint: config: {e}") from None


def _first_line(e):
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _fingerprint(images):
    if images is None:
        return None
    return hashlib.sha256(images.detach().cpu().float().contiguous().numpy().tobytes()).hexdigest()[:16]
