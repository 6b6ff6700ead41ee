"""Which of the supported languages a customer writes in (used by the gateway and the NLU components).

The script decides for Armenian and Persian. Armenian and Persian typed in Latin
letters, as many customers do on phones ("vonc es", "kei mirese"), are told from
English and Malay by a character n-gram classifier (naive Bayes) trained on the
training data's Latin-script lines (``data/nlu/<lang>/latin.yml``, all English and
Malay lines) and on word lists (``romanized/<lang>.txt``); lingua knows Armenian and
Persian only in their own scripts. Otherwise lingua tells English from Malay. Text
too short or too mixed to judge returns ``None`` so the caller keeps the
conversation's language.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Final

from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag
from bot.core.paths import NLU_DATA_DIR

__all__ = ["detect_language", "resolve_language"]

# Latin text shorter than this many letters is not judged ("ok", "tq", "hi").
MIN_LATIN_LETTERS: Final = 4
# lingua's confidence for the winner must exceed this to override the
# conversation's current language.
MIN_LINGUA_CONFIDENCE: Final = 0.7
#: Languages also written in Latin letters, with a word list each.
ROMANIZED: Final[tuple[Language, ...]] = ("hy", "fa")
ROMANIZED_DIR: Final = Path(__file__).parent / "romanized"
_LATIN_WORD = re.compile(r"[a-z]+")
#: Languages written in Latin letters anyway, whose every training line teaches the classifier.
LATIN_NATIVE: Final[tuple[Language, ...]] = ("en", "ms")
NGRAMS: Final = (2, 3, 4)
#: A romanized language must beat English and Malay by this much (mean log-likelihood per n-gram).
ROMANIZED_MARGIN: Final = 0.35
#: Below this mean log-likelihood per n-gram the text is like none of the languages (held-out
#: romanized lines score above -8.4, keyboard mash below -9).
MIN_ROMANIZED_LIKELIHOOD: Final = -8.7
MIN_ROMANIZED_LETTERS: Final = 5
MIN_ROMANIZED_WORD: Final = 6


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


@functools.cache
def romanized_words(language: Language) -> frozenset[str]:
    """The word list of romanized ``language`` (lowercase, one word per line, ``#`` comments)."""
    lines = (ROMANIZED_DIR / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _ngrams(text: str) -> list[str]:
    grams = []
    for word in _LATIN_WORD.findall(text.lower()):
        padded = f" {word} "
        grams += [padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]
    return grams


def _example_lines(path: Path) -> list[str]:
    """The examples of a Rasa NLU file (``    - text`` lines), without a YAML parser."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [line[6:] for line in lines if line.startswith("    - ")]


class RomanizedClassifier:
    """Naive Bayes over character n-grams: English, Malay, and Armenian and Persian in Latin letters."""

    def __init__(self, documents: dict[Language, list[str]]) -> None:
        self.counts = {
            language: Counter(g for text in texts for g in _ngrams(text)) for language, texts in documents.items()
        }
        self.totals = {language: sum(counts.values()) for language, counts in self.counts.items()}
        self.vocabulary = len(set().union(*self.counts.values())) or 1

    @classmethod
    def from_training_data(cls, nlu_dir: Path = NLU_DATA_DIR) -> RomanizedClassifier:
        documents: dict[Language, list[str]] = {}
        for language in LATIN_NATIVE:
            documents[language] = [
                line for path in sorted((nlu_dir / language).glob("*.yml")) for line in _example_lines(path)
            ]
        for language in ROMANIZED:
            documents[language] = _example_lines(nlu_dir / language / "latin.yml") + sorted(romanized_words(language))
        return cls(documents)

    def scores(self, text: str) -> dict[Language, float]:
        """Mean log-likelihood per n-gram of ``text`` under each language (higher is likelier)."""
        grams = _ngrams(text)
        if not grams:
            return {}
        return {
            language: sum(math.log((counts[g] + 1) / (self.totals[language] + self.vocabulary)) for g in grams)
            / len(grams)
            for language, counts in self.counts.items()
        }

    def romanized(self, text: str) -> Language | None:
        """Armenian or Persian if ``text`` is plainly one of them in Latin letters, else None."""
        scores = self.scores(text)
        if not scores:
            return None
        best = max(ROMANIZED, key=lambda language: scores[language])
        others = max(score for language, score in scores.items() if language != best)
        if scores[best] < MIN_ROMANIZED_LIKELIHOOD:
            return None  # unlike anything it learnt ("grbl zrk", "xq xq xq"): keyboard mash, not a language
        return best if scores[best] - others >= ROMANIZED_MARGIN else None


@functools.cache
def romanized_classifier() -> RomanizedClassifier:
    return RomanizedClassifier.from_training_data()


def _detect_romanized(text: str) -> Language | None:
    words = _LATIN_WORD.findall(text.lower())
    letters = sum(len(word) for word in words)
    # One short word ("hiya", "tnx") says too little to overrule the page's language.
    if letters < MIN_ROMANIZED_LETTERS or (len(words) < 2 and letters < MIN_ROMANIZED_WORD):
        return None
    return romanized_classifier().romanized(text)


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
    if romanized := _detect_romanized(text):
        return romanized
    if latin < MIN_LATIN_LETTERS:
        return None
    return _detect_latin(text)


def resolve_language(text: str, requested: object = None, current: object = None) -> Language:
    """The language to answer in: Armenian or Persian when the text is plainly in one (in its
    script or in Latin letters), else the page's, else the text's, else the conversation's.

    The page's language (the widget's) is only what the customer reads; a customer who
    writes Armenian on an English page is answered in Armenian. English and Malay are
    too close to overrule the page on a short message.
    """
    detected = detect_language(text)
    if detected in ROMANIZED:
        return detected
    return parse_language_tag(requested) or detected or parse_language_tag(current) or DEFAULT_LANGUAGE
