"""Many toy GANs at once: N = 12 ring8 runs trained as one batched model against the same runs one after another.

    .venv/bin/python benchmarks/batched_toy.py                    # 2 and 1 threads, 60 steps, 5 repeats
    .venv/bin/python benchmarks/batched_toy.py --steps 200 --repeats 3 --threads 2
    .venv/bin/python benchmarks/batched_toy.py --json benchmarks/results/batched_toy.json --note "idle machine"

Both ways train the course's ring8 recipe (``toy_config("ring8")``: 2x128 MLPs, batch 256, packs of 2, a moving
average of G) on seeds 0..N-1, for the same number of steps, in the same process: sequentially with
``runs.train_run`` (Algorithm 1, ``training.train``) and together with ``batched.train_together``. The two are
timed in turns, ``--repeats`` times, so that the load other programs put on the machine falls on both; the table
gives each repeat's throughput (generator steps of all runs per second) and the ratio, and the median. Before
timing, the script checks that run i of the batch is run i alone (the same samples, to float32 tolerance).
``torch.set_num_threads`` sets the threads (a Binder seat may have one core). The load average before and after
each thread setting is recorded with the results: on a shared machine the numbers move with it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from gan_lessons.batched import train_together
from gan_lessons.recipes import toy_config
from gan_lessons.runs import start_run, train_run

TARGET_RATIO = 4.0  # issue 28: N = 12 batched runs at >= 4x the throughput of sequential ones


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def recipes(n, steps):
    return [replace(toy_config("ring8"), steps=steps, seed=s) for s in range(n)]


def sequential(cfgs):
    t0 = time.perf_counter()
    for cfg in cfgs:
        train_run(start_run(cfg))
    return time.perf_counter() - t0


def batched(cfgs):
    t0 = time.perf_counter()
    runs = train_together([start_run(cfg) for cfg in cfgs])  # built (seeded, initialised) as alone, then trained
    return time.perf_counter() - t0, runs


MATMULS = ("aten::addmm", "aten::mm", "aten::mv", "aten::bmm", "aten::baddbmm", "aten::vdot")


def matmul_share(n, steps=20):
    """Where a step's time goes, one thread: per run and step, the wall time and the matrix products' share of it.

    A batch cannot do a run's matrix products faster than the run does them alone (the same products, stacked),
    so a single run's step time over the batch's product time per run bounds what batching can gain.
    """
    torch.set_num_threads(1)
    out = {}
    for name, train in (("sequential", lambda c: sequential(c[:1])), ("batched", lambda c: batched(c)[0])):
        cfgs = recipes(1 if name == "sequential" else n, steps)
        train(recipes(len(cfgs), 3))  # warm up
        with torch.profiler.profile() as prof:
            wall = train(cfgs)
        mm = sum(e.self_cpu_time_total for e in prof.key_averages() if e.key in MATMULS) / 1e6  # seconds
        out[name] = {"step_ms": 1e3 * wall / steps / len(cfgs), "matmul_ms": 1e3 * mm / steps / len(cfgs)}
    out["bound"] = out["sequential"]["step_ms"] / out["batched"]["matmul_ms"]
    return out


def check_equivalence(n):
    """Run i of a batch is run i alone: G's (moving average's) samples after a few steps, to float32 tolerance."""
    cfgs = recipes(n, 10)
    _, together = batched(cfgs)
    worst = 0.0
    for cfg, r in zip(cfgs, together, strict=True):
        a, b = train_run(start_run(cfg)).sample(500, seed=1), r.sample(500, seed=1)
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        worst = max(worst, float(np.abs(a - b).max()))
    return worst


def measure(threads, n, steps, repeats):
    torch.set_num_threads(threads)
    cfgs = recipes(n, steps)
    batched(recipes(n, 5)), sequential(recipes(1, 5))  # warm up: allocations, first calls
    load_before = os.getloadavg()
    rows = []
    for i in range(repeats):
        if i % 2:  # alternate which goes first
            t_seq, (t_bat, _) = sequential(cfgs), batched(cfgs)
        else:
            (t_bat, _), t_seq = batched(cfgs), sequential(cfgs)
        rows.append({"sequential_s": t_seq, "batched_s": t_bat, "ratio": t_seq / t_bat})
        seq, bat = (
            f"{n * steps / t_seq:7.0f} steps/s ({t_seq:5.2f} s)",
            f"{n * steps / t_bat:7.0f} steps/s ({t_bat:5.2f} s)",
        )
        print(
            f"  threads {threads}, repeat {i + 1}: sequential {seq}, batched {bat}, ratio {t_seq / t_bat:.2f}",
            flush=True,
        )
    load_after = os.getloadavg()
    median = statistics.median(r["ratio"] for r in rows)
    return {
        "threads": threads,
        "repeats": rows,
        "sequential_steps_per_s": statistics.median(n * steps / r["sequential_s"] for r in rows),
        "batched_steps_per_s": statistics.median(n * steps / r["batched_s"] for r in rows),
        "median_ratio": median,
        "load_average_before": list(load_before),
        "load_average_after": list(load_after),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=12, help="runs (seeds 0..n-1)")
    ap.add_argument("--steps", type=int, default=60, help="generator steps of every run, per measurement")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", default="2,1", help="comma-separated torch thread counts")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--note", default="", help="the conditions, in words, recorded with the results")
    args = ap.parse_args(argv)
    print(
        f"{args.n} ring8 runs of {args.steps} steps; {os.cpu_count()} CPUs ({cpu_model()}), torch {torch.__version__}"
    )
    worst = check_equivalence(min(args.n, 3))
    print(f"run i of a batch is run i alone: largest difference of samples {worst:.1e}")
    share = matmul_share(args.n)
    seq, bat = share["sequential"], share["batched"]
    print(f"per run and step, 1 thread, under the profiler: alone {seq['step_ms']:.2f} ms, of which matrix products "
          f"{seq['matmul_ms']:.2f} ms; in the batch {bat['step_ms']:.2f} ms, of which matrix products "
          f"{bat['matmul_ms']:.2f} ms: batching can gain at most about {share['bound']:.1f}x here")  # fmt: skip
    results = [measure(int(t), args.n, args.steps, args.repeats) for t in args.threads.split(",")]
    print(f"\n{'threads':>7s} {'sequential steps/s':>19s} {'batched steps/s':>16s} {'ratio (median)':>15s} "
          f"{'load before -> after':>22s}")  # fmt: skip
    for r in results:
        load = f"{r['load_average_before'][0]:.1f} -> {r['load_average_after'][0]:.1f}"
        print(f"{r['threads']:7d} {r['sequential_steps_per_s']:19.0f} {r['batched_steps_per_s']:16.0f} "
              f"{r['median_ratio']:15.2f} {load:>22s}")  # fmt: skip
    print(f"target: >= {TARGET_RATIO:.0f}x for N = 12")
    if args.json:
        out = {
            "date": datetime.date.today().isoformat(),
            "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "torch": torch.__version__},
            "conditions": args.note,
            "load_average_note": "1-minute load averages include this benchmark's own threads",
            "recipe": 'toy_config("ring8")',
            "n": args.n,
            "steps": args.steps,
            "largest_sample_difference": worst,
            "per_run_step_1_thread": share,
            "target_ratio": TARGET_RATIO,
            "results": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
