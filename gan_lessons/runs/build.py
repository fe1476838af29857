"""Building a recipe's players: networks, optimisers, training data, and the generator a checkpoint holds."""

from __future__ import annotations

import os
from dataclasses import replace

import torch

from ..checkpoint import RUN_KINDS, CheckpointError, load_checkpoint
from ..data import IMAGE_DATASETS, load_images, load_labelled_images, toy_target
from ..models import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from ..recipes import config_from_dict

__all__ = ["optimisers", "build_toy", "build_dcgan", "training_images", "data_folder", "generator_from_checkpoint"]


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


def build_dcgan(cfg, channels=None, n_classes=None):
    """``(G, D, opt_g, opt_d)`` for a :class:`DCGANConfig` (``channels`` overrides the config's).

    A conditional recipe (``cfg.conditional``) builds the conditional players of
    :mod:`gan_lessons.models.conditional` for ``n_classes`` classes (10 if not given).
    """
    c, size = channels or cfg.channels, cfg.image_size
    g_layers, d_layers = {"full_res": cfg.full_res, "extra_layers": cfg.g_extra_layers}, cfg.d_extra_layers
    if cfg.conditional:
        k = n_classes or 10
        G = ConditionalDCGANGenerator(cfg.z_dim, k, size, c, cfg.g_width, **g_layers, embed_dim=cfg.embed_dim)
        D = ConditionalDCGANDiscriminator(
            k, size, c, cfg.d_width, cfg.conditioning, cfg.spectral_norm, cfg.full_res, d_layers, cfg.embed_dim
        )
    else:
        G = DCGANGenerator(cfg.z_dim, size, c, cfg.g_width, **g_layers)
        D = DCGANDiscriminator(size, c, cfg.d_width, cfg.spectral_norm, cfg.full_res, d_layers)
    return (G, D, *optimisers(cfg, G, D))


def training_images(cfg, progress=False):
    """A DCGAN recipe's training data: ``(images, labels, class_names)``; labels and names ``None`` unless conditional.

    The digits' training split (their held-out 450 are for evaluation), (Fashion-)MNIST's training set
    (downloaded once, ``progress`` showing it), or a folder: of images, or for a conditional recipe of
    one subfolder per class.
    """
    kw = {"progress": progress} if cfg.data in ("mnist", "fashion-mnist") else {}
    kw = {"split": "train"} if cfg.data == "digits" else kw
    if cfg.conditional:
        return load_labelled_images(cfg.data, size=cfg.image_size, channels=cfg.channels, **kw)
    return load_images(cfg.data, size=cfg.image_size, channels=cfg.channels, **kw), None, None


def data_folder(cfg, checkpoint=None):
    """``cfg`` with its folder of images as an absolute path, so that the run resumes from any working directory.

    A named data set (or a toy target) is left as it is, and so is, for a fresh run, a path that is not a folder:
    the loader says what it expected. For a run resumed from ``checkpoint`` a folder that cannot be found is a
    ValueError that says which path was looked for: one saved as an absolute path has moved or been deleted; an
    older checkpoint's relative path is looked for from the current working directory.
    """
    if cfg.kind != "dcgan" or cfg.data in IMAGE_DATASETS:
        return cfg
    where = os.path.abspath(cfg.data)  # a relative path: from the current working directory
    if os.path.isdir(where):
        return replace(cfg, data=where)
    if checkpoint is None:
        return cfg
    if os.path.isabs(cfg.data):
        state = "is no longer a folder" if os.path.exists(where) else "no longer exists"
        raise ValueError(
            f"the image folder {cfg.data} that the run in {checkpoint} trained on {state}: "
            "if it moved, give its new place with --data; else start a new run"
        )
    raise ValueError(
        f"the image folder {cfg.data!r} that the run in {checkpoint} trained on was not found: the checkpoint holds "
        f"a relative path, which from {os.getcwd()} is {where}, and that is not a folder; resume from the folder "
        "the run was started in, or give the image folder's place with --data"
    )


def generator_from_checkpoint(path, kind=None):
    """Rebuild the sampling generator (the moving average if any) stored in a checkpoint."""
    state = load_checkpoint(path, kind=kind)
    cfg = recipe_of(state, path)
    try:
        if cfg.kind == "toy":
            G = build_toy(cfg)[1]
        else:
            G = build_dcgan(cfg, channels=state.get("channels"), n_classes=state.get("n_classes"))[0]
        G.load_state_dict(state["ema"] if state.get("ema") is not None else state["G"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {path} does not hold a usable generator: {first_line(e)}") from None
    G.class_names = state.get("class_names")  # a conditional G's names of its classes (None: the digits' 0..9)
    return G


def recipe_of(state, path):
    """The recipe a run's checkpoint was trained with, or a CheckpointError saying what is wrong with it."""
    if state.get("kind") not in RUN_KINDS:
        raise CheckpointError(f"{path} holds a {state.get('kind')!r} checkpoint, not a training run's")
    try:
        return config_from_dict(state["config"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"checkpoint {path} is not a valid gan-lessons checkpoint: config: {e}") from None


def first_line(e):
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
