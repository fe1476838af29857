"""Hardening, round 2 (issue 26): the command line, its languages and what it ships. One clear line, nothing lost.

Each test names the case of the issue it covers. The command line runs in-process (``main``) where one line on
stderr is enough, and in a real process (marked slow) where the installed package or the terminal matters.
"""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_hardening import one_line_error  # the first round's helper: one line on stderr, no traceback

from gan_lessons import classroom, fonts, i18n, runs
from gan_lessons.cli import main
from gan_lessons.cli_runs import labels_lines
from gan_lessons.i18n import CatalogueError, language_from_environment, set_language

ROOT = Path(__file__).resolve().parents[1]
LOCALE_VARS = ("GAN_LESSONS_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def english_and_a_clean_environment(monkeypatch):
    """Every test starts in English with no language or torchrun variables, and leaves the language as it was."""
    for key in (*LOCALE_VARS, "WORLD_SIZE", "RANK", "LOCAL_RANK", fonts.FONT_ENV_VAR):
        monkeypatch.delenv(key, raising=False)
    saved = dict(i18n._active)
    fonts._reset()
    yield
    fonts._reset()
    i18n._active.update(saved)


def package_copy(tmp_path):
    """A copy of the package, to break its files (or install it) without touching the working tree."""
    dest = tmp_path / "pkg"
    shutil.copytree(ROOT / "gan_lessons", dest / "gan_lessons", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def cli_process(*args, env=None, cwd=None, **kw):
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    p = subprocess.run(
        [sys.executable, "-m", "gan_lessons", *map(str, args)],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=300,
        **kw,
    )
    return p.returncode, p.stdout, p.stderr


# ---------------------------------------------------------------- 1. POSIX's order: LC_ALL=C outranks LANG


@pytest.mark.parametrize(
    "environ, want",
    [
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "POSIX", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C"}, "zh-CN"),  # set but empty: not set
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, "zh-CN"),
        ({"LANGUAGE": "zh_CN", "LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # GNU: no LANGUAGE in the C locale
        ({"LANGUAGE": "zh_CN", "LC_ALL": "C.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN"}, "en"),  # no locale at all is the C locale
        ({"LANGUAGE": "de:zh_CN", "LANG": "en_US.UTF-8"}, "zh-CN"),  # the first entry the course speaks
        ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:de", "LANG": "zh_CN.UTF-8"}, "en"),  # a list of other languages: untranslated
        ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"GAN_LESSONS_LANG": "zh-CN", "LC_ALL": "C"}, "zh-CN"),  # the course's own variable comes first
    ],
)
def test_case1_the_locale_is_read_in_posix_order(environ, want):
    assert language_from_environment(environ) == want


def test_case1_lc_all_c_makes_the_command_line_english(monkeypatch, capsys):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LANGUAGE", "zh_CN:zh")  # as a Chinese desktop session sets it
    line = one_line_error(capsys, ["train", "toy", "--steps", "0", "--out", "x"], "--steps must be a positive")
    assert line.startswith("gan_lessons: error: ")


# ---------------------------------------------------------------- 2. the wheel ships the Chinese edition


@pytest.mark.slow  # builds and installs a wheel in real processes
def test_case2_the_built_wheel_speaks_chinese(tmp_path):
    src = package_copy(tmp_path)  # the repository's pyproject and package, built away from the working tree
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp_path / "dist", "."]
    subprocess.run(list(map(str, build)), cwd=src, env=offline, check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("gan_lessons-*.whl")
    site = tmp_path / "site"
    install = [*pip, "install", "--no-deps", "--no-index", "--target", site, wheel]
    subprocess.run(list(map(str, install)), env=offline, check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "LANG": "zh_CN.UTF-8"}
    for key in ("GAN_LESSONS_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(key, None)
    check = (
        "import gan_lessons, sys; from gan_lessons.i18n import set_language, _; "
        "assert gan_lessons.__file__.startswith(sys.argv[1]), gan_lessons.__file__; "
        "set_language('zh-CN'); print(_('usage: '))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check, str(site)], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and out.stdout.strip() == "用法：", out.stderr
    rc, stdout, stderr = cli_process("classroom-link", "--hub", "https://hub.example.org", env=env, cwd=elsewhere)
    assert rc == 0 and stderr == b"", stderr.decode()
    assert stdout.decode().strip() == classroom.nbgitpuller_link("https://hub.example.org", language="zh-CN")


# ---------------------------------------------------------------- 3. a missing or broken catalogue


@pytest.fixture
def locale_copy(tmp_path, monkeypatch):
    """The package reads its catalogues from a copy, to break."""
    dest = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, dest)
    monkeypatch.setattr(i18n, "LOCALE_DIR", dest)
    return dest / "zh_CN" / "LC_MESSAGES" / "gan_lessons.mo"


@pytest.mark.parametrize("damage, word", [("cut", "broken"), ("half", "broken"), ("garbage", "broken"),
                                          ("folder", "broken"), ("gone", "missing")])  # fmt: skip
def test_case3_a_bad_catalogue_is_one_warning_and_the_command_goes_on(locale_copy, monkeypatch, capsys, damage, word):
    data = locale_copy.read_bytes()
    if damage == "gone":
        locale_copy.unlink()
    elif damage == "folder":
        locale_copy.unlink()
        locale_copy.mkdir()
    else:
        locale_copy.write_bytes({"cut": data[:10], "half": data[: len(data) // 2], "garbage": b"\x00" * 64}[damage])
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["classroom-link", "--hub", "https://hub.example.org"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == classroom.nbgitpuller_link("https://hub.example.org", language="zh-CN")  # the edition asked
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("gan_lessons: warning: the zh-CN message catalogue is " + word) and "English" in err, err
    with pytest.raises(CatalogueError, match=f"catalogue is {word}"):  # a notebook's explicit choice: a clear error
        set_language("zh-CN")
    assert i18n.get_language() == "en"


def test_case3_doctor_reports_a_broken_catalogue_and_finishes(locale_copy, monkeypatch, capsys, cache_dir):
    locale_copy.write_bytes(locale_copy.read_bytes()[:10])
    monkeypatch.setenv("GAN_LESSONS_LANG", "zh-CN")
    assert main(["doctor"]) == 0  # the course runs (in English): a warning, not a failure
    out, err = capsys.readouterr()
    assert "broken" in err and len(err.strip().splitlines()) == 1, err
    row = next(line for line in out.splitlines() if "Chinese messages" in line)
    assert "[warn]" in row and "broken" in row, out
    assert "Ready" in out


@pytest.mark.slow  # real processes
def test_case3_a_cut_catalogue_in_a_real_process(tmp_path):
    pkg = package_copy(tmp_path)
    mo = pkg / "gan_lessons" / "locale" / "zh_CN" / "LC_MESSAGES" / "gan_lessons.mo"
    mo.write_bytes(mo.read_bytes()[:10])
    env = {"PYTHONPATH": str(pkg), "GAN_LESSONS_LANG": "zh-CN"}
    rc, out, err = cli_process("classroom-link", "--hub", "https://hub.example.org", env=env, cwd=tmp_path)
    assert rc == 0 and b"Traceback" not in err and b"broken" in err and len(err.splitlines()) == 1, err.decode()
    rc, out, err = cli_process("doctor", env=env, cwd=tmp_path)
    assert rc == 0 and b"Traceback" not in err and b"Chinese messages" in out, (out + err).decode()


# ---------------------------------------------------------------- 4. torchrun's variables left in a shell


@pytest.mark.parametrize(
    "env, word",
    [({"WORLD_SIZE": "abc"}, "WORLD_SIZE"), ({"WORLD_SIZE": "0"}, "WORLD_SIZE"),
     ({"WORLD_SIZE": "2", "RANK": "x"}, "RANK"), ({"WORLD_SIZE": "2", "RANK": "2"}, "RANK")],
)  # fmt: skip
def test_case4_a_bad_torchrun_variable_is_named(tmp_path, monkeypatch, capsys, env, word):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    line = one_line_error(capsys, ["train", "toy", "--steps", "2", "--out", tmp_path / "run"], word, "torchrun")
    assert "invalid literal" not in line and not (tmp_path / "run" / "checkpoint.pt").exists()


def test_case4_local_rank_is_named_too(monkeypatch):
    from gan_lessons.runs import distributed

    monkeypatch.setenv("LOCAL_RANK", "gpu0")
    with pytest.raises(ValueError, match="LOCAL_RANK must be a whole number >= 0, got 'gpu0'"):
        distributed.local_rank()
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "")  # set but empty: one process
    assert distributed.local_rank() == 1 and distributed.world() == (0, 1)


# ---------------------------------------------------------------- 5. doctor reports every check


def test_case5_doctor_survives_a_file_that_is_no_font(tmp_path, monkeypatch, capsys, cache_dir):
    bad = tmp_path / "font.otf"
    bad.write_text("not a font")
    monkeypatch.setenv(fonts.FONT_ENV_VAR, str(bad))
    assert main(["doctor"]) == 0  # a font is not required
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
    row = next(line for line in out.splitlines() if "Chinese font for figures" in line)
    assert "[warn]" in row and "font.otf" in row and "cannot be read as a font" in row, row
    for label in ("Python", "torch threads", "data cache", "widgets render in JupyterLab", "Chinese messages"):
        assert label in out
    with pytest.raises(ValueError, match="GAN_LESSONS_CJK_FONT names .*font.otf.*cannot be read as a font"):
        fonts.find_cjk_font()


def test_case5_a_check_that_crashes_is_a_row_and_the_others_still_run(monkeypatch, cache_dir):
    from gan_lessons import doctor

    def unreadable():
        raise PermissionError(13, "Permission denied", "/usr/share/jupyter")

    monkeypatch.setattr(doctor, "_widget_extension", unreadable)
    buf = io.StringIO()
    assert doctor.doctor(file=buf) == 0
    text = buf.getvalue()
    row = next(line for line in text.splitlines() if "widgets render in JupyterLab" in line)
    assert "[warn]" in row and "PermissionError" in row and "Permission denied" in row, text
    assert "data cache" in text and "Chinese font for figures" in text and "Ready" in text


# ---------------------------------------------------------------- 6. classroom-link's addresses and branch


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--hub", "https://[::1"], "--hub"),
        (["--hub", "https://hub example.org"], "--hub"),
        (["--hub", "https://hub.example.org?"], "--hub"),
        (["--hub", "https://hub.example.org#"], "--hub"),
        (["--hub", "https://hub.example.org/?next=x"], "--hub"),
        (["--hub", "https://hub.example.org:99999"], "--hub"),
        (["--hub", "https://hub.example.org:0"], "--hub"),
        (["--hub", "https://hub.example.org:http"], "--hub"),
        (["--hub", "https://hub.example.org\nhttps://evil.example"], "--hub"),
        (["--hub", "https://hub.example.org\t"], "--hub"),
        (["--hub", "https://"], "--hub"),
        (["--hub", "https://h.org", "--repo", "https://git hub.com/x/y"], "--repo"),
        (["--hub", "https://h.org", "--repo", "https://[::1/x"], "--repo"),
        (["--hub", "https://h.org", "--repo", "https://github.com/x/y#main"], "--repo"),
        (["--hub", "https://h.org", "--branch", "two words"], "--branch"),
        (["--hub", "https://h.org", "--branch", "main\nx"], "--branch"),
        (["--hub", "https://h.org", "--branch", ""], "--branch"),
        (["--hub", "https://h.org", "--branch", "a..b"], "--branch"),
        (["--hub", "https://h.org", "--branch", "x:y"], "--branch"),
        (["--hub", "https://h.org", "--branch=-f"], "--branch"),
    ],
)
def test_case6_a_bad_address_or_branch_is_one_line_naming_its_flag(capsys, args, flag):
    line = one_line_error(capsys, ["classroom-link", *args], f"argument {flag}: {flag} must be")
    assert "Invalid IPv6" not in line and "\n" not in line


@pytest.mark.parametrize("kw, name", [({"hub": "https://hub example.org"}, "hub"), ({"hub": "https://h.org?"}, "hub"),
                                      ({"hub": "https://h.org:99999"}, "hub"), ({"hub": "https://[::1"}, "hub"),
                                      ({"hub": "https://h.org", "repo": "https://g.org/x\n"}, "repo"),
                                      ({"hub": "https://h.org", "branch": "a..b"}, "branch")])  # fmt: skip
def test_case6_the_function_refuses_them_too(kw, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        classroom.nbgitpuller_link(**kw)


@pytest.mark.parametrize(
    "hub, branch",
    [
        ("http://[::1]:8000", "main"),
        ("https://hub.example.org/jupyter/", "v1.2"),
        ("https://h.org:443", "feature/new-lesson"),
        ("http://10.0.0.5", "2026"),
    ],
)
def test_case6_good_addresses_and_branches_still_work(capsys, hub, branch):
    assert main(["classroom-link", "--hub", hub, "--branch", branch]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.strip() == classroom.nbgitpuller_link(hub, branch=branch)


def test_case6_in_chinese(monkeypatch, capsys):
    monkeypatch.setenv("GAN_LESSONS_LANG", "zh-CN")
    one_line_error(capsys, ["classroom-link", "--hub", "https://h.org?"], "--hub 必须是", "只写地址本身")


# ---------------------------------------------------------------- 7. --out must be writable *before* training


@pytest.mark.parametrize("name", ["checkpoint.pt", "summary.json"])
def test_case7_a_folder_in_the_checkpoints_place_is_refused_before_training(tmp_path, monkeypatch, capsys, name):
    (tmp_path / "run" / name).mkdir(parents=True)

    def must_not_train(*a, **kw):
        raise AssertionError("trained although the result could not be saved")

    monkeypatch.setattr(runs, "train_run", must_not_train)
    monkeypatch.setattr(runs, "start_run", must_not_train)
    one_line_error(capsys, ["train", "toy", "--steps", "3", "--out", tmp_path / "run"], name, "is a folder", "--out")


# ---------------------------------------------------------------- 8. an ASCII-only terminal


def ascii_terminal(monkeypatch):
    """stdout and stderr that can only encode ASCII, as with PYTHONIOENCODING=ascii (set inside the test: pytest's
    own capture puts its streams back when the test's call begins)."""
    streams = {name: io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict") for name in ("out", "err")}
    monkeypatch.setattr(sys, "stdout", streams["out"])
    monkeypatch.setattr(sys, "stderr", streams["err"])

    def read():
        for s in streams.values():
            s.flush()
        return tuple(s.buffer.getvalue().decode("ascii") for s in streams.values())

    return streams, read


def test_case8_a_chinese_path_on_an_ascii_terminal_is_escaped_not_a_failure(tmp_path, monkeypatch):
    streams, read = ascii_terminal(monkeypatch)
    out_dir = tmp_path / "用户" / "run"
    assert main(["train", "toy", "--steps", "3", "--out", str(out_dir)]) == 0
    out, err = read()
    assert (out_dir / "checkpoint.pt").exists() and "codec" not in out + err, err
    assert "\\u7528\\u6237" in out and "trained toy to step 3" in out  # the path, escaped
    assert all(s.errors == "strict" for s in streams.values())  # put back as they were


def test_case8_chinese_messages_on_an_ascii_terminal_are_escaped(tmp_path, monkeypatch):
    _streams, read = ascii_terminal(monkeypatch)
    monkeypatch.setenv("GAN_LESSONS_LANG", "zh-CN")
    assert main(["sample", str(tmp_path / "nope.pt"), "--out", str(tmp_path / "x.npy")]) == 1
    _out, err = read()
    assert "codec" not in err and err.count("\n") == 1, err
    assert err.startswith("gan_lessons\\uff1a\\u9519\\u8bef") and "nope.pt" in err  # "gan_lessons：错误"


@pytest.mark.slow  # a real process
def test_case8_in_a_real_process(tmp_path):
    out_dir = tmp_path / "张伟" / "run"
    env = {"PYTHONIOENCODING": "ascii", "GAN_LESSONS_LANG": "zh-CN"}
    rc, out, err = cli_process("train", "toy", "--steps", 3, "--out", out_dir, env=env, cwd=tmp_path)
    assert rc == 0 and b"codec" not in err, err.decode()
    assert (out_dir / "checkpoint.pt").exists() and b"\\u5f20\\u4f1f" in out


# ---------------------------------------------------------------- 9. translations from a folder inside the repository


@pytest.fixture
def course(tmp_path):
    """A course repository with nothing to translate: the package's marker, notebooks/, solutions/, the glossary."""
    root = tmp_path / "course"
    (root / "gan_lessons").mkdir(parents=True)
    (root / "gan_lessons" / "__init__.py").write_text('"""A stand-in package."""\n')
    for folder in ("notebooks", "solutions", "docs/zh-CN"):
        (root / folder).mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "zh-CN" / "glossary.md", root / "docs" / "zh-CN" / "glossary.md")
    return root


def test_case9_translations_from_docs_writes_in_the_repository_root(course, monkeypatch, capsys):
    monkeypatch.chdir(course / "docs")
    assert main(["translations"]) == 0, capsys.readouterr()
    assert not (course / "docs" / "gan_lessons").exists()
    assert (course / "gan_lessons" / "locale" / "zh_CN" / "LC_MESSAGES" / "gan_lessons.mo").is_file()
    assert main(["notebooks", "--check"]) == 0, capsys.readouterr()


def test_case9_outside_any_repository_nothing_is_written(tmp_path, monkeypatch, capsys):
    lost = tmp_path / "lost"
    lost.mkdir()
    monkeypatch.chdir(lost)
    one_line_error(capsys, ["translations"], "course's repository", str(lost), "nothing was written")
    one_line_error(capsys, ["notebooks"], "course's repository")
    assert list(lost.iterdir()) == []


# ---------------------------------------------------------------- 10. sample --out dir/.npy


@pytest.mark.parametrize("name", [".npy", ".NPY"])
def test_case10_an_npy_file_needs_a_name(tmp_path, capsys, name):
    one_line_error(
        capsys, ["sample", tmp_path / "c.pt", "--out", tmp_path / name], "needs a file name", f"{tmp_path}/samples.npy"
    )


# ---------------------------------------------------------------- 11. --import-json with malformed JSON


@pytest.mark.parametrize(
    "text, words",
    [('{"a": 1,\n "b" 2}', ["not valid JSON", "line 2, column 6"]), ("[1, 2]", ["one JSON object", "list"]),
     (b"\xff\xfe{}", ["not UTF-8"])],
)  # fmt: skip
def test_case11_a_bad_json_file_is_named(course, monkeypatch, capsys, text, words):
    bad = course / "bad.json"
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    monkeypatch.chdir(course)
    one_line_error(capsys, ["translations", "--import-json", bad], str(bad), *words)
    assert not (course / "gan_lessons" / "locale").exists()  # refused before writing anything


# ---------------------------------------------------------------- 12. the label -> class-folder table


def _class_folders(root, names, per_class=3, size=8):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in names:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (size, size), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


@pytest.mark.parametrize("lang, head", [("en", "labels: "), ("zh-CN", "标签：")])
def test_case12_a_conditional_folder_run_prints_its_labels(tmp_path, monkeypatch, capsys, lang, head):
    data = _class_folders(tmp_path / "pets", ["cats", "dogs"])

    def stop(*a, **kw):
        raise RuntimeError("stopped before training (test)")

    monkeypatch.setattr(runs, "train_run", stop)
    monkeypatch.setenv("GAN_LESSONS_LANG", lang)
    assert main(["train", "dcgan", "--conditional", "--data", str(data), "--out", str(tmp_path / "run")]) == 1
    out = capsys.readouterr().out
    assert out == f"{head}0 = 'cats', 1 = 'dogs'\n"


def test_case12_many_classes_take_a_few_lines():
    lines = labels_lines([f"class number {i}" for i in range(30)] + ["猫"])
    assert lines[0].startswith("labels: 0 = 'class number 0', 1 = 'class number 1'")
    assert 3 <= len(lines) <= 10 and all(len(line) <= 110 for line in lines)
    assert lines[-1].endswith("30 = '猫'") and all(line.startswith("  ") for line in lines[1:])
    assert ", ".join(line.strip().rstrip(",") for line in lines).count(" = ") == 31
    assert json.dumps(labels_lines(["a", "b"])) == json.dumps(["labels: 0 = 'a', 1 = 'b'"])
