r"""Checks for the exercises of lesson 2: a 1-D Gaussian GAN, trained step by step.

Each check calls the learner's code on small, seeded test cases and compares it with the package's
reference (:mod:`gan_lessons.training`, :mod:`gan_lessons.losses`); it returns a
:class:`~gan_lessons.exercises.Feedback` and never raises.

* :func:`check_d_step`: one discriminator update, :math:`\theta_D \leftarrow \theta_D - \eta\nabla L_D`
  with G held fixed (Goodfellow et al. 2014, Algorithm 1).
* :func:`check_g_loss_nonsaturating`: :math:`L_G = -\frac1m\sum_i \log D(G(z_i))` on logits, stably.
* :func:`check_d_star_logit`: the logit of :math:`D^*` for two Gaussians, a quadratic :math:`ax^2 + bx + c`.
* :func:`check_equilibrium_losses`: :math:`L_D = \log 4` and :math:`L_G = \log 2` when :math:`D \equiv 1/2`.
* :func:`check_train_by_hand`: the whole of Algorithm 1, compared bit for bit with
  :func:`gan_lessons.training.train`; a wrong loop is matched against the usual mistakes for its hint.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from ..i18n import N_, _, ngettext
from . import call_answer, record

__all__ = [
    "check_d_step",
    "check_g_loss_nonsaturating",
    "check_d_star_logit",
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
    assert _same(_params(G), g_before, 0), _(
        "G changed: a discriminator step must only update D (use opt_d, not opt_g)."
    )
    assert all(p.grad is None for p in G.parameters()), _(
        "G received gradients: generate the fakes under torch.no_grad() (or .detach() them) - G is held fixed."
    )
    assert not _same(_params(D), d_before, 0), _("D did not change: call loss.backward() and then opt_d.step().")
    if abs(loss + expected_loss) < 1e-4:
        raise AssertionError(_("Your loss has the wrong sign: D *ascends* V, so it *minimises* L_D = -V."))
    assert abs(loss - expected_loss) < 1e-4, _(
        "The loss should be L_D = -mean log D(x) - mean log(1 - D(G(z))) = {expected_loss:.4f} on this batch, "
        "yours is {loss:.4f}. Use discriminator_loss(D(real), D(fake)) on the logits."
    ).format(expected_loss=expected_loss, loss=loss)
    assert _same(_params(D), _params(D_ref)), _(
        "D's new weights differ from one gradient step on L_D. Did you call opt_d.zero_grad() before "
        "loss.backward()? (Old gradients would be added to the new ones.)"
    )
    return _(
        "One step of Algorithm 1's inner loop: D improved on this batch (L_D = {loss:.3f}) while G stayed fixed."
    ).format(loss=loss)


@record("lesson2.g_loss_nonsaturating")
def check_g_loss_nonsaturating(g_loss):
    r"""``g_loss(fake_logits)``: the non-saturating generator loss :math:`-\text{mean}\log\sigma(\ell)`, stable."""
    from ..losses import generator_loss_nonsaturating, generator_loss_saturating

    gen = torch.Generator().manual_seed(7)
    logits = torch.randn(50, generator=gen) * 3
    out = call_answer(g_loss, logits.clone())
    assert isinstance(out, torch.Tensor), _("Return a torch tensor (so that G can be trained by loss.backward()).")
    assert out.numel() == 1, _("Return one number (the mean over the batch), got shape {shape}.").format(
        shape=tuple(out.shape)
    )
    got, want = out.item(), generator_loss_nonsaturating(logits).item()
    if abs(got - generator_loss_saturating(logits).item()) < 1e-5:
        raise AssertionError(
            _("That is the *saturating* loss log(1 - D(G(z))). The non-saturating one is -log D(G(z)).")
        )
    if abs(got + want) < 1e-5:
        raise AssertionError(_("Wrong sign: G *minimises* -log D(G(z)), i.e. it maximises log D(G(z))."))
    assert abs(got - want) < 1e-5, _(
        "Expected -mean log sigmoid(logits) = {want:.5f} on a test batch, got {got:.5f}."
    ).format(want=want, got=got)
    extreme = torch.tensor([-200.0, -60.0, 0.0, 60.0], requires_grad=True)
    out = call_answer(g_loss, extreme)
    want = generator_loss_nonsaturating(extreme.detach()).item()
    assert math.isfinite(out.item()), _(
        "Your loss is infinite when D is very sure a fake is fake (logit -200): sigmoid(-200) rounds to 0 and "
        "log(0) = -inf. Work on logits: -log sigmoid(l) = softplus(-l) (F.softplus or F.logsigmoid)."
    )
    assert abs(out.item() - want) < 1e-3 * max(1.0, abs(want)), _(
        "On logits [-200, -60, 0, 60] the loss should be {want:.3f}, got {got:.3f}: is it exact for very negative "
        "logits? Use F.softplus(-logits)."
    ).format(want=want, got=out.item())
    out.backward()
    assert extreme.grad is not None and torch.all(torch.isfinite(extreme.grad)), _(
        "The gradient must flow (and be finite): build the loss from torch operations on the logits."
    )
    return _("Stable for any logit: -log D(G(z)) = softplus(-logit), with a strong gradient when D rejects the fakes.")


def _logit_from_package(mu, sigma, mu_g, sigma_g):
    """(a, b, c) of log D*/(1 − D*) = a x² + b x + c, read off the package's D* at x = −1, 0, 1."""
    from ..data import gaussian
    from ..theory import optimal_discriminator

    x = np.array([-1.0, 0.0, 1.0])
    d = optimal_discriminator(gaussian(mu, sigma).density(x), gaussian(mu_g, sigma_g).density(x))
    lm, l0, lp = np.log(d) - np.log1p(-d)
    return (lp + lm) / 2 - l0, (lp - lm) / 2, l0


