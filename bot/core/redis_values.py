"""Reading redis-py's replies: bytes (or None for a missing key) as text."""

from __future__ import annotations

__all__ = ["as_text"]


def as_text(value: bytes | str | None) -> str:
    """A Redis reply as text; a missing value is ``""``."""
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
