"""The report parts of bot/nlu/evaluate.py that need no model: confusions and the diff with the earlier run.

bot/nlu/evaluate.py runs in Rasa's environment and is outside mypy; it imports Rasa,
scikit-learn and matplotlib only inside the functions that need them, so these
parts run here too. Imported by name so mypy does not follow it.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

evaluate: Any = importlib.import_module("bot.nlu.evaluate")


def error(expected: str, predicted: str, text: str) -> dict[str, str]:
    return {"text": text, "expected": expected, "predicted": predicted}


def test_most_confused_pairs_first_with_up_to_three_texts() -> None:
    errors = [
        error("thank", "greet", "ta"),
        error("faq/refund_status", "faq/shipping_time", "a"),
        error("faq/refund_status", "faq/shipping_time", "b"),
        error("thank", "greet", "cheers"),
        error("faq/refund_status", "faq/shipping_time", "c"),
        error("faq/refund_status", "faq/shipping_time", "d"),
        error("deny", "affirm", "nope"),
    ]
    assert evaluate.most_confused(errors) == [
        {"expected": "faq/refund_status", "predicted": "faq/shipping_time", "count": 4, "examples": ["a", "b", "c"]},
        {"expected": "thank", "predicted": "greet", "count": 2, "examples": ["ta", "cheers"]},
        {"expected": "deny", "predicted": "affirm", "count": 1, "examples": ["nope"]},
    ]


def test_only_the_most_frequent_pairs_are_listed() -> None:
    errors = [error(f"label{n}", "greet", "x") for n in range(evaluate.TOP_CONFUSIONS + 5)]
    assert len(evaluate.most_confused(errors)) == evaluate.TOP_CONFUSIONS


def test_confusion_texts_cannot_break_the_markdown_table() -> None:
    report = {
        "en": {"confusions": [{"expected": "a", "predicted": "b", "count": 1, "examples": ["x | y", "back\\slash"]}]},
        "fa": {"confusions": []},
    }
    assert evaluate.confusion_lines(report) == [
        "",
        "## Most confused",
        "",
        "### en",
        "",
        "| expected | predicted | count | examples |",
        "|---|---|---|---|",
        "| a | b | 1 | x \\| y · back\\\\slash |",
        "",
        "### fa",
        "",
        "No example was misclassified.",
        "",
    ]


def write_report(folder: Path, intent_f1: float, age_s: float) -> Path:
    folder.mkdir(parents=True)
    report = folder / "f1.json"
    row = {"examples": 10, "intent_f1": intent_f1, "response_f1": intent_f1, "per_label_f1": {"greet": intent_f1}}
    report.write_text(json.dumps({"en": row}), encoding="utf-8")
    stamp = report.stat().st_mtime - age_s
    os.utime(report, (stamp, stamp))
    return folder


def test_the_earlier_report_is_the_newest_other_one_of_the_same_mode(tmp_path: Path) -> None:
    write_report(tmp_path / "cv-older", 0.5, age_s=300)
    newest = write_report(tmp_path / "cv-newer", 0.6, age_s=200)
    write_report(tmp_path / "test-newest", 0.7, age_s=100)
    (tmp_path / "cv-unfinished").mkdir()
    current = write_report(tmp_path / "cv-current", 0.8, age_s=0)
    assert evaluate.previous_report(current, "cv") == newest
    assert evaluate.previous_report(current, "test") == tmp_path / "test-newest"
    assert evaluate.previous_report(tmp_path / "elsewhere" / "cv-1", "cv") is None


def test_diff_md_against_the_earlier_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report(tmp_path / "cv-1", 0.5, age_s=100)
    current = write_report(tmp_path / "cv-2", 0.8, age_s=0)
    report = json.loads((current / "f1.json").read_text(encoding="utf-8"))
    evaluate.write_diff(report, current, "cv", None)
    diff = (current / "diff.md").read_text(encoding="utf-8")
    assert "cv-1 → cv-2" in diff
    assert "| en | 10 → 10 | 0.500 → 0.800 | +0.300 | 0.500 → 0.800 | +0.300 |" in diff
    assert "| en | greet | 0.50 → 0.80 | +0.300 |" in diff
    assert diff in capsys.readouterr().out


def test_diff_md_without_an_earlier_report_and_with_compare(tmp_path: Path) -> None:
    current = write_report(tmp_path / "test-1", 0.8, age_s=0)
    report = json.loads((current / "f1.json").read_text(encoding="utf-8"))
    evaluate.write_diff(report, current, "test", None)
    assert "No earlier report to compare with." in (current / "diff.md").read_text(encoding="utf-8")

    other = write_report(tmp_path / "kept" / "baseline", 0.9, age_s=0)
    evaluate.write_diff(report, current, "test", str(other / "f1.json"))
    assert "baseline → test-1" in (current / "diff.md").read_text(encoding="utf-8")

    (current / "diff.md").unlink()
    evaluate.write_diff(report, current, "test", "none")
    assert not (current / "diff.md").exists()
    with pytest.raises(SystemExit):
        evaluate.write_diff(report, current, "test", str(tmp_path / "missing"))


def test_what_matters_to_customers_is_scored_per_language() -> None:
    examples = [
        ("fa", "هوا چطوره", "out_of_scope"),
        ("fa", "یه شعر بگو", "out_of_scope"),
        ("fa", "کی قیمت دلار پایین میاد", "out_of_scope"),
        ("fa", "افتضاحه، پولم رو پس بدید", "complain"),
        ("fa", "سه بار پیام دادم جواب ندادید", "complain"),
        ("fa", "kei mirese", "faq/shipping_time"),
        ("fa", "salam", "greet"),
    ]
    predictions = [
        ("out_of_scope", False),  # kept from an FAQ answer
        ("faq/warranty", True),  # fell back: kept too
        ("faq/payment_methods", False),  # answered with an FAQ: the miss that matters
        ("complain", False),
        ("complain", True),  # fell back: asked to rephrase, not put first in line
        ("faq/shipping_time", False),
        ("greet", True),
    ]
    latin = [False] * 5 + [True] * 2
    assert evaluate.customer_recalls(examples, predictions, latin) == {
        "out_of_scope_recall": round(2 / 3, 4),
        "complaint_recall": 0.5,
        "latin_accuracy": 0.5,
    }
    assert evaluate.customer_recalls(examples[:1], predictions[:1], [False])["complaint_recall"] is None
