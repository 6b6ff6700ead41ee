"""Agent assist's plain core: the answers read from a domain, the ranking, key sentences and the summary."""

from __future__ import annotations

from typing import Any

from bot.core.conversations import Conversation, ConversationState
from handoff.canned import CannedAnswer, signed_canned_answers
from handoff.suggestions import (
    AnswerBook,
    SuggestionSource,
    conversation_summary,
    intent_scores,
    key_sentence,
    rank_suggestions,
)

MALAY = [{"type": "slot", "name": "language", "value": "ms"}]
DOMAIN: dict[str, Any] = {
    "responses": {
        "utter_greet": [{"text": "Hi!"}],
        "utter_faq/refund_status": [
            {"text": "Refunds take 5 days."},
            {"text": "Bayaran balik mengambil masa 5 hari.", "condition": MALAY},
            {"text": "Another Malay wording.", "condition": MALAY},
        ],
        "utter_faq/return_policy": [
            {"text": "Returns within 30 days."},
            {"text": "Pemulangan dalam 30 hari.", "condition": MALAY},
            {"text": "Not a language.", "condition": [{"type": "slot", "name": "tier", "value": "gold"}]},
        ],
    }
}

CANNED = [
    CannedAnswer("Checking", "I'm checking this now.", ("complain",)),
    CannedAnswer("Order number", "Your order number, please?", ("faq/order_tracking",)),
    CannedAnswer("Goodbye", "Have a lovely day!", ("goodbye",)),
]


def parse(intents: dict[str, float], faq: dict[str, float] | None = None) -> dict[str, Any]:
    ranking = [{"name": name, "confidence": value} for name, value in intents.items()]
    data: dict[str, Any] = {"intent": ranking[0], "intent_ranking": ranking}
    if faq:
        keys = [{"intent_response_key": f"faq/{key}", "confidence": value} for key, value in faq.items()]
        data["response_selector"] = {"faq": {"response": keys[0], "ranking": keys}}
    return data


def test_the_answer_book_holds_each_faq_answer_per_language_first_variation_first() -> None:
    book = AnswerBook.from_domain(DOMAIN)
    assert book.keys == ["faq/refund_status", "faq/return_policy"]
    assert book.answer("faq/refund_status", "en") == "Refunds take 5 days."
    assert book.answer("faq/refund_status", "ms") == "Bayaran balik mengambil masa 5 hari."
    assert book.answer("faq/refund_status", "fa") is None  # never an English answer for a Persian customer
    assert book.answer("faq/return_policy", "ms") == "Pemulangan dalam 30 hari."
    assert AnswerBook.from_domain({"responses": "nonsense"}).keys == []


def test_faq_answers_score_the_faq_intent_times_the_answer() -> None:
    scores = intent_scores(parse({"faq": 0.8, "complain": 0.2}, {"refund_status": 0.9, "return_policy": 0.1}))
    assert scores == {"complain": 0.2, "faq/refund_status": 0.8 * 0.9, "faq/return_policy": 0.8 * 0.1}


def test_the_fallback_is_no_intent() -> None:
    data = parse({"nlu_fallback": 0.5, "faq": 0.4}, {"refund_status": 1.0})
    assert intent_scores(data) == {"faq/refund_status": 0.4}


def test_suggestions_are_in_the_customers_language_most_likely_first() -> None:
    data = parse({"faq": 0.7, "complain": 0.25, "goodbye": 0.05}, {"refund_status": 0.8, "return_policy": 0.2})
    suggestions = rank_suggestions(data, "ms", AnswerBook.from_domain(DOMAIN), CANNED)
    assert [(s.source, s.label) for s in suggestions] == [
        (SuggestionSource.ASSISTANT, "faq/refund_status"),
        (SuggestionSource.CANNED, "Checking"),
        (SuggestionSource.ASSISTANT, "faq/return_policy"),
    ]
    assert suggestions[0].text == "Bayaran balik mengambil masa 5 hari."
    assert [s.confidence for s in suggestions] == sorted((s.confidence for s in suggestions), reverse=True)


