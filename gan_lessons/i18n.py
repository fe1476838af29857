"""The course's languages: English (the default and the fallback) and Simplified Chinese (``"zh-CN"``).

Standard gettext: every string a learner reads is written in English in the code and marked with
:func:`_` (or :func:`ngettext`; figure text with :func:`figure_text`, which also needs a CJK font).
``python -m gan_lessons translations`` extracts them with Babel into ``locale/gan_lessons.pot``,
merges them into ``locale/zh_CN/LC_MESSAGES/gan_lessons.po`` and compiles the ``.mo`` file read
here. A message without a translation is shown in English.

The language is chosen once, explicitly: a Chinese notebook's first code cell runs
``set_language("zh-CN")``; the command line reads ``GAN_LESSONS_LANG`` (or, failing that, the locale:
``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``). Importing the package never changes it.

    >>> from gan_lessons.i18n import set_language, _
    >>> set_language("zh-CN")
    'zh-CN'
    >>> _("Well done.")
    '做得好。'
"""

from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "ENV_VAR",
    "set_language",
    "get_language",
    "language",
    "language_from_environment",
    "gettext",
    "ngettext",
    "_",
    "N_",
    "figure_text",
    "argparse_speaks",
]

DOMAIN = "gan_lessons"
LOCALE_DIR = Path(__file__).parent / "locale"
#: the languages the course speaks, and their gettext catalogue names (English needs none)
LANGUAGES = {"en": None, "zh-CN": "zh_CN"}
#: the environment variable the command line reads (e.g. ``GAN_LESSONS_LANG=zh-CN``)
ENV_VAR = "GAN_LESSONS_LANG"
_ALIASES = {"en": "en", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN", "zh_hans": "zh-CN"}

_active = {"language": "en", "translations": _gettext.NullTranslations()}


def _normalise(lang):
    if not isinstance(lang, str):
        raise TypeError(f"language must be a str such as 'en' or 'zh-CN', got {type(lang).__name__}")
    key = lang.strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"language must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}")
    return _ALIASES[key]


def _load(lang):
    code = LANGUAGES[lang]
    if code is None:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    except OSError as e:  # a broken install: say so rather than silently speak English
        raise ValueError(
            f"the {lang} message catalogue is missing from {LOCALE_DIR}; reinstall the course "
            "(course authors: python -m gan_lessons translations)"
        ) from e


def set_language(lang):
    """Speak ``lang`` from now on: ``"en"`` (the default) or ``"zh-CN"`` (``"zh"`` is accepted too).

    Affects exercise feedback, widgets, progress bars, figure text (see :func:`figure_text`) and
    the command line's messages. Returns the language's canonical name.
    """
    lang = _normalise(lang)
    _active["translations"] = _load(lang)
    _active["language"] = lang
    return lang


def get_language():
    """The language in use: ``"en"`` or ``"zh-CN"``."""
    return _active["language"]


class language:
    """``with language("zh-CN"): ...`` speaks ``lang`` inside the block, then the previous language again."""

    def __init__(self, lang):
        self.lang = _normalise(lang)

    def __enter__(self):
        self._saved = (_active["language"], _active["translations"])
        set_language(self.lang)
        return self.lang

    def __exit__(self, *exc):
        _active["language"], _active["translations"] = self._saved
        return False


def language_from_environment(environ=None, use_locale=True):
    """The language the environment asks for: ``GAN_LESSONS_LANG``, else (``use_locale``) the locale.

    The locale variables are read in gettext's order (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``); any Chinese locale (``zh_CN.UTF-8``, ``zh_SG``, ``zh``…) gives ``"zh-CN"``, anything
    else English. An unknown ``GAN_LESSONS_LANG`` raises ``ValueError`` naming it.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(ENV_VAR, "").strip()
    if explicit:
        try:
            return _normalise(explicit)
        except ValueError:
            raise ValueError(f"{ENV_VAR} must be one of {', '.join(LANGUAGES)}, got {explicit!r}") from None
    if use_locale:
        for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            value = environ.get(var, "")
            if value:
                first = value.split(":")[0].split(".")[0].lower().replace("-", "_")
                return "zh-CN" if first == "zh" or first.startswith("zh_") else "en"
    return "en"


def gettext(message):
    """``message`` in the language in use (English when it has no translation).

    An empty message (or ``None``: no title) comes back as it is: gettext would give the catalogue's header.
    """
    return _active["translations"].gettext(message) if message else message


def ngettext(singular, plural, n):
    """The singular or plural message for ``n``, in the language in use."""
    return _active["translations"].ngettext(singular, plural, n)


_ = gettext


def N_(message):
    """Mark ``message`` for translation without translating it now (module-level constants).

    Translate it where it is shown, with ``_(message)``: the language may change after import.
    """
    return message


# argparse's own words ("usage:", "options", its error messages) come from gettext too: listed here so that
# Babel extracts them into the course's catalogue, and looked up there while the command line runs.
_ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


@contextmanager
def argparse_speaks():
    """While the command line runs, argparse's gettext lookups use the course's catalogue and language."""
    import argparse

    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = gettext, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def figure_text(message):
    """Text drawn *in a figure* (title, axis label, legend): translated only if a CJK font can draw it.

    Matplotlib's default font has no Chinese glyphs. In Chinese, the first call looks for one
    (:func:`gan_lessons.fonts.use_cjk_font`); where none is installed, figures keep their English
    text, silently, and ``python -m gan_lessons doctor`` says how to install a font.
    """
    if _active["language"] == "en" or not message:
        return message
    from .fonts import use_cjk_font

    return gettext(message) if use_cjk_font() else message
