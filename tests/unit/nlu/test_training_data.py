"""The shipped training data, and adding examples to a copy of it (bot/nlu/training_data.py)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.core.languages import SUPPORTED_LANGUAGES
from bot.core.paths import NLU_DATA_DIR, PROJECT_ROOT
from bot.nlu.training_data import (
    BrokenTrainingData,
    InvalidExample,
    UnknownLabel,
    UnknownLanguage,
    add_example,
    example_key,
    known_labels,
    load_nlu_data,
)
from bot.nlu.validate import check_training_data
from tests.helpers import domain_responses

INTENTS = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "request_human", "complain", "out_of_scope"]
FAQ_KEYS = [
    "shipping_time", "return_policy", "refund_status", "payment_methods", "support_hours",
    "contact_channels", "order_tracking", "cancel_order", "warranty",
]  # fmt: skip
LABELS = sorted(INTENTS + [f"faq/{key}" for key in FAQ_KEYS])
MIN_EXAMPLES = 20


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    """A copy of the shipped NLU data."""
    shutil.copytree(NLU_DATA_DIR, tmp_path / "nlu")
    return tmp_path / "nlu"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def examples_of(nlu_dir: Path, language: str, label: str) -> list[str]:
    return [example.text for example in load_nlu_data(nlu_dir).by_label(language)[label]]


# The shipped data


def test_the_shipped_data_passes_every_check() -> None:
    problems = check_training_data(NLU_DATA_DIR, PROJECT_ROOT / "domain.yml")
    assert [str(problem) for problem in problems] == []


def test_known_labels_are_the_promised_intents_and_faq_keys() -> None:
    assert known_labels(NLU_DATA_DIR) == LABELS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_label_has_enough_examples_in_every_language(language: str) -> None:
    examples = load_nlu_data(NLU_DATA_DIR).by_label(language)
    assert sorted(examples) == LABELS
    for label in LABELS:
        assert len(examples[label]) >= MIN_EXAMPLES, (language, label, len(examples[label]))


def test_every_faq_key_has_an_answer_in_every_language() -> None:
    responses = domain_responses()
    for key in FAQ_KEYS:
        assert sorted(responses[f"utter_faq/{key}"]) == sorted(SUPPORTED_LANGUAGES), key


def test_each_example_knows_its_file_and_line() -> None:
    data = load_nlu_data(NLU_DATA_DIR)
    assert data.problems == []
    lines = {path: path.read_text(encoding="utf-8").splitlines() for path in {e.path for e in data.examples}}
    for example in data.examples:
        assert example.line is not None
        assert lines[example.path][example.line - 1].strip() == f"- {example.text}", example
        assert example.path.parent.name == example.language


def test_example_key_folds_case_space_and_spelling_variants() -> None:
    assert example_key("  Hello   THERE ") == example_key("hello there")
    assert example_key("كفش ميرسه") == example_key("کفش میرسه")  # Arabic kaf and yeh
    assert example_key("ողջու՜յն") == example_key("ողջույն")  # Armenian exclamation mark inside the word
    assert example_key("Բարև") != example_key("բարեւ")  # two spellings the model tells apart


# add_example


def test_an_added_example_is_one_more_line_and_everything_else_is_kept(nlu_dir: Path) -> None:
    before = snapshot(nlu_dir)
    path = nlu_dir / "en" / "nlu.yml"
    last_thank = max(e.line or 0 for e in load_nlu_data(nlu_dir).by_label("en")["thank"])
    assert add_example(nlu_dir, "en", "thank", "  thanks a million, legends ") is True
    lines = before["en/nlu.yml"].decode().splitlines(keepends=True)
    expected = [*lines[:last_thank], "    - thanks a million, legends\n", *lines[last_thank:]]
    assert path.read_text(encoding="utf-8") == "".join(expected)
    assert path.read_text(encoding="utf-8").startswith("# LANG: English training data\n")
    after = snapshot(nlu_dir)
    assert {name for name in after if after[name] != before.get(name)} == {"en/nlu.yml"}
    assert examples_of(nlu_dir, "en", "thank")[-1] == "thanks a million, legends"


def test_comments_block_order_and_indentation_survive(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    path = tmp_path / "en" / "nlu.yml"
    path.write_text(
        '# greetings and thanks\nversion: "3.1"\nnlu:\n  # the greetings\n  - intent: greet   # say hi\n'
        "    examples: |\n      - hi\n      - hello\n\n  - intent: thank\n    examples: |\n      - thanks\n",
        encoding="utf-8",
    )
    assert add_example(tmp_path, "en", "greet", "hey there") is True
    assert add_example(tmp_path, "en", "thank", "cheers") is True
    assert path.read_text(encoding="utf-8") == (
        '# greetings and thanks\nversion: "3.1"\nnlu:\n  # the greetings\n  - intent: greet   # say hi\n'
        "    examples: |\n      - hi\n      - hello\n      - hey there\n\n"
        "  - intent: thank\n    examples: |\n      - thanks\n      - cheers\n"
    )


def test_a_faq_key_goes_to_faq_yml_and_an_intent_to_nlu_yml(nlu_dir: Path) -> None:
    before = snapshot(nlu_dir)
    assert add_example(nlu_dir, "ms", "faq/warranty", "jaminan berapa lama untuk kasut?") is True
    assert add_example(nlu_dir, "ms", "greet", "assalamualaikum semua") is True
    after = snapshot(nlu_dir)
    assert {name for name in after if after[name] != before[name]} == {"ms/faq.yml", "ms/nlu.yml"}
    assert "jaminan berapa lama untuk kasut?" in examples_of(nlu_dir, "ms", "faq/warranty")
    assert "assalamualaikum semua" in examples_of(nlu_dir, "ms", "greet")


def remove_block(path: Path, label: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- intent: {label}\n")
    end = text.index("- intent: ", start + 1)
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_a_known_label_missing_in_one_language_gets_a_new_block(nlu_dir: Path) -> None:
    remove_block(nlu_dir / "hy" / "nlu.yml", "deny")  # blocks without blank lines between them
    remove_block(nlu_dir / "hy" / "latin.yml", "deny")
    remove_block(nlu_dir / "en" / "nlu.yml", "deny")  # blocks with a blank line between them
    (nlu_dir / "fa" / "faq.yml").unlink()
    assert "deny" not in load_nlu_data(nlu_dir).by_label("hy")

    assert add_example(nlu_dir, "hy", "deny", "ոչ, շնորհակալ եմ") is True
    assert add_example(nlu_dir, "en", "deny", "nah mate") is True
    assert add_example(nlu_dir, "fa", "faq/warranty", "گارانتی دارید؟") is True

    assert examples_of(nlu_dir, "hy", "deny") == ["ոչ, շնորհակալ եմ"]
    hy = (nlu_dir / "hy" / "nlu.yml").read_text(encoding="utf-8")
    assert hy.endswith("\n- intent: deny\n  examples: |\n    - ոչ, շնորհակալ եմ\n")
    assert "\n\n- intent: deny" not in hy
    en = (nlu_dir / "en" / "nlu.yml").read_text(encoding="utf-8")
    assert en.endswith("\n\n- intent: deny\n  examples: |\n    - nah mate\n")
    assert (nlu_dir / "fa" / "faq.yml").read_text(encoding="utf-8") == (
        'version: "3.1"\nnlu:\n- intent: faq/warranty\n  examples: |\n    - گارانتی دارید؟\n'
    )


@pytest.mark.parametrize(
    ("language", "label", "text"),
    [
        ("en", "greet", "hi"),  # the same label
        ("en", "thank", "hi"),  # another label
        ("en", "goodbye", "  HELLO  "),  # case and spaces
        ("fa", "thank", "كفش رو سفارش بدم تا آخر هفته ميرسه؟"),  # as written, under another label
        ("fa", "faq/shipping_time", "کفش رو سفارش بدم تا آخر هفته میرسه؟"),  # Persian letters for Arabic ones
        ("hy", "greet", "ողջու՜յն"),  # an Armenian mark the normaliser drops
    ],
)
def test_an_example_already_in_the_language_is_not_added(nlu_dir: Path, language: str, label: str, text: str) -> None:
    before = snapshot(nlu_dir)
    assert add_example(nlu_dir, language, label, text) is False
    assert snapshot(nlu_dir) == before


def test_the_same_text_may_be_added_in_another_language(nlu_dir: Path) -> None:
    assert "howdy" in examples_of(nlu_dir, "en", "greet")
    assert "howdy" not in examples_of(nlu_dir, "ms", "greet")
    assert add_example(nlu_dir, "ms", "greet", "howdy") is True


@pytest.mark.parametrize("label", ["faq/gift_cards", "greeting", "faq", "", "GREET"])
def test_an_unknown_label_is_refused(nlu_dir: Path, label: str) -> None:
    before = snapshot(nlu_dir)
    with pytest.raises(UnknownLabel) as raised:
        add_example(nlu_dir, "en", label, "do you sell gift cards?")
    assert raised.value.label == label
    assert snapshot(nlu_dir) == before


@pytest.mark.parametrize(
    "text", ["", "   ", "two\nlines", "two\r\nlines", "line\u2028separator", "x" * 501, "null\x00byte",
             "see [our page](https://example.com)"],
)  # fmt: skip
def test_bad_text_is_refused(nlu_dir: Path, text: str) -> None:
    before = snapshot(nlu_dir)
    with pytest.raises(InvalidExample) as raised:
        add_example(nlu_dir, "en", "greet", text)
    assert raised.value.reason
    assert snapshot(nlu_dir) == before


def test_the_length_limit_is_inclusive_and_can_be_set(nlu_dir: Path) -> None:
    assert add_example(nlu_dir, "en", "complain", "a" * 500) is True
    with pytest.raises(InvalidExample):
        add_example(nlu_dir, "en", "complain", "b" * 11, max_chars=10)


@pytest.mark.parametrize("language", ["de", "", "../en", "../nlu", ".", "en/nlu.yml"])
def test_an_unknown_language_is_refused(nlu_dir: Path, language: str) -> None:
    before = snapshot(nlu_dir)
    with pytest.raises(UnknownLanguage):
        add_example(nlu_dir, language, "greet", "hallo")
    assert snapshot(nlu_dir) == before


@pytest.mark.parametrize(
    "text",
    ["- foo", "# not a comment", "price # 2", "key: value", '"quoted"', "'single", "| pipe", "> folded",
     "[x] y", "{a: b}", "? q", "*star &anchor !tag %percent @at `tick", "---", "...", "tab\there",
     "می\u200cخواهم سفارش بدم"],
)  # fmt: skip
def test_text_yaml_would_misread_is_kept_as_written(nlu_dir: Path, text: str) -> None:
    path = nlu_dir / "en" / "nlu.yml"
    blocks = path.read_text(encoding="utf-8").count("examples: |\n")
    assert add_example(nlu_dir, "en", "greet", text) is True
    assert examples_of(nlu_dir, "en", "greet")[-1] == text
    content = path.read_text(encoding="utf-8")
    assert f"\n    - {text}\n" in content  # a plain line of the literal block
    assert content.count("examples: |\n") == blocks


def test_a_language_whose_file_does_not_parse_is_not_changed(nlu_dir: Path) -> None:
    path = nlu_dir / "fa" / "faq.yml"
    path.write_text(path.read_text(encoding="utf-8") + '- intent: faq/warranty\n  examples: "unclosed\n', "utf-8")
    before = snapshot(nlu_dir)
    with pytest.raises(BrokenTrainingData) as raised:
        add_example(nlu_dir, "fa", "greet", "درود بر شما")
    assert [problem.path for problem in raised.value.problems] == [path]
    assert str(raised.value).startswith("fa/faq.yml:")  # no server paths in what a trainer may see
    assert snapshot(nlu_dir) == before
    assert add_example(nlu_dir, "en", "greet", "greetings, earthlings") is True  # other languages still work


def test_additions_at_the_same_time_are_all_kept(nlu_dir: Path) -> None:
    texts = [f"question number {n} about my parcel" for n in range(8)]
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda t=text: results.append(add_example(nlu_dir, "en", "faq/order_tracking", t)))
        for text in texts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * len(texts)
    assert set(texts) <= set(examples_of(nlu_dir, "en", "faq/order_tracking"))
    assert not list(nlu_dir.rglob("*.tmp"))


def test_armenian_in_latin_letters_is_kept_apart_and_in_its_script_in_the_main_files(nlu_dir: Path) -> None:
    assert add_example(nlu_dir, "hy", "faq/warranty", "erashxiq@ qani tari e") is True
    assert add_example(nlu_dir, "hy", "faq/warranty", "Քանի՞ տարի է երաշխիքը այս սարքի համար") is True
    latin = (nlu_dir / "hy" / "latin.yml").read_text(encoding="utf-8")
    faq = (nlu_dir / "hy" / "faq.yml").read_text(encoding="utf-8")
    assert "erashxiq@ qani tari e" in latin and "erashxiq@" not in faq
    assert "Քանի՞ տարի է երաշխիքը" in faq and "Քանի՞ տարի է երաշխիքը" not in latin
