"""The training data and responses promised for every language are there."""

from collections import Counter

import pytest
from ruamel.yaml import YAML

from bot.language import SUPPORTED_LANGUAGES
from bot.paths import NLU_DATA_DIR
from tests.helpers import domain_responses

INTENTS = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "request_human", "complain"]
FAQ_KEYS = [
    "shipping_time", "return_policy", "refund_status", "payment_methods", "support_hours",
    "contact_channels", "order_tracking", "cancel_order", "warranty",
]  # fmt: skip
MIN_EXAMPLES = 20


def examples_by_intent(language: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for path in sorted((NLU_DATA_DIR / language).glob("*.yml")):
        for block in YAML(typ="safe").load(path.read_text(encoding="utf-8")).get("nlu", []):
            lines = [
                line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")
            ]
            result.setdefault(block["intent"], []).extend(lines)
    return result


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_intent_and_faq_key_has_enough_examples(language: str) -> None:
    examples = examples_by_intent(language)
    expected = INTENTS + [f"faq/{key}" for key in FAQ_KEYS]
    assert sorted(examples) == sorted(expected)
    for intent in expected:
        assert len(examples[intent]) >= MIN_EXAMPLES, (language, intent, len(examples[intent]))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_example_is_repeated_within_a_language(language: str) -> None:
    counts = Counter(text.lower() for texts in examples_by_intent(language).values() for text in texts)
    assert [text for text, n in counts.items() if n > 1] == []


def test_every_response_exists_in_every_language() -> None:
    responses = domain_responses()
    assert {f"utter_faq/{key}" for key in FAQ_KEYS} <= set(responses)
    for name, by_language in responses.items():
        assert sorted(by_language) == sorted(SUPPORTED_LANGUAGES), name
