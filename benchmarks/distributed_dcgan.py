"""Scale-out benchmark (issue 17): lesson 4's DCGAN on 1 process vs 2 processes (torchrun, gloo), same global batch.

Run from the repository root::

    python benchmarks/distributed_dcgan.py              # the full recipe (70 epochs), seeds 0 and 1
    python benchmarks/distributed_dcgan.py --epochs 5   # a quicker look at throughput only

Each run is the command line's: ``train dcgan --device cpu`` in one process with 2 torch threads, and
``torchrun --standalone --nproc_per_node 2 -m gan_lessons train dcgan --device cpu`` with 1 thread per
process (the machine's 2 cores either way). Both use the recipe's global batch of 32 (16 per process for
two). Reported: generator steps per second of training (from ``summary.json``), and the quality of 899
samples of the final moving-average generator (lesson 4's digit-FID against the held-out digits, its
real-vs-real baseline, classifier confidence, smallest class share). On a GPU machine pass ``--device cuda``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gan_lessons.metrics import digit_report
from gan_lessons.runs import generate


def train(processes, seed, epochs, device, out):
    threads = "2" if processes == 1 else "1"
    env = {**os.environ, "OMP_NUM_THREADS": threads}
    launch = [sys.executable, "-m", "gan_lessons"] if processes == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
        "-m", "gan_lessons"]  # fmt: skip
    args = ["train", "dcgan", "--device", device, "--seed", str(seed), "--out", str(out)]
    args += ["--epochs", str(epochs)] if epochs else []
    subprocess.run([*launch, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    s = json.loads((out / "summary.json").read_text())
    q = digit_report(generate(out / "checkpoint.pt", 899, seed=12345))
    return {"processes": processes, "seed": seed, "steps": s["steps"], "seconds": s["train_seconds_this_session"],
            "steps_per_s": s["steps"] / s["train_seconds_this_session"], **{k: q[k] for k in
            ("fid", "fid_baseline", "confidence", "min_class_share")}}  # fmt: skip


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    p.add_argument("--epochs", type=int, default=None, help="default: the recipe's 70")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--save", metavar="FILE.jsonl", help="append every row to this file")
    args = p.parse_args(argv)
    print(f"{'processes':>9} {'seed':>4} {'steps':>6} {'train s':>8} {'steps/s':>8} {'FID':>6} {'(real)':>6} "
          f"{'conf':>6} {'min share':>9}", flush=True)  # fmt: skip
    for seed in args.seeds:
        for n in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                row = train(n, seed, args.epochs, args.device, Path(tmp))
            print(f"{n:>9} {seed:>4} {row['steps']:>6} {row['seconds']:>8.1f} {row['steps_per_s']:>8.1f} "
                  f"{row['fid']:>6.2f} {row['fid_baseline']:>6.2f} {row['confidence']:>6.3f} "
                  f"{row['min_class_share']:>9.3f}", flush=True)  # fmt: skip
            if args.save:
                with open(args.save, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
