"""The staff pages' catalogs (bot/staff/pages/locales/): one key set for every language, every key used there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.core.languages import LANGUAGES
from bot.core.paths import PROJECT_ROOT
from bot.staff.web import LOCALE_FILES, LOCALES_DIR

#: The staff pages' own files: the shared shell, the console, the trainer page, the dashboard.
PAGE_DIRS = [
    PROJECT_ROOT / "bot" / "staff" / "pages",
    PROJECT_ROOT / "handoff" / "console",
    PROJECT_ROOT / "bot" / "trainer" / "page",
    PROJECT_ROOT / "bot" / "analytics" / "dashboard",
]
#: i18n.js itself only names keys in its documentation.
NOT_SCANNED = {"i18n.js", "constants.js"}
KEY_USES = [
    re.compile(r'\bt\(\s*"([^"]+)"'),
    re.compile(r'data-i18n(?:-[a-z-]+)?="([^"]+)"'),
    re.compile(r'"data-i18n(?:-[a-z-]+)?":\s*"([^"]+)"'),
    re.compile(r'dataset\.i18n\s*=\s*"([^"]+)"'),
    re.compile(r'\b(?:titleKey|hintKey|refusedKey):\s*"([^"]+)"'),
]
PLURAL_USE = re.compile(r'\bplural\(\s*"([^"]+)"')
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(code: str) -> dict[str, str]:
    loaded = json.loads(LOCALE_FILES[code].read_text(encoding="utf-8"))
    assert isinstance(loaded, dict) and all(isinstance(v, str) for v in loaded.values()), code
    return loaded


def page_files() -> list[Path]:
    return [
        path
        for directory in PAGE_DIRS
        for path in sorted(directory.iterdir())
        if path.suffix in (".js", ".html") and path.name not in NOT_SCANNED
    ]


def used_keys() -> tuple[set[str], set[str]]:
    """(keys, plural keys) the pages name."""
    keys: set[str] = set()
    plurals: set[str] = set()
    for path in page_files():
        text = path.read_text(encoding="utf-8")
        for pattern in KEY_USES:
            keys.update(pattern.findall(text))
        plurals.update(PLURAL_USE.findall(text))
    return keys, plurals


def test_every_registered_language_has_a_catalog_and_nothing_else_is_one() -> None:
    assert sorted(path.stem for path in LOCALES_DIR.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_language_has_every_key_with_the_same_placeholders(code: str) -> None:
    english, own = catalog("en"), catalog(code)
    assert sorted(set(english) - set(own)) == [], f"{code} lacks these keys"
    assert sorted(set(own) - set(english)) == [], f"{code} has keys English does not"
    for key, text in own.items():
        assert text.strip(), f"{code}: {key} is empty"
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), f"{code}: {key}"


def test_every_language_is_named_in_every_catalog() -> None:
    english = catalog("en")
    assert [f"language.{code}" in english for code in LANGUAGES] == [True] * len(LANGUAGES)


def test_every_key_the_pages_use_is_in_english_and_every_english_key_is_used() -> None:
    english = catalog("en")
    keys, plurals = used_keys()
    assert len(keys) > 100, "the patterns no longer find the pages' keys"
    assert sorted(keys - set(english)) == []
    assert sorted(key for key in plurals if f"{key}_other" not in english) == []
    language_names = {f"language.{code}" for code in LANGUAGES} | {"language.unknown"}
    plural_forms = {key for key in english if re.sub(r"_(zero|one|two|few|many|other)$", "", key) in plurals}
    assert sorted(set(english) - keys - plural_forms - language_names) == [], "keys no page uses"


def test_pages_mark_no_text_with_a_key_that_looks_like_english() -> None:
    """A catalog key is dotted lower case: a typo'd key would show as itself on the page."""
    keys, plurals = used_keys()
    assert [key for key in keys | plurals if not re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key)] == []
