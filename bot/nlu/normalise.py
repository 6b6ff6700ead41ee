"""Text normalisation for Persian and Armenian, shared by Rasa and the gateway.

Persian is typed on keyboards that produce Arabic letters, with or without the
zero-width non-joiner, and with Persian, Arabic or Latin digits; the same word
arrives spelt several ways. Armenian puts its question and emphasis marks
inside words (``Ինչպե՞ս``), which a whitespace tokenizer would split in two.
Both are folded to one spelling before tokenizing.
"""

from __future__ import annotations

import re

__all__ = ["normalise_armenian", "normalise_persian", "normalise_text"]

ZWNJ = "\u200c"

_PERSIAN_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # Arabic alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u06c0": "\u0647",  # heh with yeh above -> heh
        "\u0629": "\u0647",  # teh marbuta -> heh
    }
)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Harakat, superscript alef and tatweel carry no meaning for intent.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
# ZWNJ, and the space some people type in its place, inside verb prefixes and
# plural suffixes: می‌خواهم / میخواهم / می خواهم all become میخواهم.
_PREFIX_GAP = re.compile(r"(?<!\S)(ن?می)[\s\u200c]+(?=\S)")
_SUFFIX_GAP = re.compile(r"(?<=\S)[\s\u200c]+(ها|های|هایی|هایم|هایت|هایش)(?!\S)")

# Armenian emphasis ՛, exclamation ՜, question ՞ and abbreviation ՟ marks sit
# inside a word: they are dropped, so the word stays one token.
_ARMENIAN_IN_WORD = re.compile("[\u055b\u055c\u055e\u055f]")
# Armenian full stop ։ and comma ՝ end a word like their Latin cousins.
_ARMENIAN_PUNCTUATION = str.maketrans({"\u0589": " . ", "\u055d": " , ", "\u058a": "-"})
_SPACES = re.compile(r"\s+")


def normalise_persian(text: str) -> str:
    """Fold Arabic letters, digits, diacritics and ZWNJ variants to one spelling."""
    text = text.translate(_PERSIAN_LETTERS).translate(_DIGITS)
    text = _ARABIC_MARKS.sub("", text)
    text = _PREFIX_GAP.sub(r"\1", text)
    text = _SUFFIX_GAP.sub(r"\1", text)
    return text.replace(ZWNJ, "")


def normalise_armenian(text: str) -> str:
    """Drop in-word marks and separate Armenian punctuation from words."""
    text = _ARMENIAN_IN_WORD.sub("", text)
    return text.translate(_ARMENIAN_PUNCTUATION)


def normalise_text(text: str) -> str:
    """Normalise any supported language; text without those scripts is kept."""
    text = normalise_armenian(normalise_persian(text))
    return _SPACES.sub(" ", text).strip()
