"""Build the course's website: every lesson executed, with its figures, the README as the front page.

    python site/build.py [--full] [--out DIR] [--jupyterhub-url URL] [--jobs N] [-q]

writes ``DIR/html`` (default ``site/_build/html``; open ``index.html``). Fast mode (``GAN_LESSONS_FAST=1``: each
lesson runs in seconds) unless ``--full`` (the lessons' real training runs, as a learner gets them: about
17 minutes on two cores). Everything happens offline: Sphinx, MyST-NB and sphinx-book-theme ship their
templates and assets in their wheels. See site/README.md.

Three steps: stage the sources, execute the staged lessons (nbclient, ``--jobs`` at a time), render them with
Sphinx and MyST-NB (which then executes nothing: ``nb_execution_mode = "off"`` in site/conf.py).

The sources are staged in ``DIR/src`` with the repository's layout, so that a page's path is the notebook's path
in the repository (the launch buttons open ``notebooks/NN_*.ipynb``):

* ``index.md``: README.md, its links to files that are not pages of the site turned into links to the repository;
* ``notebooks/NN_*.ipynb``: the learner notebooks (what learners open; the solutions are for instructors);
* ``docs/instructor-guide.md``, ``docs/exercises.md``, ``docs/architecture.md``.

The lessons execute in ``DIR/src/notebooks``: what they write to ``../runs`` stays in ``DIR/src/runs``. A lesson
may reuse what an earlier one wrote (lesson 6 takes lesson 4's checkpoint when it is a full run), so a full
build executes them one at a time, in order, unless ``--jobs`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent
DOCS = ("docs/instructor-guide.md", "docs/exercises.md", "docs/architecture.md")
DEFAULT_JUPYTERHUB = "https://jupyterhub.example.org"
NOTE = """
:::{note}
This page is the learner's notebook, executed top to bottom. Its sliders and buttons are not live here: open the
lesson on Binder or a JupyterHub with the launch button (the rocket at the top of the page), or download it (the
arrow) and run it in JupyterLab.
:::
"""

# [text](target) in Markdown, target without spaces; the optional title is kept
_LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def lessons(root=ROOT):
    """The learner notebooks, in the order of the course's one list of lessons (:mod:`gan_lessons.course`)."""
    from gan_lessons.course import LESSONS

    return [root / "notebooks" / x.notebook for x in LESSONS]


def rewrite_links(text, source, pages, repository, branch="main", root=ROOT, assets=None):
    """Point the relative links of the Markdown ``text`` (the file ``source``, relative to the repository root)
    at the site: a link to a staged page stays relative (README.md becomes index.md); a picture stays too, and
    its path is added to the set ``assets`` (for :func:`stage` to copy); a link to anything else in the repository
    (under ``root``) becomes its address on GitHub. Absolute links, anchors, code and links to nothing are left
    alone.
    """
    base = Path(source).parent

    def fix(m):
        target = m[2]
        if _SCHEME.match(target) or target.startswith(("#", "/")):
            return m[0]
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(base / path).replace(os.sep, "/")
        if resolved == "README.md":
            resolved = "index.md"
        if resolved.lower().endswith(_IMAGES) and (root / resolved).is_file() and assets is not None:
            assets.add(resolved)
            return m[0]
        if resolved in pages:
            new = os.path.relpath(resolved, base if str(base) else ".").replace(os.sep, "/")
        elif (root / resolved).exists():
            kind = "tree" if (root / resolved).is_dir() else "blob"
            new = f"{repository}/{kind}/{branch}/{resolved}"
        else:
            return m[0]  # a link to nothing: left as it is, so that Sphinx's warning fails the build
        return f"{m[1]}{new}{'#' + anchor if anchor else ''}{m[3]}"

    out, fenced = [], None
    for line in text.splitlines(keepends=True):
        fence = re.match(r"\s*(`{3,}|~{3,})", line)
        if fenced:
            fenced = None if fence and fence[1][0] == fenced[0] and len(fence[1]) >= len(fenced) else fenced
            out.append(line)
        elif fence:
            fenced = fence[1]
            out.append(line)
        else:
            # leave `inline code` alone: split on backticks and rewrite the even pieces only
            pieces = re.split(r"(`[^`]*`)", line)
            out.append("".join(p if i % 2 else _LINK.sub(fix, p) for i, p in enumerate(pieces)))
    return "".join(out)


def front_page(readme_text, lesson_names, pages, repository, root=ROOT, assets=None):
    """index.md: the README (links fixed) and the site's navigation (hidden tables of contents)."""
    text = rewrite_links(readme_text, "README.md", pages, repository, root=root, assets=assets)
    lessons_toc = "\n".join(f"notebooks/{name}" for name in lesson_names)
    docs_toc = "\n".join(d.removesuffix(".md") for d in DOCS)
    return (
        f"{text.rstrip()}\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{lessons_toc}\n```\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Guides\n\n{docs_toc}\n```\n"
    )