def _coefficients(out):
    try:
        a, b, c = (float(v) for v in out)
    except (TypeError, ValueError):
        raise AssertionError(
            _("d_star_logit_coefficients should return three numbers (a, b, c), got {out!r}").format(out=out)
        ) from None
    assert all(math.isfinite(v) for v in (a, b, c)), _("your coefficients ({a}, {b}, {c}) are not all finite").format(
        a=a, b=b, c=c
    )
    return a, b, c


def _close(u, v):  # the coefficients u equal v to 1e-6 (relative where they are large)
    return all(abs(p - q) <= 1e-6 * max(1.0, abs(q)) for p, q in zip(u, v, strict=True))


def _logit_mistakes(a, b, c, log_ratio):
    """The usual wrong answers for the logit a x² + b x + c, each with its hint (to format with the case)."""
    return [
        (
            (-a, -b, -c),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: you computed log p_g − log p_data. D* "
                "is the probability *real*: D* = σ(log p_data − log p_g), the real density on top."
            ),
        ),
        (
            (a, b, c - log_ratio),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: c is missing log(σ_g/σ): the "
                "normalising factors 1/(σ√(2π)) and 1/(σ_g√(2π)) do not cancel when the widths differ."
            ),
        ),
        (
            (a, b, c - 2 * log_ratio),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: the log term of c has the wrong sign: "
                "−log σ comes from log p_data, +log σ_g from −log p_g, so c contains +log(σ_g/σ)."
            ),
        ),
        (
            (a, b, c + log_ratio),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: the normaliser of a Gaussian is "
                "1/(σ√(2π)): its log is −log σ, not −log σ²."
            ),
        ),
        (
            (2 * a, 2 * b, 2 * (c - log_ratio) + log_ratio),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: you dropped the ½ in the exponent: log "
                "N(x; μ, σ²) = −log σ − ½ log 2π − (x − μ)²/(2σ²)."
            ),
        ),
        (
            (a, -b, c),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: b has the wrong sign: (x − μ)² = x² − "
                "2μx + μ², so −(x − μ)²/(2σ²) contributes +μx/σ²."
            ),
        ),
        (
            (c, b, a),
            _(
                "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: return the coefficients in the order "
                "(a, b, c): a of x², b of x, c the constant."
            ),
        ),
    ]


