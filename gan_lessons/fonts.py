"""A font that draws Chinese in figures: found when one is installed, never required.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs: Chinese text drawn with it comes out as
empty boxes, with a "Glyph … missing from font" warning. :func:`use_cjk_font` looks for an installed
CJK font (Noto Sans CJK, Source Han Sans, WenQuanYi, PingFang, Hiragino, Microsoft YaHei, SimHei …),
or the file ``GAN_LESSONS_CJK_FONT`` names, and puts it first in matplotlib's sans-serif list (it has
Latin glyphs too; mathematics between ``$`` keeps matplotlib's maths font). First, not second: the plain
text of a label that also holds ``$maths$`` is drawn with the first font alone, with no fallback.
With none, :func:`gan_lessons.i18n.figure_text` keeps figures in English and ``doctor`` says how
to install one (``binder/apt.txt`` installs ``fonts-noto-cjk`` on Binder).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__all__ = ["CJK_FAMILIES", "FONT_ENV_VAR", "find_cjk_font", "use_cjk_font", "install_hint"]

#: families tried in this order (simplified-Chinese faces first)
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Microsoft YaHei",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Serif CJK SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
#: a font file to use instead (any font with Chinese glyphs)
FONT_ENV_VAR = "GAN_LESSONS_CJK_FONT"
# file names of those families, for fonts installed after matplotlib cached its font list
_FILE_PATTERN = re.compile(
    r"(notosanscjk|notosanssc|sourcehansans|wqy|wenquanyi|pingfang|hiragino.*gb|stheiti|msyh|simhei|droidsansfallback|"
    r"notoserifcjk|uming)",
    re.IGNORECASE,
)
_state = {"checked": False, "family": None}


def _known_family(names):
    for family in CJK_FAMILIES:
        if family in names:
            return family
    return None


def find_cjk_font():
    """The family name of an installed CJK font matplotlib can use, or ``None``.

    Registers the font file named by ``GAN_LESSONS_CJK_FONT`` first, if set; then looks in
    matplotlib's font list; then, if that has none (its cache predates the font's installation),
    in the system's font folders. A ``GAN_LESSONS_CJK_FONT`` that names no file, or a file that cannot be read
    as a font, raises ``ValueError`` saying so.
    """
    from matplotlib import font_manager

    fm = font_manager.fontManager
    path = os.environ.get(FONT_ENV_VAR, "").strip()
    if path:
        if not Path(path).is_file():
            raise ValueError(f"{FONT_ENV_VAR} names {path!r}, which is not a font file")
        before = {f.name for f in fm.ttflist}
        try:
            fm.addfont(path)
        except (OSError, RuntimeError, ValueError) as e:  # FreeType: "FT_Open_Face ... invalid stream operation"
            detail = " ".join(str(e).split())
            raise ValueError(f"{FONT_ENV_VAR} names {path!r}, which cannot be read as a font ({detail})") from None
        added = [f.name for f in fm.ttflist if f.fname == path or f.name not in before]
        if added:
            return added[0]
    family = _known_family({f.name for f in fm.ttflist})
    if family:
        return family
    for fname in font_manager.findSystemFonts():
        if _FILE_PATTERN.search(Path(fname).name):
            try:
                fm.addfont(fname)
            except (OSError, RuntimeError, ValueError):  # a font matplotlib cannot read: skip it
                continue
    return _known_family({f.name for f in fm.ttflist})


def use_cjk_font():
    """Make matplotlib draw Chinese with an installed CJK font; ``True`` if there is one (checked once)."""
    if not _state["checked"]:
        import matplotlib

        family = find_cjk_font()
        if family:
            sans = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
            matplotlib.rcParams["font.sans-serif"] = [family, *sans]
        _state.update(checked=True, family=family)
    return _state["family"] is not None


def _reset():
    """Forget the result of the last search (tests, or after installing a font)."""
    _state.update(checked=False, family=None)


def install_hint(platform=None):
    """One line: how to install a CJK font on this kind of machine."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        how = "sudo apt-get install fonts-noto-cjk  (Fedora: sudo dnf install google-noto-sans-cjk-fonts)"
    elif platform == "darwin":
        how = "macOS has PingFang SC already; if figures stay English, delete ~/.matplotlib/fontlist-*.json"
    elif platform.startswith("win"):
        how = "Windows has Microsoft YaHei already; if figures stay English, delete the matplotlib font cache"
    else:
        how = "install Noto Sans CJK SC (https://github.com/notofonts/noto-cjk)"
    return f"{how}; or set {FONT_ENV_VAR}=/path/to/font.otf"
