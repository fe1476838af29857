r"""How good are generated digits? The digit classifier and digit-FID of lesson 4.

A small CNN trained on scikit-learn's digits answers three questions: does it read them confidently
(:func:`classifier_confidence`), is every digit drawn (:func:`class_histogram`), and how far is the
generated distribution from the real one in the CNN's feature space (:func:`digit_fid`, the FID of
Heusel et al. 2017 with the CNN in place of Inception):

.. math:: \text{FID} = \lVert \mu_g - \mu_r \rVert^2 + \operatorname{Tr}\big(\Sigma_g + \Sigma_r
          - 2 (\Sigma_g \Sigma_r)^{1/2}\big).

Everything works at the data's native 8x8 resolution; larger samples are first mapped back to 8x8
(see :func:`as_digit_pixels`). :func:`nearest_neighbours` tells whether G copies its training images.

The classifier trains on the 1,347 digits of the training split (:func:`gan_lessons.data.digits_split`),
the same the course's GANs train on; its accuracy and the digit-FID reference come from the 450 held-out
digits (45 of each), which neither ever sees.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import check_int
from ..checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ..data import default_cache_dir, load_digits
from ._common import _as_numpy

__all__ = [
    "DIGIT_CLASSIFIER_VERSION",
    "DigitClassifier",
    "digit_classifier",
    "as_digit_pixels",
    "classify_digits",
    "classifier_confidence",
    "class_histogram",
    "digit_features",
    "frechet_distance",
    "digit_fid",
    "digit_fid_baseline",
    "digit_report",
    "nearest_neighbours",
]

#: Bump when the classifier's architecture or training changes: the disk cache is keyed by it.
DIGIT_CLASSIFIER_VERSION = "digitcnn-2"  # 2: trained on the stratified training split
_CLASSIFIERS: dict = {}  # in-memory cache: version -> DigitClassifier
_UPSAMPLERS: dict = {}  # image size -> least-squares inverse of the 8 -> size upsampling, (64, size*size)


class DigitClassifier(torch.nn.Module):
    """A small CNN that reads 8x8 digits in [-1, 1]: 64 penultimate features, then 10 logits.

    .. code-block:: text

        (B, 1, 8, 8) -> conv3x3 16 -> conv3x3 32 -> maxpool -> (B, 32, 4, 4)
                     -> conv3x3 32 -> maxpool -> (B, 32, 2, 2) -> linear 64   [features]
                     -> ReLU -> linear 10                                      [logits]

    Attributes ``accuracy`` (on the 450 held-out real digits) and ``version`` are set by
    :func:`digit_classifier`.
    """

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),  # (B, 1, 8, 8) -> (B, 16, 8, 8)
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 32, 4, 4)
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 32, 2, 2)
            nn.Flatten(), nn.Linear(128, 64),  # -> (B, 64): the features digit-FID compares
        )  # fmt: skip
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(64, 10))  # (B, 64) -> (B, 10) logits
        self.accuracy = float("nan")
        self.version = DIGIT_CLASSIFIER_VERSION

    def features(self, x):  # (B, 1, 8, 8) -> (B, 64)
        return self.body(x)

    def forward(self, x):  # (B, 1, 8, 8) -> (B, 10)
        return self.head(self.body(x))


def _shift(x, g):
    """Translate each image by -1, 0 or +1 pixel in each direction (background -1 fills in)."""
    n = x.shape[0]
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1), value=-1.0)  # (B, 1, 10, 10)
    dy, dx = torch.randint(0, 3, (n,), generator=g), torch.randint(0, 3, (n,), generator=g)
    out = torch.empty_like(x)
    for i in range(3):
        for j in range(3):
            m = (dy == i) & (dx == j)
            out[m] = padded[m, :, i : i + 8, j : j + 8]
    return out


def _train_classifier(images, labels, epochs=20, batch_size=64, seed=0):
    F = torch.nn.functional
    with torch.random.fork_rng(devices=[]):  # the learner's global random stream is left untouched
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        net = DigitClassifier()
        opt = torch.optim.Adam(net.parameters(), 2e-3)
        per_epoch = -(-len(images) // batch_size)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * per_epoch)
        for epoch in range(epochs):
            perm = torch.randperm(len(images), generator=g)
            for i in range(0, len(images), batch_size):
                idx = perm[i : i + batch_size]
                x = images[idx] if epoch >= epochs - 3 else _shift(images[idx], g)  # last epochs: clean data
                loss = F.cross_entropy(net(x), labels[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
    return net.eval().requires_grad_(False)


def digit_classifier(cache=True, retrain=False, verbose=False):
    """The course's digit classifier, trained on the 1,347 digits of the training split (about ten seconds).

    Trained once, then cached in memory and on disk in
    ``gan_lessons.data.default_cache_dir() / "digit_classifier_<version>.pt"`` (written atomically,
    read back with ``weights_only=True``; a corrupt file is retrained over). Its accuracy on the
    450 held-out digits (about 0.98) is in its ``accuracy`` attribute.

    Parameters
    ----------
    cache : bool
        Use and fill the caches. ``False`` trains a fresh classifier and stores it nowhere.
    retrain : bool
        Ignore cached copies and train again (then cache the new one if ``cache``).
    verbose : bool
        Print where the classifier came from and its held-out accuracy.

    Returns
    -------
    DigitClassifier
        In evaluation mode, gradients off.
    """
    if cache and not retrain and DIGIT_CLASSIFIER_VERSION in _CLASSIFIERS:
        return _CLASSIFIERS[DIGIT_CLASSIFIER_VERSION]
    # The first use may come from inside a caller's torch.no_grad() or inference_mode() (a metric on samples):
    # training needs autograd, and its tensors must be ordinary ones.
    with torch.inference_mode(False), torch.enable_grad():
        return _load_or_train_classifier(cache, retrain, verbose)


def _load_or_train_classifier(cache, retrain, verbose):
    path = default_cache_dir() / f"digit_classifier_{DIGIT_CLASSIFIER_VERSION}.pt"
    net, source = None, "trained"
    if cache and not retrain and path.is_file():
        try:
            state = load_checkpoint(path)
            if state.get("version") != DIGIT_CLASSIFIER_VERSION:
                raise CheckpointError("wrong version")
            net = DigitClassifier()
            net.load_state_dict(state["state_dict"])
            net.accuracy, source = float(state["accuracy"]), f"loaded from {path}"
            net.eval().requires_grad_(False)
        except (CheckpointError, KeyError, RuntimeError):
            net = None  # unreadable or stale: train again and overwrite it
    if net is None:
        net = _train_classifier(*load_digits(8, return_labels=True, split="train"))
        held_out, held_labels = load_digits(8, return_labels=True, split="test")
        with torch.no_grad():
            net.accuracy = float((net(held_out).argmax(1) == held_labels).float().mean())
        if cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                save_checkpoint(
                    path, version=DIGIT_CLASSIFIER_VERSION, state_dict=net.state_dict(), accuracy=net.accuracy
                )
                source += f", saved to {path}"
            except (OSError, CheckpointError) as e:  # a read-only home folder or a full disk: keep it in memory
                source += f" (not saved: {getattr(e, 'strerror', None) or e})"
    if verbose:
        print(f"digit classifier {DIGIT_CLASSIFIER_VERSION}: {source}; held-out accuracy {net.accuracy:.3f}")
    if cache:
        _CLASSIFIERS[DIGIT_CLASSIFIER_VERSION] = net
    return net


def _downsampler(size):
    r"""The (64, size*size) matrix taking a size x size image to the 8x8 image whose upsampling fits it best.

    :func:`gan_lessons.data.load_digits` makes ``size x size`` digits by bilinear upsampling, a linear
    map :math:`U` from 64 pixels to ``size**2``. Its least-squares inverse :math:`U^+` (pseudo-inverse)
    recovers real digits exactly and maps any other image to the 8x8 image closest to it once upsampled.
    """
    if size not in _UPSAMPLERS:
        basis = torch.eye(64, dtype=torch.float64).reshape(64, 1, 8, 8)  # one image per pixel
        up = torch.nn.functional.interpolate(basis, size=(size, size), mode="bilinear", align_corners=False)
        _UPSAMPLERS[size] = torch.linalg.pinv(up.reshape(64, size * size).T).float()  # (64, size*size)
    return _UPSAMPLERS[size]


def as_digit_pixels(samples, name="samples"):
    """Digits as the classifier reads them: a float32 tensor (N, 1, 8, 8) in [-1, 1].

    Parameters
    ----------
    samples : array or tensor, shape (N, 1, S, S) or (N, S, S), values in [-1, 1]
        Real or generated digits at any size ``S >= 8`` (8 and 16 in the course). Larger images are
        mapped back to 8x8 by the least-squares inverse of the data loader's bilinear upsampling
        (exact for real digits).

    Raises
    ------
    TypeError, ValueError
        Not an array; wrong shape; fewer than one image; NaN; values outside [-1, 1] (e.g. pixels
        in 0..16 or 0..255: rescale them first).
    """
    if isinstance(samples, np.ndarray):
        samples = torch.from_numpy(np.ascontiguousarray(samples))
    if not isinstance(samples, torch.Tensor):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(samples).__name__}")
    x = samples.detach().cpu().float()
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != x.shape[3] or x.shape[2] < 8:
        raise ValueError(f"{name} must have shape (N, 1, S, S) or (N, S, S) with S >= 8, got {tuple(samples.shape)}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    lo, hi = x.min().item(), x.max().item()
    if lo < -1.001 or hi > 1.001:
        raise ValueError(f"{name} must be in [-1, 1] (as G's tanh output), got values in [{lo:.3g}, {hi:.3g}]")
    size = x.shape[-1]
    if size != 8:
        x = (x.reshape(len(x), size * size) @ _downsampler(size).T).reshape(len(x), 1, 8, 8).clamp(-1, 1)
    return x


@torch.no_grad()
def classify_digits(samples):
    """The classifier's verdict: ``(labels, probabilities)``, numpy arrays of shape (N,) and (N, 10)."""
    p = torch.softmax(digit_classifier()(as_digit_pixels(samples)), dim=1)
    return p.argmax(1).numpy(), p.numpy()


