"""Lesson 4 benchmark: the course's default DCGAN recipe vs the plain Radford recipe, on scikit-learn's digits.

Run from the repository root (takes a few minutes on 2 cores)::

    python benchmarks/dcgan_digits.py            # both recipes, full length
    python benchmarks/dcgan_digits.py --quick    # 2 epochs each: checks the script, not the recipes

Every recipe trains on the 1,347 digits of the training split (``gan_lessons.data.digits_split``); the 450
held-out digits (45 of each) are the digit-FID reference. One more row trains the default on all 1,797 digits,
the held-out ones included: what holding them out costs, and how much seeing the reference would flatter FID.

Prints, for each recipe: seconds per epoch, total training time, digit-FID against the held-out digits with its
real-vs-real baseline (899 training digits), mean classifier confidence, classes covered and the smallest class
share (on 899 samples); the median distance from a sample to its nearest training image next to that of a
held-out digit (a copying G sits far below it); and, as a second opinion from outside the package, the mean
confidence of a scikit-learn RBF support-vector classifier (calibrated probabilities) fitted on raw pixels of
the training split. Confidence alone says little (any classifier is confident about some junk): read it with the
FID and the class shares. Then the overhead of ``gan_lessons.training.train`` (history, callbacks,
divergence checks) against a bare PyTorch loop doing the same updates on the same model (target < 5%).
Wall times on a shared machine are inflated by contention: compare rows measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from gan_lessons import metrics, runs
from gan_lessons.data import digits_split, load_digits
from gan_lessons.losses import discriminator_loss, generator_loss
from gan_lessons.recipes import DCGANConfig, steps_per_epoch
from gan_lessons.training import EMA, seed_everything, train

#: Radford et al. (2015) at 16x16: z_dim 32, 64/128 channels, batch 64, Adam 2e-4, beta1 0.5, batch norm, no EMA.
PLAIN = DCGANConfig(
    image_size=16, z_dim=32, g_width=64, d_width=64, spectral_norm=False, full_res=False,
    g_extra_layers=0, d_extra_layers=0,
    batch_size=64, lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, k=1, ema=0.0,
)  # fmt: skip


def svc_judge():
    """An RBF SVC on raw 8x8 pixels (0..16) of the training split; returns (model, held-out confidence)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.svm import SVC

    d = sklearn_digits()
    train, held = (i.numpy() for i in digits_split())
    svc = CalibratedClassifierCV(SVC(), ensemble=False).fit(d.data[train], d.target[train])
    return svc, float(svc.predict_proba(d.data[held]).max(1).mean())


def svc_confidence(svc, samples):
    pixels = (metrics.as_digit_pixels(samples).reshape(len(samples), 64).numpy() + 1.0) * 8.0  # [-1, 1] -> 0..16
    return float(svc.predict_proba(pixels).max(1).mean())


def evaluate(cfg, label, svc, split="train"):
    images = load_digits(cfg.image_size, split=split)
    r = runs.run(cfg, images=images)
    x = r.sample(899, seed=1)
    rep = metrics.digit_report(x)
    train8, held8 = load_digits(8, split="train"), load_digits(8, split="test")
    nn_sample = np.median(metrics.nearest_neighbours(metrics.as_digit_pixels(x), train8)[1])
    nn_held = np.median(metrics.nearest_neighbours(held8, train8)[1])
    last_epoch = slice(-steps_per_epoch(len(images), cfg.batch_size), None)
    print(f"  {label}: trained {cfg.epochs} epochs ({r.step} steps) in {r.seconds:.1f} s", flush=True)
    return {"recipe": label, "epochs": cfg.epochs, "s/epoch": r.seconds / cfg.epochs, "train s": r.seconds, **rep,
            "svc": svc_confidence(svc, x), "nn": nn_sample, "nn_held": nn_held,
            "d_real": np.mean(r.history.d_real[last_epoch]),
            "d_fake": np.mean(r.history.d_fake[last_epoch])}  # fmt: skip


