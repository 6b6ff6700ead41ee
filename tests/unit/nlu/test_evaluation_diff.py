"""Before/after of two evaluation reports (bot/nlu/evaluation_diff.py)."""

from __future__ import annotations

from typing import Any

from bot.nlu.evaluation_diff import LabelChange, ScoreChange, diff_reports, render_diff


def row(intent: float, response: float, examples: int = 100, **labels: float) -> dict[str, Any]:
    """A language's row of f1.json, as bot.nlu.evaluate writes it (label names with / spelt __)."""
    return {
        "examples": examples,
        "intent_f1": intent,
        "response_f1": response,
        "fallback_rate": 0.05,
        "per_label_f1": {name.replace("__", "/"): score for name, score in labels.items()},
        "errors": [{"text": "hm", "expected": "greet", "predicted": "thank"}],
        "confusions": [],
    }


OLD = {
    "en": row(0.9, 0.85, greet=0.95, thank=0.9, faq__warranty=0.8, faq__hours=0.7),
    "fa": row(0.88, 0.8, greet=0.9),
}
NEW = {
    "en": row(0.93, 0.8, greet=0.955, thank=0.89, faq__warranty=0.9, faq__hours=0.5, faq__gift_cards=0.6),
    "fa": row(0.88, 0.8, greet=0.9),
    "ms": row(0.91, 0.9, examples=80, greet=1.0),
}


def test_identical_reports_have_no_changes() -> None:
    diff = diff_reports(OLD, OLD)
    assert [(r.language, r.intent_f1.delta, r.response_f1.delta, r.labels) for r in diff.languages] == [
        ("en", 0.0, 0.0, ()),
        ("fa", 0.0, 0.0, ()),
    ]
    assert "No label's F1 changed by more than 0.01." in render_diff(diff)


def test_scores_old_and_new_with_signed_deltas() -> None:
    en, fa, ms = diff_reports(OLD, NEW).languages
    assert (en.language, en.intent_f1, en.intent_f1.delta) == ("en", ScoreChange(0.9, 0.93), 0.03)
    assert (en.response_f1, en.response_f1.delta) == (ScoreChange(0.85, 0.8), -0.05)
    assert fa.intent_f1.delta == 0.0
    assert (ms.language, ms.intent_f1, ms.intent_f1.delta, ms.examples) == (
        "ms",
        ScoreChange(None, 0.91),
        None,
        ScoreChange(None, 80.0),
    )


def test_labels_that_moved_more_than_the_threshold_biggest_first() -> None:
    en = diff_reports(OLD, NEW).languages[0]
    # greet moved 0.005 and thank exactly 0.01: neither is listed.
    assert en.labels == (
        LabelChange("faq/hours", ScoreChange(0.7, 0.5)),
        LabelChange("faq/warranty", ScoreChange(0.8, 0.9)),
        LabelChange("faq/gift_cards", ScoreChange(None, 0.6)),
    )
    assert [c.f1.delta for c in en.labels] == [-0.2, 0.1, None]
    assert [c.label for c in diff_reports(OLD, NEW, threshold=0.001).languages[0].labels][-2:] == [
        "greet",
        "faq/gift_cards",
    ]


def test_a_language_only_in_the_old_report_is_kept() -> None:
    diff = diff_reports(NEW, OLD)
    assert [r.language for r in diff.languages] == ["en", "fa", "ms"]
    assert diff.languages[2].intent_f1 == ScoreChange(0.91, None)


def test_rows_that_are_not_scores_are_tolerated() -> None:
    odd: dict[str, Any] = {"en": {"intent_f1": "high", "response_f1": True, "per_label_f1": ["greet"]}, "note": 1}
    diff = diff_reports(odd, NEW)
    assert [r.language for r in diff.languages] == ["en", "fa", "ms"]
    assert diff.languages[0].intent_f1 == ScoreChange(None, 0.93)
    assert diff.languages[0].response_f1 == ScoreChange(None, 0.8)


def test_the_markdown() -> None:
    markdown = render_diff(diff_reports(OLD, NEW), "cv-20261101-1200", "cv-20261125-0900")
    assert markdown == (
        "# Changes since the earlier report\n"
        "\n"
        "cv-20261101-1200 → cv-20261125-0900\n"
        "\n"
        "| language | examples | intent F1 | change | intent + faq key F1 | change |\n"
        "|---|---|---|---|---|---|\n"
        "| en | 100 → 100 | 0.900 → 0.930 | +0.030 | 0.850 → 0.800 | -0.050 |\n"
        "| fa | 100 → 100 | 0.880 → 0.880 | +0.000 | 0.800 → 0.800 | +0.000 |\n"
        "| ms | — → 80 | — → 0.910 | — | — → 0.900 | — |\n"
        "\n"
        "## Labels whose F1 changed by more than 0.01\n"
        "\n"
        "| language | label | F1 | change |\n"
        "|---|---|---|---|\n"
        "| en | faq/hours | 0.70 → 0.50 | -0.200 |\n"
        "| en | faq/warranty | 0.80 → 0.90 | +0.100 |\n"
        "| en | faq/gift_cards | — → 0.60 | — |\n"
        "| ms | greet | — → 1.00 | — |\n"
    )


def test_no_earlier_report() -> None:
    assert render_diff(None) == "# Changes since the earlier report\n\nNo earlier report to compare with.\n"


def test_a_missing_report_has_no_scores() -> None:
    diff = diff_reports(None, NEW)
    assert [r.language for r in diff.languages] == ["en", "fa", "ms"]
    assert diff.languages[0].intent_f1 == ScoreChange(None, 0.93)
    assert diff_reports(OLD, None).languages[1].response_f1 == ScoreChange(0.8, None)
