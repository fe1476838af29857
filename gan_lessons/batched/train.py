"""Algorithm 1 for N toy runs at once: each run's game, penalties and random stream (:mod:`gan_lessons.batched`)."""

from __future__ import annotations

import time

import torch

from ..games import WGANGP, HingeGAN, LeastSquaresGAN, UnrolledGAN
from ..losses import (
    GENERATOR_LOSSES,
    critic_loss,
    discriminator_loss,
    hinge_d_loss,
    hinge_g_loss,
    least_squares_d_loss,
    least_squares_g_loss,
)
from ..models import sample_noise
from ..progress import progress_bar
from ..runs import Run
from ..training import LOSS_LIMIT, StopTraining, TrainingDiverged, linear_decay
from .stack import Adam, Stack

__all__ = ["SHARED", "batchable", "train_together"]

#: Recipe fields that every run of a batch must share: they fix the networks' shapes and the loop.
SHARED = (
    *("data", "z_dim", "hidden", "depth", "g_activation", "pack", "spectral_norm"),
    *("batch_size", "k", "steps", "beta1", "beta2", "ema", "lr_decay", "unroll", "unroll_lr"),
)


def batchable(configs):
    """``None`` if these toy recipes can be trained together (:func:`train_together`), else the reason why not."""
    configs = list(configs)
    if not configs:
        return "there are no runs"
    if any(c.kind != "toy" for c in configs):
        return "only toy runs can be trained together"
    for name in SHARED:
        values = {getattr(c, name) for c in configs}
        if len(values) > 1:
            return f"the runs differ in {name} ({', '.join(map(str, sorted(values, key=str)))})"
    return None


# ---------------------------------------------------------------------------------- the games, run by run


def _scores_losses(game):
    """What a game's players minimise, as functions of D's scores: ``(D's loss, G's loss)``."""
    if isinstance(game, WGANGP):
        return critic_loss, GENERATOR_LOSSES["wasserstein"]
    if isinstance(game, HingeGAN):
        return hinge_d_loss, hinge_g_loss
    if isinstance(game, LeastSquaresGAN):
        return least_squares_d_loss, least_squares_g_loss
    return discriminator_loss, GENERATOR_LOSSES[game.g_loss]


def _per_run(fns, *scores):
    """Each run's loss ``fns[i](scores[i], ...)``, (N,): the package's loss functions, vectorised over runs."""
    if len(set(fns)) == 1:
        return torch.vmap(fns[0])(*scores)
    out = [None] * len(fns)
    for fn in dict.fromkeys(fns):
        idx = [i for i, f in enumerate(fns) if f is fn]
        for i, value in zip(idx, torch.vmap(fn)(*(s[idx] for s in scores)), strict=True):
            out[i] = value
    return torch.stack(out)


def _r1(D, real):
    r"""Each run's R1 penalty :math:`\tfrac12 E\|\nabla_x D(x)\|^2` (:func:`gan_lessons.losses.r1_penalty`), (N,)."""
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D.judge(x).sum(), x, create_graph=True)
    return 0.5 * grad.reshape(*grad.shape[:2], -1).pow(2).sum(2).mean(1)


def _gp(D, real, fake, eps):
    r"""Each run's WGAN-GP penalty :math:`E(\|\nabla f(\hat x)\| - 1)^2`, (N,).

    :func:`~gan_lessons.losses.gradient_penalty` run by run; ``eps`` (N, B, 1) are the weights each run drew.
    """
    x = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = D.judge(x)  # (N, B / pack)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    norms = grad.reshape(*scores.shape, -1).norm(dim=2)  # one norm per critic input
    return ((norms - 1) ** 2).mean(1)


# ---------------------------------------------------------------------------------- Algorithm 1, N runs at once