def classifier_confidence(samples):
    r"""Mean confidence of the digit classifier: :math:`\frac1N \sum_i \max_c p(c \mid x_i)`.

    About 0.97 for held-out real digits; noise and blobs score much lower. A proxy for "a reader
    would recognise this digit" (the idea behind the Inception score, Salimans et al. 2016).
    """
    return float(classify_digits(samples)[1].max(1).mean())


def class_histogram(samples):
    """Share of samples the classifier puts in each class 0..9 (a numpy array summing to 1).

    Every digit makes up about 10% of the real data; a class near 0 is a dropped mode (lesson 3).
    """
    labels, _ = classify_digits(samples)
    return np.bincount(labels, minlength=10) / len(labels)


@torch.no_grad()
def digit_features(samples):
    """The classifier's 64 penultimate features of each sample, float64 numpy (N, 64)."""
    return digit_classifier().features(as_digit_pixels(samples)).double().numpy()


def _sqrt_psd(a):
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2):
    r"""Squared Fréchet (2-Wasserstein) distance between two Gaussians, :math:`\mathcal N(\mu_i, \Sigma_i)`.

    .. math:: d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{Tr}\big(\Sigma_1 + \Sigma_2
              - 2 (\Sigma_1 \Sigma_2)^{1/2}\big)

    (Dowson & Landau 1982; the FID of Heusel et al. 2017, arXiv:1706.08500, applies it to feature
    statistics). :math:`\operatorname{Tr}(\Sigma_1\Sigma_2)^{1/2}` is computed as
    :math:`\operatorname{Tr}(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2})^{1/2}`, the same number, from a
    symmetric matrix (no complex round-off). Returns :math:`d^2`, a float >= 0.
    """
    mu1, mu2 = _as_numpy("mu1", mu1).reshape(-1), _as_numpy("mu2", mu2).reshape(-1)
    s1, s2 = np.atleast_2d(_as_numpy("sigma1", sigma1)), np.atleast_2d(_as_numpy("sigma2", sigma2))
    d = len(mu1)
    if len(mu2) != d or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"shapes do not match: mu1 {mu1.shape}, sigma1 {s1.shape}, mu2 {mu2.shape}, sigma2 {s2.shape}")
    for name, s in (("sigma1", s1), ("sigma2", s2)):
        _check_covariance(name, s)
    r1 = _sqrt_psd(s1)
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(max(0.0, ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt))


