"""Structured logs: one event per line as ``key=value`` pairs.

Message text is never logged at info level; conversation id and language are.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields.update(getattr(record, "fields", {}))
        line = " ".join(f"{key}={json.dumps(value, ensure_ascii=False, default=str)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str, path: Path | None = None) -> None:
    """One record per line, to stderr or, with ``path``, appended to that file."""
    handler: logging.Handler
    if path is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(KeyValueFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def log_fields(**fields: Any) -> dict[str, Any]:
    """``extra=`` for a structured log call: ``log.info("x", extra=log_fields(conversation=...))``."""
    return {"fields": fields}
