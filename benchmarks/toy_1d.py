"""The 1-D toy GAN of lesson 2: the course's default recipe against the plain loop, side by side.

    .venv/bin/python benchmarks/toy_1d.py              # everything: a few minutes on 2 free cores
    .venv/bin/python benchmarks/toy_1d.py --no-others  # only N(4, 1.25), seeds 0, 1, 2
    .venv/bin/python benchmarks/toy_1d.py --losses     # lesson 5: the recipe with each loss, seeds 0, 1, 2

Every run is scored by the KS distance between 20,000 samples (``Run.sample(20_000, seed=12345)``)
and the exact target CDF (``gan_lessons.metrics.ks_distance``); the wall time is the training
alone. Quality bar (issue 4): default recipe median KS <= 0.03 over seeds 0, 1, 2, every seed <= 0.05,
each run under 20 s on 2 CPU cores, and the same recipe fits other Gaussians without retuning.

* "default": ``runs.run(toy_config("gaussian", seed=s))``, whatever the recipe holds today.
* "plain": the issue's reference loop: the same networks as the default recipe (built by
  ``build_toy``), trained by ``training.train`` with nothing but Algorithm 1: Adam lr 1e-3,
  betas (0.5, 0.999), batch 256, k = 1, 3,000 steps, 1-D noise, non-saturating loss; no learning-rate
  decay, no R1 penalty, no moving average.

"KS range" is the min-max of the KS distance of the *trained* generator G (not its moving average,
if the recipe keeps one) measured every 100 steps over the last 1,000 steps: how much the answer
depends on where the run stops.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

import torch

from gan_lessons import runs
from gan_lessons.data import gaussian
from gan_lessons.metrics import ks_distance
from gan_lessons.recipes import toy_config

N_EVAL = 20_000
PLAIN = {
    "lr_g": 1e-3,
    "lr_d": 1e-3,
    "beta1": 0.5,
    "beta2": 0.999,
    "batch_size": 256,
    "steps": 3000,
    "k": 1,
    "z_dim": 1,
    "loss": "nonsaturating",
    "lr_decay": False,
    "r1": 0.0,
    "ema": 0.0,
}
OTHERS = [(-5.0, 0.3), (0.0, 1.0), (5.0, 3.0), (-2.0, 2.0), (3.0, 0.5)]


def _ks_tracker(target, steps, z_dim, every=100, window=1000):
    """A callback that measures KS of the current G every ``every`` steps over the last ``window`` steps."""
    z = torch.randn(N_EVAL, z_dim, generator=torch.Generator().manual_seed(999))
    seen = []

    def cb(info):
        if info.step > steps - window and info.step % every == 0:
            with torch.no_grad():
                seen.append(ks_distance(info.G(z), target))

    cb.seen = seen
    return cb


def _run(cfg):
    track = _ks_tracker(gaussian(cfg.mean, cfg.std), cfg.steps, cfg.z_dim)
    r = runs.run(cfg, callbacks=[track])
    return ks_distance(r.sample(N_EVAL, seed=12345), r.target), r.seconds, track.seen


def default_recipe(seed, mean=4.0, std=1.25):
    return _run(toy_config("gaussian", mean=mean, std=std, seed=seed))


def plain_config(seed, mean=4.0, std=1.25):
    return replace(toy_config("gaussian", mean=mean, std=std, seed=seed), **PLAIN)


def plain_loop(seed, mean=4.0, std=1.25):
    return _run(plain_config(seed, mean, std))


def _range(seen):
    return f"{min(seen):.3f}-{max(seen):.3f}" if seen else "-"


def losses_table(seeds):
    """Lesson 5: the default recipe with each loss (``toy_config("gaussian", loss=...)``), KS and time per seed."""
    from gan_lessons.recipes import TOY_LOSSES

    print("| loss | KS per seed | KS mean [range] | time (s) mean [range] |")
    print("|---|---|---|---|")
    for loss in TOY_LOSSES:
        got = [_run(toy_config("gaussian", loss=loss, seed=seed))[:2] for seed in seeds]
        ks, t = [g[0] for g in got], [g[1] for g in got]
        per_seed = " / ".join(f"{k:.4f}" for k in ks)
        print(f"| {loss} | {per_seed} | {statistics.mean(ks):.4f} [{min(ks):.4f}-{max(ks):.4f}] | "
              f"{statistics.mean(t):.1f} [{min(t):.1f}-{max(t):.1f}] |", flush=True)  # fmt: skip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--no-others", action="store_true", help="skip the other Gaussians")
    ap.add_argument("--losses", action="store_true", help="only lesson 5's table: toy_config(loss=...) for each loss")
    a = ap.parse_args(argv)
    if a.losses:
        torch.set_num_threads(a.threads)
        return losses_table(a.seeds)
    torch.set_num_threads(a.threads)
    cfg = toy_config("gaussian")
    print(f"torch {torch.__version__}, torch threads = {torch.get_num_threads()}; KS on {N_EVAL:,} samples")
    print(f"default recipe: {cfg}")
    print(f"plain loop: {plain_config(0)}\n")

    print("Target N(4, 1.25)")
    print("| seed | default KS | time (s) | KS range, last 1k steps | plain KS | time (s) | KS range, last 1k steps |")
    print("|---:|---:|---:|---|---:|---:|---|")
    rec, pla = [], []
    for seed in a.seeds:
        rec.append(default_recipe(seed))
        pla.append(plain_loop(seed))
        (kr, tr, sr), (kp, tp, sp) = rec[-1], pla[-1]
        print(f"| {seed} | {kr:.4f} | {tr:.1f} | {_range(sr)} | {kp:.4f} | {tp:.1f} | {_range(sp)} |", flush=True)
    med = statistics.median
    print(
        f"| median | {med(r[0] for r in rec):.4f} | {med(r[1] for r in rec):.1f} | | "
        f"{med(p[0] for p in pla):.4f} | {med(p[1] for p in pla):.1f} | |"
    )
    print(
        f"| max | {max(r[0] for r in rec):.4f} | {max(r[1] for r in rec):.1f} | | "
        f"{max(p[0] for p in pla):.4f} | {max(p[1] for p in pla):.1f} | |"
    )

    if not a.no_others:
        print(f"\nThe default recipe on other Gaussians (seed {a.seeds[0]}, no retuning)")
        print("| target | KS | time (s) |")
        print("|---|---:|---:|")
        others = []
        for mean, std in OTHERS:
            ks, t, _ = default_recipe(a.seeds[0], mean, std)
            others.append(ks)
            print(f"| N({mean:g}, {std:g}) | {ks:.4f} | {t:.1f} |", flush=True)
        print(f"| median | {med(others):.4f} | |")
        print(f"| max | {max(others):.4f} | |")


if __name__ == "__main__":
    main()
