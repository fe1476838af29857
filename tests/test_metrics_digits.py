"""Lesson 4's metrics: the digit classifier, digit-FID and its baseline, confidence, nearest neighbours."""

import numpy as np
import pytest
import torch

from gan_lessons import metrics
from gan_lessons.data import load_digits
from gan_lessons.metrics import (
    as_digit_pixels,
    class_histogram,
    classifier_confidence,
    digit_classifier,
    digit_fid,
    digit_fid_baseline,
    digit_report,
    frechet_distance,
    nearest_neighbours,
)
from gan_lessons.metrics import digits as digit_metrics


@pytest.fixture(scope="module")
def real():
    """The 450 held-out digits neither the classifier nor any recipe trains on, at 8x8, with labels."""
    return load_digits(8, return_labels=True, split="test")


def test_classifier_is_accurate_on_held_out_digits(real):
    net = digit_classifier()
    assert net.accuracy >= 0.95
    images, labels = real
    predicted, probs = metrics.classify_digits(images)
    assert (predicted == labels.numpy()).mean() == pytest.approx(net.accuracy, abs=1e-6)
    assert probs.shape == (len(images), 10) and np.allclose(probs.sum(1), 1, atol=1e-5)


def test_confidence_and_histogram_of_real_digits(real):
    images, _ = real
    assert classifier_confidence(images) > 0.9
    hist = class_histogram(images)
    assert hist.shape == (10,) and hist.sum() == pytest.approx(1.0)
    assert hist.min() > 0.05  # every digit is about 10% of the data


def test_noise_is_read_with_low_confidence_and_few_classes():
    noise = torch.rand(500, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert classifier_confidence(noise) < classifier_confidence(load_digits(8)[:500]) - 0.1
    assert (class_histogram(noise) >= 0.05).sum() <= 5


def test_fid_real_vs_real_is_small_and_noise_is_large():
    base = digit_fid_baseline()
    assert 0 < base < 15
    noise = torch.rand(899, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert digit_fid(noise) > 20 * base
    ones = load_digits(8, return_labels=True)
    only_ones = ones[0][ones[1] == 1]  # one class only: a collapsed generator
    assert digit_fid(only_ones) > 10 * base


def test_fid_baseline_grows_for_smaller_samples():
    assert digit_fid_baseline(100) > digit_fid_baseline()


def test_fid_reference_is_the_held_out_split():
    held_out = load_digits(8, split="test")
    assert digit_fid(held_out) == pytest.approx(0.0, abs=1e-6)  # the reference itself
    train = load_digits(8, split="train")
    assert digit_fid_baseline(899) == pytest.approx(
        digit_fid(train[torch.randperm(1347, generator=torch.Generator().manual_seed(0))[:899]])
    )
    # Copying the training set is no better than fresh real digits: both are new to the reference.
    assert digit_fid(train[:899]) == pytest.approx(digit_fid_baseline(899), rel=0.5)


def test_16px_digits_are_mapped_back_exactly():
    x8, x16 = load_digits(8), load_digits(16)
    assert torch.allclose(as_digit_pixels(x16), x8, atol=1e-4)
    assert digit_fid(x16[:300]) == pytest.approx(digit_fid(x8[:300]), rel=1e-3)
    assert as_digit_pixels(x8.numpy()[:, 0]).shape == (1797, 1, 8, 8)  # numpy (N, H, W) works too


def test_report():
    r = digit_report(load_digits(16)[:899])
    assert r["n"] == 899 and r["classes_covered"] == 10
    assert r["fid_ratio"] == pytest.approx(r["fid"] / r["fid_baseline"])
    assert r["fid_ratio"] < 3 and r["confidence"] > 0.9 and r["min_class_share"] > 0.05


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    s = a @ a.T + np.eye(5)
    mu = rng.normal(size=5)
    assert frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-8)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[9.0]])) == pytest.approx(
        4.0 + 1.0
    )
    # commuting (diagonal) covariances: sum of (sqrt(a_i) - sqrt(b_i))^2
    d1, d2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    assert frechet_distance(np.zeros(3), np.diag(d1), np.ones(3), np.diag(d2)) == pytest.approx(
        3 + ((np.sqrt(d1) - np.sqrt(d2)) ** 2).sum()
    )


def test_frechet_distance_matches_scipy_sqrtm():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T, b @ b.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)


