"""A run's life: start it (:func:`start_run`) or resume it from a checkpoint (:func:`resume_run`), train it up to
its recipe's total (:func:`train_run`; :func:`run` does both), save it (:func:`save_run`)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import torch

from .._atomic import atomic_write, folder_lock
from .._validate import check_int
from ..checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ..data import IMAGE_DATASETS, class_names
from ..models import Labelled
from ..progress import progress_bar
from ..recipes import DCGANConfig, ToyConfig, config_to_dict, steps_per_epoch, with_total
from ..training import EMA, History, linear_decay, seed_everything, select_device, train
from . import distributed
from .build import build_dcgan, build_toy, data_folder, first_line, recipe_of, training_images
from .results import generate, summarise

__all__ = ["Run", "start_run", "resume_run", "train_run", "run", "save_run"]


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
    labels: torch.Tensor | None = None  #: conditional runs: the class of each training image (N,)
    class_names: list | None = None  #: conditional runs: the name of each class
    device: torch.device = torch.device("cpu")  #: where G and D train (training.select_device)
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
        """A short hash of the training images and labels (``None`` for toy runs): a resumed run trains on the same."""
        return _fingerprint(self.images, self.labels)

    @property
    def sampling_generator(self):
        """The generator to sample from: the moving average when the recipe keeps one."""
        return self.ema.model if self.ema is not None else self.G

    def sample_real(self, batch_size, rng):
        """A batch of real data: from the toy target, or images drawn without replacement (B, C, H, W).

        A conditional run's batch is the pair :class:`~gan_lessons.models.Labelled` (images, labels).
        """
        if self.images is None:
            return self.target.sample(batch_size, rng)
        idx = torch.randperm(len(self.images), generator=rng)[:batch_size]
        if self.labels is None:
            return self.images[idx]
        return Labelled(self.images[idx], self.labels[idx])  # conditional: pairs (x, y)

    def sample(self, n, seed=0, label=None):
        """``n`` samples as a float32 numpy array (toy: (n, dim); DCGAN: (n, C, H, W) in [-1, 1]).

        ``label``: a conditional run's class to draw (default: class ``i mod K`` for sample ``i``).
        """
        return generate(self.sampling_generator, n, seed, label=label)


# ---------------------------------------------------------------------------------- starting


def _players(cfg, images=None, progress=False):
    """``(target, (images, labels, names), G, D, opt_g, opt_d)``; DCGAN images are loaded unless given."""
    if cfg.kind == "toy":
        target, G, D, opt_g, opt_d = build_toy(cfg)
        return target, (None, None, None), G, D, opt_g, opt_d
    if images is None:
        data = training_images(cfg, progress)
    elif cfg.conditional:
        if not (isinstance(images, (tuple, list)) and len(images) in (2, 3)):
            raise TypeError("images must be a pair (images, labels) for a conditional recipe")
        x, y = images[:2]
        y = torch.as_tensor(y)
        if y.dtype.is_floating_point or y.shape != (len(x),) or (len(y) and int(y.min()) < 0):
            got = f"{y.dtype} {tuple(y.shape)}"
            raise ValueError(f"labels must be {len(x)} classes 0, 1, ... (one per image), got {got}")
        names = list(images[2]) if len(images) == 3 else _class_names(cfg.data, y)
        if len(y) and int(y.max()) >= len(names):
            raise ValueError(f"labels must be classes 0..{len(names) - 1} (one per class name), got {int(y.max())}")
        data = (x, y.long(), names)
    else:
        data = (images, None, None)
    n_classes = len(data[2]) if data[2] is not None else None
    return (None, data, *build_dcgan(cfg, channels=data[0].shape[1], n_classes=n_classes))


def _class_names(data, labels):
    """The recipe's data set's class names (a subset of the digits still has ten classes), else "0", "1", ..."""
    if data in IMAGE_DATASETS:
        return class_names(data)
    return [str(c) for c in range(max(int(labels.max()) + 1 if len(labels) else 0, 2))]


def start_run(cfg, *, images=None, progress=False, device="cpu"):
    """A fresh run of recipe ``cfg`` at step 0: everything seeded from ``cfg.seed``, then built.

    ``images`` (DCGAN runs): training images (N, C, H, W) in [-1, 1], instead of loading ``cfg.data``; for a
    conditional recipe the pair ``(images, labels)`` (or ``(images, labels, class_names)``). ``progress``
    shows a download's progress. ``device``: where G and D train, ``"cpu"`` (default), ``"cuda"``, ``"mps"``
    or ``"auto"`` (:func:`gan_lessons.training.select_device`); noise and batches are drawn on the CPU, so a
    CPU run is the same as ever.
    """
    if not isinstance(cfg, (ToyConfig, DCGANConfig)):
        raise TypeError(f"cfg must be a ToyConfig or DCGANConfig, got {type(cfg).__name__}")
    cfg = data_folder(cfg)  # a folder of images: as an absolute path, which the checkpoint keeps
    device = select_device(device) if isinstance(device, str) else torch.device(device)
    rank, size = distributed.world()
    if cfg.batch_size % size:
        raise ValueError(f"batch_size {cfg.batch_size} must be a multiple of the number of processes ({size})")
    rng = seed_everything(cfg.seed)
    if size > 1:  # several processes (torchrun): each rank its own random stream, rank 0's the seed's
        rng = distributed.rank_rng(cfg.seed, rank)
    target, (images, labels, names), G, D, opt_g, opt_d = _players(cfg, images, progress)
    G.to(device)  # the optimisers hold the same parameters, now on the device
    D.to(device)
    ema = EMA(G, cfg.ema) if cfg.ema else None
    return Run(cfg, G, D, opt_g, opt_d, rng, History(), ema, target, images, labels, names, device=device)


def resume_run(path, *, total=None, kind=None, expect=None, images=None, progress=False, device="cpu"):
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
        since a resumed run keeps its recipe. One exception: a run on a folder of images may be given
        the folder's new place (``{"data": folder}``, ``--data``) if it moved; the training images must
        still be the same (their fingerprint is checked).
    images : Tensor, optional
        DCGAN runs: the training images, instead of loading the recipe's data (conditional: ``(images, labels)``).
    device : str or torch.device
        Where to train on (as :func:`start_run`); a checkpoint resumes on any device.

    Raises
    ------
    CheckpointError
        The file is not a usable checkpoint (see :func:`gan_lessons.checkpoint.load_checkpoint`).
    ValueError
        A field of ``expect`` differs from the checkpoint's, or ``total`` asks for no more training, or the
        run's folder of images cannot be found (the message says which path was looked for).
    """
    state = load_checkpoint(path, kind=kind)
    cfg = recipe_of(state, path)
    saved, (rank, size) = state.get("world_size") or 1, distributed.world()
    if saved != size:
        raise ValueError(
            f"the run in {path} trained on {saved} process{'es' if saved > 1 else ''}; resume it on as many "
            f"({'torchrun --nproc_per_node ' + str(saved) if saved > 1 else 'without torchrun'}): "
            "an exact resume needs every process's random state"
        )
    cfg, expect = _moved_folder(cfg, dict(expect or {}))
    for name, value in expect.items():
        if getattr(cfg, name) != value:
            raise ValueError(
                f"{name} {value} differs from the checkpoint's {getattr(cfg, name)}; "
                f"a resumed run keeps its recipe (leave --{name} out)"
            )
    cfg = cfg if images is not None else data_folder(cfg, checkpoint=path)
    r = start_run(with_total(cfg, total), images=images, progress=progress, device=device)  # then the saved state
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
        r.rng.set_state(state["rng"] if size == 1 else state["rng_ranks"][rank])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {path} does not fit its own recipe: {first_line(e)}") from None
    r.history = History.from_state_dict(state["history"])
    if total is not None and r.total_steps <= r.step:
        raise ValueError(
            f"the checkpoint already has {r.step} steps; ask for a larger total ({r.config.total_name}; "
            f"--{r.config.total_name} on the command line)"
        )
    return r