class _Batch:
    """The runs of a batch as one model: G and D stacked, their Adams, the moving average, each run's game."""

    def __init__(self, runs):
        self.runs, cfg = runs, runs[0].config
        self.B, self.k, self.total, self.lr_decay = cfg.batch_size, cfg.k, runs[0].total_steps, cfg.lr_decay
        self.device = runs[0].device
        self.G, self.D = Stack(r.G for r in runs), Stack(r.D for r in runs)
        self.opt_g = Adam(self.G.params, self.G.originals, [r.opt_g for r in runs])
        self.opt_d = Adam(self.D.params, self.D.originals, [r.opt_d for r in runs])
        self.ema = Stack(r.ema.model for r in runs) if cfg.ema else None
        games = [r.config.game() for r in runs]
        self.d_loss, self.g_loss = zip(*map(_scores_losses, games), strict=True)
        self.gp = torch.tensor([g.gp if isinstance(g, WGANGP) else 0.0 for g in games])  # (N,) 0 = none
        self.r1 = torch.tensor([float(g.r1) for g in games])
        self.unroll = games[0].unroll if isinstance(games[0], UnrolledGAN) else 0  # look-ahead D steps
        self.synced = True

    def _draw(self, draw):
        """``draw(run)`` for each run, from its own random stream, stacked: (N, B, ...) on the runs' device."""
        return torch.stack([draw(r) for r in self.runs]).to(self.device)

    def d_step(self, scale):
        """One D step of every run (:func:`gan_lessons.training.d_step`): (N,) losses, mean D(x), mean D(G(z))."""
        real = self._draw(lambda r: r.sample_real(self.B, r.rng))  # (N, B, dim): x ~ p_data
        z = self._draw(lambda r: sample_noise(r.G, self.B, r.rng, "cpu"))  # (N, B, z_dim): z ~ p_z
        with torch.no_grad():
            fake = self.G.generate(z)
        real_scores, fake_scores = self.D.judge(real), self.D.judge(fake)  # (N, B / pack)
        loss = _per_run(self.d_loss, real_scores, fake_scores)
        if self.gp.any():  # WGAN-GP: the interpolation weights come from each run's stream, after its batches
            eps = self._draw(lambda r: torch.rand(self.B, 1, generator=r.rng) if r.config.loss == "wgan-gp"
                             else torch.zeros(self.B, 1))  # fmt: skip
            loss = loss + self.gp * _gp(self.D, real, fake, eps)
        if self.r1.any():
            loss = loss + self.r1 * _r1(self.D, real)
        self.opt_d.step(torch.autograd.grad(loss.sum(), self.D.params), scale)
        return loss.detach(), torch.sigmoid(real_scores.detach()).mean(1), torch.sigmoid(fake_scores.detach()).mean(1)

    def g_step(self, scale):
        """One G step of every run through its (fixed) D (:func:`gan_lessons.training.g_step`): (N,) losses."""
        z = self._draw(lambda r: sample_noise(r.G, self.B, r.rng, "cpu"))  # (N, B, z_dim)
        ahead = self.look_ahead() if self.unroll else None  # the unrolled GAN: G judged by D a few steps ahead
        loss = _per_run(self.g_loss, self.D.judge(self.G.generate(z), ahead))
        self.opt_g.step(torch.autograd.grad(loss.sum(), self.G.params), scale)
        return loss.detach()

    def look_ahead(self):
        """Each run's D after ``unroll`` differentiable steps (:func:`gan_lessons.games.unroll_d`, Metz et al. 2016)."""
        lr, n = self.runs[0].config.unroll_lr, len(self.runs)
        reals = [self._draw(lambda r: r.sample_real(self.B, r.rng)) for _ in range(self.unroll)]  # unroll x (N, B, dim)
        zs = [self._draw(lambda r: sample_noise(r.G, self.B, r.rng, "cpu")) for _ in reals]  # drawn after the reals
        params = self.D.params
        for real, z in zip(reals, zs, strict=True):
            scores = self.D.judge(real, params), self.D.judge(self.G.generate(z), params)
            grads = torch.autograd.grad(_per_run([discriminator_loss] * n, *scores).sum(), params, create_graph=True)
            params = [p - lr * g for p, g in zip(params, grads, strict=True)]
        return params

    def step(self, step):
        """Training step ``step`` of every run: ``k`` D steps, one G step, the average; each run's numbers."""
        scale = linear_decay(step, self.total) if self.lr_decay else None  # eta_t = eta_0 * scale
        for _ in range(self.k):
            loss_d, d_real, d_fake = self.d_step(scale)
        loss_g = self.g_step(scale)
        if self.ema is not None:
            with torch.no_grad():  # EMA.update, every run at once
                torch._foreach_lerp_(self.ema.params, self.G.params, 1.0 - self.runs[0].ema.decay)
        self.synced = False
        return torch.stack([loss_d, loss_g, d_real, d_fake], 1).tolist()  # (N, 4)

    def sync(self):
        """Bring every run's own modules and optimisers up to date (once per step, when someone looks)."""
        if not self.synced:
            for stack in (self.G, self.D, *([self.ema] if self.ema is not None else [])):
                stack.write_back()
            self.opt_g.write_back()
            self.opt_d.write_back()
            self.synced = True


