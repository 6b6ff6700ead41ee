"""The served model's responses: variations per language, and a domain kept while Rasa is away."""

from __future__ import annotations

from typing import Any

from bot.core.customer_protocol import welcome_payload
from bot.nlu import responses
from bot.nlu.responses import ServedDomain, first_variation, variation_language
from tests.fakes import ScriptedAssistant
from tests.helpers import domain

WELCOME = {
    "responses": {
        "utter_welcome": [
            {"text": "Hi! **Ask me**", "buttons": [{"title": "Where is my order?", "payload": "where is my order"}]},
            {"text": "Hai!", "condition": [{"type": "slot", "name": "language", "value": "ms"}]},
            {"text": "VIP", "condition": [{"type": "slot", "name": "tier", "value": "gold"}]},
        ]
    }
}


def test_each_variation_is_for_a_language() -> None:
    variations = WELCOME["responses"]["utter_welcome"]
    assert [variation_language(v) for v in variations] == ["en", "ms", None]
    assert first_variation(WELCOME, "utter_welcome", "ms") == variations[1]
    assert first_variation(WELCOME, "utter_welcome", "fa") is None
    assert first_variation(WELCOME, "utter_nothing", "en") is None


def test_the_welcome_payload_carries_text_and_quick_replies() -> None:
    variation = first_variation(WELCOME, "utter_welcome", "en")
    assert variation is not None
    assert welcome_payload("en", variation) == {
        "text": "Hi! **Ask me**",
        "quick_replies": [{"content_type": "text", "title": "Where is my order?", "payload": "where is my order"}],
        "language": "en",
    }


def test_the_domain_has_a_welcome_with_quick_replies_in_every_language() -> None:
    for language in ("en", "hy", "fa", "ms"):
        variation = first_variation(domain(), "utter_welcome", language)
        assert variation is not None and variation["text"], language
        assert {"title": variation["buttons"][-1]["title"], "payload": "/request_human"} == variation["buttons"][-1]


async def test_the_last_good_domain_serves_while_rasa_is_away() -> None:
    rasa = ScriptedAssistant(domain_data=WELCOME)
    served = ServedDomain(rasa)
    assert await served.get() == WELCOME
    rasa.down = True
    served._next_read = 0.0  # the cached domain is due again
    assert await served.get() == WELCOME  # the read failed: the last good one
    assert await ServedDomain(rasa).get() is None  # never read: nothing to serve


async def test_a_slow_rasa_holds_nobody_up(monkeypatch: Any) -> None:
    monkeypatch.setattr(responses, "READ_TIMEOUT_S", 0.05)
    rasa = ScriptedAssistant(domain_data=WELCOME, delay_s=1.0)
    assert await ServedDomain(rasa).get() is None
