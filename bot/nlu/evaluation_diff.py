"""What changed between two evaluation reports (``f1.json`` of ``bot.nlu.evaluate``).

Standard library only: ``bot.nlu.evaluate`` (Rasa's environment) writes ``diff.md``
with it after each run, and the gateway shows a trainer the before and after
of a retrain with it. A report maps each language to a row with ``intent_f1``,
``response_f1`` (intent + faq key), ``examples`` and ``per_label_f1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DEFAULT_LABEL_THRESHOLD",
    "EvaluationDiff",
    "LabelChange",
    "LanguageDiff",
    "ScoreChange",
    "diff_reports",
    "render_diff",
]

#: Per-label F1 changes up to this size are noise on a few dozen examples.
DEFAULT_LABEL_THRESHOLD: Final = 0.01
_DIGITS: Final = 4  # f1.json rounds scores to four decimals
_NONE: Final = "—"


@dataclass(frozen=True)
class ScoreChange:
    """One score before and after; None where a report does not have it."""

    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        """``new - old``, rounded as the reports are; None unless both exist."""
        if self.old is None or self.new is None:
            return None
        return round(self.new - self.old, _DIGITS)


@dataclass(frozen=True)
class LabelChange:
    """A label whose F1 moved by more than the threshold, or that is in one report only."""

    label: str
    f1: ScoreChange


@dataclass(frozen=True)
class LanguageDiff:
    """One language's scores before and after, and its labels that moved."""

    language: str
    examples: ScoreChange
    intent_f1: ScoreChange
    response_f1: ScoreChange
    labels: tuple[LabelChange, ...]


@dataclass(frozen=True)
class EvaluationDiff:
    """Every language of either report, in the newer report's order."""

    languages: tuple[LanguageDiff, ...]
    threshold: float


def _number(row: Any, key: str) -> float | None:
    value = row.get(key) if isinstance(row, Mapping) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _per_label(row: Any) -> dict[str, float]:
    labels = row.get("per_label_f1") if isinstance(row, Mapping) else None
    if not isinstance(labels, Mapping):
        return {}
    return {str(label): score for label in labels if (score := _number(labels, label)) is not None}


def _label_changes(old_row: Any, new_row: Any, threshold: float) -> tuple[LabelChange, ...]:
    old, new = _per_label(old_row), _per_label(new_row)
    changes = [LabelChange(label, ScoreChange(old.get(label), new.get(label))) for label in sorted({*old, *new})]
    moved = [c for c in changes if c.f1.delta is None or abs(c.f1.delta) > threshold]
    # Biggest moves first; labels in one report only after them.
    return tuple(sorted(moved, key=lambda c: (c.f1.delta is None, -abs(c.f1.delta or 0.0), c.label)))


def _language_diff(language: str, old_row: Any, new_row: Any, threshold: float) -> LanguageDiff:
    def change(key: str) -> ScoreChange:
        return ScoreChange(_number(old_row, key), _number(new_row, key))

    return LanguageDiff(
        language,
        examples=change("examples"),
        intent_f1=change("intent_f1"),
        response_f1=change("response_f1"),
        labels=_label_changes(old_row, new_row, threshold),
    )


def diff_reports(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, threshold: float = DEFAULT_LABEL_THRESHOLD
) -> EvaluationDiff:
    """Per language: examples, intent F1 and intent + faq key F1 old and new, and labels that moved.

    A missing report (None) counts as one without scores.
    """
    old, new = old or {}, new or {}
    languages = [*new, *(language for language in old if language not in new)]
    return EvaluationDiff(
        tuple(
            _language_diff(language, old.get(language), new.get(language), threshold)
            for language in languages
            if isinstance(old.get(language), Mapping) or isinstance(new.get(language), Mapping)
        ),
        threshold,
    )


def _score(value: float | None, digits: int) -> str:
    return _NONE if value is None else f"{value:.{digits}f}"


def _delta(change: ScoreChange) -> str:
    return _NONE if change.delta is None else f"{change.delta:+.3f}"


def _old_to_new(change: ScoreChange, digits: int = 3) -> str:
    return f"{_score(change.old, digits)} → {_score(change.new, digits)}"


def render_diff(
    diff: EvaluationDiff | None,
    old_name: str = "before",
    new_name: str = "after",
    title: str = "Changes since the earlier report",
) -> str:
    """The diff as markdown; for None, says there was no earlier report."""
    lines = [f"# {title}", ""]
    if diff is None:
        return "\n".join([*lines, "No earlier report to compare with.", ""])
    lines += [
        f"{old_name} → {new_name}",
        "",
        "| language | examples | intent F1 | change | intent + faq key F1 | change |",
        "|---|---|---|---|---|---|",
    ]
    for row in diff.languages:
        lines.append(
            f"| {row.language} | {_old_to_new(row.examples, 0)} | {_old_to_new(row.intent_f1)} "
            f"| {_delta(row.intent_f1)} | {_old_to_new(row.response_f1)} | {_delta(row.response_f1)} |"
        )
    lines += ["", f"## Labels whose F1 changed by more than {diff.threshold:g}", ""]
    moved = [(row.language, change) for row in diff.languages for change in row.labels]
    if not moved:
        return "\n".join([*lines, f"No label's F1 changed by more than {diff.threshold:g}.", ""])
    lines += ["| language | label | F1 | change |", "|---|---|---|---|"]
    lines += [f"| {lang} | {c.label} | {_old_to_new(c.f1, 2)} | {_delta(c.f1)} |" for lang, c in moved]
    return "\n".join([*lines, ""])
