"""From a config to a trained GAN: build the players, train, checkpoint, resume, sample.

This is what ``python -m gan_lessons train ...`` and ``sample`` run, and what the notebooks call
for "the same run, through the package". The training itself is :func:`gan_lessons.training.train`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .config import DCGANConfig, ToyConfig, config_from_dict, config_to_dict
from .data import toy_target
from .models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from .training import (
    EMA,
    CheckpointError,
    History,
    load_checkpoint,
    progress_bar,
    sample_noise,
    save_checkpoint,
    seed_everything,
    train,
)

__all__ = ["Run", "build_toy", "build_dcgan", "run", "generate", "summarise", "steps_per_epoch"]


@dataclass
class Run:
    """Everything a finished (or resumed) run holds."""

    config: object  #: ToyConfig or DCGANConfig
    G: torch.nn.Module  #: the generator as trained
    D: torch.nn.Module  #: the discriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    generator: torch.Generator  #: the run's random number generator
    history: History
    ema: EMA | None = None
    target: object = None  #: toy runs: the GaussianMixture
    images: torch.Tensor | None = None  #: DCGAN runs: the training images (N, C, H, W)
    seconds: float = 0.0  #: wall time of training (this session, resumed runs excluded)

    @property
    def kind(self):
        return "toy" if isinstance(self.config, ToyConfig) else "dcgan"

    @property
    def step(self):
        return len(self.history)

    @property
    def sampler(self):
        """The generator to sample from: the moving average when the recipe keeps one."""
        return self.ema.model if self.ema is not None else self.G

    @torch.no_grad()
    def sample(self, n, seed=0):
        """``n`` samples as a float32 numpy array (toy: (n, dim); DCGAN: (n, C, H, W) in [-1, 1])."""
        return generate(self.sampler, n, seed)


def _adam(params, lr, cfg):
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2))


def build_toy(cfg):
    """Target, G, D and optimisers for a :class:`ToyConfig`.

    G and D carry the target's mean and standard deviation as fixed buffers, so they work in
    standardised units whatever the target's location and scale.
    """
    target = toy_target(cfg.data, cfg.mean, cfg.std)
    mean, std = torch.tensor(target.mean), torch.tensor(target.std)
    G = MLPGenerator(cfg.z_dim, target.dim, cfg.hidden, cfg.depth, cfg.g_activation, shift=mean, scale=std)
    D = MLPDiscriminator(
        target.dim, cfg.hidden, cfg.depth, shift=mean, scale=std, pack=cfg.pack, spectral_norm=cfg.spectral_norm
    )
    return target, G, D, _adam(G.parameters(), cfg.lr_g, cfg), _adam(D.parameters(), cfg.lr_d, cfg)


def build_dcgan(cfg, channels=None):
    """G, D and optimisers for a :class:`DCGANConfig` (``channels`` overrides the config's)."""
    c = channels or cfg.channels
    G = DCGANGenerator(cfg.nz, cfg.image_size, c, cfg.g_width, full_res=cfg.full_res, extra_layers=cfg.g_extra_layers)
    D = DCGANDiscriminator(
        cfg.image_size,
        c,
        cfg.d_width,
        spectral_norm=cfg.spectral_norm,
        full_res=cfg.full_res,
        extra_layers=cfg.d_extra_layers,
    )
    return G, D, _adam(G.parameters(), cfg.lr_g, cfg), _adam(D.parameters(), cfg.lr_d, cfg)


def _load_images(cfg, progress=True):
    from .data import load_images

    kw = {"progress": progress} if cfg.data in ("mnist", "fashion-mnist") else {}
    return load_images(cfg.data, size=cfg.image_size, channels=cfg.channels, **kw)


def steps_per_epoch(n_images, batch_size):
    """Generator steps in one epoch: as many batches as the data holds (at least one)."""
    return max(1, n_images // batch_size)


def _image_sampler(images):
    def sample_real(batch_size, generator):  # a random batch without replacement: (B, C, H, W)
        return images[torch.randperm(len(images), generator=generator)[:batch_size]]

    return sample_real


def _total_steps(cfg, images):
    if isinstance(cfg, ToyConfig):
        return cfg.steps
    return cfg.epochs * steps_per_epoch(len(images), cfg.batch_size)


def run(
    cfg=None, *, resume=None, out=None, callbacks=(), progress=False, images=None, device="cpu", checkpoint_every=0
):
    """Train a recipe from scratch, or resume a checkpoint up to ``cfg``'s total steps/epochs.

    Parameters
    ----------
    cfg : ToyConfig or DCGANConfig, optional
        The recipe. With ``resume`` it may be omitted (the checkpoint's config is used); if given,
        only its ``steps``/``epochs`` (the new total) are taken, the rest must come from the checkpoint.
    resume : str or Path, optional
        A checkpoint written by an earlier run.
    out : str or Path, optional
        Folder to write ``checkpoint.pt`` and ``summary.json`` into when training ends (also when a
        callback stops it early with :class:`~gan_lessons.training.StopTraining`: the checkpoint
        then resumes exactly). Nothing is written if training fails.
    callbacks : sequence of callables
        Passed to :func:`gan_lessons.training.train`.
    progress : bool
        Show a progress bar.
    images : Tensor, optional
        DCGAN runs: training images (N, C, H, W) in [-1, 1], instead of loading ``cfg.data``.
    checkpoint_every : int
        With ``out``, also write the checkpoint every this many steps (0: only at the end), so a
        crashed or killed run loses little and resumes exactly.

    Returns
    -------
    Run
    """
    state = None
    if resume is not None:
        state = load_checkpoint(
            resume, kind=None if cfg is None else ("toy" if isinstance(cfg, ToyConfig) else "dcgan")
        )
        saved = config_from_dict(state["config"])
        if cfg is not None:
            total = {"steps": cfg.steps} if isinstance(cfg, ToyConfig) else {"epochs": cfg.epochs}
            saved = replace(saved, **total)
        cfg = saved
    if cfg is None:
        cfg = ToyConfig()
    if not isinstance(cfg, (ToyConfig, DCGANConfig)):
        raise TypeError(f"cfg must be a ToyConfig or DCGANConfig, got {type(cfg).__name__}")

    generator = seed_everything(cfg.seed)
    if isinstance(cfg, ToyConfig):
        target, G, D, opt_g, opt_d = build_toy(cfg)
        sample_real = target.sample
    else:
        target = None
        if images is None:
            images = _load_images(cfg, progress)
        G, D, opt_g, opt_d = build_dcgan(cfg, channels=images.shape[1])
        sample_real = _image_sampler(images)
    ema = EMA(G, cfg.ema) if cfg.ema else None
    history = History()
    if state is not None:
        G.load_state_dict(state["G"])
        D.load_state_dict(state["D"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        if ema is not None:
            ema.model.load_state_dict(state["ema"])
        generator.set_state(state["rng"])
        history = History.from_state_dict(state["history"])
        if len(history) != state["step"]:
            raise CheckpointError(
                f"checkpoint {resume} is inconsistent: history has {len(history)} steps, not {state['step']}"
            )

    steps = _total_steps(cfg, images)
    result = Run(cfg, G, D, opt_g, opt_d, generator, history, ema, target, images)
    if out is not None and checkpoint_every:

        def save_now(info):
            if info.step % checkpoint_every == 0 and info.step < info.total:
                save_run(result, out, summary=False)

        callbacks = [*callbacks, save_now]
    bar = progress_bar(total=steps, initial=len(history)) if progress else None
    t0 = time.perf_counter()
    history = train(
        G.to(device),
        D.to(device),
        opt_g,
        opt_d,
        sample_real,
        steps,
        batch_size=cfg.batch_size,
        k=cfg.k,
        g_loss="wasserstein" if getattr(cfg, "wgan_gp", 0) else cfg.g_loss,
        generator=generator,
        device=device,
        start_step=len(history),
        history=history,
        callbacks=[*callbacks, *([bar] if bar else [])],
        ema=ema,
        lr_decay=cfg.lr_decay,
        r1=getattr(cfg, "r1", 0.0),
        **_lesson3_options(cfg),
    )
    seconds = time.perf_counter() - t0
    if bar:
        bar.close()
    result.history, result.seconds = history, seconds
    if out is not None:
        save_run(result, out)
    return result


def _lesson3_options(cfg):  # the mode-collapse cures of lesson 3 that live in the training loop
    if not isinstance(cfg, ToyConfig):
        return {}
    return {"wgan_gp": cfg.wgan_gp, "unroll": cfg.unroll, "unroll_lr": cfg.unroll_lr}


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
        rng=r.generator.get_state(),
        history=r.history.state_dict(),
        channels=int(r.images.shape[1]) if r.images is not None else None,
        steps_per_epoch=steps_per_epoch(len(r.images), r.config.batch_size) if r.images is not None else None,
    )
    if summary:
        (out / "summary.json").write_text(json.dumps(summarise(r), indent=2) + "\n")
    return ckpt


def summarise(r):
    """A small readable summary of a run: recipe, steps, time, final losses and quality figures."""
    from .metrics import ks_distance, mode_coverage

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
        x = r.sample(20_000, seed=12345)
        if r.target.dim == 1:
            s["ks_distance_20k"] = round(ks_distance(x, r.target), 4)
        else:
            m = mode_coverage(x[:2500], r.target)
            s["modes_covered_2500"] = m["modes"]
            s["high_quality_share_2500"] = round(m["hq_share"], 4)
    return s


@torch.no_grad()
def generate(G, n, seed=0):
    """``n`` samples of generator ``G`` (a module or a checkpoint path) as float32 numpy.

    Toy: shape (n, dim). DCGAN: (n, C, H, W) in [-1, 1]. A checkpoint's moving-average generator
    is used when it has one. Sampling is done in evaluation mode (batch norm uses running stats).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if isinstance(G, (str, Path)):
        G = generator_from_checkpoint(G)
    if not isinstance(G, torch.nn.Module):
        raise TypeError(f"G must be a generator module or a checkpoint path, got {type(G).__name__}")
    was_training = G.training
    G.eval()
    rng = torch.Generator().manual_seed(seed)
    x = torch.cat([G(sample_noise(G, min(4096, n - i), rng)) for i in range(0, n, 4096)])
    G.train(was_training)
    return x.float().cpu().numpy()


def generator_from_checkpoint(path, kind=None):
    """Rebuild the sampling generator (the moving average if any) stored in a checkpoint."""
    state = load_checkpoint(path, kind=kind)
    try:
        cfg = config_from_dict(state["config"])
        if isinstance(cfg, ToyConfig):
            _, G, _, _, _ = build_toy(cfg)
        else:
            G, _, _, _ = build_dcgan(cfg, channels=state.get("channels"))
        G.load_state_dict(state["ema"] if state.get("ema") is not None else state["G"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {path} does not hold a usable generator ({type(e).__name__}: {e})") from None
    return G
