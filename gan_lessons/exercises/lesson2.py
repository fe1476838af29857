r"""Checks for the exercises of lesson 2: a 1-D Gaussian GAN, trained step by step.

Each check calls the learner's code on small, seeded test cases and compares it with the package's
reference (:mod:`gan_lessons.training`, :mod:`gan_lessons.losses`); it returns a
:class:`~gan_lessons.exercises.Feedback` and never raises.

* :func:`check_d_step`: one discriminator update, :math:`\theta_D \leftarrow \theta_D - \eta\nabla L_D`
  with G held fixed (Goodfellow et al. 2014, Algorithm 1).
* :func:`check_g_loss_nonsaturating`: :math:`L_G = -\frac1m\sum_i \log D(G(z_i))` on logits, stably.
* :func:`check_mean_d`: mean :math:`D(x)` from logits, and the value it approaches at equilibrium (1/2).
* :func:`check_equilibrium_losses`: :math:`L_D = \log 4` and :math:`L_G = \log 2` when :math:`D \equiv 1/2`.
* :func:`check_train_by_hand`: the whole of Algorithm 1, compared bit for bit with
  :func:`gan_lessons.training.train`; a wrong loop is matched against the usual mistakes for its hint.
"""

from __future__ import annotations

import copy
import math

import torch

from . import call_answer, record

__all__ = [
    "check_d_step",
    "check_g_loss_nonsaturating",
    "check_mean_d",
    "check_equilibrium_losses",
    "check_train_by_hand",
    "course_train_by_hand",
]


def _players(seed=0):
    from ..models import MLPDiscriminator, MLPGenerator

    torch.manual_seed(seed)
    G = MLPGenerator(1, 1, 16, 2, shift=4.0, scale=1.25)
    D = MLPDiscriminator(1, 16, 2, shift=4.0, scale=1.25)
    gen = torch.Generator().manual_seed(seed + 100)
    real = 4.0 + 1.25 * torch.randn(64, 1, generator=gen)
    z = torch.randn(64, 1, generator=gen)
    return G, D, real, z


def _params(m):
    return [p.detach().clone() for p in m.parameters()]


def _same(a, b, tol=1e-6):
    return all(torch.allclose(x, y, atol=tol, rtol=1e-5) for x, y in zip(a, b, strict=True))


@record("lesson2.d_step")
def check_d_step(d_step):
    """``d_step(G, D, opt_d, real, z)``: one update of D on a real and a generated batch; returns the loss.

    Compared with :func:`gan_lessons.training.d_step` on the same networks and batches. The
    discriminator's gradients are filled with leftovers beforehand, as after a generator step, so an
    update that forgets ``opt_d.zero_grad()`` is caught.
    """
    from ..losses import discriminator_loss
    from ..training import d_step as reference

    G, D, real, z = _players()
    G_ref, D_ref = copy.deepcopy(G), copy.deepcopy(D)
    opt, opt_ref = torch.optim.SGD(D.parameters(), lr=0.1), torch.optim.SGD(D_ref.parameters(), lr=0.1)
    for p in D.parameters():  # stale gradients, as a generator step leaves them in D
        p.grad = torch.full_like(p, 0.5)
    with torch.no_grad():
        expected_loss = discriminator_loss(D_ref(real), D_ref(G_ref(z))).item()
    g_before, d_before = _params(G), _params(D)

    out = call_answer(d_step, G, D, opt, real.clone(), z.clone())
    reference(G_ref, D_ref, opt_ref, real=real, z=z)

    if isinstance(out, (tuple, list)):
        out = out[0]
    loss = float(out.detach()) if isinstance(out, torch.Tensor) else float(out)
    assert _same(_params(G), g_before, 0), "G changed: a discriminator step must only update D (use opt_d, not opt_g)."
    assert all(p.grad is None for p in G.parameters()), (
        "G received gradients: generate the fakes under torch.no_grad() (or .detach() them) - G is held fixed."
    )
    assert not _same(_params(D), d_before, 0), "D did not change: call loss.backward() and then opt_d.step()."
    if abs(loss + expected_loss) < 1e-4:
        raise AssertionError("Your loss has the wrong sign: D *ascends* V, so it *minimises* L_D = -V.")
    assert abs(loss - expected_loss) < 1e-4, (
        f"The loss should be L_D = -mean log D(x) - mean log(1 - D(G(z))) = {expected_loss:.4f} on this batch, "
        f"yours is {loss:.4f}. Use discriminator_loss(D(real), D(fake)) on the logits."
    )
    assert _same(_params(D), _params(D_ref)), (
        "D's new weights differ from one gradient step on L_D. Did you call opt_d.zero_grad() before "
        "loss.backward()? (Old gradients would be added to the new ones.)"
    )
    return f"One step of Algorithm 1's inner loop: D improved on this batch (L_D = {loss:.3f}) while G stayed fixed."


