"""The course's languages: English (the default and the fallback) and Simplified Chinese (``"zh-CN"``).

Standard gettext: every string a learner reads is written in English in the code and marked with
:func:`_` (or :func:`ngettext`; figure text with :func:`figure_text`, which also needs a CJK font).
``python -m gan_lessons translations`` extracts them with Babel into ``locale/gan_lessons.pot``,
merges them into ``locale/zh_CN/LC_MESSAGES/gan_lessons.po`` and compiles the ``.mo`` file read
here. A message without a translation is shown in English.

The language is chosen once, explicitly: a Chinese notebook's first code cell runs
``set_language("zh-CN")``; the command line reads ``GAN_LESSONS_LANG`` (or, failing that, the locale, in
POSIX's order: ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, and GNU's ``LANGUAGE`` list unless the locale is
``C``/``POSIX``). Importing the package never changes it.

    >>> from gan_lessons.i18n import set_language, _
    >>> set_language("zh-CN")
    'zh-CN'
    >>> _("Well done.")
    '做得好。'
"""

from __future__ import annotations

import gettext as _gettext
import os
import struct
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "CatalogueError",
    "catalogue",
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


class CatalogueError(ValueError):
    """A language's message catalogue (its compiled ``.mo``) is ``"missing"`` or ``"broken"`` (:attr:`problem`)."""

    def __init__(self, lang, problem, detail=""):
        self.lang, self.problem = lang, problem
        where = f"missing from {LOCALE_DIR}" if problem == "missing" else f"broken ({detail})"
        super().__init__(
            f"the {lang} message catalogue is {where}; reinstall the course "
            "(course authors: python -m gan_lessons translations)"
        )


def _load(lang):
    code = LANGUAGES[lang]
    if code is None:
        return _gettext.NullTranslations()
    path = _gettext.find(DOMAIN, LOCALE_DIR, languages=[code])
    if path is None:  # a broken install: say so rather than silently speak English
        raise CatalogueError(lang, "missing")
    try:
        with open(path, "rb") as f:
            return _gettext.GNUTranslations(f)
    except (OSError, struct.error, UnicodeDecodeError, ValueError, LookupError) as e:  # cut short, garbled, unreadable
        raise CatalogueError(lang, "broken", f"{path}: {getattr(e, 'strerror', None) or e}") from e


def catalogue(lang):
    """``lang``'s gettext translations, read afresh (English: none); :class:`CatalogueError` if missing or broken."""
    return _load(_normalise(lang))


def set_language(lang):
    """Speak ``lang`` from now on: ``"en"`` (the default) or ``"zh-CN"`` (``"zh"`` is accepted too).

    Affects exercise feedback, widgets, progress bars, figure text (see :func:`figure_text`) and
    the command line's messages. Returns the language's canonical name. A catalogue that is missing or broken
    raises :class:`CatalogueError` (a ``ValueError``) and leaves the language as it was.
    """
    lang = _normalise(lang)
    _active["translations"] = _load(lang)
    _active["language"] = lang
    return lang


def get_language():
    """The language in use: ``"en"`` or ``"zh-CN"``."""
    return _active["language"]


class language:
    """``with language("zh-CN"): ...`` speaks ``lang`` inside the block, then the previous language again.

    ``fallback``: called with the :class:`CatalogueError` when ``lang``'s catalogue is missing or broken; the
    block then speaks English (the command line warns and goes on). Without it, the error is raised.
    """

    def __init__(self, lang, fallback=None):
        self.lang, self.fallback = _normalise(lang), fallback

    def __enter__(self):
        self._saved = (_active["language"], _active["translations"])
        try:
            set_language(self.lang)
        except CatalogueError as e:
            if self.fallback is None:
                raise
            self.fallback(e)
            set_language("en")
        return _active["language"]

    def __exit__(self, *exc):
        _active["language"], _active["translations"] = self._saved
        return False


def _speaks(value):
    """The course's language for one locale name (``zh_CN.UTF-8``, ``zh``, ``en_GB``…), or ``None``."""
    first = value.split(".")[0].split("@")[0].strip().lower().replace("-", "_")
    if first == "zh" or first.startswith("zh_"):
        return "zh-CN"
    return "en" if first == "en" or first.startswith("en_") else None


def _c_locale(value):
    return value in ("C", "POSIX") or value.startswith("C.")


def language_from_environment(environ=None, use_locale=True):
    """The language the environment asks for: ``GAN_LESSONS_LANG``, else (``use_locale``) the locale.

    POSIX's order: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set and not empty is the locale
    (none: ``C``). Then GNU gettext's rule: unless that locale is ``C`` or ``POSIX`` (``C.UTF-8`` too), a
    ``LANGUAGE`` list (``zh_SG:en``) replaces it: its first entry the course speaks decides (``en``, ``C``:
    English), and a list of none of them leaves the messages in English; without a list the locale decides.
    Any Chinese locale (``zh_CN.UTF-8``, ``zh_SG``, ``zh``…) gives ``"zh-CN"``, anything else English. An
    unknown ``GAN_LESSONS_LANG`` raises ``ValueError`` naming it.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(ENV_VAR, "").strip()
    if explicit:
        try:
            return _normalise(explicit)
        except ValueError:
            raise ValueError(f"{ENV_VAR} must be one of {', '.join(LANGUAGES)}, got {explicit!r}") from None
    if not use_locale:
        return "en"
    locale = next((environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(v, "").strip()), "C").strip()
    if _c_locale(locale):
        return "en"
    entries = [e.strip() for e in environ.get("LANGUAGE", "").split(":") if e.strip()]
    for entry in entries:  # gettext takes the first entry it has a catalogue for; English is the messages' own
        if _c_locale(entry) or _speaks(entry):
            return _speaks(entry) or "en"
    return "en" if entries else (_speaks(locale) or "en")  # a LANGUAGE list the course cannot speak: untranslated


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
