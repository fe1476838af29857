"""Lesson 2's exercise checks: right, wrong and missing answers each get the right verdict."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gan_lessons import exercises as ex
from gan_lessons.data import gaussian
from gan_lessons.exercises import lesson2
from gan_lessons.losses import discriminator_loss, generator_loss_saturating
from gan_lessons.theory import optimal_discriminator


@pytest.fixture(autouse=True)
def _fresh():
    ex.reset()
    yield
    ex.reset()


# ------------------------------------------------------------------ d_step


def d_step_right(G, D, opt_d, real, z):
    with torch.no_grad():
        fake = G(z)
    loss = discriminator_loss(D(real), D(fake))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss


def test_d_step_right_also_as_float_or_tuple():
    assert lesson2.check_d_step(d_step_right).status == "correct"
    assert lesson2.check_d_step(lambda *a: d_step_right(*a).item()).status == "correct"
    assert lesson2.check_d_step(lambda *a: (d_step_right(*a).item(), 0.5, 0.5)).status == "correct"


def test_d_step_missing():
    def stub(G, D, opt_d, real, z): ...

    assert lesson2.check_d_step(stub).status == "missing"
    assert lesson2.check_d_step(None).status == "missing"


def test_d_step_forgets_zero_grad():
    def no_zero(G, D, opt_d, real, z):
        with torch.no_grad():
            fake = G(z)
        loss = discriminator_loss(D(real), D(fake))
        loss.backward()
        opt_d.step()
        return loss

    fb = lesson2.check_d_step(no_zero)
    assert fb.status == "wrong" and "zero_grad" in fb.message


def test_d_step_lets_gradients_into_g():
    def no_detach(G, D, opt_d, real, z):
        loss = discriminator_loss(D(real), D(G(z)))
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        return loss

    fb = lesson2.check_d_step(no_detach)
    assert fb.status == "wrong" and "no_grad" in fb.message


def test_d_step_wrong_sign_and_no_update():
    def ascend_wrong_way(G, D, opt_d, real, z):
        with torch.no_grad():
            fake = G(z)
        loss = -discriminator_loss(D(real), D(fake))
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        return loss

    fb = lesson2.check_d_step(ascend_wrong_way)
    assert fb.status == "wrong" and "sign" in fb.message

    def no_step(G, D, opt_d, real, z):
        with torch.no_grad():
            return discriminator_loss(D(real), D(G(z)))

    fb = lesson2.check_d_step(no_step)
    assert fb.status == "wrong" and "opt_d.step()" in fb.message


def test_d_step_swapped_labels_and_crash():
    def swapped(G, D, opt_d, real, z):
        with torch.no_grad():
            fake = G(z)
        loss = discriminator_loss(D(fake), D(real))  # real called fake
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        return loss

    fb = lesson2.check_d_step(swapped)
    assert fb.status == "wrong" and "L_D" in fb.message
    fb = lesson2.check_d_step(lambda G, D, opt_d, real, z: G(z, z))
    assert fb.status == "wrong" and "TypeError" in fb.message


# ------------------------------------------------------------------ non-saturating loss


def test_g_loss_right():
    assert lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l).mean()).status == "correct"
    assert lesson2.check_g_loss_nonsaturating(lambda l: -F.logsigmoid(l).mean()).status == "correct"


def test_g_loss_missing():
    def stub(fake_logits): ...

    assert lesson2.check_g_loss_nonsaturating(stub).status == "missing"


def test_g_loss_unstable_naive_log_sigmoid():
    fb = lesson2.check_g_loss_nonsaturating(lambda l: -torch.log(torch.sigmoid(l)).mean())
    assert fb.status == "wrong" and "softplus" in fb.message


def test_g_loss_saturating_sign_and_type():
    fb = lesson2.check_g_loss_nonsaturating(generator_loss_saturating)
    assert fb.status == "wrong" and "saturating" in fb.message
    fb = lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l).mean().neg())
    assert fb.status == "wrong" and "sign" in fb.message.lower()
    fb = lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l).mean().item())
    assert fb.status == "wrong" and "tensor" in fb.message
    fb = lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l))
    assert fb.status == "wrong" and "one number" in fb.message
    fb = lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l).sum())
    assert fb.status == "wrong" and "Expected" in fb.message


# ------------------------------------------------------------------ the logit of D* for two Gaussians


def logit_coefficients(mu, sigma, mu_g, sigma_g):
    a = 0.5 * (1 / sigma_g**2 - 1 / sigma**2)
    b = mu / sigma**2 - mu_g / sigma_g**2
    c = mu_g**2 / (2 * sigma_g**2) - mu**2 / (2 * sigma**2) + math.log(sigma_g / sigma)
    return a, b, c


def test_d_star_logit_right():
    fb = lesson2.check_d_star_logit(logit_coefficients)
    assert fb.status == "correct" and fb.exercise == "lesson2.d_star_logit" and "D* ≡ ½" in fb.message
    as_array = lesson2.check_d_star_logit(lambda *a: np.array(logit_coefficients(*a)))
    assert as_array.status == "correct"
    as_tensors = lesson2.check_d_star_logit(lambda *a: [torch.tensor(v) for v in logit_coefficients(*a)])
    assert as_tensors.status == "correct"


def test_d_star_logit_formula_is_the_package_d_star():
    x = np.linspace(-3.0, 9.0, 121)
    for mu, s, mg, sg in [(4.0, 1.25, 2.5, 0.8), (0.5, 1.5, -1.0, 1.5), (4.0, 1.25, 4.0, 1.25)]:
        a, b, c = logit_coefficients(mu, s, mg, sg)
        d = optimal_discriminator(gaussian(mu, s).density(x), gaussian(mg, sg).density(x))
        np.testing.assert_allclose(1 / (1 + np.exp(-(a * x**2 + b * x + c))), d, atol=1e-12)


def test_d_star_logit_missing():
    def stub(mu, sigma, mu_g, sigma_g): ...

    assert lesson2.check_d_star_logit(stub).status == "missing"
    assert lesson2.check_d_star_logit(None).status == "missing"


def _log_ratio(mu, s, mg, sg):
    return math.log(sg / s)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda *a: tuple(-v for v in logit_coefficients(*a)), "log p_g − log p_data"),
        (lambda *a: (*logit_coefficients(*a)[:2], logit_coefficients(*a)[2] - _log_ratio(*a)), "missing log(σ_g/σ)"),
        (lambda *a: (*logit_coefficients(*a)[:2], logit_coefficients(*a)[2] - 2 * _log_ratio(*a)), "wrong sign"),
        (lambda *a: (*logit_coefficients(*a)[:2], logit_coefficients(*a)[2] + _log_ratio(*a)), "not −log σ²"),
        (
            lambda *a: (
                2 * logit_coefficients(*a)[0],
                2 * logit_coefficients(*a)[1],
                2 * (logit_coefficients(*a)[2] - _log_ratio(*a)) + _log_ratio(*a),
            ),
            "dropped the ½",
        ),
        (lambda *a: (logit_coefficients(*a)[0], -logit_coefficients(*a)[1], logit_coefficients(*a)[2]), "b has"),
        (lambda *a: logit_coefficients(*a)[::-1], "order (a, b, c)"),
        (
            lambda mu, s, mg, sg: (0.5 * (1 / sg - 1 / s), mu / s - mg / sg, mg**2 / (2 * sg) - mu**2 / (2 * s)),
            "variance σ²",
        ),
        (lambda *a: (0.0, 0.0, 0.0), "collect the powers of x"),
        (lambda *a: (*logit_coefficients(*a)[:2], 0.0), "your c is off"),
        (lambda *a: logit_coefficients(*a)[:2], "three numbers"),
        (lambda *a: (math.nan, 0.0, 0.0), "not all finite"),
    ],
)
def test_d_star_logit_wrong(answer, hint):
    fb = lesson2.check_d_star_logit(answer)
    assert fb.status == "wrong" and hint in fb.message, fb.message


# ------------------------------------------------------------------ equilibrium losses


def test_equilibrium_losses():
    assert lesson2.check_equilibrium_losses(math.log(4), math.log(2)).status == "correct"
    assert lesson2.check_equilibrium_losses(..., math.log(2)).status == "missing"
    assert lesson2.check_equilibrium_losses(math.log(4), None).status == "missing"
    assert "negative" in lesson2.check_equilibrium_losses(-math.log(4), math.log(2)).message
    assert "two terms" in lesson2.check_equilibrium_losses(math.log(2), math.log(2)).message
    assert "saturating" in lesson2.check_equilibrium_losses(math.log(4), -math.log(2)).message
    assert lesson2.check_equilibrium_losses(math.log(4), 0.5).status == "wrong"
    assert lesson2.check_equilibrium_losses(1.0, math.log(2)).status == "wrong"


def test_all_four_recorded():
    lesson2.check_d_step(d_step_right)
    lesson2.check_g_loss_nonsaturating(lambda l: F.softplus(-l).mean())
    lesson2.check_d_star_logit(logit_coefficients)
    lesson2.check_equilibrium_losses(math.log(4), math.log(2))
    assert ex.assert_all_correct("lesson2", expected=4) == 4


# ------------------------------------------------------------------ Algorithm 1, written by the learner


def test_train_by_hand_right_answer_is_bit_for_bit_the_package():
    fb = lesson2.check_train_by_hand(lesson2.course_train_by_hand)
    assert fb.status == "correct" and "Bit for bit" in fb.message


@pytest.mark.parametrize("mistake", sorted(lesson2._MISTAKES))
def test_train_by_hand_each_usual_mistake_gets_its_own_hint(mistake):
    def loop(*args):
        return lesson2._reference_loop(*args, mistake=mistake)

    fb = lesson2.check_train_by_hand(loop)
    assert fb.status == "wrong" and lesson2._MISTAKES[mistake] in fb.message


def test_train_by_hand_wrong_sign_missing_and_malformed():
    def wrong_sign(*args):
        return [(-ld, lg) for ld, lg in lesson2.course_train_by_hand(*args)]

    assert "wrong sign" in lesson2.check_train_by_hand(wrong_sign).message

    def stub(G, D, opt_g, opt_d, target, steps, batch_size=256, k=1, rng=None): ...

    assert lesson2.check_train_by_hand(stub).status == "missing"
    assert "pairs" in lesson2.check_train_by_hand(lambda *a: 3.0).message
    assert "Step 1 differs" in lesson2.check_train_by_hand(lambda *a: [(0.0, 0.0)] * a[5]).message