@record("lesson2.g_loss_nonsaturating")
def check_g_loss_nonsaturating(g_loss):
    r"""``g_loss(fake_logits)``: the non-saturating generator loss :math:`-\text{mean}\log\sigma(\ell)`, stable."""
    from ..losses import generator_loss_nonsaturating, generator_loss_saturating

    gen = torch.Generator().manual_seed(7)
    logits = torch.randn(50, generator=gen) * 3
    out = call_answer(g_loss, logits.clone())
    assert isinstance(out, torch.Tensor), "Return a torch tensor (so that G can be trained by loss.backward())."
    assert out.numel() == 1, f"Return one number (the mean over the batch), got shape {tuple(out.shape)}."
    got, want = out.item(), generator_loss_nonsaturating(logits).item()
    if abs(got - generator_loss_saturating(logits).item()) < 1e-5:
        raise AssertionError("That is the *saturating* loss log(1 - D(G(z))). The non-saturating one is -log D(G(z)).")
    if abs(got + want) < 1e-5:
        raise AssertionError("Wrong sign: G *minimises* -log D(G(z)), i.e. it maximises log D(G(z)).")
    assert abs(got - want) < 1e-5, f"Expected -mean log sigmoid(logits) = {want:.5f} on a test batch, got {got:.5f}."
    extreme = torch.tensor([-200.0, -60.0, 0.0, 60.0], requires_grad=True)
    out = call_answer(g_loss, extreme)
    want = generator_loss_nonsaturating(extreme.detach()).item()
    assert math.isfinite(out.item()), (
        "Your loss is infinite when D is very sure a fake is fake (logit -200): sigmoid(-200) rounds to 0 and "
        "log(0) = -inf. Work on logits: -log sigmoid(l) = softplus(-l) (F.softplus or F.logsigmoid)."
    )
    assert abs(out.item() - want) < 1e-3 * max(1.0, abs(want)), (
        f"On logits [-200, -60, 0, 60] the loss should be {want:.3f}, got {out.item():.3f}: is it exact for "
        "very negative logits? Use F.softplus(-logits)."
    )
    out.backward()
    assert extreme.grad is not None and torch.all(torch.isfinite(extreme.grad)), (
        "The gradient must flow (and be finite): build the loss from torch operations on the logits."
    )
    return "Stable for any logit: -log D(G(z)) = softplus(-logit), with a strong gradient when D rejects the fakes."


@record("lesson2.mean_d")
def check_mean_d(mean_d, equilibrium):
    """``mean_d(D, x)``: the mean probability D gives to samples x (D returns logits); ``equilibrium``: its limit."""
    from torch import nn

    class Fixed(nn.Module):  # a "discriminator" with known logits
        def __init__(self, logits):
            super().__init__()
            self.logits = logits

        def forward(self, x):
            return self.logits[: len(x)]

    logits = torch.tensor([-2.0, 0.0, 1.0, 3.0])
    x = torch.zeros(4, 1)
    got = call_answer(mean_d, Fixed(logits), x)
    got = float(got.detach()) if isinstance(got, torch.Tensor) else float(got)
    want = torch.sigmoid(logits).mean().item()
    if abs(got - logits.mean().item()) < 1e-6:
        raise AssertionError("That is the mean *logit*. D returns logits: apply torch.sigmoid before averaging.")
    if abs(got - torch.sigmoid(logits.mean()).item()) < 1e-6:
        raise AssertionError("Apply the sigmoid to each logit first, then average (not the other way round).")
    assert abs(got - want) < 1e-6, f"On logits [-2, 0, 1, 3] the mean D should be {want:.4f}, got {got:.4f}."
    eq = float(call_answer(equilibrium))
    assert abs(eq - 0.5) < 1e-9, (
        "At equilibrium p_g = p_data, so D* = p_data / (p_data + p_g) = ? (lesson 1: the optimal D when it "
        "cannot tell real from fake)."
    )
    return "mean D(x) = mean sigmoid(logit); when p_g = p_data, D* = 1/2 everywhere, so both means approach 1/2."


