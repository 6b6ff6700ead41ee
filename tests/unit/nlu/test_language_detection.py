import pytest

from bot.core.languages import parse_language_tag
from bot.nlu.language_detection import detect_language, resolve_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ինչպե՞ս հետևել իմ ծանրոցին", "hy"),
        ("Բարև ձեզ", "hy"),
        ("سفارشم کجاست؟", "fa"),
        ("سفارشم كجاست", "fa"),
        ("می‌خواهم با یک نفر صحبت کنم", "fa"),
        ("where is my parcel", "en"),
        ("I want to return my shoes, how does that work?", "en"),
        ("nak tanya pasal penghantaran", "ms"),
        ("boleh tak saya pulangkan barang ni", "ms"),
        ("bila duit refund sy masuk", "ms"),
    ],
)
def test_detects_language_from_text(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["ok", "tq", "??", "123", "👍", ""])
def test_too_short_or_no_letters_is_undecided(text: str) -> None:
    assert detect_language(text) is None


def test_order_numbers_do_not_change_the_script_decision() -> None:
    assert detect_language("سفارش 12345 کجاست") == "fa"
    assert detect_language("Պատվեր 12345 որտեղ է") == "hy"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fa", "fa"),
        ("fa-IR", "fa"),
        ("hy_AM", "hy"),
        ("ms-MY", "ms"),
        ("EN-us", "en"),
        ("de", None),
        (None, None),
        (5, None),
    ],
)
def test_parse_language_tag(tag: object, expected: str | None) -> None:
    assert parse_language_tag(tag) == expected


def test_page_language_wins_then_text_then_conversation() -> None:
    assert resolve_language("where is my parcel", requested="fa") == "fa"
    assert resolve_language("where is my parcel", requested="xx", current="ms") == "en"
    assert resolve_language("ok", current="hy") == "hy"
    assert resolve_language("ok") == "en"


def test_switching_language_mid_conversation_follows_the_text() -> None:
    assert resolve_language("سفارشم کجاست", current="en") == "fa"
