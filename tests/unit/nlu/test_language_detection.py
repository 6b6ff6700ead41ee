import pytest

from bot.core.languages import parse_language_tag
from bot.core.paths import PROJECT_ROOT
from bot.nlu.language_detection import detect_language, resolve_language, romanized_words


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


def test_armenian_or_persian_text_overrules_the_pages_language() -> None:
    assert resolve_language("Ինչպե՞ս հետևել իմ ծանրոցին", requested="en") == "hy"
    assert resolve_language("سفارشم کجاست", requested="ms") == "fa"
    assert resolve_language("barev, vonc karox em poxel patvers", requested="en") == "hy"
    assert resolve_language("salam, sefaresham kei mirese?", requested="en") == "fa"
    # English and Malay do not overrule the page's language on their own.
    assert resolve_language("where is my parcel", requested="ms") == "ms"


@pytest.mark.parametrize("language", ["hy", "fa"])
def test_most_held_out_romanized_lines_are_told_and_never_taken_for_the_other(language: str) -> None:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((PROJECT_ROOT / "tests/data/nlu_test/latin" / f"{language}.yml").read_text())
    lines = [line[2:] for block in data["nlu"] for line in block["examples"].splitlines() if line.startswith("- ")]
    detected: list[str | None] = [detect_language(line) for line in lines]
    other = "fa" if language == "hy" else "hy"
    # Told for most; the rest are too short or too English-like to overrule the page's language.
    assert detected.count(language) >= 0.8 * len(lines), list(zip(lines, detected, strict=True))
    assert detected.count(other) == 0


def test_english_and_malay_training_lines_are_never_taken_for_romanized_armenian_or_persian() -> None:
    for language in ("en", "ms"):
        for path in (PROJECT_ROOT / "data/nlu" / language).glob("*.yml"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith("    - "):
                    assert detect_language(line[6:]) not in ("hy", "fa"), (path.name, line)


def test_the_word_lists_hold_no_english_or_malay_training_word() -> None:
    import re

    vocabulary = set()
    for language in ("en", "ms"):
        for path in (PROJECT_ROOT / "data/nlu" / language).glob("*.yml"):
            vocabulary |= set(re.findall(r"[a-z]+", path.read_text(encoding="utf-8").lower()))
    for language in ("hy", "fa"):
        assert not romanized_words(language) & vocabulary


@pytest.mark.parametrize("mash", ["grbl zrk", "xq xq xq", "hhhhhhh", "jjjj kkkk", "asdkjh qwe", "qwzx plorf vrrm"])
def test_keyboard_mash_is_never_taken_for_romanized_armenian_or_persian(mash: str) -> None:
    assert detect_language(mash) not in ("hy", "fa")