def test_bad_input_raises_naming_the_argument():
    x = load_digits(8)[:10]
    with pytest.raises(ValueError, match=r"samples must be in \[-1, 1\]"):
        classifier_confidence((x + 1) * 8)  # pixels in 0..16: rescale first
    with pytest.raises(ValueError, match="samples must have shape"):
        digit_fid(torch.zeros(10, 3, 8, 8))
    with pytest.raises(ValueError, match="samples must have shape"):
        digit_fid(torch.zeros(10, 1, 4, 4))
    with pytest.raises(ValueError, match="NaN"):
        digit_fid(torch.full((10, 1, 8, 8), float("nan")))
    with pytest.raises(TypeError, match="samples"):
        digit_fid([[0.0] * 64] * 10)
    with pytest.raises(ValueError, match="empty"):
        class_histogram(torch.zeros(0, 1, 8, 8))
    with pytest.raises(ValueError, match="at least 2"):
        digit_fid(x[:1])
    with pytest.raises(ValueError, match="n must be"):
        digit_fid_baseline(1348)  # more than the training split holds
    with pytest.raises(TypeError, match="n must be"):
        digit_fid_baseline(None)
    with pytest.raises(ValueError, match="shapes do not match"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="sigma1 must be a covariance.*eigenvalue is -1"):
        frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), -np.eye(2))  # was 0.0
    with pytest.raises(ValueError, match="sigma2 must be a covariance.*not symmetric"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]))
    rank_deficient = np.cov(np.random.default_rng(0).normal(size=(5, 8)), rowvar=False)  # 5 samples, 8 features
    assert frechet_distance(np.zeros(8), rank_deficient, np.zeros(8), rank_deficient) == pytest.approx(0, abs=1e-6)


def test_nearest_neighbours_finds_copies():
    images = load_digits(8)
    samples = images[[5, 17]] + 0.01
    idx, dist = nearest_neighbours(samples, images, k=3)
    assert idx.shape == dist.shape == (2, 3)
    assert idx[:, 0].tolist() == [5, 17]
    assert np.all(dist[:, 0] < 0.1) and np.all(np.diff(dist, axis=1) >= 0)
    with pytest.raises(ValueError, match="k must be"):
        nearest_neighbours(samples, images, k=0)
    with pytest.raises(ValueError, match="same image shape"):
        nearest_neighbours(samples, load_digits(16))


def test_disk_cache_is_written_atomically_and_reloaded(cache_dir, monkeypatch):
    calls = []
    real_train = digit_metrics._train_classifier

    def quick_train(images, labels):  # one epoch: the cache, not the classifier, is under test
        calls.append(len(images))
        return real_train(images, labels, epochs=1)

    monkeypatch.setattr(digit_metrics, "_train_classifier", quick_train)
    monkeypatch.setattr(digit_metrics, "_CLASSIFIERS", {})
    first = digit_classifier()
    path = cache_dir / f"digit_classifier_{digit_metrics.DIGIT_CLASSIFIER_VERSION}.pt"
    assert path.is_file() and calls == [1347]
    assert not list(cache_dir.glob(".*.tmp"))  # no temporary file left behind
    torch.load(path, weights_only=True)  # plain tensors and data only

    monkeypatch.setattr(digit_metrics, "_CLASSIFIERS", {})  # a new session: loaded from disk, not trained
    second = digit_classifier()
    assert calls == [1347] and second is not first
    assert second.accuracy == first.accuracy
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert digit_classifier() is second  # and then from memory

    path.write_bytes(b"not a checkpoint")  # corrupt: trained again and overwritten
    monkeypatch.setattr(digit_metrics, "_CLASSIFIERS", {})
    digit_classifier()
    assert calls == [1347, 1347]
    torch.load(path, weights_only=True)


def test_uncached_classifier_leaves_no_file_and_global_rng(cache_dir, monkeypatch):
    real_train = digit_metrics._train_classifier
    monkeypatch.setattr(digit_metrics, "_train_classifier", lambda i, lab: real_train(i, lab, epochs=1))
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    digit_classifier(cache=False)
    assert torch.equal(torch.rand(3), expected)  # the learner's random stream is untouched
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


@pytest.mark.parametrize("context", ["no_grad", "inference_mode"])
def test_first_use_inside_no_grad_trains_the_classifier(cache_dir, monkeypatch, context):
    """A fresh machine: the first metric call, made under no_grad or inference mode, trains the classifier."""
    real_train = digit_metrics._train_classifier
    monkeypatch.setattr(digit_metrics, "_train_classifier", lambda i, lab: real_train(i, lab, epochs=1))
    monkeypatch.setattr(digit_metrics, "_CLASSIFIERS", {})
    images = load_digits(8)[:40]
    with getattr(torch, context)():
        confidence = classifier_confidence(images)
        fid = digit_fid(images)
    assert 0.1 <= confidence <= 1 and np.isfinite(fid)
    assert (cache_dir / f"digit_classifier_{digit_metrics.DIGIT_CLASSIFIER_VERSION}.pt").is_file()
    assert not torch.is_inference(next(digit_classifier().parameters()))  # usable outside inference mode too
