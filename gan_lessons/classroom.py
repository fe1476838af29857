"""A class on a JupyterHub: nbgitpuller links to the lessons, and the memory and CPU each learner needs.

``docs/classroom/`` holds the configurations (Zero to JupyterHub's ``config.yaml``, a Littlest JupyterHub
recipe). This module computes what goes in them — a link to a lesson (:func:`nbgitpuller_link`,
``python -m gan_lessons classroom-link``) and the per-learner sizing from a measured course run
(:func:`sizing`, from ``benchmarks/run_course.py --json``) — so the tests can check the two agree.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlsplit

from . import course
from ._validate import check_int
from .i18n import N_

__all__ = [
    "REPOSITORY",
    "FOLDER",
    "SERVER_MB",
    "HEADROOM",
    "nbgitpuller_link",
    "url_problem",
    "branch_problem",
    "sizing",
]

#: The course's repository: the one setting, :data:`gan_lessons.course.REPOSITORY`.
REPOSITORY = course.repository_url()
#: The folder nbgitpuller clones the course into, in each learner's home.
FOLDER = "gan-lessons"
#: Peak resident memory of a learner's Jupyter server with JupyterLab loaded (MB): JupyterLab 4.6 serving this
#: course, measured by ``benchmarks/jupyter_server_memory.py`` (kernels are separate processes).
SERVER_MB = 97.0
#: Room above the measured sum for the memory limit: other platforms' builds, a larger plot, a second figure.
HEADROOM = 1.25
_NOT_IN_BRANCH = "~^:?*[\\"


def url_problem(value):
    """What makes ``value`` no address for a link (an English sentence, marked for translation), or ``None``.

    An http(s) address with a host, a port (if any) in 1-65535, and nothing a link cannot carry as it is:
    no space, newline or other control character, no query (``?``) or fragment (``#``), empty ones included.
    """
    if not isinstance(value, str):
        return N_("it is not text")
    if any(c.isspace() or not c.isprintable() for c in value):
        return N_("it holds a space, a newline or another character an address cannot hold")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # "Invalid IPv6 URL", "Port out of range 0-65535", a port that is not a number
        return N_("its host or port is malformed: a port is 1-65535, an IPv6 host goes in [brackets]")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return N_("it must start with http:// or https:// and name a host")
    if port == 0:
        return N_("its host or port is malformed: a port is 1-65535, an IPv6 host goes in [brackets]")
    if "?" in value or "#" in value:
        return N_("it holds '?' or '#': give the address alone, with no query or fragment")
    return None


def branch_problem(value):
    """What makes ``value`` no git branch name (``git check-ref-format --branch``'s main rules), or ``None``."""
    if not isinstance(value, str) or not value:
        return N_("it is empty")
    if any(c.isspace() or not c.isprintable() or c in _NOT_IN_BRANCH for c in value):
        return N_("it holds a space, a control character or one of ~ ^ : ? * [ \\")
    parts = value.split("/")
    bad_part = any(not p or p.startswith(".") or p.endswith(".lock") for p in parts)
    if bad_part or value.startswith("-") or value.endswith(".") or ".." in value or "@{" in value or value == "@":
        return N_("git does not allow it as a branch name, see git check-ref-format")
    return None


def _url(name, value):
    problem = url_problem(value)
    if problem:
        raise ValueError(f"{name} must be an http(s) address such as https://hub.example.org: {problem}; got {value!r}")
    return value.rstrip("/")


def nbgitpuller_link(hub, lesson=1, repo=REPOSITORY, branch="main", language="en"):
    """The link that gives a learner their own copy of the course on ``hub`` and opens ``lesson`` in JupyterLab.

    nbgitpuller (``/hub/user-redirect/git-pull``) clones ``repo`` at ``branch`` into ``~/gan-lessons`` on the
    first click and merges your updates on later clicks without overwriting the learner's edits.
    ``language="zh-CN"`` opens the lesson's Chinese edition (``notebooks/zh-CN/``).
    """
    hub, repo = _url("hub", hub), _url("repo", repo)
    n = check_int("lesson", lesson, minimum=1, maximum=len(course.LESSONS))
    if branch_problem(branch):
        raise ValueError(f"branch must be a git branch name: {branch_problem(branch)}; got {branch!r}")
    if language not in ("en", "zh-CN"):
        raise ValueError(f"language must be 'en' or 'zh-CN', got {language!r}")
    edition = "" if language == "en" else f"{language}/"
    urlpath = f"lab/tree/{FOLDER}/notebooks/{edition}{course.lesson(n).notebook}"
    query = f"repo={quote(repo, safe='')}&branch={quote(branch, safe='')}&urlpath={quote(urlpath, safe='')}"
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def _gib(mb, step=0.25):
    """``mb`` megabytes rounded *up* to a multiple of ``step`` GiB."""
    return math.ceil(mb / 1024 / step) * step


def sizing(course_run, server_mb=None):
    """Per-learner memory and CPU from a full course run (the JSON of ``benchmarks/run_course.py --json``).

    * memory guarantee = largest lesson kernel + the Jupyter server, rounded up to 0.25 GiB: what a learner
      running the heaviest lesson holds;
    * memory limit = (largest lesson kernel + the server + one idle kernel, the imports-only baseline: a
      lesson left open) x :data:`HEADROOM`, rounded up to 0.25 GiB;
    * busy cores per learner = the largest over the lessons of (machine time on 2 cores x 2 cores) / the
      lesson's shortest learner time (:data:`gan_lessons.course.LESSONS`): the cores a learner keeps busy;
      the CPU guarantee is that, rounded up to 0.25 of a core; learners per core = 1 / it, rounded down;
    * the longest wait: the slowest cell of any lesson (when the run timed its cells), what a learner sits through.

    Returns a dict of those figures and the measured inputs they come from.
    """
    if not isinstance(course_run, dict) or course_run.get("mode") != "full settings":
        raise ValueError("course_run must be a full-settings run of benchmarks/run_course.py (its --json output)")
    rows = {r["notebook"]: r for r in course_run["rows"]}
    server = SERVER_MB if server_mb is None else server_mb
    missing = [x.notebook for x in course.LESSONS if x.notebook not in rows]
    if missing:
        raise ValueError(f"course_run must time every lesson; run benchmarks/run_course.py for {', '.join(missing)}")
    lessons = [(rows[x.notebook], x.minutes[0]) for x in course.LESSONS]
    peak = max((r for r, _ in lessons), key=lambda r: r["peak_mb"])
    idle = rows["(baseline: imports only)"]["peak_mb"]
    busy = max(2 * r["wall_s"] / (60 * minutes) for r, minutes in lessons)
    guarantee = _gib(peak["peak_mb"] + server)
    return {
        "largest_kernel": peak["notebook"],
        "largest_kernel_mb": peak["peak_mb"],
        "idle_kernel_mb": idle,
        "server_mb": server,
        "memory_guarantee_gib": guarantee,
        "memory_limit_gib": _gib((peak["peak_mb"] + server + idle) * HEADROOM),
        "busy_cores_per_learner": round(busy, 3),
        "cpu_guarantee": math.ceil(busy / 0.25) * 0.25,
        "cpu_limit": 2,  # the lessons' machine times are measured on 2 cores
        "learners_per_core": math.floor(1 / busy),
        "learners_per_gib": 1 / guarantee,
        **_longest_wait(lessons),
    }


def _longest_wait(lessons):
    """The longest a learner waits on one cell (``benchmarks/run_course.py`` times every cell): its time and name."""
    cells = [(c["seconds"], f"{r['notebook']} {c['id']}") for r, _ in lessons for c in r.get("cells", [])]
    if not cells:
        return {}
    seconds, cell = max(cells)
    return {"longest_cell_s": seconds, "longest_cell": cell}
