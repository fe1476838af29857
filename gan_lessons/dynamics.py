r"""Training dynamics of two-player games, in the smallest examples that show them (lesson 3).

**Equilibrium is not a minimum.** GAN training looks for a *Nash equilibrium* of
:math:`\min_G \max_D V(D, G)`, a saddle point, not the bottom of a valley. The simplest such game is
the bilinear game

.. math:: \min_x \max_y \; f(x, y) = x\,y ,

whose only equilibrium is :math:`(0, 0)`. Its gradient field :math:`(\partial_x f, -\partial_y f)
= (y, -x)` *rotates* around the equilibrium instead of pointing to it, so gradient steps circle:

* ``"simultaneous"`` gradient descent-ascent: :math:`x' = x - \eta y,\ y' = y + \eta x`. Each
  step multiplies the distance to (0, 0) by :math:`\sqrt{1 + \eta^2} > 1`: it spirals *outward*.
* ``"alternating"`` (what :func:`gan_lessons.training.train` does: D steps, then G steps with the
  new D): :math:`x' = x - \eta y,\ y' = y + \eta x'`. For :math:`\eta < 2` it keeps
  :math:`x^2 + y^2 - \eta x y` constant: it *cycles* forever.
* ``"extragradient"`` (Korpelevich 1976): look ahead one full step of size :math:`\eta`, then step
  from the original point with the gradient found there. Each step multiplies the distance by
  :math:`\sqrt{1 - \eta^2 + \eta^4}`, which is < 1 for :math:`\eta < 1` only: it converges there, and
  spirals out beyond.
* ``"optimistic"`` gradient descent-ascent (Daskalakis et al. 2018, arXiv:1711.00141):
  :math:`x' = x - 2\eta y_t + \eta y_{t-1}` (and likewise for y). Converges for small
  :math:`\eta`.
* ``"averaging"``: the running mean of the alternating iterates (Polyak averaging; the EMA of
  G's weights is its exponential cousin). The iterates cycle, their average goes to the centre.

**Saturating vs non-saturating generator loss.** :func:`generator_loss_gradient` gives
:math:`\partial L_G / \partial \ell` (with :math:`\ell` the logit of :math:`D(G(z))`) computed by
autograd from the package's own losses; :class:`GradNormRecorder` measures the gradient that
reaches G during training.

**Collapse or not converged yet?** :func:`coverage_over_time` trains 2-D recipes on several seeds
and records the modes covered as training goes (:class:`gan_lessons.metrics.CoverageTracker`);
:func:`coverage_summary` reads a record: where it ends, how many modes it visited over its last
stretch (a collapsed G *hops*: few modes at a time, many over time), and whether it is still rising.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from ._validate import check_choice, check_int, check_number
from .batched import batchable, train_together
from .games import GAN
from .losses import generator_loss
from .metrics.toy import CoverageTracker
from .recipes import toy_config
from .runs import build_toy, start_run, train_run
from .training import seed_everything, train

__all__ = [
    "METHODS",
    "MAX_GAME_STEPS",
    "bilinear_game",
    "distance_to_equilibrium",
    "bilinear_field",
    "generator_loss_gradient",
    "GradNormRecorder",
    "grad_norm",
    "saturation_experiment",
    "coverage_over_time",
    "coverage_summary",
]

METHODS = ("simultaneous", "alternating", "extragradient", "optimistic", "averaging")
MAX_GAME_STEPS = 100_000  #: more iterates than any picture can show (and the path would not fit in memory at 10**9)


def bilinear_game(method="simultaneous", lr=0.1, steps=100, start=(1.0, 1.0)):
    r"""Iterates of a gradient method on :math:`\min_x \max_y xy`, started at ``start``.

    Parameters
    ----------
    method : str
        One of :data:`METHODS` (see the module's docstring for each update rule).
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of updates.
    start : pair of floats
        :math:`(x_0, y_0)`.

    Returns
    -------
    ndarray, shape (steps + 1, 2)
        :math:`(x_t, y_t)` for :math:`t = 0..steps` (for ``"averaging"``: the running means).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    lr = check_number("lr", lr, low=0, low_open=True)
    check_int("steps", steps, minimum=0, maximum=MAX_GAME_STEPS)
    try:
        x, y = (check_number("start", float(v)) for v in start)
    except (TypeError, ValueError) as e:
        raise ValueError(f"start must be a pair of finite numbers (x0, y0), got {start!r}") from e
    path = np.empty((steps + 1, 2))
    path[0] = x, y
    px, py = x, y  # previous iterate (optimistic)
    sx, sy = x, y  # running sums (averaging)
    for t in range(1, steps + 1):
        if method == "simultaneous":
            x, y = x - lr * y, y + lr * x
        elif method in ("alternating", "averaging"):
            x = x - lr * y
            y = y + lr * x
        elif method == "extragradient":
            hx, hy = x - lr * y, y + lr * x  # the look-ahead point: one full step of size lr
            x, y = x - lr * hy, y + lr * hx  # step with the gradient at the look-ahead point
        else:  # optimistic: gradient plus a correction by the last change of gradient
            x, y, px, py = x - 2 * lr * y + lr * py, y + 2 * lr * x - lr * px, x, y
        if method == "averaging":
            sx, sy = sx + x, sy + y
            path[t] = sx / (t + 1), sy / (t + 1)
        else:
            path[t] = x, y
    return path


def distance_to_equilibrium(path):
    """Euclidean distance of each iterate of :func:`bilinear_game` to the equilibrium (0, 0)."""
    p = np.asarray(path, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"path must have shape (n, 2), got {p.shape}")
    return np.hypot(p[:, 0], p[:, 1])


def bilinear_field(x, y):
    r"""The direction simultaneous gradient descent-ascent moves in at :math:`(x, y)`: :math:`(-y, x)`.

    x minimises :math:`xy` (moves along :math:`-\partial_x f = -y`), y maximises it (moves along
    :math:`+\partial_y f = x`). Works elementwise on arrays, for quiver/stream plots.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return -y, x


def generator_loss_gradient(d_fake, loss="nonsaturating"):
    r""":math:`\partial L_G / \partial \ell` as a function of :math:`D(G(z)) = \sigma(\ell)`.

    Computed by autograd through :func:`gan_lessons.losses.generator_loss` itself, one sample at
    a time. In closed form (Goodfellow et al. 2014, Sec. 3):

    .. math:: \frac{\partial}{\partial \ell} \log(1 - \sigma(\ell)) = -D(G(z)), \qquad
              \frac{\partial}{\partial \ell} \big[-\log \sigma(\ell)\big] = -(1 - D(G(z))).

    The saturating loss's gradient vanishes where D confidently rejects the fakes
    (:math:`D(G(z)) \to 0`); the non-saturating one is largest there.

    Parameters
    ----------
    d_fake : array-like of floats in (0, 1)
    loss : {"nonsaturating", "saturating"}

    Returns
    -------
    ndarray of the same shape, float64.
    """

    d = np.asarray(d_fake, dtype=np.float64)
    if d.size == 0 or not np.all((d > 0) & (d < 1)):
        raise ValueError("d_fake must hold probabilities strictly between 0 and 1")
    if loss not in ("nonsaturating", "saturating"):
        raise ValueError(f"loss must be 'nonsaturating' or 'saturating', got {loss!r}")
    logits = torch.logit(torch.as_tensor(d.ravel())).requires_grad_(True)
    total = sum(generator_loss(logits[i : i + 1], loss) for i in range(len(logits)))  # per-sample, not averaged
    (grad,) = torch.autograd.grad(total, logits)
    return grad.numpy().reshape(d.shape)


def grad_norm(module):
    r"""The Euclidean norm :math:`\lVert \nabla_\theta L \rVert_2` of the gradients now stored in ``module``."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    sq = [p.grad.detach().double().pow(2).sum() for p in module.parameters() if p.grad is not None]
    return math.sqrt(float(sum(sq))) if sq else 0.0


class GradNormRecorder:
    """A training callback that records, every step, the norm of the last gradient G received.

    :func:`gan_lessons.training.g_step` leaves G's gradients in place after its update, so
    ``cb(info)`` reads them: the size of the learning signal, *before* the optimiser rescales it.
    ``.steps`` and ``.norms`` are lists.
    """

    def __init__(self):
        self.steps, self.norms = [], []

    def __call__(self, info):
        self.steps.append(info.step)
        self.norms.append(grad_norm(info.G))


def saturation_experiment(loss="saturating", steps=300, head_start=300, offset=-12.0, optimizer="sgd", lr=None, seed=0):
    r"""Lesson 2's 1-D toy GAN when D wins: does G still learn with this generator loss?

    The recipe is ``toy_config(loss=loss, seed=seed)``; its generator is moved ``offset`` away
    from the target (its output starts near ``mean + offset``), and D is trained alone for
    ``head_start`` steps, so that it confidently rejects the fakes. Then both players train for
    ``steps`` steps with :func:`gan_lessons.training.train`, G with ``optimizer``: ``"sgd"``
    (plain gradient descent, as in Goodfellow et al. 2014, so the size of the gradient is the
    size of the step) or ``"adam"`` (the recipe's own; Adam divides each step by the gradient's
    running size, which hides a small gradient).

    Returns
    -------
    dict
        ``step``, ``d_fake`` (mean D(G(z))), ``grad_norm`` (of G's last gradient, before the
        optimiser) and ``g_mean`` (mean of the batch G produced), lists over steps; ``target_mean``.
    """

    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    check_number("offset", offset)
    check_choice("loss", loss, ("saturating", "nonsaturating"))  # the GAN's two generator losses
    cfg = toy_config(loss=loss, seed=seed)  # validates the seed
    rng = seed_everything(cfg.seed)
    target, G, D, opt_g, opt_d = build_toy(cfg)
    with torch.no_grad():
        G.shift += offset
    if head_start:  # D alone: G's optimiser has step size 0
        frozen = torch.optim.SGD(G.parameters(), lr=0.0)
        train(G, D, frozen, opt_d, target.sample, head_start, batch_size=cfg.batch_size, rng=rng)
    if optimizer == "sgd":
        opt_g = torch.optim.SGD(G.parameters(), lr=0.01 if lr is None else lr)
    elif lr is not None:
        opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(cfg.beta1, cfg.beta2))
    out = {"step": [], "d_fake": [], "grad_norm": [], "g_mean": [], "target_mean": float(target.mean[0])}
    probe = torch.randn(512, cfg.z_dim, generator=torch.Generator().manual_seed(1))

    def record(info):
        out["step"].append(info.step)
        out["d_fake"].append(info.d_fake)
        out["grad_norm"].append(grad_norm(info.G))
        with torch.no_grad():
            out["g_mean"].append(float(info.G(probe).mean()))

    train(
        G,
        D,
        opt_g,
        opt_d,
        target.sample,
        steps,
        batch_size=cfg.batch_size,
        game=GAN(g_loss=loss),
        rng=rng,
        callbacks=[record],
    )
    return out


