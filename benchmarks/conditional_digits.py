"""Lesson 6 benchmark: the conditional DCGAN on scikit-learn's digits, both ways of giving D the label, side by side
with lesson 4's unconditional model and with "train unconditional, then sort its samples by the classifier".

Run from the repository root (a few minutes per run on 2 cores)::

    python benchmarks/conditional_digits.py                          # projection and concat, seeds 0-2, + lesson 4
    python benchmarks/conditional_digits.py --conditioning concat --seeds 1 --no-unconditional
    python benchmarks/conditional_digits.py --quick                  # 2 epochs: checks the script, not the recipes

Every run is the command line's recipe (``train dcgan [--conditional]``) on the 1,347 training digits. For each
conditional run: wall time, class accuracy of 200 samples per class judged by the course's digit classifier (mean
and worst class), the same judged by a second opinion from outside the package (an RBF support-vector classifier
on raw pixels, ``dcgan_digits.svc_judge``), confidence, digit-FID of the 2,000 samples against the 450 held-out
digits (real-vs-real baseline alongside), the mean per-class FID against the 45 held-out digits of each class (its
baseline alongside), within-class diversity relative to the real digits', and the median / smallest distance from
a sample to its nearest training image next to a held-out digit's (copying shows as a far smaller distance).

The unconditional rows (lesson 4's default, same seeds) are "sorted": samples are drawn in batches and kept when the
classifier reads them as the class wanted, until every class has 200. By construction the classifier agrees with
every kept sample, so it judges nothing there: read the SVC's accuracy, the draws it took, and FID and diversity.
Write the rows to a JSON-lines file with --save.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dcgan_digits import svc_judge  # noqa: E402

from gan_lessons import runs  # noqa: E402
from gan_lessons.data import load_digits  # noqa: E402
from gan_lessons.metrics import (  # noqa: E402
    as_digit_pixels,
    classify_digits,
    conditional_report,
    digit_fid,
    nearest_neighbours,
    per_class_fid,
    sample_per_class,
    sort_by_classifier,
    within_class_diversity,
)
from gan_lessons.recipes import DCGANConfig  # noqa: E402

N_PER_CLASS = 200


def svc_accuracy(svc, samples, labels):
    pixels = (as_digit_pixels(samples).reshape(len(samples), 64).numpy() + 1.0) * 8.0  # [-1, 1] -> 0..16
    return float((svc.predict(pixels) == np.asarray(labels)).mean())


def conditional_row(conditioning, seed, epochs, svc):
    cfg = DCGANConfig(conditional=True, conditioning=conditioning, seed=seed, **({"epochs": epochs} if epochs else {}))
    t0 = time.perf_counter()
    r = runs.run(cfg)
    seconds = time.perf_counter() - t0
    q = conditional_report(r.sampling_generator, N_PER_CLASS, seed=12345, train_images=r.images)
    x, y = sample_per_class(r.sampling_generator, N_PER_CLASS, seed=12345)
    row = {"model": f"conditional {conditioning}", "seed": seed, "seconds": seconds}
    return {**row, "svc_accuracy": svc_accuracy(svc, x, y), **q}


def sorted_row(seed, epochs, svc, max_draws=100_000):
    cfg = DCGANConfig(seed=seed, **({"epochs": epochs} if epochs else {}))
    t0 = time.perf_counter()
    r = runs.run(cfg)
    seconds = time.perf_counter() - t0
    x, y, draws = sort_by_classifier(r.sampling_generator, N_PER_CLASS, seed=10_000, max_draws=max_draws)
    short = [c for c in range(10) if (y == c).sum() < N_PER_CLASS]
    fid_c, base_c = per_class_fid(x, y)
    real, real_y = load_digits(8, return_labels=True, split="train")
    m = min(N_PER_CLASS, int(np.bincount(real_y.numpy()).min()))
    d = nearest_neighbours(x, r.images)[1][:, 0]
    d_real = nearest_neighbours(load_digits(8, split="test"), r.images)[1][:, 0]
    return {
        "model": "unconditional, sorted", "seed": seed, "seconds": seconds, "draws": draws, "classes_short": short,
        "accuracy": 1.0, "min_class_accuracy": 1.0, "svc_accuracy": svc_accuracy(svc, x, y),
        "confidence": float(classify_digits(x)[1].max(1).mean()),
        "fid": digit_fid(x), "fid_baseline": float("nan"),
        "fid_per_class": fid_c.tolist(), "fid_baseline_per_class": base_c.tolist(),
        "diversity_per_class": within_class_diversity(x, y, m).tolist(),
        "diversity_real_per_class": within_class_diversity(real, real_y, m).tolist(),
        "nearest_train": float(np.median(d)), "nearest_train_min": float(d.min()),
        "nearest_train_real": float(np.median(d_real)), "nearest_train_real_min": float(d_real.min()),
    }  # fmt: skip


def show(row):
    div = np.nanmean(np.array(row["diversity_per_class"]) / np.array(row["diversity_real_per_class"]))
    print(
        f"{row['model']:24s} seed {row['seed']}  {row['seconds']:6.1f} s  acc {row['accuracy']:.3f} "
        f"(worst {row['min_class_accuracy']:.3f}, svc {row['svc_accuracy']:.3f})  conf {row['confidence']:.3f}  "
        f"FID {row['fid']:.2f} (real {row['fid_baseline']:.2f})  per-class FID {np.nanmean(row['fid_per_class']):.1f} "
        f"(real {np.nanmean(row['fid_baseline_per_class']):.1f})  diversity x{div:.2f}  nearest train "
        f"{row['nearest_train']:.2f}/{row['nearest_train_min']:.2f} (held-out {row['nearest_train_real']:.2f}/"
        f"{row['nearest_train_real_min']:.2f})" + (f"  draws {row['draws']}" if "draws" in row else ""),
        flush=True,
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--conditioning", nargs="*", default=["projection", "concat"], choices=["projection", "concat"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--no-unconditional", action="store_true", help="skip lesson 4's model, sorted by the classifier")
    p.add_argument("--quick", action="store_true", help="2 epochs per run")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2, the course's laptop)")
    p.add_argument("--save", metavar="FILE.jsonl", help="append every row to this file")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    epochs = 2 if args.quick else None
    svc, svc_real = svc_judge()
    print(f"SVC second opinion: held-out confidence {svc_real:.3f}", flush=True)
    jobs = [("c", c, s) for c in args.conditioning for s in args.seeds]
    jobs += [] if args.no_unconditional else [("u", None, s) for s in args.seeds]
    for kind, c, s in jobs:
        row = conditional_row(c, s, epochs, svc) if kind == "c" else sorted_row(s, epochs, svc)
        show(row)
        if args.save:
            with open(args.save, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