class _Seen:
    """What a run's callbacks get after each step: :class:`~gan_lessons.training.StepInfo`'s fields.

    ``G`` and ``D`` are the run's own modules, brought up to date when a callback first looks at them.
    """

    def __init__(self, batch, i, step, values):
        self._batch, self._i = batch, i
        self.step, self.total = step, batch.total
        self.loss_d, self.loss_g, self.d_real, self.d_fake = values

    @property
    def G(self):
        self._batch.sync()
        return self._batch.runs[self._i].G

    @property
    def D(self):
        self._batch.sync()
        return self._batch.runs[self._i].D


def _check(step, runs, values):
    for r, (loss_d, loss_g, *_) in zip(runs, values, strict=True):
        if not all(abs(v) <= LOSS_LIMIT for v in (loss_d, loss_g)):  # NaN fails the comparison too
            raise TrainingDiverged(
                f"training diverged at step {step} of the run with seed {r.config.seed}: discriminator loss "
                f"{loss_d:.3g}, generator loss {loss_g:.3g} (beyond {LOSS_LIMIT:.0e} a run has blown up); "
                "try a lower learning rate or a different seed"
            )


def train_together(runs, *, callbacks=None, progress=False):
    """Train toy runs together, as one batched model, up to their recipe's total; return them.

    Parameters
    ----------
    runs : sequence of :class:`~gan_lessons.runs.Run`
        Toy runs from :func:`~gan_lessons.runs.start_run` (or :func:`~gan_lessons.runs.resume_run`), all at the
        same step, whose recipes share the fields in :data:`SHARED` (:func:`batchable` says why not).
    callbacks : sequence of sequences of callables, optional
        One sequence per run: that run's callbacks, as :func:`~gan_lessons.runs.train_run` takes them (e.g. a
        :class:`~gan_lessons.metrics.CoverageTracker`), called after every step with the run's step
        information; a callback may raise :class:`~gan_lessons.training.StopTraining` to end every run.
    progress : bool
        Show one progress bar for the batch.

    Each run ends as if trained alone: weights, optimiser states, moving average, random stream, history.
    Its ``seconds`` is its share of the batch's training time (the time divided by the number of runs).
    Raises :class:`~gan_lessons.training.TrainingDiverged` when any run's loss blows up.
    """
    runs = list(runs)
    if not all(isinstance(r, Run) for r in runs):
        raise TypeError("runs must be Runs (gan_lessons.runs.start_run)")
    reason = batchable([r.config for r in runs])
    if reason is not None:
        raise ValueError(f"these runs cannot be trained together: {reason}")
    if len({r.step for r in runs}) > 1:
        raise ValueError(f"the runs must be at the same step, got steps {sorted({r.step for r in runs})}")
    callbacks = [list(cbs) for cbs in callbacks] if callbacks is not None else [[] for _ in runs]
    if len(callbacks) != len(runs):
        raise ValueError(f"callbacks must hold one sequence per run ({len(runs)}), got {len(callbacks)}")
    batch = _Batch(runs)
    bar = progress_bar(total=batch.total, initial=runs[0].step) if progress else None
    t0 = time.perf_counter()
    try:
        for step in range(runs[0].step, batch.total):
            values = batch.step(step)
            _check(step + 1, runs, values)
            seen = [_Seen(batch, i, step + 1, v) for i, v in enumerate(values)]
            for r, info in zip(runs, seen, strict=True):
                r.history.append(info)
            for cbs, info in zip(callbacks, seen, strict=True):
                for cb in cbs:
                    cb(info)
            if bar:
                bar(_Seen(batch, 0, step + 1, values[0]))
    except StopTraining:
        pass
    finally:
        batch.sync()
        if bar:
            bar.close()
    for r in runs:
        r.seconds = (time.perf_counter() - t0) / len(runs)
    return runs
