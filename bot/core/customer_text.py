"""Texts the gateway itself says to customers, in every supported language.

One JSON file per language under ``bot/core/locales/``; a test checks that every
language has every key.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from bot.core.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Language

LOCALES_DIR = Path(__file__).parent / "locales"


@functools.cache
def load_strings(language: Language) -> dict[str, str]:
    data = json.loads((LOCALES_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in data.items()}


def customer_text(language: Language, key: str, **params: object) -> str:
    """The text for ``key`` in ``language`` (English if missing), with ``{params}`` filled in."""
    template = load_strings(language).get(key) or load_strings(DEFAULT_LANGUAGE)[key]
    return template.format(**params) if params else template


def missing_keys() -> dict[Language, set[str]]:
    """Keys present in English but missing in another language."""
    reference = set(load_strings(DEFAULT_LANGUAGE))
    return {
        lang: reference - set(load_strings(lang)) for lang in SUPPORTED_LANGUAGES if reference - set(load_strings(lang))
    }
