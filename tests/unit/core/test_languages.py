"""The language registry, and that every registered language has all of its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.core.customer_text import LOCALES_DIR
from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, SUPPORTED_LANGUAGES, is_right_to_left, parse_language_tag
from bot.core.paths import PROJECT_ROOT
from bot.nlu.training_data import example_key, known_labels, load_nlu_data
from bot.nlu.validate import check_domain, check_nlu_data
from handoff.canned import CANNED_DIR
from tests.helpers import held_out_examples

WIDGET_LOCALES = PROJECT_ROOT / "web_widget" / "src" / "locales"


def test_tags_and_aliases_map_to_registered_languages() -> None:
    assert parse_language_tag("fa-IR") == "fa"
    assert parse_language_tag("ms_MY") == "ms"
    assert parse_language_tag("HYE") == "hy"
    assert parse_language_tag("xx") is None
    assert parse_language_tag(None) is None
    assert DEFAULT_LANGUAGE in SUPPORTED_LANGUAGES


def test_persian_alone_reads_right_to_left() -> None:
    assert [code for code in SUPPORTED_LANGUAGES if is_right_to_left(code)] == ["fa"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_its_nlu_data_and_held_out_examples(language: str) -> None:
    for name in ("nlu.yml", "faq.yml"):
        assert (PROJECT_ROOT / "data" / "nlu" / language / name).is_file(), f"data/nlu/{language}/{name}"
    assert (PROJECT_ROOT / "tests" / "data" / "nlu_test" / f"{language}.yml").is_file()


def test_every_label_has_enough_examples_in_every_language() -> None:
    data = load_nlu_data(PROJECT_ROOT / "data" / "nlu")
    assert set(data.languages) == set(SUPPORTED_LANGUAGES)
    assert [str(problem) for problem in check_nlu_data(data)] == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_held_out_example_is_in_the_training_data(language: str) -> None:
    """The held-out sets measure messages nobody trained on: an overlap would flatter the model."""
    trained = {example_key(example.text) for example in load_nlu_data(PROJECT_ROOT / "data" / "nlu").examples}
    assert [held.text for held in held_out_examples(language) if example_key(held.text) in trained] == []


def test_every_response_has_a_variation_per_language_and_the_slot_lists_them() -> None:
    labels = known_labels(PROJECT_ROOT / "data" / "nlu")
    assert check_domain(PROJECT_ROOT / "domain.yml", labels) == []
    domain = YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["language"]["values"]) == SUPPORTED_LANGUAGES


def _keys(path: Path) -> set[str]:
    return set(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("directory", [LOCALES_DIR, WIDGET_LOCALES], ids=["gateway", "widget"])
def test_every_language_has_every_customer_string(directory: Path) -> None:
    reference = _keys(directory / f"{DEFAULT_LANGUAGE}.json")
    assert {path.stem for path in directory.glob("*.json")} == set(SUPPORTED_LANGUAGES)
    for language in SUPPORTED_LANGUAGES:
        assert _keys(directory / f"{language}.json") == reference, f"{directory.name}/{language}.json"


def test_every_language_has_canned_answers_with_the_same_titles_count() -> None:
    counts = {language: len(json.loads((CANNED_DIR / f"{language}.json").read_text())) for language in LANGUAGES}
    assert min(counts.values()) > 0 and len(set(counts.values())) == 1, counts
