"""Structured logs: one event per line, fields as key=value."""

from __future__ import annotations

import logging

from bot.core.logs import KeyValueFormatter, log_fields


def test_one_line_with_the_fields() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "queued", None, None)
    record.fields = log_fields(conversation="c1", language="fa", reason="complaint")["fields"]
    line = KeyValueFormatter().format(record)
    assert "\n" not in line
    assert 'event="queued"' in line and 'conversation="c1"' in line and 'language="fa"' in line
    assert 'level="info"' in line and 'logger="bot.x"' in line