def _check_covariance(name, s):
    """A covariance matrix is symmetric and positive semi-definite (to round-off: 1e-8 of its largest entry)."""
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinite values")
    tol = 1e-8 * max(1.0, float(np.abs(s).max()))
    if np.abs(s - s.T).max() > tol:
        raise ValueError(f"{name} must be a covariance matrix: it is not symmetric")
    lowest = float(np.linalg.eigvalsh((s + s.T) / 2).min())
    if lowest < -tol * len(s):
        raise ValueError(
            f"{name} must be a covariance matrix (positive semi-definite); its lowest eigenvalue is {lowest:.3g}"
        )


def _gaussian_fit(features):
    return features.mean(0), np.cov(features, rowvar=False)


def _reference_stats():
    """Feature mean and covariance of the 450 held-out digits, cached with the classifier."""
    key = ("held_out", DIGIT_CLASSIFIER_VERSION)
    if key not in _CLASSIFIERS:
        _CLASSIFIERS[key] = _gaussian_fit(digit_features(load_digits(8, split="test")))
    return _CLASSIFIERS[key]


def digit_fid(samples):
    r"""Digit-FID: Fréchet distance between Gaussian fits of classifier features, samples vs held-out digits.

    .. math:: \text{FID} = \lVert \mu_g - \mu_r \rVert^2 + \operatorname{Tr}\big(\Sigma_g + \Sigma_r
              - 2 (\Sigma_g \Sigma_r)^{1/2}\big)

    with :math:`(\mu_g, \Sigma_g)` the mean and covariance of :func:`digit_features` of the samples
    and :math:`(\mu_r, \Sigma_r)` those of the 450 held-out digits, which no recipe trains on (Heusel
    et al. 2017, arXiv:1706.08500, with the course's digit classifier in place of Inception). Lower is
    better; compare with :func:`digit_fid_baseline`, the FID of as many *training* digits. FID is biased
    upwards for small samples: compare numbers computed from the same number of samples.
    """
    f = digit_features(samples)
    if len(f) < 2:
        raise ValueError("samples must hold at least 2 images to fit a covariance (899 to compare with the lesson)")
    return frechet_distance(*_gaussian_fit(f), *_reference_stats())


