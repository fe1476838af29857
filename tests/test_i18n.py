"""The course speaks English by default and Simplified Chinese on request (gan_lessons.i18n, gan_lessons.fonts).

Covers: choosing the language (explicitly, never at import; the command line from GAN_LESSONS_LANG or the
locale), the gettext catalogues being complete and compiled, the command line's help and errors in Chinese,
and Chinese in figures: drawn with a CJK font when there is one, English (silently) when there is none.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import pytest

from gan_lessons import cli, fonts, i18n
from gan_lessons.gettext_files import update_messages
from gan_lessons.i18n import _, figure_text, get_language, language, language_from_environment, set_language

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "gan_lessons" / "locale" / "zh_CN" / "LC_MESSAGES" / "gan_lessons.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_afterwards():
    """Every test starts and ends in English, with matplotlib's fonts and the font search as they were."""
    saved = dict(i18n._active)
    with matplotlib.rc_context():
        fonts._reset()
        yield
        fonts._reset()
    i18n._active.update(saved)


def test_english_is_the_default_and_importing_changes_nothing():
    out = subprocess.run(
        [sys.executable, "-c", "import gan_lessons, gan_lessons.i18n as i; print(i.get_language(), i._('usage: '))"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8", "GAN_LESSONS_LANG": "zh-CN"},
        check=True,
    )
    assert out.stdout.split("\n")[0] == "en usage: "  # the environment is the command line's business only


def test_set_language_switches_and_context_restores():
    assert get_language() == "en" and _("usage: ") == "usage: "
    assert set_language("zh") == "zh-CN" and get_language() == "zh-CN"
    assert _("usage: ") == "用法："
    with language("en"):
        assert _("usage: ") == "usage: "
    assert get_language() == "zh-CN"
    assert _("a message nobody translated") == "a message nobody translated"  # English is the fallback
    assert _("") == "" and figure_text("") == ""  # not the catalogue's header, which gettext keeps under ""


@pytest.mark.parametrize("bad, error", [("fr", ValueError), ("", ValueError), (None, TypeError), (1, TypeError)])
def test_set_language_rejects_what_it_does_not_speak(bad, error):
    with pytest.raises(error, match="language"):
        set_language(bad)
    assert get_language() == "en"


@pytest.mark.parametrize(
    "environ, want",
    [
        ({}, "en"),
        ({"GAN_LESSONS_LANG": "zh-CN"}, "zh-CN"),
        ({"GAN_LESSONS_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),  # the explicit choice wins
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANGUAGE": "zh_SG:en", "LANG": "en_GB.UTF-8"}, "zh-CN"),  # gettext's order: LANGUAGE first
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_language_from_environment(environ, want):
    assert language_from_environment(environ) == want


def test_language_from_environment_names_a_bad_choice():
    with pytest.raises(ValueError, match="GAN_LESSONS_LANG must be one of en, zh-CN, got 'klingon'"):
        language_from_environment({"GAN_LESSONS_LANG": "klingon"})


def test_message_catalogues_are_complete_and_compiled():
    """Every marked message is in the .pot, translated in the .po (same placeholders), compiled into the .mo."""
    problems = update_messages(ROOT, check=True)
    assert problems == [], "run: python -m gan_lessons translations\n" + "\n".join(problems[:40])


def test_every_chinese_message_formats_like_its_english():
    """A translation that drops or renames a placeholder would raise KeyError in a learner's notebook."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        catalog = read_po(f)
    checked = 0
    for m in catalog:
        if not m.id or not isinstance(m.id, str) or "{" not in m.id:
            continue
        names = set(re.findall(r"\{(\w+)[^{}]*\}", m.id))
        values = dict.fromkeys(names, 1)
        try:
            english = m.id.format(**values)
        except (ValueError, KeyError, IndexError):  # a format spec that needs a number of another kind: skip
            continue
        assert english and m.string.format(**values), m.id
        checked += 1
    assert checked > 20


def run_cli(monkeypatch, capsys, argv, **env):
    for key in ("GAN_LESSONS_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        status = cli.main(argv)
    except SystemExit as e:  # --help
        status = e.code
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_help_in_chinese_when_asked(monkeypatch, capsys):
    status, out, _ = run_cli(monkeypatch, capsys, ["train", "toy", "--help"], GAN_LESSONS_LANG="zh-CN")
    assert status == 0
    assert out.startswith("用法：python -m gan_lessons train toy")
    assert "显示此帮助信息并退出" in out and "随机种子（默认 0）" in out
    status, out, _ = run_cli(monkeypatch, capsys, ["train", "toy", "--help"])
    assert status == 0 and out.startswith("usage: ") and "random seed (default 0)" in out and not CJK.search(out)
    assert argparse._("usage: ") == "usage: "  # argparse speaks English again outside the command line


@pytest.mark.parametrize(
    "argv, english, chinese",
    [
        (
            ["train", "toy", "--steps", "0", "--out", "X"],
            "--steps must be a positive whole number",
            "--steps 必须是正整数",
        ),
        (["sample"], "the following arguments are required: CKPT, --out", "缺少以下必需参数：CKPT, --out"),
        (["train", "toy", "--data", "ring8", "--mean", "2", "--out", "X"], "--mean and --std", "--mean 和 --std"),
        (["frobnicate"], "invalid choice: 'frobnicate'", "无效的选择：'frobnicate'"),
    ],
)
def test_cli_errors_are_one_line_in_the_locales_language(monkeypatch, capsys, tmp_path, argv, english, chinese):
    argv = [str(tmp_path / a) if a == "X" else a for a in argv]
    status, out, err = run_cli(monkeypatch, capsys, argv, LANG="zh_CN.UTF-8")
    assert status != 0 and err.count("\n") == 1 and err.startswith("gan_lessons：错误：") and chinese in err, err
    status, out, err = run_cli(monkeypatch, capsys, argv, LANG="en_US.UTF-8")
    assert status != 0 and err.count("\n") == 1 and err.startswith("gan_lessons: error: ") and english in err, err
    assert not CJK.search(err)


def test_cli_refuses_an_unknown_language(monkeypatch, capsys):
    status, out, err = run_cli(monkeypatch, capsys, ["doctor"], GAN_LESSONS_LANG="fr")
    assert status == 1 and err == "gan_lessons: error: GAN_LESSONS_LANG must be one of en, zh-CN, got 'fr'\n"


# ---- Chinese in figures ---------------------------------------------------------------------------


def make_font(path, text, family="Course Test CJK SC"):
    """A small TrueType font with a box glyph for every character of ``text`` and of the Latin/Greek/maths ranges."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = set(text) | {chr(c) for r in ((0x20, 0x250), (0x370, 0x400), (0x2000, 0x2300)) for c in range(*r)}
    chars = sorted(c for c in chars if c.isprintable())
    names = [".notdef"] + [f"uni{ord(c):04X}" for c in chars]
    pen = TTGlyphPen(None)
    for x0, x1 in ((100, 900), (300, 700)):
        pen.moveTo((x0, 0))
        pen.lineTo((x0, 700))
        pen.lineTo((x1, 700))
        pen.lineTo((x1, 0))
        pen.closePath()
    box = pen.glyph()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"uni{ord(c):04X}" for c in chars})
    fb.setupGlyf({n: box for n in names})
    fb.setupHorizontalMetrics({n: (1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return family


def chinese_of_the_catalogue():
    return "".join(set(CJK.findall(PO.read_text(encoding="utf-8")))) + "，。：；？！“”（）、《》—…·"


def draw(fig):
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return " ".join(texts)


def a_lesson_figure():
    """Lesson 1's first figure (the two players), and its text as drawn."""
    from gan_lessons.plotting import plot_two_players

    ax = plot_two_players()
    return draw(ax.figure)


def test_with_a_cjk_font_figures_are_chinese_and_no_glyph_is_missing(tmp_path, monkeypatch):
    family = make_font(tmp_path / "cjk.ttf", chinese_of_the_catalogue())
    monkeypatch.setenv(fonts.FONT_ENV_VAR, str(tmp_path / "cjk.ttf"))
    set_language("zh-CN")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        assert fonts.use_cjk_font() and matplotlib.rcParams["font.sans-serif"][0] == family
        drawn = a_lesson_figure()
    assert CJK.search(drawn), drawn
    assert figure_text("density") != "density"


def test_with_the_installed_cjk_font_no_glyph_is_missing():
    """Where a real CJK font is installed (Binder: fonts-noto-cjk), lesson figures draw Chinese without warnings."""
    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed here (the made-up font above covers this path)")
    set_language("zh-CN")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = a_lesson_figure()
    assert CJK.search(drawn), drawn


def test_without_a_cjk_font_figures_stay_english_silently(monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    set_language("zh-CN")
    assert figure_text("density") == "density"
    assert _("usage: ") == "用法："  # everything else is still Chinese
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = a_lesson_figure()
    assert not CJK.search(drawn), drawn
    assert matplotlib.rcParams["font.sans-serif"][0] == "DejaVu Sans"


def test_a_font_variable_naming_no_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_ENV_VAR, str(tmp_path / "nope.otf"))
    with pytest.raises(ValueError, match="GAN_LESSONS_CJK_FONT names .*nope.otf.*not a font file"):
        fonts.find_cjk_font()


def doctor_font_row(monkeypatch, found):
    from gan_lessons import doctor

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: found)
    buf = io.StringIO()
    doctor.doctor(file=buf)
    return buf.getvalue()


def test_doctor_says_how_to_install_a_font_when_the_chinese_edition_needs_one(monkeypatch):
    set_language("zh-CN")
    report = doctor_font_row(monkeypatch, None)
    assert "[warn] 图中文字的中文字体" in report and "fonts-noto-cjk" in report, report
    set_language("en")
    report = doctor_font_row(monkeypatch, None)
    assert "[ok  ] Chinese font for figures" in report and "only the Chinese edition needs one" in report
    report = doctor_font_row(monkeypatch, "Noto Sans CJK SC")
    assert "[ok  ] Chinese font for figures" in report and "Noto Sans CJK SC" in report


@pytest.mark.parametrize("platform, word", [("linux", "apt-get"), ("darwin", "PingFang"), ("win32", "YaHei")])
def test_install_hint_fits_the_platform(platform, word):
    assert word in fonts.install_hint(platform) and fonts.FONT_ENV_VAR in fonts.install_hint(platform)


def test_binder_installs_a_cjk_font():
    assert "fonts-noto-cjk" in (ROOT / "binder" / "apt.txt").read_text().split()
