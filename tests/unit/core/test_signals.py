from bot.core.signals import (
    HandoffPriority,
    HandoffReason,
    HandoffSignal,
    low_confidence_payload,
    model_guesses,
    parse_handoff_signal,
    parse_low_confidence,
)


def test_signal_round_trips_through_the_custom_payload() -> None:
    signal = HandoffSignal.for_reason(HandoffReason.COMPLAINT, [{"name": "complain", "confidence": 0.9}])
    assert signal.priority == HandoffPriority.HIGH
    assert parse_handoff_signal(signal.to_payload()) == signal


def test_customer_request_is_normal_priority() -> None:
    assert HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST).priority == HandoffPriority.NORMAL


def test_other_custom_payloads_are_not_signals() -> None:
    assert parse_handoff_signal(None) is None
    assert parse_handoff_signal({"other": 1}) is None
    assert parse_handoff_signal({"handoff": {"reason": "nonsense"}}) is None
    assert parse_handoff_signal({"handoff": "x"}) is None


def test_model_guesses_skip_the_fallback_and_name_faq_by_its_key() -> None:
    parse_data = {
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.5},
            {"name": "faq", "confidence": 0.31234},
            {"name": "greet", "confidence": 0.2},
            {"name": "deny", "confidence": 0.1},
            {"name": "affirm", "confidence": 0.05},
        ],
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/warranty", "confidence": 0.9}}},
    }
    assert model_guesses(parse_data) == [
        {"name": "faq/warranty", "confidence": 0.3123},
        {"name": "greet", "confidence": 0.2},
        {"name": "deny", "confidence": 0.1},
    ]
    assert model_guesses(None) == []


def test_low_confidence_notice_round_trips() -> None:
    guesses = [{"name": "greet", "confidence": 0.3}]
    assert parse_low_confidence(low_confidence_payload(guesses)) == guesses
    assert parse_low_confidence({"handoff": {}}) is None
    assert parse_low_confidence("text") is None


def test_the_handoff_responses_carry_the_signal_in_every_language() -> None:
    """So a customer is queued even when the action server is down."""
    from ruamel.yaml import YAML

    from bot.core.paths import PROJECT_ROOT

    responses = YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    for name, reason in (
        ("utter_handoff_request", HandoffReason.CUSTOMER_REQUEST),
        ("utter_complain", HandoffReason.COMPLAINT),
    ):
        for variation in responses[name]:
            assert parse_handoff_signal(variation.get("custom")) == HandoffSignal.for_reason(reason), name