#: Largest sample for :func:`digit_fid_baseline`: the size of the training split.
BASELINE_MAX = 1347


def digit_fid_baseline(n=899, seed=0):
    """Real-vs-real digit-FID: ``n`` random digits of the training split against the held-out reference.

    What a generator that draws fresh digits from the real distribution would score with ``n`` samples
    (2..1,347, the training split's size): an honest bar, because the reference digits are new to it
    just as they are to the GAN. A generator that *copies* its training images scores about the same;
    :func:`nearest_neighbours` tells the two apart.
    """
    n = check_int("n", n, minimum=2, maximum=BASELINE_MAX)
    train = load_digits(8, split="train")
    return digit_fid(train[torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:n]])


def digit_report(samples):
    """Every lesson-4 quality figure of a batch of digits, as a dict.

    ``fid``, ``fid_baseline`` (real vs real, at the same sample size up to 1,347), ``fid_ratio``,
    ``confidence`` (mean max-probability), ``histogram`` (class shares, a list of 10),
    ``classes_covered`` (classes with at least 1% of the samples), ``min_class_share`` and ``n``.
    """
    x = as_digit_pixels(samples)
    fid = digit_fid(x)
    base = digit_fid_baseline(max(2, min(len(x), BASELINE_MAX)))
    hist = class_histogram(x)
    return {
        "n": len(x),
        "fid": fid,
        "fid_baseline": base,
        "fid_ratio": fid / base,
        "confidence": classifier_confidence(x),
        "histogram": hist.tolist(),
        "classes_covered": int((hist >= 0.01).sum()),
        "min_class_share": float(hist.min()),
    }


def nearest_neighbours(samples, images, k=1):
    r"""The ``k`` training images closest to each sample (Euclidean distance in pixel space).

    A generator that copies its training set produces samples at distance ~0 from a training
    image; one that *generalises* draws new digits, as far from their neighbours as real digits
    are from each other.

    Parameters
    ----------
    samples : array or tensor (N, C, H, W)
    images : array or tensor (M, C, H, W), same C, H, W
    k : int, 1..M

    Returns
    -------
    (indices, distances) : numpy arrays of shape (N, k), nearest first.
    """
    a, b = _as_numpy("samples", samples), _as_numpy("images", images)
    if a.ndim < 2 or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"samples {a.shape} and images {b.shape} must have the same image shape")
    if check_int("k", k) > len(b):
        raise ValueError(f"k must be an int in 1..{len(b)}, got {k!r}")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    d2 = (a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None]
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    return idx, np.sqrt(np.clip(np.take_along_axis(d2, idx, 1), 0, None))
