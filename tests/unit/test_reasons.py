from handoff.reasons import HandoffPriority, HandoffReason, HandoffSignal, parse_handoff_signal


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