def _moved_folder(cfg, expect):
    """``(cfg, expect)`` with the new place of a folder run's images, when ``expect["data"]`` is a folder."""
    new = expect.get("data")
    folders = cfg.kind == "dcgan" and cfg.data not in IMAGE_DATASETS and new not in IMAGE_DATASETS
    if not (folders and isinstance(new, (str, os.PathLike))):
        return cfg, expect  # a name: compared as any other field
    where = os.path.abspath(os.fspath(new))
    if not os.path.isdir(where):
        raise ValueError(f"the image folder {os.fspath(new)} does not exist (looked for {where})")
    expect["data"] = where
    return replace(cfg, data=expect["data"]), expect


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
    if out is None or not distributed.is_main():  # under torchrun, only rank 0 holds the folder
        return _train_run(r, out, callbacks, progress and distributed.is_main(), checkpoint_every if out else 0)
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
    G, D = distributed.wrap(r.G, r.D)  # several processes: DDP averages the gradients; one: as they are
    t0 = time.perf_counter()
    train(
        G,
        D,
        r.opt_g,
        r.opt_d,
        r.sample_real,
        steps,
        batch_size=cfg.batch_size // distributed.world()[1],  # each rank its share of the global batch
        game=cfg.game(),
        lr_schedule=linear_decay if cfg.lr_decay else None,
        rng=r.rng,
        history=r.history,
        callbacks=[*callbacks, *([bar] if bar else [])],
    )
    r.seconds = time.perf_counter() - t0
    distributed.sync_buffers(r.G, r.D, *([r.ema.model] if r.ema is not None else []))
    if bar:
        bar.close()
    if out is not None:
        save_run(r, out)
    return r


