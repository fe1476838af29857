"""Lesson 3's exercise checks: right, wrong and missing answers."""

import numpy as np
import pytest

from gan_lessons.exercises import lesson3, reset, results


@pytest.fixture(autouse=True)
def _fresh():
    reset()
    yield
    reset()


def stub(*args): ...


def test_simultaneous_step():
    assert lesson3.check_simultaneous_step(lambda x, y, lr: (x - lr * y, y + lr * x)).status == "correct"
    assert lesson3.check_simultaneous_step(stub).status == "missing"

    def alternating(x, y, lr):
        nx = x - lr * y
        return nx, y + lr * nx

    fb = lesson3.check_simultaneous_step(alternating)
    assert fb.status == "wrong" and "alternating" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: (x + lr * y, y - lr * x))
    assert fb.status == "wrong" and "Signs" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: (x - lr * x, y + lr * y))
    assert fb.status == "wrong" and "∂(xy)/∂x is y" in fb.message
    fb = lesson3.check_simultaneous_step(lambda x, y, lr: x - lr * y)
    assert fb.status == "wrong" and "pair" in fb.message
    assert lesson3.check_simultaneous_step(lambda x, y, lr: (0.0, 0.0)).status == "wrong"


def test_extragradient_step():
    def right(x, y, lr):
        hx, hy = x - lr * y, y + lr * x
        return x - lr * hy, y + lr * hx

    assert lesson3.check_extragradient_step(right).status == "correct"
    assert lesson3.check_extragradient_step(stub).status == "missing"
    fb = lesson3.check_extragradient_step(lambda x, y, lr: (x - lr * y, y + lr * x))
    assert fb.status == "wrong" and "look-ahead" in fb.message

    def from_ahead(x, y, lr):
        hx, hy = x - lr * y, y + lr * x
        return hx - lr * hy, hy + lr * hx

    fb = lesson3.check_extragradient_step(from_ahead)
    assert fb.status == "wrong" and "starts again from (x, y)" in fb.message

    def raises(x, y, lr):
        raise ZeroDivisionError("boom")

    fb = lesson3.check_extragradient_step(raises)
    assert fb.status == "wrong" and "ZeroDivisionError" in fb.message


def test_logit_gradients():
    assert lesson3.check_logit_gradients(lambda d: (-d, -(1 - d))).status == "correct"
    assert lesson3.check_logit_gradients(stub).status == "missing"
    fb = lesson3.check_logit_gradients(lambda d: (-(1 - d), -d))
    assert fb.status == "wrong" and "swapped" in fb.message
    fb = lesson3.check_logit_gradients(lambda d: (d, 1 - d))
    assert fb.status == "wrong" and "sign" in fb.message
    fb = lesson3.check_logit_gradients(lambda d: (-1 / (1 - d), -1 / d))  # derivatives with respect to D
    assert fb.status == "wrong" and "with respect to ℓ" in fb.message
    fb = lesson3.check_logit_gradients(lambda d: (-d[:2], -(1 - d)))
    assert fb.status == "wrong" and "shape" in fb.message


def test_pack():
    assert lesson3.check_pack(lambda x, m: x.reshape(x.shape[0] // m, m * x.shape[1])).status == "correct"
    assert lesson3.check_pack(lambda x, m: x.numpy().reshape(-1, m * x.shape[1])).status == "correct"  # numpy is fine
    assert lesson3.check_pack(stub).status == "missing"

    def interleaved(x, m):  # groups samples i, i + B/m, ...: right shape, wrong samples
        return x.reshape(m, x.shape[0] // m, x.shape[1]).permute(1, 0, 2).reshape(x.shape[0] // m, -1)

    fb = lesson3.check_pack(interleaved)
    assert fb.status == "wrong" and "wrong samples" in fb.message
    fb = lesson3.check_pack(lambda x, m: x)
    assert fb.status == "wrong" and "shape" in fb.message


def test_modes_covered():
    def right(samples, centers, sigma):
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2)
        nearest = dist.argmin(1)
        hq = dist[np.arange(len(samples)), nearest] <= 3 * sigma
        return len(np.unique(nearest[hq])), hq.mean()

    assert lesson3.check_modes_covered(right).status == "correct"
    assert lesson3.check_modes_covered(stub).status == "missing"

    def all_nearest(samples, centers, sigma):  # counts every mode that is someone's nearest, HQ or not
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2)
        nearest = dist.argmin(1)
        hq = dist[np.arange(len(samples)), nearest] <= 3 * sigma
        return len(np.unique(nearest)), hq.mean()

    fb = lesson3.check_modes_covered(all_nearest)
    assert fb.status == "wrong" and "modes are covered" in fb.message

    def one_sigma(samples, centers, sigma):
        m, _ = right(samples, centers, sigma)
        dist = np.linalg.norm(samples[:, None] - centers[None], axis=2).min(1)
        return m, (dist <= sigma).mean()

    fb = lesson3.check_modes_covered(one_sigma)
    assert fb.status == "wrong" and "3σ" in fb.message
    fb = lesson3.check_modes_covered(lambda s, c, sg: (8, 150.0))
    assert fb.status == "wrong" and "between 0 and 1" in fb.message


def test_results_are_recorded():
    lesson3.check_pack(lambda x, m: x.reshape(x.shape[0] // m, m * x.shape[1]))
    lesson3.check_simultaneous_step(stub)
    got = results("lesson3")
    assert got["lesson3.pack"].status == "correct" and got["lesson3.simultaneous_step"].status == "missing"
