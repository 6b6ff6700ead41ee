"""What every text from outside goes through before it is stored or shown."""

from __future__ import annotations

from bot.core.text import clean_text


def test_a_lone_surrogate_becomes_a_replacement_character_and_the_rest_stays() -> None:
    cleaned = clean_text("\ud800 سلام")
    assert cleaned == "\ufffd سلام"
    assert cleaned.encode("utf-8")  # now storable


def test_controls_and_bidi_overrides_go_and_persian_marks_stay() -> None:
    assert clean_text("a\x00b\x07c\r\nd\te") == "abc\nd\te"
    assert clean_text("pay \u202eusd.exe\u202c now") == "pay usd.exe now"
    assert clean_text("\u2067abc\u2069") == "abc"
    persian = "می\u200cخواهم \u200fسفارش"
    assert clean_text(persian) == persian


def test_armenian_marks_are_untouched() -> None:
    assert clean_text("Ինչպե՞ս հետևել ծանրոցին։") == "Ինչպե՞ս հետևել ծանրոցին։"


def test_nothing_left_is_empty() -> None:
    assert clean_text("\x00\u202e  \r\n") == ""