@record("lesson2.equilibrium_losses")
def check_equilibrium_losses(loss_d, loss_g):
    r"""The losses when :math:`D \equiv 1/2`: :math:`L_D = -2\log\frac12 = \log 4` and :math:`L_G = \log 2`."""
    ld, lg = float(call_answer(loss_d)), float(call_answer(loss_g))
    if abs(ld + math.log(4)) < 1e-4:
        raise AssertionError("-log 4 is V(D*, G) at the optimum; the *loss* L_D = -V is its negative.")
    if abs(ld - math.log(2)) < 1e-4:
        raise AssertionError("L_D has two terms, -log D(x) and -log(1 - D(G(z))), each -log(1/2) = log 2.")
    assert abs(ld - math.log(4)) < 1e-4, f"L_D at D = 1/2: -log(1/2) - log(1 - 1/2) = ? (you gave {ld:.4f})"
    if abs(lg + math.log(2)) < 1e-4:
        raise AssertionError("-log 2 is the *saturating* loss log(1 - 1/2); the non-saturating L_G = -log D(G(z)).")
    assert abs(lg - math.log(2)) < 1e-4, f"L_G = -log D(G(z)) at D = 1/2 is ? (you gave {lg:.4f})"
    return "L_D = log 4 ≈ 1.386 and L_G = log 2 ≈ 0.693: the lines a healthy run's losses hover around."


# ------------------------------------------------------------------ Algorithm 1, written by the learner

#: The usual mistakes in a hand-written Algorithm 1, and what to say when a loop makes one.
_MISTAKES = {
    "no_zero_grad_d": "D's weights drift from the reference from the second step on: call opt_d.zero_grad() before "
    "loss_d.backward(), or the gradients of earlier steps (and of G's step, which flows through D) pile up.",
    "no_zero_grad_g": "G's weights drift from the reference from the second step on: call opt_g.zero_grad() before "
    "loss_g.backward(), or old gradients pile up.",
    "k_ignored": "Your loop makes one D step per G step whatever k is: repeat the D step k times (for _ in range(k)).",
    "saturating": "Your G minimises log(1 - D(G(z))), the saturating loss: use the non-saturating "
    "generator_loss_nonsaturating(D(G(z))) = -log D(G(z)).",
    "noise_first": "Same algorithm, other random numbers: draw the real batch first, then the noise, both from rng "
    "(target.sample(batch_size, rng), then torch.randn(batch_size, G.z_dim, generator=rng)).",
    "g_not_fixed": "In the D step the fakes must not carry G's graph: compute them under torch.no_grad() (or "
    ".detach() them). Otherwise D's backward also fills G's gradients, and an opt_g.step() moves G too.",
}


def _reference_loop(G, D, opt_g, opt_d, target, steps, batch_size, k, rng, mistake=None):
    """Algorithm 1 as the package runs it, or with one of :data:`_MISTAKES` made on purpose."""
    from ..losses import discriminator_loss, generator_loss_nonsaturating, generator_loss_saturating

    losses = []
    for _ in range(steps):
        for _ in range(1 if mistake == "k_ignored" else k):
            if mistake == "noise_first":
                z = torch.randn(batch_size, G.z_dim, generator=rng)
                real = target.sample(batch_size, rng)
            else:
                real = target.sample(batch_size, rng)
                z = torch.randn(batch_size, G.z_dim, generator=rng)
            fake = G(z) if mistake == "g_not_fixed" else G(z).detach()
            loss_d = discriminator_loss(D(real), D(fake))
            if mistake != "no_zero_grad_d":
                opt_d.zero_grad()
            if mistake == "g_not_fixed":
                opt_g.zero_grad()
            loss_d.backward()
            opt_d.step()
            if mistake == "g_not_fixed":
                opt_g.step()
        z = torch.randn(batch_size, G.z_dim, generator=rng)
        g_loss = generator_loss_saturating if mistake == "saturating" else generator_loss_nonsaturating
        loss_g = g_loss(D(G(z)))
        if mistake != "no_zero_grad_g":
            opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        losses.append((loss_d.item(), loss_g.item()))
    return losses