def _logit_hint(mu, s, mg, sg, got, want):
    """Why ``got`` is not ``want`` = (a, b, c), the logit of D* for N(mu, s²) against N(mg, sg²): the hint."""
    a, b, c = want
    case = {"mu": mu, "s": s, "mg": mg, "sg": sg}
    for value, hint in _logit_mistakes(a, b, c, math.log(sg / s)):
        if not _close(value, want) and _close(got, value):
            return hint.format(**case)
    std_ab = (0.5 * (1 / sg - 1 / s), mu / s - mg / sg)
    if not _close(std_ab, want[:2]) and _close(got[:2], std_ab):
        return _(
            "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}: you divided by σ where the Gaussian "
            "has the variance σ²: its exponent is −(x − μ)²/(2σ²)."
        ).format(**case)
    names = [n for n, p, q in zip("abc", got, want, strict=True) if abs(p - q) > 1e-6 * max(1.0, abs(q))]
    return ngettext(
        "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}, the logit of D* is {a:.4g}·x² {sign_b} "
        "{abs_b:.4g}·x {sign_c} {abs_c:.4g}; your {names} is off (you gave {got_a:.4g}, {got_b:.4g}, "
        "{got_c:.4g}). Write out log p_data(x) − log p_g(x) with log N(x; μ, σ²) = −log σ − ½ log 2π − (x "
        "− μ)²/(2σ²) and collect the powers of x.",
        "For μ = {mu:g}, σ = {s:g}, μ_g = {mg:g}, σ_g = {sg:g}, the logit of D* is {a:.4g}·x² {sign_b} "
        "{abs_b:.4g}·x {sign_c} {abs_c:.4g}; your {names} are off (you gave {got_a:.4g}, {got_b:.4g}, "
        "{got_c:.4g}). Write out log p_data(x) − log p_g(x) with log N(x; μ, σ²) = −log σ − ½ log 2π − (x "
        "− μ)²/(2σ²) and collect the powers of x.",
        len(names),
    ).format(
        **case,
        a=a,
        sign_b="−" if b < 0 else "+",
        abs_b=abs(b),
        sign_c="−" if c < 0 else "+",
        abs_c=abs(c),
        names=", ".join(names),
        got_a=got[0],
        got_b=got[1],
        got_c=got[2],
    )


@record("lesson2.d_star_logit")
def check_d_star_logit(d_star_logit_coefficients):
    r"""``d_star_logit_coefficients(mu, sigma, mu_g, sigma_g) -> (a, b, c)``: the logit of :math:`D^*`, two Gaussians.

    For :math:`p_{data} = \mathcal N(\mu, \sigma^2)` and :math:`p_g = \mathcal N(\mu_g, \sigma_g^2)`,
    :math:`\log\frac{D^*}{1 - D^*} = \log p_{data}(x) - \log p_g(x) = a x^2 + b x + c` with

    .. math:: a = \frac12\Big(\frac1{\sigma_g^2} - \frac1{\sigma^2}\Big), \quad
              b = \frac{\mu}{\sigma^2} - \frac{\mu_g}{\sigma_g^2}, \quad
              c = \frac{\mu_g^2}{2\sigma_g^2} - \frac{\mu^2}{2\sigma^2} + \log\frac{\sigma_g}{\sigma}.

    Compared with the logit of :func:`gan_lessons.theory.optimal_discriminator` on the package's densities.
    """
    cases = [  # (mu, sigma, mu_g, sigma_g): lesson 2's target against a few generators
        (4.0, 1.25, 2.5, 0.8),  # too narrow, too far left
        (4.0, 1.25, 4.5, 2.0),  # too wide
        (0.5, 1.5, -1.0, 1.5),  # same width: a = 0, D* is a logistic regression
        (-1.0, 2.0, 1.0, 0.5),
        (4.0, 1.25, 4.0, 1.25),  # the equilibrium
    ]
    for mu, s, mg, sg in cases:
        got = _coefficients(call_answer(d_star_logit_coefficients, mu, s, mg, sg))
        want = _logit_from_package(mu, s, mg, sg)
        if _close(got, want):
            continue
        raise AssertionError(_logit_hint(mu, s, mg, sg, got, want))
    return _(
        "ℓ*(x) = a x² + b x + c, a = ½(1/σ_g² − 1/σ²), b = μ/σ² − μ_g/σ_g², c = μ_g²/(2σ_g²) − μ²/(2σ²) + "
        "log(σ_g/σ). So lesson 2's D, an MLP on x, must be able to draw a parabola for its logit (a straight line, "
        "a logistic regression, is enough only when σ_g = σ). At the equilibrium μ_g = μ, σ_g = σ all three are 0: "
        "ℓ* ≡ 0, D* ≡ ½ everywhere."
    )