def coverage_over_time(configs, seeds=(0,), every=250, n=1000, callbacks=()):
    """Train every recipe of ``configs`` once per seed, measuring mode coverage every ``every`` steps.

    The seeds of a recipe train together, as one batched model (:func:`gan_lessons.batched.train_together`):
    each run is the one :func:`gan_lessons.runs.run` trains alone, in a fraction of the time. A recipe that
    cannot be batched (the unrolled GAN) trains one seed at a time.

    Parameters
    ----------
    configs : dict
        Name -> :class:`~gan_lessons.recipes.ToyConfig` on a 2-D mixture (``ring8`` or ``grid25``); its
        ``seed`` is replaced by each of ``seeds``.
    seeds : sequence of int
    every, n : int
        Measure every ``every`` generator steps (and at step 0), on ``n`` fixed noise vectors.
    callbacks : sequence of callables
        Passed on to each run (e.g. a progress bar).

    Returns
    -------
    dict
        Name -> list of :class:`~gan_lessons.metrics.CoverageTracker`, one per seed, each with a
        ``seconds`` attribute (the run's training time; for seeds trained together, its share of their time)
        and ``samples`` (G's ``n`` samples at the end).
    """
    check_int("every", every)
    out = {}
    for name, cfg in configs.items():
        runs = [start_run(replace(cfg, seed=seed)) for seed in seeds]
        trackers = [CoverageTracker(r.target, every, n=n) for r in runs]
        for r, tracker in zip(runs, trackers, strict=True):
            tracker.measure(r.G, 0)
        if len(runs) > 1 and batchable([r.config for r in runs]) is None:
            train_together(runs, callbacks=[[tracker, *callbacks] for tracker in trackers])
        else:
            for r, tracker in zip(runs, trackers, strict=True):
                train_run(r, callbacks=[tracker, *callbacks])
        for r, tracker in zip(runs, trackers, strict=True):
            tracker.seconds = r.seconds
        out[name] = trackers
    return out


