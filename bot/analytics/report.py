"""Support analytics, read back: figures per day and language for a range of days, and CSV.

The counts are what :class:`bot.analytics.recorder.AnalyticsRecorder` adds up in Redis;
this module derives the rates and means from them (README, "Analytics", says what
each figure means). Rates and means without a base (no conversation, no turn,
no rating) are None in JSON and an empty cell in CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from redis.asyncio import Redis

from bot.analytics.metrics import RATING_SCORES
from bot.analytics.recorder import Counted, handoff_reason_field, rating_field
from bot.core import keys
from bot.core.languages import SUPPORTED_LANGUAGES
from bot.core.signals import HandoffReason

__all__ = [
    "ALL_LANGUAGES",
    "COLUMNS",
    "TOTAL_DAY",
    "BadDateRange",
    "Report",
    "figures",
    "parse_date_range",
    "read_report",
    "report_csv",
]

ALL_LANGUAGES: Final = "all"
TOTAL_DAY: Final = "total"
DEFAULT_REPORT_DAYS: Final = 14
MAX_REPORT_DAYS: Final = 400

REASON_COLUMNS: Final = tuple(f"handoffs_{reason.value}" for reason in HandoffReason)
RATING_COLUMNS: Final = tuple(f"ratings_{score}" for score in RATING_SCORES)
#: The columns of a report row, in order (JSON keys and CSV header).
COLUMNS: Final = (
    "day", "language", "conversations", "contained", "containment_rate", "handoffs", "handoff_rate",
    *REASON_COLUMNS, "assistant_turns", "low_confidence_turns", "fallback_rate",
    "waits", "mean_wait_s", "first_responses", "mean_first_response_s", "handled", "mean_handling_s",
    "resolutions", "handbacks", "ratings", "mean_rating", *RATING_COLUMNS,
)  # fmt: skip


class BadDateRange(ValueError):
    """The report's ``from``/``to`` are not dates, are reversed, or span too many days."""


def parse_date_range(start: str | None, end: str | None, today: date | None = None) -> tuple[date, date]:
    """``YYYY-MM-DD`` bounds, both included; by default the last 14 days up to today (UTC)."""
    try:
        last = date.fromisoformat(end) if end else today or datetime.now(UTC).date()
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    except ValueError as error:
        raise BadDateRange("dates are YYYY-MM-DD") from error
    if first > last:
        raise BadDateRange("'from' is after 'to'")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise BadDateRange(f"at most {MAX_REPORT_DAYS} days at once")
    return first, last


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def figures(day: str, language: str, counts: Mapping[str, float]) -> dict[str, Any]:
    """One report row: the counts of a day (or range) and language, and what follows from them."""

    def count(name: str) -> int:
        return int(counts.get(name, 0))

    conversations, handoffs = count(Counted.CONVERSATIONS), count(Counted.HANDOFFS)
    contained = max(0, conversations - count(Counted.HANDED_OFF))
    turns, waits = count(Counted.ASSISTANT_TURNS), count(Counted.WAITS)
    responses, handled, ratings = count(Counted.FIRST_RESPONSES), count(Counted.HANDLED), count(Counted.RATINGS)
    row: dict[str, Any] = {
        "day": day,
        "language": language,
        "conversations": conversations,
        "contained": contained,
        "containment_rate": _ratio(contained, conversations),
        "handoffs": handoffs,
        "handoff_rate": _ratio(handoffs, conversations),
        **{
            column: count(handoff_reason_field(reason))
            for column, reason in zip(REASON_COLUMNS, HandoffReason, strict=True)
        },
        "assistant_turns": turns,
        "low_confidence_turns": count(Counted.LOW_CONFIDENCE_TURNS),
        "fallback_rate": _ratio(count(Counted.LOW_CONFIDENCE_TURNS), turns),
        "waits": waits,
        "mean_wait_s": _ratio(counts.get(Counted.WAIT_S, 0.0), waits, 1),
        "first_responses": responses,
        "mean_first_response_s": _ratio(counts.get(Counted.FIRST_RESPONSE_S, 0.0), responses, 1),
        "handled": handled,
        "mean_handling_s": _ratio(counts.get(Counted.HANDLING_S, 0.0), handled, 1),
        "resolutions": count(Counted.RESOLUTIONS),
        "handbacks": count(Counted.HANDBACKS),
        "ratings": ratings,
        "mean_rating": _ratio(counts.get(Counted.RATING_SUM, 0.0), ratings, 2),
        **{column: count(rating_field(score)) for column, score in zip(RATING_COLUMNS, RATING_SCORES, strict=True)},
    }
    return row


@dataclass(frozen=True)
class Report:
    """Rows per day and language (languages, then "all"), and the same over the whole range."""

    start: date
    end: date
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]]

    def to_public(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "languages": [*SUPPORTED_LANGUAGES, ALL_LANGUAGES],
            "columns": list(COLUMNS),
            "rows": self.rows,
            "totals": self.totals,
        }


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _summed(counts: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for one in counts:
        for name, value in one.items():
            total[name] = total.get(name, 0.0) + value
    return total


async def read_report(redis: Redis, start: date, end: date) -> Report:
    """Read every day's hashes from ``start`` to ``end`` (one round trip) and derive the figures."""
    days = [(start + timedelta(days=offset)).isoformat() for offset in range((end - start).days + 1)]
    async with redis.pipeline(transaction=False) as pipe:
        for day in days:
            for language in SUPPORTED_LANGUAGES:
                pipe.hgetall(keys.analytics_day_key(day, language))
        replies = iter(await pipe.execute())
    counts = {
        (day, language): {_text(k): float(_text(v)) for k, v in next(replies).items()}
        for day in days
        for language in SUPPORTED_LANGUAGES
    }
    rows: list[dict[str, Any]] = []
    for day in days:
        per_language = [counts[day, language] for language in SUPPORTED_LANGUAGES]
        rows += [figures(day, language, c) for language, c in zip(SUPPORTED_LANGUAGES, per_language, strict=True)]
        rows.append(figures(day, ALL_LANGUAGES, _summed(per_language)))
    by_language = {language: _summed([counts[day, language] for day in days]) for language in SUPPORTED_LANGUAGES}
    totals = [figures(TOTAL_DAY, language, c) for language, c in by_language.items()]
    totals.append(figures(TOTAL_DAY, ALL_LANGUAGES, _summed(list(by_language.values()))))
    return Report(start, end, rows, totals)


def report_csv(report: Report) -> str:
    """The report's rows, then its totals (day ``total``), as CSV; an empty cell where a rate has no base."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in [*report.rows, *report.totals]:
        writer.writerow({name: "" if value is None else value for name, value in row.items()})
    return buffer.getvalue()