@record("lesson2.equilibrium_losses")
def check_equilibrium_losses(loss_d, loss_g):
    r"""The losses when :math:`D \equiv 1/2`: :math:`L_D = -2\log\frac12 = \log 4` and :math:`L_G = \log 2`."""
    ld, lg = float(call_answer(loss_d)), float(call_answer(loss_g))
    if abs(ld + math.log(4)) < 1e-4:
        raise AssertionError(_("-log 4 is V(D*, G) at the optimum; the *loss* L_D = -V is its negative."))
    if abs(ld - math.log(2)) < 1e-4:
        raise AssertionError(_("L_D has two terms, -log D(x) and -log(1 - D(G(z))), each -log(1/2) = log 2."))
    assert abs(ld - math.log(4)) < 1e-4, _("L_D at D = 1/2: -log(1/2) - log(1 - 1/2) = ? (you gave {ld:.4f})").format(
        ld=ld
    )
    if abs(lg + math.log(2)) < 1e-4:
        raise AssertionError(_("-log 2 is the *saturating* loss log(1 - 1/2); the non-saturating L_G = -log D(G(z))."))
    assert abs(lg - math.log(2)) < 1e-4, _("L_G = -log D(G(z)) at D = 1/2 is ? (you gave {lg:.4f})").format(lg=lg)
    return _("L_D = log 4 ≈ 1.386 and L_G = log 2 ≈ 0.693: the lines a healthy run's losses hover around.")


# ------------------------------------------------------------------ Algorithm 1, written by the learner

#: The usual mistakes in a hand-written Algorithm 1, and what to say when a loop makes one.
_MISTAKES = {
    "no_zero_grad_d": N_(
        "D's weights drift from the reference from the second step on: call opt_d.zero_grad() before "
        "loss_d.backward(), or the gradients of earlier steps (and of G's step, which flows through D) pile up."
    ),
    "no_zero_grad_g": N_(
        "G's weights drift from the reference from the second step on: call opt_g.zero_grad() before "
        "loss_g.backward(), or old gradients pile up."
    ),
    "k_ignored": N_(
        "Your loop makes one D step per G step whatever k is: repeat the D step k times (for _ in range(k))."
    ),
    "saturating": N_(
        "Your G minimises log(1 - D(G(z))), the saturating loss: use the non-saturating "
        "generator_loss_nonsaturating(D(G(z))) = -log D(G(z))."
    ),
    "noise_first": N_(
        "Same algorithm, other random numbers: draw the real batch first, then the noise, both from rng "
        "(target.sample(batch_size, rng), then torch.randn(batch_size, G.z_dim, generator=rng))."
    ),
    "g_not_fixed": N_(
        "In the D step the fakes must not carry G's graph: compute them under torch.no_grad() (or .detach() them). "
        "Otherwise D's backward also fills G's gradients, and an opt_g.step() moves G too."
    ),
}


def _reference_loop(G, D, opt_g, opt_d, target, steps, batch_size, k, rng, mistake=None):
    """Algorithm 1 as the package runs it, or with one of :data:`_MISTAKES` made on purpose."""
    from ..losses import discriminator_loss, generator_loss_nonsaturating, generator_loss_saturating

    losses = []
    for _step in range(steps):
        for _d_step in range(1 if mistake == "k_ignored" else k):
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
        raise AssertionError(_("train_by_hand should return a list of (loss_d, loss_g) pairs, one per step")) from None
    assert len(pairs) == steps, _(
        "train_by_hand should return one (loss_d, loss_g) pair per step: {steps}, got {count}"
    ).format(steps=steps, count=len(pairs))
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
        return _(
            "Bit for bit the package's train: {steps} steps of k = {k} D steps and one G step, every loss and weight."
        ).format(steps=steps, k=k)
    if all(abs(a + b) < 1e-6 for (a, _), (b, _) in zip(mine, want, strict=True)):
        raise AssertionError(_("Your D losses have the wrong sign: D *ascends* V, so it descends L_D = -V."))
    for mistake, hint in _MISTAKES.items():
        t3, G3, D3, og3, od3, rng3 = _game()
        if _reference_loop(G3, D3, og3, od3, t3, steps, 64, k, rng3, mistake) == mine:
            raise AssertionError(_(hint))
    first = next((i for i, (a, b) in enumerate(zip(mine, want, strict=True)) if a != b), None)
    if first is None:
        raise AssertionError(_("Same losses, different weights: did the last step's update run (opt_g.step())?"))
    raise AssertionError(
        _(
            "Step {step} differs: yours gives (L_D, L_G) = ({loss_d:.5f}, {loss_g:.5f}), the package ({ref_d:.5f}, "
            "{ref_g:.5f}). Draw from rng in order (real batch, noise) k times, then noise for G; use "
            "discriminator_loss and generator_loss_nonsaturating on D's logits."
        ).format(
            step=first + 1, loss_d=mine[first][0], loss_g=mine[first][1], ref_d=want[first][0], ref_g=want[first][1]
        )
    )