def course_train_by_hand(G, D, opt_g, opt_d, target, steps, batch_size=256, k=1, rng=None):
    """The course's answer to exercise 3: what the notebook runs until the learner's own loop is right."""
    return _reference_loop(G, D, opt_g, opt_d, target, steps, batch_size, k, rng)


def _game(seed=3):
    from ..recipes import toy_config
    from ..runs import build_toy

    cfg = toy_config("gaussian", hidden=16, batch_size=64, seed=seed)
    torch.manual_seed(seed)
    target, G, D, opt_g, opt_d = build_toy(cfg)
    return target, G, D, opt_g, opt_d, torch.Generator().manual_seed(seed)


def _pairs(out, steps):
    try:
        pairs = [(float(a), float(b)) for a, b in out]
    except (TypeError, ValueError):
        raise AssertionError("train_by_hand should return a list of (loss_d, loss_g) pairs, one per step") from None
    assert len(pairs) == steps, (
        f"train_by_hand should return one (loss_d, loss_g) pair per step: {steps}, got {len(pairs)}"
    )
    return pairs


def _weights(*modules):
    return [p.detach().clone() for m in modules for p in m.parameters()]


@record("lesson2.train_by_hand")
def check_train_by_hand(train_by_hand, steps=6, k=2):
    r"""``train_by_hand(G, D, opt_g, opt_d, target, steps, batch_size, k, rng)``: Algorithm 1, returning the losses.

    Runs the learner's loop and :func:`gan_lessons.training.train` on two identical games (same seed,
    :math:`k = 2`) and compares every loss and every weight, bit for bit. A loop that differs is run
    against the usual mistakes (:data:`_MISTAKES`) to say which one it made.
    """
    from ..games import GAN
    from ..training import train

    target, G, D, opt_g, opt_d, rng = _game()
    mine = _pairs(call_answer(train_by_hand, G, D, opt_g, opt_d, target, steps, 64, k, rng), steps)
    t2, G2, D2, og2, od2, rng2 = _game()
    history = train(G2, D2, og2, od2, t2.sample, steps, batch_size=64, game=GAN(k=k), rng=rng2)
    want = list(zip(history.loss_d, history.loss_g, strict=True))
    same_weights = all(torch.equal(a, b) for a, b in zip(_weights(G, D), _weights(G2, D2), strict=True))
    if mine == want and same_weights:
        return (
            f"Bit for bit the package's train: {steps} steps of k = {k} D steps and one G step, every loss and weight."
        )
    if all(abs(a + b) < 1e-6 for (a, _), (b, _) in zip(mine, want, strict=True)):
        raise AssertionError("Your D losses have the wrong sign: D *ascends* V, so it descends L_D = -V.")
    for mistake, hint in _MISTAKES.items():
        t3, G3, D3, og3, od3, rng3 = _game()
        if _reference_loop(G3, D3, og3, od3, t3, steps, 64, k, rng3, mistake) == mine:
            raise AssertionError(hint)
    first = next((i for i, (a, b) in enumerate(zip(mine, want, strict=True)) if a != b), None)
    if first is None:
        raise AssertionError("Same losses, different weights: did the last step's update run (opt_g.step())?")
    raise AssertionError(
        f"Step {first + 1} differs: yours gives (L_D, L_G) = ({mine[first][0]:.5f}, {mine[first][1]:.5f}), the package "
        f"({want[first][0]:.5f}, {want[first][1]:.5f}). Draw from rng in order (real batch, noise) k times, then "
        "noise for G; use discriminator_loss and generator_loss_nonsaturating on D's logits."
    )
