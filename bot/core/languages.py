"""The language registry: the one list of languages the product speaks.

Adding a language is one entry in :data:`LANGUAGES` plus its data (NLU
examples, responses in ``domain.yml``, the widget's and the gateway's locale
strings, canned answers); ``tests/unit/core/test_languages.py`` fails while any
of it is missing. The front ends read this list from the generated
``constants.js`` files (``python -m bot.core.shared_constants``).

Standard library only: Rasa's environment imports it too (NLU components).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "SUPPORTED_LANGUAGES",
    "Language",
    "LanguageInfo",
    "is_right_to_left",
    "parse_language_tag",
]

Language = Literal["en", "hy", "fa", "ms"]
SUPPORTED_LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "en"


@dataclass(frozen=True)
class LanguageInfo:
    code: Language
    #: The language's name in English, for logs and docs.
    name: str
    #: The language's name in itself, for language pickers.
    native_name: str
    direction: Literal["ltr", "rtl"] = "ltr"
    #: Other tags customers' browsers and pages use for it (ISO 639-2/3).
    aliases: tuple[str, ...] = ()


LANGUAGES: Final[dict[Language, LanguageInfo]] = {
    "en": LanguageInfo("en", "English", "English", aliases=("eng",)),
    "hy": LanguageInfo("hy", "Armenian", "Հայերեն", aliases=("arm", "hye")),
    "fa": LanguageInfo("fa", "Persian", "فارسی", direction="rtl", aliases=("per", "fas")),
    "ms": LanguageInfo("ms", "Malay", "Bahasa Melayu", aliases=("msa", "may", "zsm")),
}
assert tuple(LANGUAGES) == SUPPORTED_LANGUAGES, "Language and LANGUAGES must list the same codes"

_BY_TAG: Final[dict[str, Language]] = {
    tag: info.code for info in LANGUAGES.values() for tag in (info.code, *info.aliases)
}


def parse_language_tag(tag: object) -> Language | None:
    """Map a BCP 47 tag such as ``fa-IR`` or ``ms_MY`` to a supported language."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return _BY_TAG.get(primary)


def is_right_to_left(language: Language) -> bool:
    return LANGUAGES[language].direction == "rtl"