def test_a_canned_answer_scores_its_best_intent_and_noise_is_left_out() -> None:
    data = parse({"faq": 0.97, "goodbye": 0.03}, {"order_tracking": 0.99, "refund_status": 0.01})
    suggestions = rank_suggestions(data, "en", AnswerBook.from_domain(DOMAIN), CANNED)
    # order_tracking has no answer in this domain: the canned one stands for it; goodbye at 0.03 is noise.
    assert [(s.label, round(s.confidence, 2)) for s in suggestions] == [("Order number", 0.96)]


def test_at_most_three_and_no_text_twice() -> None:
    canned = [CannedAnswer(f"c{i}", "Same text", ("greet",)) for i in range(5)]
    data = parse({"greet": 0.6, "faq": 0.4}, {"refund_status": 0.5, "return_policy": 0.5})
    suggestions = rank_suggestions(data, "en", AnswerBook.from_domain(DOMAIN), canned)
    assert [s.text for s in suggestions] == ["Same text", "Refunds take 5 days.", "Returns within 30 days."]


def test_canned_answers_are_signed_and_name_their_intents_in_every_language() -> None:
    for language in ("en", "hy", "fa", "ms"):
        answers = signed_canned_answers(language, "Anna")
        assert all("{agent}" not in answer.text for answer in answers)
        assert all(answer.intents for answer in answers), language
        assert "Anna" in answers[0].text


def test_the_key_sentence_is_the_question_in_the_customers_own_words() -> None:
    assert key_sentence("Hi there. I ordered a lamp last week! Where is my refund?") == "Where is my refund?"
    assert key_sentence("سلام. سفارشم کی می‌رسد؟ ممنون") == "سفارشم کی می‌رسد؟"
    assert key_sentence("Բարև։ Ե՞րբ կհասնի իմ պատվերը") == "Ե՞րբ կհասնի իմ պատվերը"
    assert key_sentence("ok. this is the longest sentence here. bye") == "this is the longest sentence here."
    assert key_sentence("word " * 100).endswith("…")
    assert len(key_sentence("word " * 100)) == 160


def tracker(*events: tuple[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"event": "action", "name": "action_session_start"}]
    for kind, value in events:
        if kind == "user":
            text, data = value
            out.append({"event": "user", "text": text, "parse_data": data})
        else:
            out.append({"event": "bot", "text": value})
    return out


def test_the_summary_lists_what_was_asked_and_answered_and_how_long_they_waited() -> None:
    unsure = parse({"nlu_fallback": 0.5, "faq": 0.35, "complain": 0.15}, {"refund_status": 0.9})
    events = tracker(
        ("user", ("Hello. Where is my money from the lamp?", unsure)),
        ("bot", "Sorry, I didn't get that. Could you rephrase?"),
        ("user", ("my money!!", unsure)),
        ("bot", "Let me find you a person."),
        ("user", ("/request_human", parse({"request_human": 1.0}))),
    )
    conversation = Conversation(
        "c1", "ms", ConversationState.ASSIGNED, created_at=1000.0, handoff_reason="low_confidence",
        queued_at=1100.0, assigned_at=1190.0,
    )  # fmt: skip
    summary = conversation_summary(conversation, events, now=1200.0)
    assert (summary["reason"], summary["language"], summary["waited_s"], summary["since_s"]) == (
        "low_confidence", "ms", 90.0, 200.0,
    )  # fmt: skip
    first, second, button = summary["questions"]
    assert first["text"] == "Where is my money from the lamp?"
    assert (first["understood"], first["intent"]) == (False, "nlu_fallback")
    assert first["guesses"][0]["name"] == "faq/refund_status"
    assert first["answers"] == ["Sorry, I didn't get that. Could you rephrase?"]
    assert second["answers"] == ["Let me find you a person."]
    assert (button["button"], button["text"], button["intent"], button["understood"]) == (
        True, "", "request_human", True,
    )  # fmt: skip
    assert summary["unsure_turns"] == 2 and summary["complete"]


def test_a_summary_without_the_assistant_says_so_and_keeps_what_the_gateway_knows() -> None:
    conversation = Conversation("c1", "fa", ConversationState.QUEUED, created_at=1000.0, queued_at=1050.0)
    summary = conversation_summary(conversation, None, now=1080.0)
    assert (summary["complete"], summary["questions"], summary["waited_s"]) == (False, [], 30.0)
