import datetime as dt

import pytest

from handoff.hours import BusinessHours

MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_empty_means_always_open() -> None:
    assert BusinessHours("").is_open(MONDAY_10)


def test_spans_and_days() -> None:
    hours = BusinessHours("Mon-Fri 09:00-18:00, Sat 10:00-14:00")
    assert hours.is_open(MONDAY_10)
    assert not hours.is_open(MONDAY_10.replace(hour=18))
    assert hours.is_open(MONDAY_10 + dt.timedelta(days=5))  # Saturday 10:00
    assert not hours.is_open(MONDAY_10 + dt.timedelta(days=6))  # Sunday


def test_time_zone_is_applied() -> None:
    hours = BusinessHours("Mon-Fri 09:00-18:00", "Asia/Tehran")  # UTC+3:30
    assert hours.is_open(MONDAY_10)  # 13:30 in Tehran
    assert not hours.is_open(MONDAY_10.replace(hour=15))  # 18:30 in Tehran


def test_unreadable_hours_fail_loudly() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        BusinessHours("weekdays 9 to 5")
