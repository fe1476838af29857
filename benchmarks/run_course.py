"""Run every lesson at full settings and report, per notebook, wall time and the kernel's peak memory.

    python benchmarks/run_course.py                 # the whole course, full settings (minutes)
    python benchmarks/run_course.py --only 02       # one lesson (a name or part of one; repeatable)
    python benchmarks/run_course.py --fast          # fast mode (GAN_LESSONS_FAST=1), to try this script
    python benchmarks/run_course.py --json out.json # also write the table as JSON
    python benchmarks/run_course.py --save /tmp/run # also keep the executed notebooks, to look at every figure

Each notebook runs top to bottom with nbclient in a fresh kernel, as "Restart and run all" would; the
kernel inherits this process's environment with GAN_LESSONS_FAST removed (or set to 1 with --fast).
Peak memory is the kernel process's maximum resident set size (``ru_maxrss``, = VmHWM on Linux), read
by a cell appended to the notebook; child processes, if any, are reported with it.

Targets (Binder gives 2 GB for server and kernel together; a workshop has a morning):
the whole course in under 15 minutes on 2 cores, every kernel under 1.5 GB, no cell over 90 s. The JSON (--json)
has each lesson's wall time and peak memory and every code cell's time (``cells``: id and seconds).
The first row is a baseline measured in the same run: a kernel that only imports the course's stack,
i.e. the fixed cost every lesson pays before doing anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[1]
TARGET_TOTAL_S = 15 * 60
TARGET_PEAK_MB = 1.5 * 1024
TARGET_CELL_S = 90  # no cell keeps a learner waiting longer (issue 28)

# Appended to every notebook: the kernel's own peak memory, as one JSON line on stdout.
PEAK_CELL = """\
import json as _j, resource as _r, sys as _s
_k = 1 if _s.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
print("__PEAK__" + _j.dumps({
    "self_mb": _r.getrusage(_r.RUSAGE_SELF).ru_maxrss * _k / 2**20,
    "children_mb": _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss * _k / 2**20,
}))"""

BASELINE = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_code_cell("import matplotlib.pyplot\nimport numpy\nimport torch\n\nimport gan_lessons")]
)


def peak_of(nb):
    """Parse the appended cell's output."""
    for out in nb.cells[-1].get("outputs", []):
        if out.get("name") == "stdout" and "__PEAK__" in out.get("text", ""):
            return json.loads(out["text"].split("__PEAK__", 1)[1])
    raise RuntimeError("the peak-memory cell printed nothing")


def run_notebook(nb, cwd, timeout):
    """Execute ``nb`` (in place) with a fresh kernel; return (wall seconds, peak dict or None, error or None)."""
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no kernel start-up warnings between the table's rows
    )
    t0 = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellTimeoutError as e:
        error = f"a cell ran longer than {timeout} s: {str(e).splitlines()[0][:120]}"
    except CellExecutionError as e:
        error = f"{e.ename}: {e.evalue}"[:200]
    wall = time.perf_counter() - t0
    peak = None if error else peak_of(nb)
    return wall, peak, error


def cell_times(nb):
    """[{"id", "seconds"}] of the executed code cells, from the timing nbclient records in each cell's metadata."""
    from datetime import datetime

    out = []
    for cell in nb.cells[:-1]:  # not the appended peak-memory cell
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            seconds = (
                datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))
            ).total_seconds()
            out.append({"id": cell.get("id"), "seconds": round(seconds, 1)})
    return out


