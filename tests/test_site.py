"""The course's website (site/build.py): built offline in fast mode, once, into a temporary folder, then checked.

Every lesson has a page showing its figures, the front page is the README's lesson table, the lesson pages have
launch buttons to Binder and to a JupyterHub (nbgitpuller), search works, the docs pages are there, and no
relative link or asset of any page points at nothing.
"""

import html
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["instructor-guide", "exercises", "architecture"]
DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens there: any attempt to reach the network fails at once


def _load_build():
    spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
LESSONS = build.lessons()


class Page(HTMLParser):
    """What the checks need of an HTML page: its links and assets, ids, images, title and text."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path, self.refs, self.ids, self.imgs, self.anchors = path, [], set(), [], []
        self.text, self._in_title, self.title = [], False, ""
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append((tag, a[key]))
        if tag == "a" and a.get("href"):
            self.anchors.append(a)
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        self._in_title |= tag == "title"

    def handle_endtag(self, tag):
        self._in_title &= tag != "title"

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once (fast mode, offline) and return its build folder."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, GAN_LESSONS_FAST="1")
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env[var] = DEAD_PROXY
    env["NO_PROXY"] = env["no_proxy"] = ""
    cmd = [sys.executable, str(ROOT / "site" / "build.py"), "--out", str(out), "--jobs", "2", "-q"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"site build failed:\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}"
    print(f"site built in {time.perf_counter() - start:.0f} s")
    return out


def page(site, name):
    path = site / "html" / name
    assert path.is_file(), f"no page {name}"
    return Page(path)


def readme_repository():
    m = re.search(r"mybinder\.org/v2/gh/([^/]+)/([^/]+)/", (ROOT / "README.md").read_text())
    return m[1], m[2]


# --- link rewriting: no build needed ---


def test_links_to_pages_stay_relative_and_the_rest_go_to_the_repository(tmp_path):
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    pages = {"index.md", "docs/exercises.md", "docs/instructor-guide.md", "notebooks/01_value_function.ipynb"}
    repo = "https://github.com/o/r"
    text = (
        "[l1](notebooks/01_value_function.ipynb) [g](docs/instructor-guide.md#binder) [s](solutions/)\n"
        "[pkg](gan_lessons/cli.py) [web](https://example.org/x) [top](#quick-start) `[code](solutions/)`\n"
        "```\n[fenced](solutions/)\n```\n"
    )
    out = build.rewrite_links(text, "README.md", pages, repo)
    assert "[l1](notebooks/01_value_function.ipynb)" in out
    assert "[g](docs/instructor-guide.md#binder)" in out
    assert "[s](https://github.com/o/r/tree/main/solutions)" in out
    assert "[pkg](https://github.com/o/r/blob/main/gan_lessons/cli.py)" in out
    assert "[web](https://example.org/x)" in out and "[top](#quick-start)" in out
    assert "`[code](solutions/)`" in out and "[fenced](solutions/)" in out  # code is left alone
    doc = build.rewrite_links("[r](../README.md) [e](exercises.md) [t](../tests/)", "docs/x.md", pages, repo)
    assert doc == "[r](../index.md) [e](exercises.md) [t](https://github.com/o/r/tree/main/tests)"
    assert build.rewrite_links("[x](no/such/file.md)", "README.md", pages, repo) == "[x](no/such/file.md)"
    assets = set()
    figure = build.rewrite_links(
        "![a](../tests/fixtures/x.png)", "docs/x.md", pages, repo, root=tmp_path, assets=assets
    )
    assert figure == "![a](../tests/fixtures/x.png)" and assets == {"tests/fixtures/x.png"}  # pictures: copied


def test_the_site_takes_lessons_and_repository_from_the_course():
    from gan_lessons import course

    assert [p.name for p in build.lessons()] == [x.notebook for x in course.LESSONS]
    assert all(p.is_file() for p in build.lessons())
    org, name = readme_repository()
    assert f"{org}/{name}" == course.REPOSITORY  # the README's badge says what the setting says


# --- the built site (slow: the build executes every lesson) ---


@pytest.mark.slow
def test_build_executes_inside_its_own_folder(site):
    # lessons 4 and 6 write to ../runs: in the build folder, never in the checkout
    assert (site / "src" / "runs" / "lesson4").is_dir()


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_page_with_its_figures(site, lesson):
    p = page(site, f"notebooks/{lesson.stem}.html")
    first = "".join(json.loads(lesson.read_text())["cells"][0]["source"]).splitlines()[0]
    number = re.match(r"# (Lesson \d+)", first)
    assert number and number[1] in p.title, f"{lesson.stem}: page title {p.title!r}"

    # every PNG the executed lesson displayed (outside widgets) is on the page, as a file next to it
    executed = json.loads((site / "src" / "notebooks" / lesson.name).read_text())
    figures = sum(
        "image/png" in out.get("data", {})
        for cell in executed["cells"]
        if cell["cell_type"] == "code"
        for out in cell["outputs"]
    )
    assert figures > 0, f"{lesson.name} displayed no figure when executed"
    pngs = [src for src in p.imgs if src.endswith(".png") and not src.startswith(("http:", "https:"))]
    assert len(pngs) >= figures, f"{lesson.stem}: {figures} figures executed, {len(pngs)} PNG images on the page"
    for src in pngs:
        data = (p.path.parent / unquote(src)).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{src} is not a PNG"
    assert "not live here" in "".join(p.text)  # the note: widgets come alive on Binder / a hub


@pytest.mark.slow
def test_front_page_is_the_readme_with_its_lesson_table(site):
    p = page(site, "index.html")
    text = " ".join("".join(p.text).split())
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d) \| \[([^\]]+)\]\(notebooks/([^)]+)\.ipynb\)", readme, re.M)
    assert [f"{r[2]}.ipynb" for r in rows] == [lesson.name for lesson in LESSONS], "README's table lists every lesson"
    table = re.search(r"<table.*?</table>", p.path.read_text(), re.S)
    assert table, "the front page has no table"
    links = re.findall(r'<a [^>]*href="notebooks/([^"#]+)\.html"[^>]*>(.*?)</a>', table[0], re.S)
    assert [stem for stem, _ in links] == [lesson.stem for lesson in LESSONS], "the table links each lesson, in order"
    for (_, name, _), (_, label) in zip(rows, links, strict=True):
        assert html.unescape(re.sub(r"<[^>]+>", "", label)).strip() == name
    first = readme.splitlines()[0].lstrip("# ").strip()
    assert first in text  # the README's title


@pytest.mark.slow
def test_lesson_pages_have_launch_buttons(site):
    org, name = readme_repository()
    for lesson in LESSONS:
        p = page(site, f"notebooks/{lesson.stem}.html")
        hrefs = [a["href"] for a in p.anchors]
        binder = f"https://mybinder.org/v2/gh/{org}/{name}/main?urlpath=lab/tree/notebooks/{lesson.name}"
        assert binder in hrefs, f"{lesson.stem}: no Binder button"
        hub = [urlsplit(h) for h in hrefs if "/hub/user-redirect/git-pull?" in h]
        assert len(hub) == 1, f"{lesson.stem}: no JupyterHub (nbgitpuller) button"
        query = {k: v[0] for k, v in parse_qs(hub[0].query).items()}
        assert query == {
            "repo": f"https://github.com/{org}/{name}",
            "branch": "main",
            "urlpath": f"lab/tree/{name}/notebooks/{lesson.name}",
        }
        assert any(h.endswith(f"_sources/notebooks/{lesson.name}") for h in hrefs), "no download button"


@pytest.mark.slow
def test_download_button_gives_the_learner_notebook(site):
    for lesson in LESSONS:
        assert (site / "html" / "_sources" / "notebooks" / lesson.name).read_bytes() == lesson.read_bytes()


@pytest.mark.slow
def test_search(site):
    assert (site / "html" / "search.html").is_file()
    index = (site / "html" / "searchindex.js").read_text()
    for word in ("discrimin", "wasserstein", "jupyterhub", "dcgan"):  # stems, as Sphinx indexes words
        assert f'"{word}"' in index.lower(), f"{word!r} is not in the search index"
    for doc in ["index", *(f"notebooks/{p.stem}" for p in LESSONS), *(f"docs/{d}" for d in DOCS)]:
        assert f'"{doc}"' in index, f"{doc} is not in the search index"
    for lesson in LESSONS:
        assert any("search.html" in h for _, h in page(site, f"notebooks/{lesson.stem}.html").refs)


@pytest.mark.slow
def test_docs_are_pages(site):
    for doc in DOCS:
        source = (ROOT / "docs" / f"{doc}.md").read_text()
        heading = next(line[2:].strip() for line in source.splitlines() if line.startswith("# "))
        p = page(site, f"docs/{doc}.html")
        text = " ".join("".join(p.text).split()).replace("\u2019", "'")  # Sphinx's typographic apostrophes
        assert heading.split("`")[0].strip() in text


@pytest.mark.slow
def test_fast_build_says_so(site):
    assert "fast mode" in "".join(page(site, "index.html").text)


@pytest.mark.slow
def test_no_broken_internal_links(site):
    root = (site / "html").resolve()
    # every page Sphinx wrote (not the theme's Jinja macro files it copies into _static/)
    pages = {path.resolve(): Page(path) for path in root.rglob("*.html") if "_static" not in path.parts}
    assert len(pages) >= len(LESSONS) + len(DOCS) + 1
    broken = []
    for path, p in pages.items():
        for tag, ref in p.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("data:", "mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or root not in target.parents:
                broken.append(f"{path.relative_to(root)}: <{tag}> {ref}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else Page(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(root)}: <{tag}> {ref} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:50])


@pytest.mark.slow
def test_maths_renders_offline_in_a_browser(site, tmp_path):
    """Opened with no network (a workshop room, a browser that blocks CDNs), every page's maths is typeset.

    MathJax is served from the site (``_static/mathjax``, sphinx-mathjax-offline); the check looks for any
    ``\\(``, ``\\[`` or ``$$`` left in the text of the page outside code, sidebar titles included.
    """
    import shutil

    from test_browser import chromium_path, require

    chromium = chromium_path()
    require(chromium, "no Chromium: apt-get install -y chromium")
    require(shutil.which("node"), "no node")
    require((ROOT / "tests" / "browser" / "node_modules" / "playwright-core").is_dir(), "no playwright-core")
    html_dir = site / "html"
    pages = [html_dir / "notebooks" / f"{p.stem}.html" for p in LESSONS] + [html_dir / "index.html"]
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    out = tmp_path / "maths.json"
    cmd = ["node", "site_maths.mjs", "--chromium", chromium, "--out", str(out), *map(str, pages)]
    done = subprocess.run(cmd, cwd=ROOT / "tests" / "browser", capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for result in json.loads(out.read_text()):
        name = Path(result["page"]).name
        assert not result["left"], f"{name}: maths left as source: {result['left'][:5]}"
        assert not any("mathjax" in url.lower() for url in result["blocked"]), f"{name} asks the network for MathJax"
        if name != "index.html":
            assert result["typeset"] and result["rendered"] > 10, f"{name}: MathJax did not typeset"