def bare_loop(cfg, images, steps):
    """The same updates as ``train`` for ``cfg``, written as a plain PyTorch loop: no history, no callbacks."""
    g = seed_everything(cfg.seed)
    G, D, opt_g, opt_d = runs.build_dcgan(cfg)
    ema = EMA(G, cfg.ema) if cfg.ema else None
    G.train()
    D.train()
    b = cfg.batch_size
    t0 = time.perf_counter()
    for _ in range(steps):
        for _ in range(cfg.k):
            real = images[torch.randperm(len(images), generator=g)[:b]]
            z = torch.randn(b, cfg.z_dim, generator=g)
            with torch.no_grad():
                fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake))
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        z = torch.randn(b, cfg.z_dim, generator=g)
        loss_g = generator_loss(D(G(z)), cfg.g_loss)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        if ema is not None:
            ema.update(G)
    return time.perf_counter() - t0


def package_loop(cfg, images, steps):
    g = seed_everything(cfg.seed)
    G, D, opt_g, opt_d = runs.build_dcgan(cfg)
    ema = EMA(G, cfg.ema) if cfg.ema else None

    def sample_real(batch_size, rng):
        return images[torch.randperm(len(images), generator=rng)[:batch_size]]

    t0 = time.perf_counter()
    train(G, D, opt_g, opt_d, sample_real, steps, batch_size=cfg.batch_size, game=cfg.game(), rng=g,
          callbacks=[ema, lambda info: None] if ema else [lambda info: None])  # fmt: skip
    return time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 epochs per recipe, 20 steps per overhead run")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2, the course's laptop)")
    p.add_argument("--plain-epochs", type=int, default=None, help="epochs of the plain recipe (default: the default's)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    default = DCGANConfig()
    print(f"torch {torch.__version__}, threads: {torch.get_num_threads()}")
    print(f"default recipe: {default}")
    clf = metrics.digit_classifier()
    print(f"digit classifier {metrics.DIGIT_CLASSIFIER_VERSION}: held-out accuracy {clf.accuracy:.3f}")
    svc, svc_real = svc_judge()
    print(f"second opinion: scikit-learn SVC, mean confidence on held-out real digits {svc_real:.3f}")
    epochs = 2 if args.quick else default.epochs
    rows = [
        evaluate(replace(default, epochs=epochs), "default", svc),
        evaluate(replace(PLAIN, epochs=2 if args.quick else (args.plain_epochs or epochs)), "plain Radford 16x16", svc),
        evaluate(replace(default, epochs=epochs), "default, all 1,797", svc, split="all"),
    ]
    head = (f"{'recipe':<22}{'epochs':>7}{'s/epoch':>9}{'train s':>9}{'FID':>8}{'baseline':>9}{'ratio':>7}"
            f"{'conf':>7}{'classes':>8}{'min share':>10}{'SVC conf':>9}{'NN dist':>8}")  # fmt: skip
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['recipe']:<22}{r['epochs']:>7}{r['s/epoch']:>9.2f}{r['train s']:>9.1f}{r['fid']:>8.2f}"
              f"{r['fid_baseline']:>9.2f}{r['fid_ratio']:>7.2f}{r['confidence']:>7.3f}{r['classes_covered']:>8d}"
              f"{r['min_class_share']:>10.3f}{r['svc']:>9.3f}{r['nn']:>8.2f}")  # fmt: skip
    print(
        "mean D(x) / D(G(z)) over the last epoch: "
        + "; ".join(f"{r['recipe']} {r['d_real']:.2f} / {r['d_fake']:.2f}" for r in rows)
    )
    print(
        f"NN dist: median distance from a sample to its nearest training digit (8x8 pixels in [-1, 1]); "
        f"a held-out real digit's: {rows[0]['nn_held']:.2f}"
    )
    print("targets for the default: conf >= 0.90, every class >= 5%, FID ratio <= 3, train < 120 s on 2 cores")

    images = load_digits(default.image_size, split="train")
    steps = 20 if args.quick else 2 * steps_per_epoch(len(images), default.batch_size)
    bare, pkg = [], []
    for _ in range(5):  # interleaved and repeated: the minimum is the least disturbed by other processes
        bare.append(bare_loop(default, images, steps))
        pkg.append(package_loop(default, images, steps))
    overhead = min(pkg) / min(bare) - 1
    print(f"\ntraining-loop overhead, default recipe, {steps} steps (min of 5 interleaved runs):")
    print(f"  bare PyTorch loop {min(bare):.2f} s, gan_lessons.training.train {min(pkg):.2f} s: "
          f"overhead {100 * overhead:+.1f}% (target < 5%)")  # fmt: skip


if __name__ == "__main__":
    main()
