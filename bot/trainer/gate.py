"""The gate a new model passes before it is put in service: no language's score may drop by more than a margin.

Scores are the held-out figures of :mod:`bot.nlu.evaluate` (``f1.json``), per
language: intent F1, and intent + faq key F1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.core.languages import LANGUAGES

__all__ = ["GATED_SCORES", "ModelRefused", "ScoreDrop", "score_drops", "summary_of"]

#: The scores the gate compares, as the trainer reads them.
GATED_SCORES: Final = {"intent_f1": "intent F1", "response_f1": "intent + faq key F1"}
LANGUAGE_NAMES: Final[dict[str, str]] = {code: info.name for code, info in LANGUAGES.items()}


@dataclass(frozen=True)
class ScoreDrop:
    """One language's score that dropped by more than the margin."""

    language: str
    score: str
    before: float
    after: float

    def __str__(self) -> str:
        name = LANGUAGE_NAMES.get(self.language)
        language = f"{name} ({self.language})" if name else self.language
        change = self.after - self.before
        return f"{language} {GATED_SCORES[self.score]} {self.before:.3f} → {self.after:.3f} ({change:+.3f})"

    def to_public(self) -> dict[str, Any]:
        return {"language": self.language, "score": self.score, "before": self.before, "after": self.after}


def score_drops(
    before: Mapping[str, Mapping[str, float]] | None, after: Mapping[str, Mapping[str, float]] | None, margin: float
) -> list[ScoreDrop]:
    """Each language's gated score (summaries of :func:`summary_of`) that dropped by more than ``margin``.

    Nothing to compare (no model in service, or it could not be scored) is no
    drop. A language the new model has no score for counts as 0.
    """
    if before is None or after is None:
        return []
    drops = []
    for language, old in before.items():
        for score in GATED_SCORES:
            was, now = float(old.get(score, 0.0)), float(after.get(language, {}).get(score, 0.0))
            # Rounded as the reports are (four decimals): 0.91 -> 0.90 is a drop of 0.01, not of 0.0100000001.
            if round(was - now, 4) > margin:
                drops.append(ScoreDrop(language, score, was, now))
    return drops


class ModelRefused(Exception):
    """The new model scored worse than the one in service; carries the job's result for the trainer."""

    def __init__(self, drops: list[ScoreDrop], result: dict[str, Any]) -> None:
        self.drops = drops
        self.result = result
        dropped = "; ".join(str(drop) for drop in drops)
        super().__init__(
            f"{result['model']} was not put in service: {dropped}, more than the margin of {result['margin']:.3f}."
            f" {result['previous_model']} stays in service."
        )


def summary_of(report: dict[str, Any] | None) -> dict[str, dict[str, float]] | None:
    """Per language: intent F1, intent + faq key F1, examples (what the page shows)."""
    if report is None:
        return None
    return {
        language: {
            "intent_f1": float(row.get("intent_f1", 0.0)),
            "response_f1": float(row.get("response_f1", 0.0)),
            "examples": float(row.get("examples", 0)),
        }
        for language, row in report.items()
        if isinstance(row, dict)
    }
