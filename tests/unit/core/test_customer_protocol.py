import pytest

from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_protocol import (
    ProtocolError,
    ProtocolErrorCode,
    history_payload,
    parse_session_request,
    parse_user_message,
    rasa_reply_payload,
)


def test_session_request_accepts_missing_or_bad_ids() -> None:
    assert parse_session_request(None).session_id is None
    assert parse_session_request({"session_id": 5}).session_id is None
    assert parse_session_request({"session_id": "abc"}).session_id == "abc"
    assert parse_session_request("junk").session_id is None
    assert parse_session_request({"language": "fa-IR"}).language == "fa"


def test_user_message_reads_custom_data_like_rasa_widgets() -> None:
    message = parse_user_message({"message": " hi ", "session_id": "s", "customData": {"language": "fa-IR"}}, 100)
    assert message.text == "hi"
    assert message.language == "fa"
    assert message.session_id == "s"


def test_user_message_accepts_metadata_key_too() -> None:
    message = parse_user_message({"message": "hi", "metadata": {"language": "ms", "client_message_id": "c1"}}, 100)
    assert message.language == "ms"
    assert message.client_message_id == "c1"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (None, ProtocolErrorCode.MALFORMED),
        ("text", ProtocolErrorCode.MALFORMED),
        ({"message": 5}, ProtocolErrorCode.MALFORMED),
        ({"message": "   "}, ProtocolErrorCode.EMPTY),
        ({"message": "x" * 101}, ProtocolErrorCode.TOO_LONG),
    ],
)
def test_bad_messages_are_refused_with_a_code(payload: object, code: ProtocolErrorCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_user_message(payload, 100)
    assert caught.value.code == code


def test_too_long_error_carries_the_limit() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_user_message({"message": "x" * 11}, 10)
    assert caught.value.params == {"max": 10}


def test_oversized_client_ids_and_metadata_are_trimmed() -> None:
    message = parse_user_message(
        {"message": "hi", "client_message_id": "x" * 65, "metadata": {f"k{i}": i for i in range(100)}}, 100
    )
    assert message.client_message_id is None
    assert len(message.metadata) == 20


def test_bot_uttered_maps_buttons_to_quick_replies_like_rasa() -> None:
    payload = rasa_reply_payload({"text": "Pick", "buttons": [{"title": "Yes", "payload": "/affirm"}]})
    assert payload == {
        "text": "Pick",
        "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}],
    }
    assert rasa_reply_payload({"image": "https://x/y.png"}) == {
        "attachment": {"type": "image", "payload": {"src": "https://x/y.png"}}
    }
    assert rasa_reply_payload({"custom": {"handoff": {}}}) == {}


def test_history_says_how_far_it_read_even_past_entries_the_customer_does_not_see() -> None:
    entries = [
        TranscriptEntry(Sender.CUSTOMER, "hi", "en", seq=4),
        TranscriptEntry(Sender.BOT, "hello", "en", seq=5),
        TranscriptEntry(Sender.NOTE, "vip customer", "en", seq=6),
    ]
    payload = history_payload(entries, after_seq=3)
    assert [m["text"] for m in payload["messages"]] == ["hi", "hello"]
    assert payload["last_seq"] == 6
    assert history_payload([], after_seq=9) == {"messages": [], "last_seq": 9}