def coverage_summary(tracker, tail=0.25):
    """Read a coverage record: where it ends, what its last stretch visited, and whether it still rises.

    Parameters
    ----------
    tracker : :class:`~gan_lessons.metrics.CoverageTracker`
    tail : float in (0, 1)
        The last stretch: this share of the measurements.

    Returns
    -------
    dict
        ``final`` (modes covered at the end), ``hq`` (share of high-quality samples at the end),
        ``mean_tail`` (mean modes covered over the stretch), ``visited_tail`` (modes that were covered
        at some measurement of the stretch) and ``rising`` (mean over the stretch minus the mean over
        the stretch before it: > 0 while G is still spreading out).
    """
    check_number("tail", tail, 0, 1, low_open=True, high_open=True)
    modes = np.asarray(tracker.modes, dtype=float)
    k = max(1, int(round(tail * len(modes))))
    last, before = modes[-k:], modes[-2 * k : -k] if len(modes) >= 2 * k else modes[:1]
    counts = np.asarray(tracker.counts[-k:])
    return {
        "final": int(modes[-1]),
        "hq": float(tracker.hq_share[-1]),
        "mean_tail": float(last.mean()),
        "visited_tail": int((counts > 0).any(0).sum()),
        "rising": float(last.mean() - before.mean()),
    }
