import math

import pytest
import torch

from gan_lessons.losses import (
    discriminator_loss,
    generator_loss,
    generator_loss_nonsaturating,
    generator_loss_saturating,
)


def test_discriminator_loss_by_hand():
    # logits 0 -> D = 1/2: loss = -log(1/2) - log(1/2) = log 4
    assert discriminator_loss(torch.zeros(5), torch.zeros(5)).item() == pytest.approx(math.log(4))
    # D(x) = sigmoid(2), D(G(z)) = sigmoid(-1)
    r, f = torch.tensor([2.0]), torch.tensor([-1.0])
    s = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    expected = -math.log(s(2)) - math.log(1 - s(-1))
    assert discriminator_loss(r, f).item() == pytest.approx(expected, rel=1e-6)


def test_generator_losses_by_hand():
    f = torch.tensor([-1.0, 0.5])
    s = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    sat = (math.log(1 - s(-1)) + math.log(1 - s(0.5))) / 2
    ns = -(math.log(s(-1)) + math.log(s(0.5))) / 2
    assert generator_loss_saturating(f).item() == pytest.approx(sat, rel=1e-6)
    assert generator_loss_nonsaturating(f).item() == pytest.approx(ns, rel=1e-6)
    assert generator_loss(f, "saturating").item() == pytest.approx(sat, rel=1e-6)


def test_stable_for_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    for v in (discriminator_loss(big, big), generator_loss_saturating(big), generator_loss_nonsaturating(big)):
        assert torch.isfinite(v)


def test_saturating_gradient_vanishes_when_d_rejects_fakes():
    # d/dlogit of log(1 - sigmoid(l)) is -sigmoid(l): ~0 when D(G(z)) ~ 0; the NS gradient is ~ -1.
    l1 = torch.tensor([-8.0], requires_grad=True)
    generator_loss_saturating(l1).backward()
    l2 = torch.tensor([-8.0], requires_grad=True)
    generator_loss_nonsaturating(l2).backward()
    assert abs(l1.grad.item()) < 1e-3
    assert l2.grad.item() == pytest.approx(-1.0, abs=1e-3)


def test_bad_input():
    with pytest.raises(TypeError, match="fake_logits"):
        generator_loss_nonsaturating([0.0])
    with pytest.raises(TypeError, match="real_logits"):
        discriminator_loss(torch.tensor([1]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="kind"):
        generator_loss(torch.zeros(1), "hinge")


def test_r1_penalty_of_a_linear_discriminator():
    from gan_lessons.losses import r1_penalty

    D = torch.nn.Linear(3, 1)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[1.0, -2.0, 2.0]]))
    # logit = w.x + b: the gradient is w everywhere, so R1 = |w|^2 / 2 = 4.5
    assert r1_penalty(D, torch.randn(16, 3)).item() == pytest.approx(4.5)
    # and it is differentiable in D's parameters (it must train D)
    r1_penalty(D, torch.randn(4, 3)).backward()
    assert torch.allclose(D.weight.grad, D.weight)
    with pytest.raises(TypeError, match="real"):
        r1_penalty(D, [1.0, 2.0, 3.0])
