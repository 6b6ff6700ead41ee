"""Which of the supported languages a customer writes in (used by the gateway and the NLU components).

The page may say it (``metadata.language``); otherwise the script decides for
Armenian and Persian, and lingua tells English from Malay. Text too short or too
mixed to judge returns ``None`` so the caller keeps the conversation's language.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag

__all__ = ["detect_language", "resolve_language"]

# Latin text shorter than this many letters is not judged ("ok", "tq", "hi").
MIN_LATIN_LETTERS: Final = 4
# lingua's confidence for the winner must exceed this to override the
# conversation's current language.
MIN_LINGUA_CONFIDENCE: Final = 0.7


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