def select(paths, only):
    if not only:
        return paths
    chosen = [p for p in paths if any(o in p.stem for o in only)]
    if not chosen:
        raise SystemExit(f"--only {' '.join(only)}: no notebook matches; have {', '.join(p.stem for p in paths)}")
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fast", action="store_true", help="run in fast mode (GAN_LESSONS_FAST=1): to try the script")
    ap.add_argument("--only", action="append", default=[], metavar="NAME", help="only notebooks whose name has NAME")
    ap.add_argument("--dir", default="notebooks", help="folder of notebooks, relative to the repo (default notebooks)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds one cell may take (default 1800)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    ap.add_argument("--save", metavar="DIR", help="also write each executed notebook, outputs and all, into DIR")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # one row at a time, also into a pipe or a file

    folder = ROOT / args.dir
    from gan_lessons.course import LESSONS  # the course's one list of lessons, in order

    paths = select([folder / x.notebook for x in LESSONS if (folder / x.notebook).is_file()], args.only)
    if not paths:
        raise SystemExit(f"no notebooks in {folder}")
    if args.fast:
        os.environ["GAN_LESSONS_FAST"] = "1"
    else:
        os.environ.pop("GAN_LESSONS_FAST", None)
    mode = "fast mode" if args.fast else "full settings"
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"gan-lessons course run: {mode}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={threads}, "
          f"Python {platform.python_version()}, {platform.machine()}")  # fmt: skip
    print(f"targets: whole course < {TARGET_TOTAL_S / 60:.0f} min, every kernel < {TARGET_PEAK_MB / 1024:.1f} GB\n")

    header = f"{'notebook':<28} {'wall s':>8} {'peak MB':>8} {'children MB':>12}  status"
    print(header)
    print("-" * len(header))
    rows = []
    for name, nb, cwd in [("(baseline: imports only)", BASELINE, ROOT)] + [
        (p.name, nbformat.read(p, as_version=4), p.parent) for p in paths
    ]:
        wall, peak, error = run_notebook(nb, cwd, args.timeout)
        if args.save and name.endswith(".ipynb"):
            Path(args.save).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, Path(args.save) / name)
        row = {"notebook": name, "wall_s": round(wall, 1), "error": error}
        if name.endswith(".ipynb"):
            row["cells"] = cell_times(nb)
        if peak:
            row.update(peak_mb=round(peak["self_mb"], 1), children_mb=round(peak["children_mb"], 1))
        status = error or ("ok" if row["peak_mb"] < TARGET_PEAK_MB else "OVER the memory target")
        mem = f"{row['peak_mb']:>8.0f} {row['children_mb']:>12.0f}" if peak else f"{'-':>8} {'-':>12}"
        slowest = max(row.get("cells", []), key=lambda c: c["seconds"], default=None)
        where = f"; slowest cell {slowest['id']} {slowest['seconds']:.1f} s" if slowest else ""
        print(f"{name:<28} {wall:>8.1f} {mem}  {status}{where}", flush=True)
        rows.append(row)

    lessons = rows[1:]
    total = sum(r["wall_s"] for r in lessons)
    peak_max = max((r.get("peak_mb", 0) for r in lessons), default=0)
    failed = [r["notebook"] for r in lessons if r["error"]]
    print("-" * len(header))
    print(f"{'total (lessons)':<28} {total:>8.1f} {peak_max:>8.0f} {'':>12}  max peak")
    print()
    print(f"whole course: {total / 60:.1f} min ({'ok' if total < TARGET_TOTAL_S else 'OVER'} target "
          f"{TARGET_TOTAL_S / 60:.0f} min); largest kernel {peak_max:.0f} MB "
          f"({'ok' if peak_max < TARGET_PEAK_MB else 'OVER'} target {TARGET_PEAK_MB:.0f} MB)")  # fmt: skip
    cells = sorted(((c["seconds"], r["notebook"], c["id"]) for r in lessons for c in r.get("cells", [])), reverse=True)
    if cells:
        print(f"slowest cells (target: none over {TARGET_CELL_S} s):")
        for seconds, notebook, cell in cells[:5]:
            print(f"  {seconds:7.1f} s  {notebook} {cell}{'  OVER' if seconds > TARGET_CELL_S else ''}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"mode": mode, "cpus": os.cpu_count(), "rows": rows}, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
