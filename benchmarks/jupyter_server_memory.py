"""How much memory a learner's Jupyter server takes with JupyterLab loaded (for docs/classroom's sizing).

Run from the repository root: ``python benchmarks/jupyter_server_memory.py``. Starts ``jupyter lab`` on a free
local port with no browser, loads the JupyterLab page and the contents, kernel-spec and settings APIs a browser
asks for when it opens a notebook, then reads the server's resident memory (peak, from /proc; Linux only).
Kernels are separate processes: their memory is ``benchmarks/run_course.py``'s.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST = __import__("gan_lessons.course", fromlist=["LESSONS"]).LESSONS[-1].notebook  # the newest lesson, opened


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: Linux only")


def main():
    port, token = _free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as runtime:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={ROOT}"],
            env={**__import__("os").environ, "JUPYTER_RUNTIME_DIR": runtime},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            for path in (
                "lab",
                f"lab/tree/notebooks/{LAST}",
                "api/contents/notebooks",
                f"api/contents/notebooks/{LAST}",
                "api/kernelspecs",
                "lab/api/settings",
            ):
                urllib.request.urlopen(f"{base}/{path}?token={token}", timeout=30).read()  # fmt: skip
            time.sleep(1)
            print(f"Jupyter server with JupyterLab loaded: peak resident memory {_peak_mb(server.pid):.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