def add_note(nb):
    """Put a note under the lesson's title: what the page shows, and where the widgets come alive."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            lines = "".join(cell["source"]).splitlines(keepends=True)
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            cell["source"] = "".join([*lines[:at], NOTE, *lines[at:]])
            return nb
    return nb


def stage(src, repository, root=ROOT):
    """Write the site's sources into ``src`` (emptied first). Returns the staged lesson notebooks."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    (src / "docs").mkdir()
    notebooks = lessons(root)
    pages = {"index.md", *DOCS, *(f"notebooks/{p.name}" for p in notebooks)}
    staged, assets = [], set()
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                cell["source"] = rewrite_links(
                    source, f"notebooks/{path.name}", pages, repository, root=root, assets=assets
                )
        add_note(nb)
        staged.append(src / "notebooks" / path.name)
        staged[-1].write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    for doc in DOCS:
        text = (root / doc).read_text()
        (src / doc).write_text(rewrite_links(text, doc, pages, repository, root=root, assets=assets))
    readme = (root / "README.md").read_text()
    names = [p.stem for p in notebooks]
    (src / "index.md").write_text(front_page(readme, names, pages, repository, root=root, assets=assets))
    for asset in sorted(assets):  # pictures the pages show, at the same relative place
        (src / asset).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / asset, src / asset)
    # Lesson 4 can start from a pre-trained checkpoint in ../checkpoints (read only): let it find one.
    if (root / "checkpoints").is_dir():
        (src / "checkpoints").symlink_to(root / "checkpoints", target_is_directory=True)
    return staged


def execute(path, timeout):
    """Run the notebook at ``path`` top to bottom in its own folder and store its outputs (and widget state)
    in it. Returns (seconds, None), or (seconds, the error's text) if a cell failed."""
    import nbclient
    import nbformat

    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # not the kernel's warning about local TCP ports
    )
    try:
        client.execute()
    except Exception as e:  # CellExecutionError, a timeout, a dead kernel: the build fails and says where
        return time.perf_counter() - start, f"{type(e).__name__}: {e}"
    nbformat.write(nb, path)
    return time.perf_counter() - start, None


def execute_all(paths, jobs, timeout):
    """Execute the staged lessons, ``jobs`` at a time (in order when 1). Returns the failures' messages."""
    failures = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = [(path, pool.submit(execute, path, timeout)) for path in paths]
        for path, future in futures:
            seconds, error = future.result()
            print(f"executed {path.name} in {seconds:.1f} s{': FAILED' if error else ''}", flush=True)
            if error:
                failures.append(f"{path.name}: {error}")
    return failures


def build(out, full=False, jupyterhub=DEFAULT_JUPYTERHUB, jobs=None, quiet=False):
    """Stage the sources into ``out/src``, execute the lessons and build ``out/html``. Returns an exit status."""
    out = Path(out).resolve()
    jobs = jobs or (1 if full else min(2, os.cpu_count() or 1))
    from gan_lessons.course import repository_url

    repository = repository_url()  # the one setting: gan_lessons/course.py
    staged = stage(out / "src", repository)

    # The kernels inherit this process's environment: fast mode or not, and threads shared between the jobs.
    if full:
        os.environ.pop("GAN_LESSONS_FAST", None)
    else:
        os.environ["GAN_LESSONS_FAST"] = "1"
    if jobs > 1:
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    failures = execute_all(staged, jobs, timeout=None if full else 600)
    if failures:
        print("\n".join(["lessons that failed:", *failures]), file=sys.stderr)
        return 1

    env = dict(os.environ, GAN_SITE_REPOSITORY=repository, GAN_SITE_JUPYTERHUB=jupyterhub)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(SITE), "-d", str(out / "doctrees")]
    cmd += ["-W", "--keep-going", "-E"]  # any warning (a broken link, an unknown page) fails the build
    if quiet:
        cmd.append("-q")
    cmd += [str(out / "src"), str(out / "html")]
    status = subprocess.run(cmd, env=env, cwd=ROOT).returncode
    if status == 0:
        # The download button offers the lesson as learners get it: the clean notebook, no outputs, no note.
        for path in staged:
            shutil.copyfile(ROOT / "notebooks" / path.name, out / "html" / "_sources" / "notebooks" / path.name)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the course's website into OUT/html (offline).")
    parser.add_argument("--full", action="store_true", help="run the lessons in full (release); default: fast mode")
    parser.add_argument("--out", default=str(SITE / "_build"), help="build folder (default: site/_build)")
    parser.add_argument(
        "--jupyterhub-url",
        default=os.environ.get("GAN_SITE_JUPYTERHUB", DEFAULT_JUPYTERHUB),
        help="the JupyterHub of the 'JupyterHub' launch button (default: a placeholder, %(default)s)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="lessons executed at once (default: 2 in fast mode, 1 with --full)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the lessons' timings and problems")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    start = time.perf_counter()
    status = build(args.out, full=args.full, jupyterhub=args.jupyterhub_url, jobs=args.jobs, quiet=args.quiet)
    html = Path(args.out).resolve() / "html" / "index.html"
    took = time.perf_counter() - start
    if status == 0:
        print(f"built {html} in {took:.0f} s ({'full' if args.full else 'fast'} mode)")
    else:
        print(f"site build failed (exit status {status}) after {took:.0f} s", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