def run(
    cfg=None, *, resume=None, out=None, callbacks=(), progress=False, images=None, checkpoint_every=0, device="cpu"
):
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
        kind = None if cfg is None else cfg.kind
        r = resume_run(resume, total=total, kind=kind, images=images, progress=progress, device=device)
    else:
        r = start_run(ToyConfig() if cfg is None else cfg, images=images, progress=progress, device=device)
    return train_run(r, out=out, callbacks=callbacks, progress=progress, checkpoint_every=checkpoint_every)


# ---------------------------------------------------------------------------------- saving


def save_run(r, out, summary=True):
    """Write ``out/checkpoint.pt`` (atomically) and, with ``summary``, ``out/summary.json``; return the checkpoint.

    Under torchrun every rank must call it (it gathers their random states); rank 0 alone writes, and the
    other ranks return ``None``.
    """
    rngs = distributed.gather_rng_states(r.rng)
    if not distributed.is_main():
        return None
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
        rng=rngs[0],
        rng_ranks=rngs if len(rngs) > 1 else None,  # torchrun: every rank's stream, for an exact resume
        world_size=len(rngs),
        history=r.history.state_dict(),
        channels=int(r.images.shape[1]) if r.images is not None else None,
        steps_per_epoch=steps_per_epoch(len(r.images), r.config.batch_size) if r.images is not None else None,
        data_fingerprint=r.data_fingerprint,
        n_classes=len(r.class_names) if r.class_names is not None else None,
        class_names=r.class_names,
    )
    if summary:
        with atomic_write(out / "summary.json") as f:
            f.write((json.dumps(summarise(r), indent=2) + "\n").encode())
    return ckpt


def _fingerprint(images, labels=None):
    if images is None:
        return None
    h = hashlib.sha256(images.detach().cpu().float().contiguous().numpy().tobytes())
    if labels is not None:
        h.update(labels.detach().cpu().long().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]
