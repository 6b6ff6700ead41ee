"""The fault runs' referee finds what it is there to find."""

from tests.ledger import ResendingCustomer, check


def ledger(acked: dict[str, int], received: dict[int, str], outbox: dict[str, str] | None = None) -> ResendingCustomer:
    customer = ResendingCustomer("http://unused", "t")
    customer.acked = acked
    customer.received = {seq: {"text": text} for seq, text in received.items()}
    customer.outbox = outbox or {}
    return customer


def entry(seq: int, sender: str, client_id: str | None = None) -> dict[str, object]:
    return {"seq": seq, "sender": sender, "text": f"t{seq}", "client_message_id": client_id}


def test_a_clean_run_is_clean() -> None:
    stored = [entry(1, "customer", "t-1"), entry(2, "bot"), entry(3, "note"), entry(4, "customer", "t-2")]
    assert check(ledger({"t-1": 1, "t-2": 4}, {2: "t2"}), stored).clean


def test_an_acknowledged_message_missing_or_displaced_is_lost() -> None:
    stored = [entry(1, "customer", "t-1"), entry(2, "bot"), entry(3, "customer", "t-3")]
    report = check(ledger({"t-1": 1, "t-2": 3, "t-3": 3}, {2: "t2"}), stored)
    assert report.lost == ["t-2"] and not report.duplicated


def test_a_message_stored_twice_is_a_duplicate() -> None:
    stored = [entry(1, "customer", "t-1"), entry(2, "customer", "t-1"), entry(3, "bot")]
    report = check(ledger({"t-1": 1}, {3: "t3"}), stored)
    assert report.duplicated == ["t-1"]
    assert report.unseen == [2], "the second copy was shown to nobody"


def test_a_reply_never_received_and_a_message_never_acknowledged_are_reported() -> None:
    stored = [entry(1, "customer", "t-1"), entry(2, "agent")]
    report = check(ledger({"t-1": 1}, {}, outbox={"t-2": "hello?"}), stored)
    assert report.unseen == [2] and report.unacknowledged == ["t-2"] and not report.clean
