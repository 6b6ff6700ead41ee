"""Which of the supported languages a customer writes in.

The page may say it (``metadata.language``); otherwise the script decides for
Armenian and Persian, and lingua tells English from Malay. Text too short or too
mixed to judge returns ``None`` so the caller keeps the conversation's language.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final, Literal, get_args

__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "Language",
    "detect_language",
    "parse_language_tag",
    "resolve_language",
]

Language = Literal["en", "hy", "fa", "ms"]
SUPPORTED_LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "en"
RIGHT_TO_LEFT: Final[frozenset[str]] = frozenset({"fa"})

# Latin text shorter than this many letters is not judged ("ok", "tq", "hi").
MIN_LATIN_LETTERS: Final = 4
# lingua's confidence for the winner must exceed this to override the
# conversation's current language.
MIN_LINGUA_CONFIDENCE: Final = 0.7
_TAG_ALIASES: Final[dict[str, Language]] = {
    "per": "fa",
    "fas": "fa",
    "arm": "hy",
    "hye": "hy",
    "msa": "ms",
    "may": "ms",
    "zsm": "ms",
    "eng": "en",
}


def parse_language_tag(tag: object) -> Language | None:
    """Map a BCP 47 tag such as ``fa-IR`` or ``ms_MY`` to a supported language."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    for language in SUPPORTED_LANGUAGES:
        if primary == language:
            return language
    return _TAG_ALIASES.get(primary)


def _script_counts(text: str) -> tuple[int, int, int]:
    armenian = arabic = latin = 0
    for char in text:
        code = ord(char)
        if 0x0531 <= code <= 0x058F or 0xFB13 <= code <= 0xFB17:
            armenian += 1
        elif 0x0600 <= code <= 0x06FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
            arabic += 1 if char.isalpha() else 0
        elif char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            latin += 1
    return armenian, arabic, latin


@functools.cache
def _latin_detector() -> object:
    from lingua import Language as Lingua
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Lingua.ENGLISH, Lingua.MALAY).build()


def _detect_latin(text: str) -> Language | None:
    from lingua import Language as Lingua

    detector = _latin_detector()
    values = detector.compute_language_confidence_values(text)  # type: ignore[attr-defined]
    if not values or values[0].value < MIN_LINGUA_CONFIDENCE:
        return None
    return "ms" if values[0].language == Lingua.MALAY else "en"


def detect_language(text: str) -> Language | None:
    """Guess the language of ``text``, or ``None`` when it cannot be told."""
    armenian, arabic, latin = _script_counts(text)
    letters = armenian + arabic + latin
    if letters == 0:
        return None
    if armenian * 2 > letters:
        return "hy"
    if arabic * 2 > letters:
        return "fa"
    if latin < MIN_LATIN_LETTERS:
        return None
    return _detect_latin(text)


def resolve_language(text: str, requested: object = None, current: object = None) -> Language:
    """The language to answer in: the page's, else the text's, else the conversation's."""
    return parse_language_tag(requested) or detect_language(text) or parse_language_tag(current) or DEFAULT_LANGUAGE
