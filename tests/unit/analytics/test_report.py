"""The analytics report: rates and means from the counts, days, languages, the "all" rows, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from redis.asyncio import Redis

from bot.analytics.report import COLUMNS, BadDateRange, figures, parse_date_range, read_report, report_csv
from bot.core import keys


def test_figures_derive_rates_and_means_from_counts() -> None:
    counts = {
        "conversations": 8, "conversations_handed_off": 2, "handoffs": 3, "handoffs:complaint": 1,
        "handoffs:customer_request": 2, "assistant_turns": 20, "low_confidence_turns": 3,
        "waits": 2, "wait_s": 75.0, "first_responses": 3, "first_response_s": 40.0,
        "handled": 2, "handling_s": 601.0, "resolutions": 1, "handbacks": 1,
        "ratings": 3, "rating_sum": 11, "ratings:5": 2, "ratings:1": 1,
    }  # fmt: skip
    row = figures("2025-03-01", "en", counts)
    assert list(row) == list(COLUMNS)
    assert row["contained"] == 6 and row["containment_rate"] == 0.75
    assert row["handoff_rate"] == 0.375
    assert (row["handoffs_complaint"], row["handoffs_customer_request"], row["handoffs_low_confidence"]) == (1, 2, 0)
    assert row["fallback_rate"] == 0.15
    assert row["mean_wait_s"] == 37.5 and row["mean_first_response_s"] == 13.3 and row["mean_handling_s"] == 300.5
    assert row["mean_rating"] == 3.67 and (row["ratings_1"], row["ratings_5"]) == (1, 2)


def test_figures_without_a_base_are_none_not_zero() -> None:
    row = figures("2025-03-01", "fa", {"handoffs": 1})
    assert row["conversations"] == 0 and row["handoffs"] == 1
    for name in ("containment_rate", "handoff_rate", "fallback_rate", "mean_wait_s", "mean_rating"):
        assert row[name] is None, name


def test_date_range_defaults_to_the_last_fourteen_days() -> None:
    assert parse_date_range(None, None, today=date(2025, 3, 14)) == (date(2025, 3, 1), date(2025, 3, 14))
    assert parse_date_range("2025-02-27", "2025-03-02") == (date(2025, 2, 27), date(2025, 3, 2))
    assert parse_date_range("2025-03-02", "2025-03-02") == (date(2025, 3, 2), date(2025, 3, 2))
    for start, end in (("yesterday", None), ("2025-03-05", "2025-03-01"), ("2020-01-01", "2025-01-01")):
        with pytest.raises(BadDateRange):
            parse_date_range(start, end)


async def test_report_rows_per_day_and_language_with_all_and_totals(redis_client: Redis) -> None:
    await redis_client.hset(
        keys.analytics_day_key("2025-03-01", "en"), mapping={"conversations": 3, "conversations_handed_off": 1}
    )
    await redis_client.hset(
        keys.analytics_day_key("2025-03-01", "fa"), mapping={"conversations": 1, "assistant_turns": 4}
    )
    await redis_client.hset(
        keys.analytics_day_key("2025-03-02", "en"),
        mapping={"conversations": 4, "assistant_turns": 6, "low_confidence_turns": 1, "waits": 1, "wait_s": 30.5},
    )
    await redis_client.hset(keys.analytics_day_key("2025-03-03", "en"), mapping={"conversations": 99})  # outside
    report = await read_report(redis_client, date(2025, 3, 1), date(2025, 3, 2))
    assert [(r["day"], r["language"]) for r in report.rows[:5]] == [
        ("2025-03-01", language) for language in ("en", "hy", "fa", "ms", "all")
    ]
    assert len(report.rows) == 10
    day_1_all = report.rows[4]
    assert (day_1_all["conversations"], day_1_all["contained"], day_1_all["containment_rate"]) == (4, 3, 0.75)
    assert day_1_all["assistant_turns"] == 4 and day_1_all["fallback_rate"] == 0.0
    totals = {r["language"]: r for r in report.totals}
    assert [r["day"] for r in report.totals] == ["total"] * 5
    assert totals["en"]["conversations"] == 7 and totals["en"]["containment_rate"] == round(6 / 7, 4)
    assert totals["all"]["conversations"] == 8 and totals["all"]["fallback_rate"] == 0.1
    assert totals["all"]["mean_wait_s"] == 30.5 and totals["hy"]["conversations"] == 0
    public = report.to_public()
    assert public["from"] == "2025-03-01" and public["to"] == "2025-03-02"
    assert public["languages"] == ["en", "hy", "fa", "ms", "all"]


async def test_csv_has_the_same_rows_then_the_totals(redis_client: Redis) -> None:
    await redis_client.hset(keys.analytics_day_key("2025-03-01", "ms"), mapping={"conversations": 2, "handoffs": 1})
    report = await read_report(redis_client, date(2025, 3, 1), date(2025, 3, 1))
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == 5 + 5
    assert list(rows[0]) == list(COLUMNS)
    ms = next(r for r in rows if r["day"] == "2025-03-01" and r["language"] == "ms")
    assert (ms["conversations"], ms["handoffs"], ms["handoff_rate"], ms["fallback_rate"]) == ("2", "1", "0.5", "")
    assert rows[-1]["day"] == "total" and rows[-1]["language"] == "all" and rows[-1]["conversations"] == "2"
